"""Hints that explain a refused map: a border drawn the wrong way round, swapped lon/lat."""

from __future__ import annotations

import re

import pytest

from maps import MapError, load_map, validate_map
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
    # One error for the whole map, not one per position (the Erenhot map has 449 of them).
    problems = validate_map(swapped(small))
    assert [(p.feature_id, p.code, p.severity) for p in problems] == [
        (MAP_ID, "swapped-lonlat", Severity.ERROR)
    ]
    message = problems[0].message
    assert message.startswith("longitude and latitude look swapped: GeoJSON is [lon, lat]")
    assert "positions have a latitude beyond ±90°, e.g." in message
    assert "Fix: swap the two numbers of every position" in message
    with pytest.raises(MapError) as refused:
        load_map(swapped(small))
    assert [p.code for p in refused.value.problems] == ["swapped-lonlat"]


def test_swapped_bundled_map_is_one_error_naming_an_example(erenhot):
    problems = validate_map(swapped(erenhot))
    assert [p.code for p in problems] == ["swapped-lonlat"]
    pattern = (
        r"(\d+) positions .* e\.g\. (\S+) at \[([\d.]+), ([\d.]+)\], which is "
        r"\[([\d.]+), ([\d.]+)\] the right way round"
    )
    found = re.search(pattern, problems[0].message)
    assert found, problems[0].message
    assert int(found[1]) > 100
    lat, lon = float(found[3]), float(found[4])
    assert (float(found[5]), float(found[6])) == (lon, lat)
    assert 111 < lon < 113 and 43 < lat < 44  # Erenhot, the right way round
    assert found[2] in {f["id"] for f in erenhot["features"]}


def test_swapped_positions_that_are_valid_degrees_either_way(small):
    # Moved to 42 E, 43.55 N the crossing is valid; swapped (43.55 E, 42 N) it is a mirror
    # image, every zone on the other side of its own border. The one error names the real
    # cause, not the border or the zones.
    there = moved(small, 42.0 - 112.05)
    assert validate_map(there) == []
    problems = validate_map(swapped(there))
    assert [p.code for p in problems if p.is_error] == ["swapped-lonlat"]
    assert "border-reversed" not in {p.code for p in problems}
    assert problems[-1].message.startswith(
        "longitude and latitude look swapped: GeoJSON is [lon, lat], and as written the map "
        "lies elsewhere, mirrored"
    )


def test_one_swapped_feature_is_named_position_by_position(small):
    lane = next(f for f in small["features"] if f["geometry"]["type"] == "LineString")
    lane["geometry"]["coordinates"] = [[b, a] for a, b in lane["geometry"]["coordinates"]]
    problems = validate_map(small)
    assert not any(p.code == "swapped-lonlat" for p in problems)  # the map as a whole is fine
    bad = [p for p in problems if p.code == "not-wgs84"]
    assert bad and {p.feature_id for p in bad} == {lane["id"]}
    assert all("longitude and latitude look swapped" in p.message for p in bad)
    a, b = lane["geometry"]["coordinates"][0]
    assert any(f"write [{b:g}, {a:g}]" in p.message for p in bad)


def test_no_swap_hint_when_swapping_does_not_help(small):
    feature(small, "cn_yard")["properties"]["side"] = "MN"
    assert not any(p.code == "swapped-lonlat" for p in validate_map(small))
