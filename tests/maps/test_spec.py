"""Mistakes in a corridor spec: every one named by its dotted key, with how to fix it."""

from __future__ import annotations

import tomllib

import pytest
from pyproj import Geod

from cli.map_new_cmd import EXAMPLE_SPEC
from maps.spec import SpecError, load_spec, parse_spec
from maps.tools.corridor import build_corridor_map
from orchestrator.lanegraph import GateType, Side
from tests.maps.conftest import SMALL_SPEC as SMALL


def _doc(text: str = SMALL) -> dict:
    return tomllib.loads(text)


def _problems(doc: dict) -> dict[str, str]:
    with pytest.raises(SpecError) as err:
        build_corridor_map(parse_spec(doc, "test.toml"))
    return {p.key: p.message for p in err.value.problems}


def test_the_small_spec_and_the_example_are_valid():
    spec = parse_spec(_doc(), "small.toml")
    assert (spec.a.side, spec.b.side) == (Side.MN, Side.CN)
    assert spec.b.slots.places == 2 and spec.a.gate_type is GateType.SMART  # defaults
    assert spec.a.depots.count == 1 and spec.a.gate_distance_m == 25.0
    build_corridor_map(parse_spec(_doc(EXAMPLE_SPEC), "example.toml"))


def test_an_unknown_key_is_named_with_a_suggestion():
    doc = _doc()
    doc["ends"]["a"]["yrad"] = doc["ends"]["a"].pop("yard")
    found = _problems(doc)
    assert "did you mean 'yard'" in found["ends.a.yrad"]
    assert "missing table [ends.a.yard]" in found["ends.a.yard"]


def test_unknown_keys_in_sub_tables_and_top_level():
    doc = _doc()
    doc["ends"]["b"]["gate"] = {"kind": "smart"}
    doc["corridors"] = {}
    found = _problems(doc)
    assert "[ends.b.gate] takes distance_to_line_m, type" in found["ends.b.gate.kind"]
    assert "did you mean 'corridor'" in found["corridors"]


def test_wrong_types_and_ranges():
    doc = _doc()
    doc["corridor"]["lanes_each_way"] = "two"
    doc["corridor"]["speed_limit_kph"] = 90
    doc["ends"]["a"]["yard"]["slots"] = 0
    doc["ends"]["a"]["gate"] = {"type": "automatic"}
    found = _problems(doc)
    assert "whole number in 1..4, got 'two'" in found["corridor.lanes_each_way"]
    assert "(0, 60]" in found["corridor.speed_limit_kph"]
    assert "1..200" in found["ends.a.yard.slots"]
    assert "'drive_through'" in found["ends.a.gate.type"]


def test_too_few_centreline_points():
    doc = _doc()
    doc["corridor"]["centreline"] = [[106.9, 42.43]]
    assert "at least 2 [lon, lat] points, got 1 point(s)" in _problems(doc)["corridor.centreline"]


def test_swapped_lonlat_in_the_centreline():
    doc = _doc()
    doc["corridor"]["centreline"] = [[42.43, 106.9], [42.40, 106.9]]
    msg = _problems(doc)["corridor.centreline"]
    assert "longitude and latitude look swapped" in msg and "[106.9, 42.43]" in msg


def test_a_border_the_centreline_does_not_cross():
    doc = _doc()
    del doc["corridor"]["border_at_m"]
    doc["border"] = {"line": [[106.8, 42.5], [107.0, 42.5]]}  # north of the whole corridor
    assert "does not cross corridor.centreline" in _problems(doc)["border.line"]


def test_the_border_given_twice_or_not_at_all():
    doc = _doc()
    doc["border"] = {"line": [[106.8, 42.415], [107.0, 42.415]]}
    assert "given twice" in _problems(doc)["corridor.border_at_m"]
    doc = _doc()
    del doc["corridor"]["border_at_m"]
    assert "where is the border?" in _problems(doc)["corridor.border_at_m"]


def test_both_ends_on_one_side():
    doc = _doc()
    doc["ends"]["b"]["side"] = "MN"
    assert "one end is CN and the other MN" in _problems(doc)["ends.b.side"]


def test_a_border_beyond_the_centreline_or_without_room_for_an_end():
    doc = _doc()
    doc["corridor"]["border_at_m"] = 9000
    msg = _problems(doc)["corridor.border_at_m"]
    length = Geod(ellps="WGS84").inv(106.9, 42.43, 106.9, 42.40)[2]  # about 3.33 km
    said = float(msg.split("only ")[1].split(" m long")[0])
    assert said == pytest.approx(length, rel=2e-3) and msg.startswith("is 9000 m")
    doc["corridor"]["border_at_m"] = 300
    msg = _problems(doc)["corridor.border_at_m"]
    assert "end a (North)" in msg and "lengthen the centreline" in msg


def test_a_bend_inside_a_customs_area():
    doc = _doc()
    # A point 100 m south of the border (at 1600 m): inside end b's straight customs stretch.
    doc["corridor"]["centreline"] = [[106.90, 42.43], [106.9003, 42.4147], [106.90, 42.40]]
    msg = _problems(doc)["corridor.centreline"]
    assert "point 1" in msg and "customs area of end b" in msg


def test_a_sharp_turn_and_points_too_close():
    doc = _doc()
    doc["corridor"]["centreline"] = [
        [106.90, 42.43],
        [106.90, 42.4301],
        [106.90, 42.40],
        [106.95, 42.43],
    ]
    msg = _problems(doc)["corridor.centreline"]
    assert "points 0 and 1 are only" in msg or "turns by" in msg


def test_every_mistake_at_once():
    doc = _doc()
    doc["map"]["nmae"] = "typo"
    doc["ends"]["b"]["chargers"] = {"count": 0}
    found = _problems(doc)
    assert {"map.nmae", "ends.b.chargers.count"} <= set(found)


def test_unreadable_and_non_toml_files(tmp_path):
    with pytest.raises(SpecError, match="cannot read"):
        load_spec(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[map\nname = 1\n")
    with pytest.raises(SpecError, match=r"bad\.toml is not TOML"):
        load_spec(bad)


def test_the_documented_example_is_the_one_map_new_prints_and_it_builds():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "maps.md").read_text(encoding="utf-8")
    section = doc.split("## Building a map from a spec", 1)[1]
    block = section.split("```toml\n", 1)[1].split("```", 1)[0]
    assert block == EXAMPLE_SPEC
    build_corridor_map(parse_spec(tomllib.loads(block), "docs.toml"))
