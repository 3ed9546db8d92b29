"""Broken maps are rejected with precise problems: one case per rule, built by mutating a copy
of the test crossing. Each test also checks that the intact map has no such problem, so it
fails if the rule stops firing or starts firing on good maps."""

from __future__ import annotations

import json

import numpy as np
import pytest

from maps import MapError, load_map, validate_map
from maps.errors import MAP_ID
from maps.projection import Projector
from orchestrator.errors import BorderflowError
from tests.maps.conftest import codes, feature

M_PER_DEG_LON = 80_800.0  # at 43.55 N, close enough to move things by metres


def test_the_intact_maps_have_no_problems(small, erenhot):
    assert validate_map(small) == []
    assert validate_map(erenhot) == []


def test_unknown_property_is_an_error_with_a_suggestion(small):
    props = feature(small, "cn_yard_ring")["properties"]
    props["speed_limit_kmh"] = props.pop("speed_limit_kph")
    problems = validate_map(small)
    unknown = [p for p in problems if p.code == "unknown-property"]
    assert [p.feature_id for p in unknown] == ["cn_yard_ring"]
    assert "'speed_limit_kmh'" in unknown[0].message
    assert ("cn_yard_ring", "missing-property") in {(p.feature_id, p.code) for p in problems}


def test_missing_property(small):
    del feature(small, "cn_hold_a")["properties"]["role"]
    assert codes(small) == {("cn_hold_a", "missing-property")}


def test_bad_values(small):
    feature(small, "cn_yard_ring")["properties"]["speed_limit_kph"] = 200
    feature(small, "cn_slot_01")["properties"]["capacity_vehicles"] = 0
    feature(small, "cn_yard")["properties"]["zone_kind"] = "parking"
    feature(small, "cn_buffer_1_spur")["properties"]["exclusive"] = "yes"
    feature(small, "mn_slot_01")["properties"]["role"] = "gate"  # gates are 'gate' features
    assert codes(small) == {
        ("mn_slot_01", "bad-property"),
        ("cn_yard_ring", "bad-property"),
        ("cn_slot_01", "bad-property"),
        ("cn_yard", "bad-property"),
        ("cn_buffer_1_spur", "bad-property"),
    }


def test_unknown_kind_missing_id_and_duplicate_id(small):
    feature(small, "cn_charger_1")["properties"]["kind"] = "charger"
    small["features"].append(dict(feature(small, "cn_slot_01")))
    del feature(small, "mn_slot_01")["id"]
    found = codes(small)
    assert ("cn_charger_1", "bad-property") in found
    assert ("cn_slot_01", "duplicate-id") in found
    assert any(code == "missing-id" and fid.startswith("features[") for fid, code in found)


def test_wrong_geometry_type(small):
    gate = feature(small, "gate_cn")
    gate["geometry"] = {"type": "LineString", "coordinates": [gate["geometry"]["coordinates"]] * 2}
    assert codes(small) == {("gate_cn", "bad-geometry")}


def test_self_intersecting_polygon(small):
    ring = feature(small, "cn_yard")["geometry"]["coordinates"][0]
    ring[1], ring[2] = ring[2], ring[1]  # a bow tie
    problems = [p for p in validate_map(small) if p.feature_id == "cn_yard"]
    assert [p.code for p in problems] == ["invalid-polygon"]
    assert "Self-intersection" in problems[0].message and "lon 112." in problems[0].message


def test_unclosed_polygon_ring(small):
    feature(small, "cn_gate")["geometry"]["coordinates"][0].pop()
    assert codes(small) == {("cn_gate", "invalid-polygon")}


def test_lanes_that_do_not_connect(small):
    # The customs -> yard link now stops 5 m short of the yard ring.
    end = feature(small, "cn_link_to_yard")["geometry"]["coordinates"][-1]
    end[0] -= 5 / M_PER_DEG_LON
    problems = validate_map(small)
    assert ("cn_link_to_yard", "lane-not-connected") in {(p.feature_id, p.code) for p in problems}
    msg = next(p.message for p in problems if p.code == "lane-not-connected")
    assert "its end at (lon" in msg


