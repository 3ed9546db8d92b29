"""``borderflow map validate | info | render`` through typer's CliRunner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli import app
from maps import bundled_map_path

runner = CliRunner(env={"COLUMNS": "250"})  # rich wraps at the terminal width


def test_validate_a_good_map():
    result = runner.invoke(
        app, ["map", "validate", str(bundled_map_path("erenhot_zamyn_uud"))], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "2 gates" in result.output
    assert "EPSG:32649 (the UTM zone of the map's centre)" in result.output
    assert "warning" not in result.output


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
    assert path.read_text() == json.dumps(doc)  # validating changes nothing


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
    for cmd in ("validate", "info", "render", "new"):
        result = runner.invoke(app, ["map", cmd, "--help"], terminal_width=120)
        assert result.exit_code == 0
        assert "Examples" in result.output and f"borderflow map {cmd}" in result.output


def _write(tmp_path, doc, name="m.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


def _test_crossing():
    return json.loads(bundled_map_path("test_crossing").read_text())


def test_validate_warns_in_yellow_but_exits_0():
    # The test crossing has 10 m stretches between buffer junctions: shorter than 15 + 8 m.
    result = runner.invoke(app, ["map", "validate", "test_crossing"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Warnings for an AGV of 15 m" in result.output and "short-segment" in result.output
    assert "road_cn_to_mn" in result.output and "valid, 6 warning(s)" in result.output


def test_validate_refuses_a_gate_too_close_for_the_agv(tmp_path):
    doc = _test_crossing()
    gate = next(f for f in doc["features"] if f["id"] == "gate_cn")
    gate["properties"]["gate_type"] = "drive_through"
    path = _write(tmp_path, doc)
    result = runner.invoke(app, ["map", "validate", path], terminal_width=250)
    assert result.exit_code == 1, result.output
    assert "gate-too-close" in result.output and "gate_cn" in result.output
    assert "invalid for this AGV" in result.output
    # A slow, short AGV stops in time at the same gate.
    slow = ["--agv-speed-kph", "5", "--vehicle-length-m", "10"]
    result = runner.invoke(app, ["map", "validate", path, *slow], terminal_width=250)
    assert result.exit_code == 0, result.output


def test_validate_a_map_in_another_utm_zone_without_crs(tmp_path):
    doc = _test_crossing()

    def shift(c):
        return [shift(x) for x in c] if isinstance(c[0], list) else [c[0] - 103.05, c[1]]

    for f in doc["features"]:
        f["geometry"]["coordinates"] = shift(f["geometry"]["coordinates"])  # to 9 E
    path = _write(tmp_path, doc)
    result = runner.invoke(app, ["map", "validate", path], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "EPSG:32632" in result.output
    forced = runner.invoke(app, ["map", "validate", path, "--crs", "EPSG:32649"])
    assert forced.exit_code == 1 and "wrong-crs" in forced.output


def test_validate_shows_the_hint_for_swapped_coordinates(tmp_path):
    doc = _test_crossing()

    def swap(c):
        return [swap(x) for x in c] if isinstance(c[0], list) else [c[1], c[0]]

    for f in doc["features"]:
        f["geometry"]["coordinates"] = swap(f["geometry"]["coordinates"])
    result = runner.invoke(app, ["map", "validate", _write(tmp_path, doc)], terminal_width=250)
    assert result.exit_code == 1
    assert "longitude and latitude look swapped" in result.output
    assert "swapped-lonlat" in result.output and "looks projected" not in result.output
    assert "invalid: 1 problem(s) in" in result.output  # one line, not one per position
    assert "Fix: swap the two numbers of every position" in result.output


def test_info_of_an_unknown_name_lists_the_bundled_maps():
    result = runner.invoke(app, ["map", "info", "erenhot"], terminal_width=250)
    assert result.exit_code == 1
    assert "No such file or directory" not in result.output
    assert "did you mean erenhot_zamyn_uud?" in result.output
    assert "Bundled maps: erenhot_zamyn_uud, ganqimaodu_gashuunsukhait, test_crossing" in (
        result.output
    )


def test_info_shows_gate_types_and_distances_to_the_line():
    result = runner.invoke(app, ["map", "info", "ganqimaodu_gashuunsukhait"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "EPSG:32648 (the map's projected_crs)" in result.output
    assert "smart" in result.output and "to line (m)" in result.output


def test_render_and_new_make_the_output_folder(tmp_path):
    # `-o out/map.png` on a fresh clone: there is no out/ yet (it was a traceback).
    out = tmp_path / "out" / "deep" / "map.png"
    result = runner.invoke(app, ["map", "render", "test_crossing", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    spec = bundled_map_path("test_crossing").parents[0] / "specs" / "ganqimaodu_gashuunsukhait.toml"
    made = tmp_path / "new" / "my.geojson"
    result = runner.invoke(app, ["map", "new", str(spec), "-o", str(made)])
    assert result.exit_code == 0, result.output
    assert json.loads(made.read_text())["type"] == "FeatureCollection"


def test_render_to_an_unwritable_place_is_one_clear_error(tmp_path):
    (tmp_path / "a_file").write_text("")
    for bad in (tmp_path / "a_file" / "map.png", tmp_path):  # under a file; a folder itself
        result = runner.invoke(app, ["map", "render", "test_crossing", "-o", str(bad)])
        assert result.exit_code == 2, result.output
        assert f"cannot write {bad}" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["map", "render", "test_crossing", "-o", str(tmp_path / "m.bmpx")])
    assert result.exit_code == 2 and "use .png, .svg or .pdf" in result.output
