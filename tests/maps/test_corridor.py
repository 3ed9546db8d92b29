"""``map new``: a corridor spec becomes a valid map with the layout the spec asks for."""

from __future__ import annotations

import itertools
import tomllib

import networkx as nx
import numpy as np
import pytest
from pyproj import Geod

from maps import bundled_map_path, load_map, validate_map
from maps.spec import load_spec, parse_spec
from maps.tools.build_maps import GANQIMAODU_SPEC
from maps.tools.corridor import build_corridor_map, map_json
from orchestrator.lanegraph import GateType, LaneGraph, Side, StationRole
from tests.maps.conftest import SMALL_SPEC

GEOD = Geod(ellps="WGS84")
CORRIDOR_LANES = ("road_", "_link_to_yard", "_link_from_yard", "_entry_road")


def _build(text: str = SMALL_SPEC, **changes: object):
    doc = tomllib.loads(text)
    for dotted, value in changes.items():
        *path, key = dotted.split("__")
        table = doc
        for part in path:
            table = table.setdefault(part, {})
        if value is None:
            del table[key]
        else:
            table[key] = value
    return build_corridor_map(parse_spec(doc, "test.toml"))


def _geodesic_length(points) -> float:
    return sum(GEOD.inv(*a, *b)[2] for a, b in itertools.pairwise(points))


def _link(graph: LaneGraph, lane: str) -> tuple[float, np.ndarray]:
    """A link road's length and its end at the customs ring (the end nearer the border)."""
    edges = [e for e in graph.edges.values() if e.lane_id == lane]
    node = edges[0].source if lane.endswith("_to_yard") else edges[-1].target
    return sum(e.length_m for e in edges), np.array([graph.nodes[node].x_m, graph.nodes[node].y_m])


def _corridor_length(graph: LaneGraph, a: str, b: str) -> float:
    """Yard to yard: end a's link road, straight across the customs and border stretch, end
    b's link road; the mean of the two sides of the road (a bend is longer on the outside)."""
    sides = []
    for lane_a, lane_b in (("link_to_yard", "link_from_yard"), ("link_from_yard", "link_to_yard")):
        (len_a, near_a), (len_b, near_b) = (
            _link(graph, f"{a}_{lane_a}"),
            _link(graph, f"{b}_{lane_b}"),
        )
        sides.append(len_a + len_b + float(np.hypot(*(near_a - near_b))))
    return sum(sides) / 2


def _places(graph: LaneGraph, role: StationRole, side: Side) -> tuple[int, int]:
    found = graph.stations_with(role, side)
    return len(found), sum(s.capacity_vehicles for s in found)


def test_a_small_spec_gives_a_valid_map_with_what_it_asks_for():
    result = _build()
    assert validate_map(result.doc) == []
    graph = load_map(result.doc)
    assert graph.crs == "EPSG:32648" == result.doc["properties"]["projected_crs"]
    assert nx.is_strongly_connected(graph.graph)
    spec_line = tomllib.loads(SMALL_SPEC)["corridor"]["centreline"]
    assert _corridor_length(graph, "mn", "cn") == pytest.approx(
        _geodesic_length(spec_line), rel=2e-3
    )
    corridor = [
        e
        for e in graph.edges.values()
        if e.lane_id.endswith(CORRIDOR_LANES) or e.lane_id.startswith("road_")
    ]
    assert corridor and all(
        e.lane_count == 1 and not e.two_way and e.speed_limit_mps == pytest.approx(20 / 3.6)
        for e in corridor
    )
    assert _places(graph, StationRole.YARD_SLOT, Side.MN) == (6, 6)
    assert _places(graph, StationRole.YARD_SLOT, Side.CN) == (4, 8)
    for side in Side:
        assert _places(graph, StationRole.HOLD, side) == (2, 8)  # defaults: 2 bays of 4
        assert _places(graph, StationRole.BUFFER, side) == (2, 4)
        assert _places(graph, StationRole.SCANNER, side) == (1, 1)
        assert _places(graph, StationRole.INSPECTION, side) == (2, 2)
        assert _places(graph, StationRole.CHARGER, side) == (2, 4)
        assert _places(graph, StationRole.PARKING, side) == (1, 20)
        gate = next(g for g in graph.gates.values() if graph.nodes[g.node].side is side)
        assert gate.gate_type is GateType.SMART
        # The line is drawn square across the road: 25 m, to the centimetre of lon/lat.
        assert gate.line_distance_m == pytest.approx(25.0, abs=0.02)


