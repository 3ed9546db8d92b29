"""``borderflow sweep``: the files a study writes, the answer it prints, its exit codes."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from cli import app

runner = CliRunner()

SPEC = """
name = "tiny"
scenario = "test_small"
hours = 2.0
seeds = 3
[parameters]
"fleet.agvs" = [1, 4]
[target]
p95_crossing_min = 45
min_delivered_share = 0.5
"""


def _spec(tmp_path: Path, body: str = SPEC) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_sweep_writes_tables_and_a_report_with_the_answer(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", str(_spec(tmp_path)), "-o", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "6 runs executed, 0 reused" in result.output
    assert "smallest fleet for p95 <= 45 min (as given): 4 AGVs" in result.output
    rows = (out / "runs.csv").read_text().splitlines()
    assert len(rows) == 7 and (out / "runs.parquet").stat().st_size > 0
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 1  # one swept parameter, one figure
    assert (out / "plots" / "fleet_agvs.png").read_bytes()[:4] == b"\x89PNG"
    assert "Smallest fleet that meets it" in html and "<b>4 AGVs</b>" in html
    again = runner.invoke(app, ["sweep", str(_spec(tmp_path)), "-o", str(out), "--quiet"])
    assert again.exit_code == 0 and again.output == ""
    assert (out / "runs.csv").read_text().splitlines()[1:] != []


def test_dry_run_lists_the_design_and_runs_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", str(_spec(tmp_path)), "-o", str(out), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert (
        "2 points x 3 seeds = 6 runs" in result.output
        and "point 1: {'fleet.agvs': 4}" in result.output
    )
    assert not out.exists()


def test_a_bad_spec_is_exit_2_naming_the_key(tmp_path: Path) -> None:
    bad = _spec(tmp_path, SPEC.replace('"fleet.agvs" = [1, 4]', '"fleet.agvs" = [1, -4]'))
    result = runner.invoke(app, ["sweep", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "point 1" in result.output and "fleet.agvs" in result.output


def test_an_unreachable_scheduler_is_exit_3(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    args = ["sweep", str(_spec(tmp_path)), "-o", str(tmp_path / "o"),
            "--dask", f"tcp://127.0.0.1:{port}", "--quiet"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 3, result.output
    assert "cannot reach the Dask scheduler" in result.output and "dask scheduler" in result.output


def test_dask_local_starts_a_cluster_and_matches_the_pool(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert (
        runner.invoke(app, ["sweep", str(_spec(tmp_path)), "-o", str(a), "--quiet"]).exit_code == 0
    )
    result = runner.invoke(
        app,
        [
            "sweep",
            str(_spec(tmp_path)),
            "-o",
            str(b),
            "--dask",
            "local",
            "--workers",
            "2",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output

    def without_wall(p: Path) -> list[str]:
        return [line.rsplit(",", 1)[0] for line in (p / "runs.csv").read_text().splitlines()]

    assert without_wall(a) == without_wall(b)