def test_lanes_crossing_without_a_junction(small):
    ring = feature(small, "cn_yard_ring")["geometry"]["coordinates"]
    a, b = ring[3], ring[9]  # two vertices on opposite sides of the yard ring
    short = [
        [a[0] + 0.3 * (b[0] - a[0]), a[1] + 0.3 * (b[1] - a[1])],
        [a[0] + 0.7 * (b[0] - a[0]), a[1] + 0.7 * (b[1] - a[1])],
    ]
    across = [[short[0][0], a[1] - 0.0005], [short[1][0], b[1] + 0.0005]]
    small["features"].append(
        {
            "type": "Feature",
            "id": "shortcut",
            "properties": {"kind": "lane", "direction": "two-way", "speed_limit_kph": 10},
            "geometry": {"type": "LineString", "coordinates": across},
        }
    )
    problems = [p for p in validate_map(small) if p.code == "lane-crossing"]
    assert problems, "a lane cutting through the ring must be reported"
    assert all("shortcut" in p.message and "cn_yard_ring" in p.message for p in problems)
    assert "without a junction node" in problems[0].message


def test_zone_unreachable_from_the_yards(small):
    # A one-way spur into a hold bay: vehicles get in and can never come back.
    feature(small, "cn_hold_a_spur")["properties"]["direction"] = "one-way"
    problems = [p for p in validate_map(small) if p.code == "unreachable"]
    assert [p.feature_id for p in problems] == ["cn_hold_bay_a"]
    assert "cannot return to the yard stations" in problems[0].message


def test_lane_network_split_in_two(small):
    # Without the MN -> CN carriageway nothing on the MN side leads back to the CN yard.
    small["features"] = [f for f in small["features"] if f["id"] != "road_mn_to_cn"]
    found = codes(small)
    assert ("mn_yard", "unreachable") in found
    assert ("mn_hold_bay_a", "unreachable") in found


def test_border_crossing_not_at_a_gate(small):
    small["features"] = [f for f in small["features"] if f["id"] != "gate_cn"]
    problems = validate_map(small)
    assert ("road_cn_to_mn", "crossing-without-gate") in {(p.feature_id, p.code) for p in problems}
    assert not any(
        p.code == "crossing-without-gate" and p.feature_id == "road_mn_to_cn" for p in problems
    )


def test_gate_away_from_the_border(small):
    # Put gate_cn on a yard slot spur end instead of the crossing road.
    feature(small, "gate_cn")["geometry"] = json.loads(
        json.dumps(feature(small, "cn_charger_1")["geometry"])
    )
    small["features"] = [f for f in small["features"] if f["id"] != "cn_charger_1"]
    found = codes(small)
    assert ("gate_cn", "gate-off-border") in found
    assert ("road_cn_to_mn", "crossing-without-gate") in found


def test_gate_without_turn_back_lane(small):
    small["features"] = [f for f in small["features"] if f["id"] != "cn_gate_turn_back"]
    assert codes(small) == {("gate_cn", "gate-without-turn-back")}


def test_station_off_the_lanes(small):
    feature(small, "cn_slot_02")["geometry"]["coordinates"][0] += 4 / M_PER_DEG_LON
    problems = validate_map(small)
    off = [p for p in problems if p.code == "off-lane"]
    assert [p.feature_id for p in off] == ["cn_slot_02"]
    assert "m from the nearest lane vertex" in off[0].message


def test_station_on_a_through_lane(small):
    # A yard slot on a vertex of the ring road itself would block the ring.
    ring = feature(small, "cn_yard_ring")["geometry"]["coordinates"]
    feature(small, "cn_slot_01")["geometry"]["coordinates"] = list(ring[4])
    found = codes(small)
    assert ("cn_slot_01", "station-on-through-lane") in found


def test_station_in_the_wrong_zone(small):
    feature(small, "cn_slot_01")["properties"]["role"] = "charger"
    assert codes(small) == {("cn_slot_01", "station-zone")}


def test_two_stations_on_one_node(small):
    at = feature(small, "cn_slot_01")["geometry"]["coordinates"]
    feature(small, "cn_slot_02")["geometry"]["coordinates"] = list(at)
    found = codes(small)
    assert ("cn_slot_02", "shared-node") in found