def test_the_same_spec_gives_the_same_bytes():
    assert map_json(_build().doc) == map_json(_build().doc)
    spec = load_spec(GANQIMAODU_SPEC)
    assert map_json(build_corridor_map(spec).doc) == map_json(build_corridor_map(spec).doc)


def test_the_spec_chooses_lanes_speed_gates_and_places():
    result = _build(
        corridor__lanes_each_way=3,
        corridor__speed_limit_kph=15,
        ends__b__gate={"type": "manual", "distance_to_line_m": 60},
        ends__a__depots={"count": 2, "places": 25},
        ends__a__hold_bays={"count": 3, "places": 1},
    )
    graph = load_map(result.doc)
    roads = [e for e in graph.edges.values() if e.lane_id.startswith("road_")]
    assert {(e.lane_count, round(e.speed_limit_mps * 3.6, 6)) for e in roads} == {(3, 15.0)}
    assert graph.gates["gate_cn"].gate_type is GateType.MANUAL
    assert graph.gates["gate_cn"].line_distance_m == pytest.approx(60.0, abs=0.1)
    assert _places(graph, StationRole.PARKING, Side.MN) == (2, 50)
    assert _places(graph, StationRole.HOLD, Side.MN) == (3, 3)


def test_an_oblique_border_line_pushes_the_ends_back_from_it():
    # About 20 degrees off square: the gates stay at least the asked 25 m from the line.
    result = _build(
        corridor__border_at_m=None,
        border={"line": [[106.88, 42.4205], [106.92, 42.4095]], "name": "test line"},
    )
    assert max(result.shift_m) > 0
    graph = load_map(result.doc)
    assert validate_map(result.doc) == []
    assert all(g.line_distance_m >= 25.0 - 0.02 for g in graph.gates.values())
    border = next(f for f in result.doc["features"] if f["id"] == "border")
    assert border["properties"]["left_side"] == "MN"  # walking west to east, north is left
    assert border["properties"]["name"] == "test line"


def test_a_bent_centreline_is_followed_by_the_link_roads():
    line = [[106.90, 42.43], [106.905, 42.42], [106.90, 42.39]]
    graph = load_map(_build(corridor__centreline=line, corridor__border_at_m=2000).doc)
    link = next(e for e in graph.edges.values() if e.lane_id == "mn_link_to_yard")
    assert len(link.shape_m) == 1  # the bend
    assert _corridor_length(graph, "mn", "cn") == pytest.approx(_geodesic_length(line), rel=3e-3)


def test_the_bundled_ganqimaodu_map_is_what_its_spec_builds():
    committed = bundled_map_path("ganqimaodu_gashuunsukhait").read_text(encoding="utf-8")
    assert map_json(build_corridor_map(load_spec(GANQIMAODU_SPEC)).doc) == committed


def test_ganqimaodu_follows_the_public_figures():
    graph = load_map("ganqimaodu_gashuunsukhait")
    spec = tomllib.loads(GANQIMAODU_SPEC.read_text(encoding="utf-8"))
    length = _corridor_length(graph, "mn", "cn")
    assert length == pytest.approx(_geodesic_length(spec["corridor"]["centreline"]), rel=3e-3)
    assert length == pytest.approx(6200.0, rel=0.01)  # "about 6.2 km"
    corridor = [
        e
        for e in graph.edges.values()
        if e.lane_id.endswith(CORRIDOR_LANES) or e.lane_id.startswith("road_")
    ]
    assert {(e.lane_count, round(e.speed_limit_mps * 3.6, 6)) for e in corridor} == {(2, 25.0)}
    assert all(e.speed_limit_mps <= 25 / 3.6 + 1e-9 for e in graph.edges.values())
    assert _places(graph, StationRole.YARD_SLOT, Side.MN) == (36, 72)  # coal loaded here
    assert _places(graph, StationRole.YARD_SLOT, Side.CN) == (24, 48)
    for side in Side:
        assert _places(graph, StationRole.PARKING, side)[1] >= 30  # 30 AGVs per side
        assert _places(graph, StationRole.CHARGER, side)[0] >= 1
        assert graph.stations_with(StationRole.HOLD, side)
        assert graph.stations_with(StationRole.SCANNER, side)
    assert {g.gate_type for g in graph.gates.values()} == {GateType.SMART}
    w, s, e, n = graph.metadata["bbox_lonlat"]
    assert w < 106.9 < e and s < 42.4 < n  # placed approximately where the sources say
    sources = " ".join(graph.metadata["sources"])
    for name in ("Xinhua", "Global Times", "E-comm", "2022-07-16", "25 km/h"):
        assert name in sources
    assert "APPROXIMATE" in " ".join(graph.metadata["schematic"])
    assert graph.metadata["border_source"] == "file"
