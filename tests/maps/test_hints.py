"""Hints that explain a refused map: a border drawn the wrong way round, swapped lon/lat."""

from __future__ import annotations

from maps import load_map, validate_map
from maps.errors import MAP_ID, Severity
from tests.maps.conftest import codes, feature, moved, swapped


def test_a_reversed_border_gets_one_hint(small):
    assert not [p for p in validate_map(small) if p.code == "border-reversed"]
    border = feature(small, "border")
    border["geometry"]["coordinates"].reverse()
    problems = validate_map(small)
    zone_side = [p for p in problems if p.code == "zone-side"]
    assert len(zone_side) == len(load_map("test_crossing").zones)  # every zone, as before
    hints = [p for p in problems if p.code == "border-reversed"]
    assert [(p.feature_id, p.severity) for p in hints] == [("border", Severity.WARNING)]
    assert "drawn the wrong way round" in hints[0].message
    assert "reverse its coordinates" in hints[0].message and "'CN'" in hints[0].message


def test_swapping_left_side_reverses_it_too(small):
    feature(small, "border")["properties"]["left_side"] = "CN"
    assert ("border", "border-reversed") in codes(small)


def test_one_zone_on_the_wrong_side_is_that_zones_mistake(small):
    feature(small, "cn_yard")["properties"]["side"] = "MN"
    found = codes(small)
    assert ("cn_yard", "zone-side") in found
    assert not any(code == "border-reversed" for _, code in found)


def test_swapped_positions_beyond_90_degrees_latitude(small):
    problems = validate_map(swapped(small))
    bad = [p for p in problems if p.code == "not-wgs84"]
    assert bad and all("longitude and latitude look swapped" in p.message for p in bad)
    assert "GeoJSON is [lon, lat]" in bad[0].message
    hint = [p for p in problems if p.code == "swapped-lonlat"]
    assert [(p.feature_id, p.severity) for p in hint] == [(MAP_ID, Severity.WARNING)]


def test_swapped_positions_that_are_valid_degrees_either_way(small):
    # Moved to 42 E, 43.55 N the crossing is valid; swapped (43.55 E, 42 N) it is a mirror
    # image, every zone on the other side of its own border. The hint names the real cause,
    # not the border.
    there = moved(small, 42.0 - 112.05)
    assert validate_map(there) == []
    problems = validate_map(swapped(there))
    found = {p.code for p in problems}
    assert "zone-side" in found and "swapped-lonlat" in found
    assert "border-reversed" not in found
    hint = next(p for p in problems if p.code == "swapped-lonlat")
    assert hint.message.startswith("longitude and latitude look swapped: GeoJSON is [lon, lat]")


def test_no_swap_hint_when_swapping_does_not_help(small):
    feature(small, "cn_yard")["properties"]["side"] = "MN"
    assert not any(p.code == "swapped-lonlat" for p in validate_map(small))
