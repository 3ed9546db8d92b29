"""Loading the bundled maps: the graph the core receives, its tags and its metadata."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import shapely

from maps import BUNDLED_MAPS, MapError, bundled_map_path, load_map, validate_map
from maps.loader import closest_bundled_map
from maps.projection import Projector
from orchestrator.lanegraph import LaneGraph, Side, StationRole, ZoneKind
from tests.maps.conftest import feature


@pytest.fixture(scope="module")
def small_graph() -> LaneGraph:
    return load_map("test_crossing")


@pytest.fixture(scope="module")
def big_graph() -> LaneGraph:
    return load_map(bundled_map_path("erenhot_zamyn_uud"))


def test_bundled_maps_are_listed_and_named():
    assert set(BUNDLED_MAPS) == {"erenhot_zamyn_uud", "ganqimaodu_gashuunsukhait", "test_crossing"}
    assert bundled_map_path("test_crossing").name == "test_crossing.geojson"
    assert all(path.is_file() for path in BUNDLED_MAPS.values())
    with pytest.raises(ValueError, match="known: erenhot_zamyn_uud, ganqimaodu_gashuunsukhait"):
        bundled_map_path("nowhere")
    with pytest.raises(ValueError, match=r"'zamyn' \(did you mean erenhot_zamyn_uud\?\)"):
        bundled_map_path("zamyn")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("erenhot", "erenhot_zamyn_uud"),
        ("Ganqimaodu", "ganqimaodu_gashuunsukhait"),
        ("erenhot_zamyn_uud.geojson", "erenhot_zamyn_uud"),  # the file name, without maps/
        ("test_crosing", "test_crossing"),
        ("gashuunsuhait", "ganqimaodu_gashuunsukhait"),
        ("my_port.geojson", None),
    ],
)
def test_an_unknown_map_is_answered_with_the_bundled_names(typed, meant):
    assert closest_bundled_map(typed) == meant
    problems = validate_map(typed)
    assert [(p.feature_id, p.code) for p in problems] == [("(map)", "unreadable")]
    message = problems[0].message
    assert message.startswith(f"cannot read {typed}: no such file, and no bundled map has")
    assert "Bundled maps: erenhot_zamyn_uud, ganqimaodu_gashuunsukhait, test_crossing" in message
    assert (f"(did you mean {meant}?)" in message) == (meant is not None)


def test_file_path_bundled_name_and_dict_give_the_same_graph(small, small_graph):
    from_dict = load_map(small)
    from_path = load_map(str(bundled_map_path("test_crossing")))
    for g in (from_dict, from_path):
        assert g.nodes == small_graph.nodes
        assert g.edges == small_graph.edges
        assert g.stations == small_graph.stations


def test_loading_is_deterministic(small_graph):
    again = load_map("test_crossing")
    assert list(again.nodes) == list(small_graph.nodes)
    assert list(again.edges) == list(small_graph.edges)


def test_nodes_only_at_ends_junctions_stations_and_gates(big_graph):
    points = {s.node for s in big_graph.stations.values()}
    touching: Counter[str] = Counter()
    lanes_at: dict[str, set[str]] = {}
    for e in big_graph.edges.values():
        if e.two_way and e.source > e.target:
            continue  # count a two-way segment once
        for n in e.key:
            touching[n] += 1
            lanes_at.setdefault(n, set()).add(e.lane_id)
    for nid in big_graph.nodes:
        # A plain shape vertex would be touched by exactly two segments of one lane.
        is_shape = touching[nid] == 2 and len(lanes_at[nid]) == 1
        lane = next(iter(lanes_at[nid]))
        ends_there = nid.startswith(f"{lane}@0") or nid in points
        assert not is_shape or ends_there, f"{nid} is only a shape vertex"


def test_lane_lengths_match_the_projected_geometry(small, small_graph):
    proj = Projector.for_crs("EPSG:32649")
    import numpy as np

    for fid in ("cn_customs_ring", "road_cn_to_mn", "cn_slot_01_spur"):
        f = feature(small, fid)
        xy = proj.forward(np.array(f["geometry"]["coordinates"], dtype=float))
        expected = shapely.length(shapely.linestrings(xy))
        edges = [e for e in small_graph.edges.values() if e.lane_id == fid]
        factor = 2 if f["properties"]["direction"] == "two-way" else 1
        assert sum(e.length_m for e in edges) == pytest.approx(factor * expected, abs=1e-3)


def test_edge_attributes(small_graph):
    spur = [e for e in small_graph.edges.values() if e.lane_id == "cn_slot_01_spur"]
    assert len(spur) == 2  # two-way: both directions, same lane
    a, b = sorted(spur, key=lambda e: e.key)
    assert a.key == (b.target, b.source)
    assert a.two_way and a.exclusive and a.speed_limit_mps == pytest.approx(10 / 3.6)
    assert a.travel_time_s == pytest.approx(a.length_m / a.speed_limit_mps)
    ring = [e for e in small_graph.edges.values() if e.lane_id == "cn_customs_ring"]
    assert ring and all(not e.two_way and not e.exclusive for e in ring)
    assert all(e.speed_limit_mps == pytest.approx(20 / 3.6) for e in ring)
    # A curvy lane keeps its interior vertices as shape, in travel order.
    scan = [e for e in small_graph.edges.values() if e.lane_id == "cn_scanner_lane"]
    assert len(scan) == 2 and all(len(e.shape_m) == 1 for e in scan)
    g = small_graph.graph
    assert g.edges[a.key]["length_m"] == a.length_m
    assert g.edges[a.key]["edge"] is a


def test_sides_of_nodes_edges_and_stations(small_graph):
    border_x = small_graph.metadata["border_m"][0][0]
    for n in small_graph.nodes.values():
        assert n.side is (Side.CN if n.x_m > border_x else Side.MN), n.id
    for e in small_graph.edges.values():
        assert e.side is small_graph.nodes[e.source].side
    for s in small_graph.stations.values():
        assert s.side is small_graph.nodes[s.node].side
        assert s.side.value == s.id[:2].upper() or s.id.startswith("gate_")


def test_zone_tags_use_the_innermost_zone(small_graph):
    scanner = small_graph.stations["cn_scanner"]
    assert scanner.zone == "cn_nii_scanner"  # inside cn_customs too, but the scanner bay wins
    assert small_graph.zones["cn_nii_scanner"].kind is ZoneKind.NII_SCANNER
    assert small_graph.stations["mn_hold_b"].zone == "mn_hold_bay_b"
    ring_edges = [e for e in small_graph.edges.values() if e.lane_id == "cn_yard_ring"]
    assert {e.zone for e in ring_edges} == {"cn_yard"}
    crossing = small_graph.border_edges()
    assert all(e.zone is None for e in crossing)


def test_border_crossing_edges_start_at_the_gates(small_graph, big_graph):
    for g in (small_graph, big_graph):
        crossing = g.border_edges()
        assert {e.lane_id for e in crossing} == {"road_cn_to_mn", "road_mn_to_cn"}
        assert {e.source for e in crossing} == {"gate_cn", "gate_mn"}
        assert g.gates["gate_cn"].crossing_edges == (crossing[0].key,)
        assert g.nodes[g.gates["gate_cn"].node].side is Side.CN
        assert g.nodes[g.gates["gate_mn"].node].side is Side.MN
        for e in crossing:
            assert g.nodes[e.source].side is not g.nodes[e.target].side


def test_gates_are_also_stations(small_graph):
    gate_stations = small_graph.stations_with(StationRole.GATE)
    assert [s.id for s in gate_stations] == ["gate_cn", "gate_mn"]
    assert gate_stations[0].zone == "cn_gate"


def test_test_crossing_has_every_kind_of_facility_on_both_sides(small_graph):
    for side in Side:
        roles = {s.role for s in small_graph.stations.values() if s.side is side}
        assert roles == set(StationRole), side
        kinds = {z.kind for z in small_graph.zones.values() if z.side is side}
        assert kinds == set(ZoneKind), side
    x0, y0, x1, y1 = small_graph.metadata["bbox_m"]
    assert x1 - x0 < 500 and y1 - y0 < 500


def test_erenhot_map_scale_and_contents(big_graph):
    x0, _, x1, _ = big_graph.metadata["bbox_m"]
    assert 2000 < x1 - x0 < 5000  # a crossing of a few kilometres
    for side in Side:
        assert 12 <= len(big_graph.stations_with(StationRole.YARD_SLOT, side)) <= 24
        assert len(big_graph.stations_with(StationRole.HOLD, side)) == 2
        assert 2 <= len(big_graph.stations_with(StationRole.CHARGER, side)) <= 4
        assert big_graph.stations_with(StationRole.SCANNER, side)
        assert big_graph.stations_with(StationRole.BUFFER, side)
    for zone in big_graph.zones.values():
        if zone.kind is ZoneKind.YARD:
            assert 100_000 < zone.area_m2 < 1_000_000  # a few hundred metres across
    w, s, e, n = big_graph.metadata["bbox_lonlat"]
    assert 111.85 < w < e < 112.0 and 43.65 < s < n < 43.75
    assert "Natural Earth" in json.dumps(big_graph.metadata["sources"])
    assert "SCHEMATIC" in json.dumps(big_graph.metadata["schematic"])


def test_every_edge_lies_on_a_directed_cycle(big_graph):
    import networkx as nx

    assert nx.is_strongly_connected(big_graph.graph)


def test_metadata_is_plain_data(small_graph):
    def plain(v: object) -> bool:
        if isinstance(v, dict):
            return all(isinstance(k, str) and plain(x) for k, x in v.items())
        if isinstance(v, tuple | list):
            return all(plain(x) for x in v)
        return isinstance(v, str | int | float | bool) or v is None

    assert plain(dict(small_graph.metadata))
    assert small_graph.metadata["crs"] == small_graph.crs == "EPSG:32649"
    assert set(small_graph.metadata["zones_m"]) == set(small_graph.zones)
    assert small_graph.metadata["border_source"] == "file"


def test_missing_border_falls_back_to_natural_earth(erenhot):
    erenhot["features"] = [f for f in erenhot["features"] if f["properties"]["kind"] != "border"]
    g = load_map(erenhot)
    assert g.metadata["border_source"] == "bundled Natural Earth"
    assert g.metadata["border_id"] == "border_ne_10m"
    assert g.nodes[g.stations["cn_slot_01"].node].side is Side.CN
    assert g.nodes[g.stations["mn_slot_01"].node].side is Side.MN


def test_snap_tolerance_joins_nearby_ends(small, feat):
    # Move a lane end 0.6 m off its junction: within 1 m it snaps, within 0.5 m it does not.
    lane = feat(small, "cn_link_to_yard")
    lane["geometry"]["coordinates"][-1][0] += 0.6 / 80_000  # ~0.6 m in longitude at 43.5 N
    load_map(small)
    with pytest.raises(MapError) as err:
        load_map(small, snap_tolerance_m=0.3)
    assert ("cn_link_to_yard", "lane-not-connected") in {
        (p.feature_id, p.code) for p in err.value.problems
    }
