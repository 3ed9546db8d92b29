"""``borderflow map validate | info | render`` through typer's CliRunner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli import app
from maps import bundled_map_path

runner = CliRunner()


def test_validate_a_good_map():
    result = runner.invoke(app, ["map", "validate", str(bundled_map_path("test_crossing"))])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "2 gates" in result.output


def test_validate_a_broken_map_lists_the_problems(tmp_path):
    doc = json.loads(bundled_map_path("test_crossing").read_text())
    for f in doc["features"]:
        if f["id"] == "cn_yard_ring":
            f["properties"]["speed_limit_kmh"] = 10
        if f["id"] == "mn_hold_a":
            del f["properties"]["role"]
    path = tmp_path / "broken.geojson"
    path.write_text(json.dumps(doc))
    result = runner.invoke(app, ["map", "validate", str(path)])
    assert result.exit_code == 1
    assert "2 problem(s)" in result.output
    assert "cn_yard_ring" in result.output and "mn_hold_a" in result.output


def test_validate_a_missing_file():
    result = runner.invoke(app, ["map", "validate", "/nonexistent/map.geojson"])
    assert result.exit_code == 1 and "cannot read" in result.output


def test_info_shows_sides_gates_and_zones():
    result = runner.invoke(app, ["map", "info", "erenhot_zamyn_uud"], terminal_width=120)
    assert result.exit_code == 0, result.output
    texts = ("Per side of the border", "gate_cn", "road_mn_to_cn", "cn_hold_bay_a", "km")
    for text in (*texts, "parking stations", "mn_depot_2"):
        assert text in result.output


def test_render_writes_a_png(tmp_path):
    out = tmp_path / "m.png"
    result = runner.invoke(app, ["map", "render", "test_crossing", "-o", str(out), "--dpi", "50"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_help_texts_teach_with_examples():
    for cmd in ("validate", "info", "render"):
        result = runner.invoke(app, ["map", cmd, "--help"], terminal_width=120)
        assert result.exit_code == 0
        assert "Examples" in result.output and f"borderflow map {cmd}" in result.output
