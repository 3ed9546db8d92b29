"""Capacity of the bundled Erenhot map: two-lane main roads, charging, yard and scanner places.

A 60-AGV day needs room on the rings (the gridlock bound is the smallest cycle's capacity),
enough charging places to keep the fleet out of the low-battery zone, and yard and scanner
places that do not cap the jobs under way. These tests pin the generator's choices.
"""

from __future__ import annotations

import pytest

from maps import load_map
from orchestrator.lanegraph import LaneGraph, Side, StationRole, ZoneKind

MAIN_ROAD_SUFFIXES = (
    "_customs_ring",
    "_yard_ring",
    "_link_to_yard",
    "_link_from_yard",
    "_gate_turn_back",
    "_entry_road",
)


@pytest.fixture(scope="module")
def erenhot() -> LaneGraph:
    return load_map("erenhot_zamyn_uud")


def _places(graph: LaneGraph, role: StationRole, side: Side) -> int:
    return sum(st.capacity_vehicles for st in graph.stations_with(role, side))


def test_main_roads_are_two_lane_and_spurs_single(erenhot: LaneGraph) -> None:
    main = [
        e
        for e in erenhot.edges.values()
        if e.lane_id.endswith(MAIN_ROAD_SUFFIXES) or e.lane_id.startswith("road_")
    ]
    assert len({e.lane_id for e in main}) == 14  # 6 per side + the two carriageways
    assert all(e.lane_count == 2 and not e.exclusive for e in main)
    spurs = [e for e in erenhot.edges.values() if e.lane_id.endswith("_spur")]
    assert spurs and all(e.lane_count == 1 and e.exclusive for e in spurs)


@pytest.mark.parametrize(("side", "chargers", "slots"), [(Side.CN, 18, 54), (Side.MN, 12, 42)])
def test_places_per_side(erenhot: LaneGraph, side: Side, chargers: int, slots: int) -> None:
    assert _places(erenhot, StationRole.CHARGER, side) == chargers
    assert _places(erenhot, StationRole.YARD_SLOT, side) == slots
    assert _places(erenhot, StationRole.SCANNER, side) == 2
    assert _places(erenhot, StationRole.PARKING, side) == 300
    for st in erenhot.stations_with(StationRole.CHARGER, side):
        assert st.zone is not None
        assert erenhot.zones[st.zone].kind is ZoneKind.CHARGING


def test_test_crossing_keeps_its_small_single_lane_layout() -> None:
    small = load_map("test_crossing")
    assert all(e.lane_count == 1 for e in small.edges.values())
    assert all(
        st.capacity_vehicles == 1
        for st in small.stations.values()
        if st.role in (StationRole.CHARGER, StationRole.YARD_SLOT, StationRole.SCANNER)
    )
