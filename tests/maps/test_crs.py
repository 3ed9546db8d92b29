"""The projection comes from the map: an explicit override, else the map's ``projected_crs``,
else the UTM zone of the centroid of its coordinates."""

from __future__ import annotations

import pytest

from maps import load_map, validate_map
from maps.errors import MAP_ID
from tests.maps.conftest import moved


def _lengths(graph):
    return {k: e.length_m for k, e in graph.edges.items()}


def test_bundled_maps_keep_their_graphs_under_the_new_rule(small, erenhot):
    # The old default was UTM 49N for every map; the centroid rule picks it for both.
    for doc in (small, erenhot):
        chosen = load_map(doc)
        before = load_map(doc, crs="EPSG:32649")
        assert (chosen.crs, chosen.metadata["crs_source"]) == ("EPSG:32649", "utm-of-centroid")
        assert chosen.nodes == before.nodes
        assert chosen.edges == before.edges
        assert chosen.stations == before.stations and chosen.zones == before.zones


@pytest.mark.parametrize(("lon", "crs"), [(100.0, "EPSG:32647"), (9.0, "EPSG:32632")])
def test_a_map_elsewhere_loads_in_its_own_utm_zone(small, lon, crs):
    far = moved(small, lon - 112.05)  # the test crossing's origin is 112.05 E
    graph = load_map(far)
    assert graph.crs == crs and graph.metadata["crs_source"] == "utm-of-centroid"
    # Same place relative to its zone's central meridian (within a few tenths of a degree),
    # so the same metric shape: every edge as long as at home.
    home = _lengths(load_map(small))
    assert _lengths(graph).keys() == home.keys()
    for key, length in _lengths(graph).items():
        assert length == pytest.approx(home[key], rel=2e-3), key


def test_the_maps_projected_crs_is_used_and_an_explicit_crs_overrides_it(small):
    # CGCS2000 3-degree Gauss-Kruger CM 111E: the Chinese national grid, covering 112 E too.
    small["properties"]["projected_crs"] = "EPSG:4546"
    graph = load_map(small)
    assert (graph.crs, graph.metadata["crs_source"]) == ("EPSG:4546", "map")
    assert graph.metadata["crs"] == "EPSG:4546"
    override = load_map(small, crs="EPSG:32649")
    assert (override.crs, override.metadata["crs_source"]) == ("EPSG:32649", "given")
    # Different projections give (slightly) different metres: the choice really is applied.
    assert _lengths(graph) != _lengths(override)


@pytest.mark.parametrize("value", ["EPSG:4326", "not a crs"])
def test_a_bad_projected_crs_is_a_bad_property(small, value):
    small["properties"]["projected_crs"] = value
    problems = validate_map(small)
    assert [(p.feature_id, p.code) for p in problems] == [(MAP_ID, "bad-property")]
    assert "'projected_crs'" in problems[0].message
    assert "EPSG:32649" in problems[0].message  # the map's own UTM zone is suggested


def test_a_projected_crs_that_is_not_a_string(small):
    small["properties"]["projected_crs"] = 32649
    problems = validate_map(small)
    assert [(p.code, "'projected_crs'" in p.message) for p in problems] == [("bad-property", True)]


def test_a_projected_crs_far_from_the_map_suggests_the_right_one(small):
    far = moved(small, 100.0 - 112.05)
    far["properties"]["projected_crs"] = "EPSG:32649"
    problems = validate_map(far)
    assert [p.code for p in problems] == ["wrong-crs"]
    assert '"projected_crs": "EPSG:32647"' in problems[0].message
    assert "--crs" not in problems[0].message  # simulate and serve have no such flag


def test_an_unusable_override_is_reported(small):
    problems = validate_map(small, crs="EPSG:4326")
    assert [p.code for p in problems] == ["wrong-crs"]
    assert "not a projected" in problems[0].message


def test_the_ganqimaodu_map_is_in_utm_48n_from_its_own_property():
    graph = load_map("ganqimaodu_gashuunsukhait")
    assert (graph.crs, graph.metadata["crs_source"]) == ("EPSG:32648", "map")
