"""AGV depots: where idle vehicles wait, off the through-lanes, next to the yards.

The bundled maps give each side parking stations in depot zones so that an idle AGV never has
to stand on a yard slot, charger or buffer place; these tests pin where the depots are, how
they are reached, and the rules the loader applies to them.
"""

from __future__ import annotations

import math

import networkx as nx
import pytest

from maps import load_map
from maps.summary import summarize
from orchestrator.lanegraph import LaneGraph, Side, Station, StationRole, ZoneKind
from tests.maps.conftest import codes, feature


@pytest.fixture(scope="module")
def small_graph() -> LaneGraph:
    return load_map("test_crossing")


@pytest.fixture(scope="module")
def big_graph() -> LaneGraph:
    return load_map("erenhot_zamyn_uud")


def _dist_m(g: LaneGraph, a: str, b: str) -> float:
    na, nb = g.nodes[a], g.nodes[b]  # type: ignore[index]
    return math.hypot(na.x_m - nb.x_m, na.y_m - nb.y_m)


def _parking(g: LaneGraph, side: Side) -> list[Station]:
    return g.stations_with(StationRole.PARKING, side)


def test_erenhot_has_two_large_depots_per_side(big_graph):
    for side in Side:
        parking = _parking(big_graph, side)
        assert len(parking) == 2, side
        depots = {z.id for z in big_graph.zones.values() if z.kind is ZoneKind.DEPOT}
        for st in parking:
            assert st.capacity_vehicles == 150
            assert st.zone in depots
            zone = big_graph.zones[st.zone]
            assert zone.side is side and zone.capacity_vehicles == 150
            # 100 m x 90 m: about 60 m² per 15 m x 3 m AGV with its aisles.
            assert 8_000 < zone.area_m2 < 10_000
    assert summarize(big_graph).sides[0].parking_places == 300


def test_test_crossing_has_one_small_depot_per_side(small_graph):
    for side in Side:
        (st,) = _parking(small_graph, side)
        assert st.capacity_vehicles == 10
        assert small_graph.zones[st.zone].kind is ZoneKind.DEPOT  # type: ignore[index]
    assert [r.parking_places for r in summarize(small_graph).sides] == [10, 10]


@pytest.mark.parametrize("name", ["test_crossing", "erenhot_zamyn_uud"])
def test_depots_are_by_the_yard_and_chargers_not_on_the_customs_approach(name):
    g = load_map(name)
    for side in Side:
        gate = next(gt for gt in g.gates.values() if g.nodes[gt.node].side is side)
        slots = g.stations_with(StationRole.YARD_SLOT, side)
        for st in _parking(g, side):
            others = [o for o in g.stations.values() if o.role is not StationRole.PARKING]
            nearest = min(others, key=lambda o: (_dist_m(g, st.node, o.node), o.id))
            assert nearest.role in (StationRole.CHARGER, StationRole.YARD_SLOT), st.id
            assert _dist_m(g, st.node, gate.node) > 1.5 * _dist_m(g, st.node, nearest.node)
        # No route between the gate and the yard slots passes a depot.
        depot_nodes = {st.node for st in _parking(g, side)}
        for slot in slots:
            for a, b in ((gate.node, slot.node), (slot.node, gate.node)):
                path = nx.shortest_path(g.graph, a, b, weight="length_m")
                assert not depot_nodes & set(path), (a, b)


@pytest.mark.parametrize("name", ["test_crossing", "erenhot_zamyn_uud"])
def test_parking_is_on_a_one_way_drive_through_loop_off_the_yard_ring(name):
    g = load_map(name)
    for st in _parking(g, Side.CN) + _parking(g, Side.MN):
        (into,) = [e for e in g.edges.values() if e.target == st.node]
        (out,) = [e for e in g.edges.values() if e.source == st.node]
        # Ordinary one-way lanes: vehicles queue in while others leave, nothing serialises.
        assert not (into.two_way or out.two_way or into.exclusive or out.exclusive)
        assert into.source != out.target  # drive-through, no U-turn at the parking
        ring = f"{st.side.value.lower()}_yard_ring"
        for end in (into.source, out.target):
            assert ring in {e.lane_id for e in g.edges.values() if end in e.key}
        # The loop is short next to the yard: well under the yard's own size.
        assert into.length_m + out.length_m < 400


def test_every_parking_place_is_reachable_from_and_back_to_the_yard(small_graph):
    slot = small_graph.stations_with(StationRole.YARD_SLOT, Side.MN)[0]
    for st in small_graph.stations_with(StationRole.PARKING):
        assert nx.has_path(small_graph.graph, slot.node, st.node)
        assert nx.has_path(small_graph.graph, st.node, slot.node)


def test_parking_outside_a_depot_zone_is_rejected(small):
    feature(small, "cn_depot_1")["properties"]["zone_kind"] = "yard"
    assert codes(small) == {("cn_parking_1", "station-zone")}


def test_another_role_in_a_depot_is_rejected(small):
    feature(small, "mn_parking_1")["properties"]["role"] = "yard_slot"
    assert codes(small) == {("mn_parking_1", "station-zone")}


def test_a_two_way_depot_lane_makes_the_parking_a_through_station(small):
    feature(small, "cn_depot_1_in")["properties"]["direction"] = "two-way"
    assert ("cn_parking_1", "station-on-through-lane") in codes(small)


def test_parking_on_the_yard_ring_itself_is_rejected(small):
    # Move the parking onto the junction where the depot's in lane leaves the ring (and the
    # depot zone with it): the ring is a through road, every other station needs that node.
    lane_in = feature(small, "cn_depot_1_in")["geometry"]["coordinates"]
    junction = list(lane_in[0])
    feature(small, "cn_parking_1")["geometry"]["coordinates"] = junction
    lane_in[-1] = list(lane_in[1])  # the in lane now ends at its corner ...
    feature(small, "cn_depot_1_out")["geometry"]["coordinates"][0] = list(lane_in[1])
    ring = feature(small, "cn_depot_1")["geometry"]["coordinates"][0]
    dx, dy = junction[0] - ring[0][0], junction[1] - ring[0][1]  # ... and the zone moves
    for p in ring:
        p[0] += dx - 0.00005
        p[1] += dy - 0.00005
    found = codes(small)
    assert ("cn_parking_1", "station-on-through-lane") in found
    assert ("cn_parking_1", "station-zone") not in found
