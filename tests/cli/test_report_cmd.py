"""``borderflow report compare``: two KPI files side by side, the plot, clear errors."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _doc(agvs: int, p95_s: float, utilisation: float, **extra: Any) -> dict[str, Any]:
    kpis: dict[str, Any] = {
        "containers": {"delivered_total": 14, "arrived": {"CN->MN": 9}},
        "crossing_time_s": {"p50": 600.0, "p95": p95_s},
        "fleet": {"agvs": agvs, "utilisation": utilisation},
        "customs": {"late_verdicts": 0},
        "log_kinds": {"order.delivered": 14},
        **extra,
    }
    return {"scenario": "test_small", "seed": 7, "agvs": agvs, "simulated_h": 2.0, "kpis": kpis}


def _write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_compare_shows_both_runs_difference_and_ratio(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.json", _doc(4, 1536.0, 0.288))
    extra = {"faults": {"faults": 2}}  # a section only B has
    b = _write(tmp_path / "b.json", _doc(6, 1518.0, 0.19, **extra))
    result = runner.invoke(app, ["report", "compare", str(a), str(b)], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()

    def row(label: str) -> list[str]:
        line = next(x for x in lines if f" {label} " in x)
        return [cell.strip() for cell in line.strip("│ ").split("│")]

    assert "A: " in result.output and "(test_small, 4 AGVs, 2 h, seed 7)" in result.output
    assert row("95th percentile") == ["95th percentile", "25.6", "25.3", "-0.3", "0.99×", "min"]
    assert row("utilisation") == ["utilisation", "28.8", "19.0", "-9.8", "0.66×", "%"]
    assert row("AGVs") == ["AGVs", "4", "6", "+2", "1.50×", "AGVs"]
    assert row("late verdicts") == ["late verdicts", "0", "0", "0", "—", "verdicts"]
    assert row("happened") == ["happened", "—", "2", "—", "—", "breakdowns"]
    for section in ("Throughput", "Crossing time", "Fleet", "Customs", "Breakdowns"):
        assert section in result.output
    assert "crossing_time_s" not in result.output and "log_kinds" not in result.output


def test_out_writes_the_plot_and_a_markdown_table(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.json", _doc(4, 1536.0, 0.288))
    b = _write(tmp_path / "b.json", _doc(6, 1518.0, 0.19))
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["report", "compare", str(a), str(b), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "compare.md").read_text(encoding="utf-8")
    assert "### Crossing time" in md
    assert "| 95th percentile | 25.6 | 25.3 | -0.3 | 0.99× | min |" in md


def test_files_that_are_missing_or_no_kpi_json_are_clear_errors(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.json", _doc(4, 1536.0, 0.288))
    (tmp_path / "text.json").write_text("scenario: test_small\n", encoding="utf-8")
    _write(tmp_path / "events.json", {"t_s": 0.0, "kind": "vehicle.joined"})
    _write(tmp_path / "list.json", [1, 2])
    no_kpis = 'not a KPI file of `borderflow simulate --json`: it has no "kpis"'
    cases = {
        "missing.json": "missing.json: no such file",
        "text.json": "text.json: not JSON (Expecting value, line 1)",
        "events.json": f"events.json: {no_kpis}",
        "list.json": f"list.json: {no_kpis}",
        ".": "is a directory, not a KPI JSON file",
    }
    for name, message in cases.items():
        bad = str(tmp_path / name)
        for args in ([bad, str(good)], [str(good), bad]):
            result = runner.invoke(app, ["report", "compare", *args], env={"COLUMNS": "200"})
            assert result.exit_code == 2, (name, result.output)
            assert message in result.output, (name, result.output)
            assert "Traceback" not in result.output


def test_help_has_an_example() -> None:
    result = runner.invoke(app, ["report", "compare", "--help"])
    assert result.exit_code == 0 and "borderflow report compare out/a.json" in result.output


@pytest.mark.parametrize("doc", ["README.md", "docs/simulation.md"])
def test_the_documented_compare_example_runs_as_written(
    doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    at = next(i for i, line in enumerate(lines) if line.startswith("borderflow report compare"))
    example = [x for x in lines[at - 2 : at + 1] if not x.startswith("#")]
    assert [x.split()[1] for x in example] == ["simulate", "simulate", "report"], example
    monkeypatch.chdir(tmp_path)  # out/ of the example lands here
    for line in example:
        result = runner.invoke(app, shlex.split(line, comments=True)[1:])
        assert result.exit_code == 0, (line, result.output)
    assert (tmp_path / "out" / "compare" / "compare.png").is_file()