def test_zone_on_the_wrong_side_and_across_the_border(small):
    feature(small, "cn_yard")["properties"]["side"] = "MN"
    ring = feature(small, "cn_gate")["geometry"]["coordinates"][0]
    for i in (0, 3, 4):  # the west edge of the gate box goes 20 m into Mongolia
        ring[i][0] -= 20 / M_PER_DEG_LON
    found = codes(small)
    assert ("cn_yard", "zone-side") in found
    assert ("cn_gate", "zone-crosses-border") in found


def test_projected_coordinates_are_rejected(small):
    proj = Projector.for_crs("EPSG:32649")
    lane = feature(small, "cn_yard_ring")
    xy = proj.forward(np.array(lane["geometry"]["coordinates"], dtype=float))
    lane["geometry"]["coordinates"] = xy.tolist()
    problems = validate_map(small)
    assert {(p.feature_id, p.code) for p in problems} == {("cn_yard_ring", "not-wgs84")}
    assert "looks projected" in problems[0].message


def test_declared_non_wgs84_crs_is_rejected(small):
    small["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32649"}}
    assert codes(small) == {(MAP_ID, "not-wgs84")}


def test_map_outside_the_crs_area_suggests_a_utm_zone(small):
    def shift(c):
        if isinstance(c[0], list):
            return [shift(x) for x in c]
        return [c[0] - 100.0, c[1]]  # to about 12 E: UTM zone 33

    for f in small["features"]:
        f["geometry"]["coordinates"] = shift(f["geometry"]["coordinates"])
    # Its own UTM zone is found without help; forcing Erenhot's zone is refused with a hint.
    assert validate_map(small) == []
    problems = validate_map(small, crs="EPSG:32649")
    assert [p.code for p in problems] == ["wrong-crs"]
    assert "EPSG:32633" in problems[0].message and "projected_crs" in problems[0].message
    assert validate_map(small, crs="EPSG:32633") == []


def test_close_vertices_and_duplicate_edges(small):
    coords = feature(small, "cn_scanner_lane")["geometry"]["coordinates"]
    coords.insert(1, [coords[0][0] + 0.2 / M_PER_DEG_LON, coords[0][1]])
    link = feature(small, "cn_link_to_yard")
    twin = json.loads(json.dumps(link))
    twin["id"] = "cn_link_to_yard_twin"
    small["features"].append(twin)
    found = codes(small)
    assert ("cn_scanner_lane", "close-vertices") in found
    assert any(code in {"duplicate-edge", "lane-crossing"} for _, code in found)


def test_all_problems_are_collected_and_nothing_is_half_loaded(small):
    feature(small, "cn_yard_ring")["properties"]["speed_limit_kph"] = -1
    del feature(small, "mn_hold_a")["properties"]["name"]
    feature(small, "cn_gate")["geometry"]["coordinates"][0].pop()
    with pytest.raises(MapError) as err:
        load_map(small)
    assert {p.feature_id for p in err.value.problems} == {"cn_yard_ring", "mn_hold_a", "cn_gate"}
    assert isinstance(err.value, BorderflowError)
    text = str(err.value)
    assert "3 problem(s)" in text and "cn_gate" in text and "mn_hold_a" in text


def test_unreadable_inputs(tmp_path):
    missing = tmp_path / "nope.geojson"
    assert [p.code for p in validate_map(missing)] == ["unreadable"]
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", ')
    problems = validate_map(broken)
    assert [p.code for p in problems] == ["not-json"] and "line 1" in problems[0].message
    assert [p.code for p in validate_map({"type": "Feature"})] == ["not-a-map"]


def test_map_level_properties_are_checked(small):
    small["properties"]["nmae"] = "typo"
    small["properties"]["schema"] = "borderflow-map/9"
    found = codes(small)
    assert found == {(MAP_ID, "unknown-property"), (MAP_ID, "bad-property")}


def test_no_border_and_outside_the_natural_earth_area(small):
    small["features"] = [f for f in small["features"] if f["properties"]["kind"] != "border"]
    # The test crossing (112.05 E, 43.55 N) is inside the NE box, so it loads against the NE
    # line: then every node is on the Chinese side and the MN yard is missing.
    found = codes(small)
    assert (MAP_ID, "no-yard") in found
