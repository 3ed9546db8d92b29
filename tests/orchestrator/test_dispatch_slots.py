"""The dispatch round's delivery-slot choice: the fast per-round lookup (free slots listed once,
ranked by distance) picks exactly the slot the plain nearest-first walk picks.

Random occupancy of the Erenhot map's yard slots, random "busy" slots (where waiting
containers stand) and random closed zones; every pick-up slot of both sides.
"""

from __future__ import annotations

import random

import pytest

from maps.loader import load_map
from orchestrator.config import OrchestratorConfig
from orchestrator.core import Orchestrator
from orchestrator.domain.states import ContainerState
from orchestrator.lanegraph import LaneGraph, Side, StationRole
from orchestrator.messages import Direction, OrderArrived
from orchestrator.traffic.resources import station_resource
from tests.orchestrator.fleet import FakeClock, ListSink
from tests.orchestrator.helpers import container


@pytest.fixture(scope="module")
def graph() -> LaneGraph:
    return load_map("erenhot_zamyn_uud")


@pytest.mark.parametrize("seed", range(40))
def test_round_slot_lookup_matches_the_nearest_first_walk(graph: LaneGraph, seed: int) -> None:
    rng = random.Random(seed)
    core = Orchestrator(graph, OrchestratorConfig(), clock=FakeClock(), sink=ListSink())
    slots = {
        side: [
            st
            for st in graph.stations.values()
            if st.role is StationRole.YARD_SLOT and st.side is side
        ]
        for side in (Side.CN, Side.MN)
    }
    # One order per pick-up slot (both directions), so every (pick-up, side) pair is asked.
    runs = []
    for i, st in enumerate(sorted(slots[Side.CN] + slots[Side.MN], key=lambda s: s.id)):
        direction = Direction.CN_TO_MN if st.side is Side.CN else Direction.MN_TO_CN
        core.handle(OrderArrived(0.0, f"o{i}", container(i), direction, st.id, ()))
        runs.append(core.containers[container(i)])
    assert all(c.state is ContainerState.WAITING for c in runs)
    # Fill a random share of the slot places with fake holders.
    share = rng.random()
    for side_slots in slots.values():
        for st in side_slots:
            if rng.random() < share:
                core.alloc.take(f"holder-{st.id}", [station_resource(st.id)])
    zones = sorted(
        {st.zone for st in graph.stations.values() if st.zone}
        | {graph.nodes[st.node].zone for st in graph.stations.values() if graph.nodes[st.node].zone}
    )
    if zones and rng.random() < 0.3:
        core.closed_zones.add(rng.choice(zones))
    all_ids = [st.id for side_slots in slots.values() for st in side_slots]
    busy = set(rng.sample(all_ids, rng.randint(0, len(all_ids))))
    for c in runs:
        pickup = graph.stations[c.order.origin_station]
        side = c.order.direction.destination
        fast = core._dest_among(pickup, side, core._free_slot_ids(side), busy)
        assert fast == core._dest_for(c, busy), (pickup.id, side)
