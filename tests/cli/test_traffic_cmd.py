"""``borderflow traffic bench`` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.traffic_cmd import app

DATA = Path(__file__).resolve().parent.parent / "orchestrator" / "mapf" / "data"
MAP = str(DATA / "random-32-32-20.map")
SCEN = str(DATA / "random-32-32-20-random-1.scen")

runner = CliRunner()


def test_bench_solves_checks_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    result = runner.invoke(app, ["bench", MAP, SCEN, "--agents", "30", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "sum of costs" in result.output and "checker" in result.output
    figures = json.loads(out.read_text())
    assert figures["solved"] is True
    assert figures["checker"] == "ok"
    assert figures["agents"] == 30
    assert figures["sum_of_costs"] >= figures["sum_of_costs_lower_bound"] > 0
    assert figures["makespan"] > 0
    assert figures["planning_time_s"] > 0


def test_bench_same_seed_same_figures(tmp_path: Path) -> None:
    runs = []
    for k in range(2):
        out = tmp_path / f"{k}.json"
        args = ["bench", MAP, SCEN, "-n", "20", "--solver", "pibt", "--seed", "3"]
        result = runner.invoke(app, [*args, "--json", str(out)])
        assert result.exit_code == 0, result.output
        figures = json.loads(out.read_text())
        runs.append((figures["makespan"], figures["sum_of_costs"]))
    assert runs[0] == runs[1]


def test_unsolved_exits_1_with_the_reason(tmp_path: Path) -> None:
    corridor = tmp_path / "corridor.map"
    corridor.write_text("type octile\nheight 1\nwidth 3\nmap\n...\n")
    scen = tmp_path / "swap.scen"
    scen.write_text("version 1\n0\tc.map\t3\t1\t0\t0\t2\t0\t2\n0\tc.map\t3\t1\t2\t0\t0\t0\t2\n")
    result = runner.invoke(app, ["bench", str(corridor), str(scen), "--agents", "2"])
    assert result.exit_code == 1
    assert "no solution" in result.output


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["bench", MAP, SCEN, "--agents", "500"])
    assert result.exit_code == 1
    assert "use --agents 409 or less" in result.output
    result = runner.invoke(app, ["bench", str(tmp_path / "nope.map"), SCEN])
    assert result.exit_code == 1
    assert "cannot read" in result.output
    result = runner.invoke(app, ["bench", MAP, SCEN, "--solver", "astar"])
    assert result.exit_code == 1
    assert "unknown solver 'astar'" in result.output


def test_help_explains_the_formats() -> None:
    result = runner.invoke(app, ["bench", "--help"])
    assert result.exit_code == 0
    assert "version 1" in result.output and "SoCS 2019" in result.output
