"""The dispatch round's delivery-slot choice: the fast per-round lookup (free slots listed once,
ranked by distance) picks exactly the slot the plain nearest-first walk picks.

Random occupancy of the Erenhot map's yard slots, random "busy" slots (where waiting
containers stand) and random closed zones; every pick-up slot of both sides. The part is built
from its collaborators alone, as the core wires it.
"""

from __future__ import annotations

import random

import pytest

from maps.loader import load_map
from orchestrator.closures import Closures
from orchestrator.config import OrchestratorConfig
from orchestrator.costs import standard_profiles
from orchestrator.delivery_slots import DeliverySlots
from orchestrator.domain.records import TransportOrder
from orchestrator.ids import OrderId, VehicleId
from orchestrator.lanegraph import LaneGraph, Side, StationRole
from orchestrator.messages import Direction
from orchestrator.risk_policy import RiskStatus
from orchestrator.router import Router
from orchestrator.state import ContainerRun
from orchestrator.stations import StationIndex
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.resources import Resources
from tests.orchestrator.helpers import container


@pytest.fixture(scope="module")
def graph() -> LaneGraph:
    return load_map("erenhot_zamyn_uud")


@pytest.mark.parametrize("seed", range(40))
def test_round_slot_lookup_matches_the_nearest_first_walk(graph: LaneGraph, seed: int) -> None:
    rng = random.Random(seed)
    config = OrchestratorConfig()
    closures = Closures(graph)
    router = Router(graph, standard_profiles(config.exclusive_penalty_s), closures.blocked)
    alloc = Allocator()
    stations = StationIndex(graph, Resources(graph, config), alloc)
    slots = DeliverySlots(stations, closures, router, alloc)
    by_side = {side: stations.of(StationRole.YARD_SLOT, side) for side in (Side.CN, Side.MN)}
    # One container per pick-up slot (both directions), so every (pick-up, side) pair is asked.
    runs = []
    for i, st in enumerate(sorted(by_side[Side.CN] + by_side[Side.MN], key=lambda s: s.id)):
        direction = Direction.CN_TO_MN if st.side is Side.CN else Direction.MN_TO_CN
        order = TransportOrder(OrderId(f"o{i}"), container(i), direction, st.id, (), 0.0)
        runs.append(ContainerRun(order, RiskStatus()))
    # Fill a random share of the slot places with fake holders.
    share = rng.random()
    for side_slots in by_side.values():
        for st in side_slots:
            if rng.random() < share:
                alloc.take(VehicleId(f"holder-{st.id}"), [stations.place[st.id]])
    zones = sorted(
        {st.zone for st in graph.stations.values() if st.zone}
        | {graph.nodes[st.node].zone for st in graph.stations.values() if graph.nodes[st.node].zone}
    )
    if zones and rng.random() < 0.3:
        closures.close(rng.choice(zones), is_zone=True)
    all_ids = [st.id for side_slots in by_side.values() for st in side_slots]
    busy = set(rng.sample(all_ids, rng.randint(0, len(all_ids))))
    for c in runs:
        pickup = graph.stations[c.order.origin_station]
        side = c.order.direction.destination
        fast = slots.dest_among(pickup, side, slots.free_ids(side), busy)
        assert fast == slots.dest_for(c, pickup, busy), (pickup.id, side)
