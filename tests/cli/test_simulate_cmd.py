"""``borderflow simulate``: files written, KPI table printed, exit codes, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()


def test_small_scenario_writes_json_report_and_events(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["simulate", "test_small", "--hours", "1", "--seed", "3"]
    files = ["--json", str(out / "k.json"), "--report", str(out / "r.html"),
             "--events", str(out / "e.jsonl")]  # fmt: skip
    result = runner.invoke(app, args + files)
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "k.json").read_text())
    assert doc["scenario"] == "test_small" and doc["seed"] == 3 and doc["simulated_h"] == 1.0
    assert doc["kpis"]["invariants"] == {
        "collisions": 0,
        "deadlocks": 0,
        "uncleared_crossings": 0,
        "short_commitments": 0,
    }
    # the KPI table for people: sections, labels, units; no machine keys
    for text in ("Safety invariants", "collisions", "95th percentile", "utilisation"):
        assert text in result.output
    assert "invariants.collisions" not in result.output and "crossing_time_s" not in result.output
    html = (out / "r.html").read_text()
    assert html.count("data:image/png;base64,") == 5
    assert "Congestion map" in html and "all invariants hold" in html
    lines = (out / "e.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["kind"] == "vehicle.joined"
    # same seed again: byte-identical JSON and event log
    again = tmp_path / "again"
    files2 = ["--json", str(again / "k.json"), "--events", str(again / "e.jsonl")]
    assert runner.invoke(app, [*args, "--quiet", *files2]).exit_code == 0
    assert (again / "k.json").read_bytes() == (out / "k.json").read_bytes()
    assert (again / "e.jsonl").read_bytes() == (out / "e.jsonl").read_bytes()


def test_kpi_table_explains_each_kpi_in_a_wide_terminal(tmp_path: Path) -> None:
    args = ["simulate", "test_small", "--hours", "1", "--json", str(tmp_path / "k.json")]
    wide = runner.invoke(app, args, env={"COLUMNS": "140"})
    assert wide.exit_code == 0, wide.output
    assert "what it means" in wide.output and "the slowest delivered container" in wide.output
    narrow = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert "what it means" not in narrow.output and "110+ columns" in narrow.output
    # the JSON keeps its machine keys, seconds and fractions
    doc = json.loads((tmp_path / "k.json").read_text())
    assert set(doc["kpis"]["crossing_time_s"]) == {"p50", "p95", "mean", "max"}
    assert 0 <= doc["kpis"]["fleet"]["utilisation"] <= 1


def test_bad_scenario_is_a_clear_error_with_exit_code_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", "no_such_study"])
    assert result.exit_code == 2
    assert "no such scenario file" in result.output and "test_small" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text('map = "test_crossing"\n[fleet]\nagvs = 0\n')
    result = runner.invoke(app, ["simulate", str(bad)])
    assert result.exit_code == 2
    assert "fleet.agvs: must be an integer >= 1, got 0" in result.output
    result = runner.invoke(app, ["simulate", "test_small", "--agvs", "0"])
    assert result.exit_code == 2 and "--agvs" in result.output


def test_help_teaches_with_examples() -> None:
    result = runner.invoke(app, ["simulate", "--help"])
    assert result.exit_code == 0
    for word in ("--realtime", "--report", "erenhot_day", "Exit code"):
        assert word in result.output


def test_db_writes_the_custody_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from risk_bridge.ledger import open_ledger

    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp_path / "keys"))  # not in $HOME

    db, ev, kpis = tmp_path / "custody.sqlite", tmp_path / "e.jsonl", tmp_path / "k.json"
    args = ["simulate", "test_small", "--hours", "2", "--db", str(db), "--events", str(ev)]
    args += ["--json", str(kpis)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "custody ledger:" in result.output
    log = [json.loads(line) for line in ev.read_text().splitlines()]
    delivered = next(e["data"]["container_id"] for e in log if e["kind"] == "order.delivered")
    ledger = open_ledger(str(db), readonly=True)
    try:
        kinds = [e.kind.value for _, e in ledger.container_events(delivered)]
        size, head = ledger.size, ledger.tree_head()
    finally:
        ledger.close()
    # The KPI JSON commits to the ledger: its size and the signed tree head of the run.
    reported = json.loads(kpis.read_text())["custody_ledger"]
    assert head is not None and reported == {"entries": size, "tree_head": head.to_obj()}
    assert size > len(kinds)
    assert kinds[0] == "seal_affixed" and kinds[-1] == "delivered"
    assert "handoff_yard_to_agv" in kinds
