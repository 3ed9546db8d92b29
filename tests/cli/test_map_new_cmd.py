"""``borderflow map new``: spec in, valid map out (or a clear error and no file)."""

from __future__ import annotations

import tomllib

from typer.testing import CliRunner

from cli import app
from cli.map_new_cmd import EXAMPLE_SPEC
from maps import bundled_map_path, load_map, validate_map
from maps.tools.build_maps import GANQIMAODU_SPEC
from orchestrator.lanegraph import Side, StationRole

runner = CliRunner(env={"COLUMNS": "250"})  # rich wraps at the terminal width


def test_the_example_spec_builds_a_valid_map(tmp_path):
    printed = runner.invoke(app, ["map", "new", "--example"])
    assert printed.exit_code == 0 and printed.output == EXAMPLE_SPEC
    spec = tmp_path / "example.toml"
    spec.write_text(printed.output)
    out, png = tmp_path / "example.geojson", tmp_path / "example.png"
    result = runner.invoke(
        app, ["map", "new", str(spec), "-o", str(out), "--render", str(png)], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert validate_map(out) == []
    assert png.read_bytes()[:4] == b"\x89PNG"
    graph = load_map(out)
    wanted = tomllib.loads(EXAMPLE_SPEC)["ends"]
    assert len(graph.stations_with(StationRole.YARD_SLOT, Side.MN)) == wanted["a"]["yard"]["slots"]
    assert len(graph.stations_with(StationRole.YARD_SLOT, Side.CN)) == wanted["b"]["yard"]["slots"]
    assert "wrote" in result.output and "corridor" in result.output


def test_map_new_reproduces_the_bundled_ganqimaodu_map(tmp_path):
    out = tmp_path / "g.geojson"
    result = runner.invoke(app, ["map", "new", str(GANQIMAODU_SPEC), "-o", str(out)])
    assert result.exit_code == 0, result.output
    committed = bundled_map_path("ganqimaodu_gashuunsukhait").read_bytes()
    assert out.read_bytes() == committed
    again = tmp_path / "again.geojson"
    runner.invoke(app, ["map", "new", str(GANQIMAODU_SPEC), "-o", str(again)])
    assert again.read_bytes() == committed  # deterministic


def test_a_spec_mistake_names_the_key_and_writes_nothing(tmp_path):
    text = EXAMPLE_SPEC.replace("lanes_each_way = 2", "lanes_each_way = 'two'").replace(
        "yard = { slots = 8 }", "yard = { slot = 8 }"
    )
    spec = tmp_path / "bad.toml"
    spec.write_text(text)
    out = tmp_path / "bad.geojson"
    result = runner.invoke(app, ["map", "new", str(spec), "-o", str(out)], terminal_width=200)
    assert result.exit_code == 1
    assert "corridor.lanes_each_way" in result.output and "ends.b.yard.slot" in result.output
    assert "did you mean 'slots'" in result.output and "3 problem(s)" in result.output
    assert not out.exists()


def test_a_gate_the_agv_cannot_stop_before_is_not_written(tmp_path):
    text = EXAMPLE_SPEC.replace(
        'gate = { type = "smart", distance_to_line_m = 30 }',
        'gate = { type = "drive_through", distance_to_line_m = 30 }',
    )
    spec = tmp_path / "fast.toml"
    spec.write_text(text)
    out = tmp_path / "fast.geojson"
    result = runner.invoke(app, ["map", "new", str(spec), "-o", str(out)], terminal_width=250)
    assert result.exit_code == 1, result.output
    assert "gate-too-close" in result.output and "not written" in result.output
    assert not out.exists()
    slow = ["--agv-speed-kph", "8"]
    assert runner.invoke(app, ["map", "new", str(spec), "-o", str(out), *slow]).exit_code == 0
    assert out.exists()


def test_usage_without_a_spec():
    result = runner.invoke(app, ["map", "new"])
    assert result.exit_code == 2 and "--example" in result.output
