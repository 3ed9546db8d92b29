"""Seeded random scenarios for the stress tests: fleets, orders, verdict changes, closures."""

from __future__ import annotations

import random
from dataclasses import dataclass

from orchestrator.config import OrchestratorConfig
from orchestrator.lanegraph import LaneGraph, Side, StationRole
from orchestrator.messages import (
    Direction,
    LaneClosed,
    LaneOpened,
    OrderArrived,
    RiskLevel,
    ScanOutcome,
    VerdictIssued,
)
from tests.orchestrator.fleet import FakeFleet
from tests.orchestrator.helpers import container


@dataclass(frozen=True)
class Scenario:
    seed: int
    vehicles: int = 6
    orders: int = 12
    horizon_s: float = 2000.0  # orders arrive within this time
    verdict_changes: bool = True
    closures: tuple[str, ...] = ()  # lane ids closed for a while at random times
    max_delay_s: float = 10.0


def run_scenario(
    graph: LaneGraph, sc: Scenario, config: OrchestratorConfig | None = None
) -> FakeFleet:
    rng = random.Random(sc.seed)
    escalate = {container(i) for i in range(sc.orders) if rng.random() < 0.2}
    fleet = FakeFleet(
        graph,
        config,
        seed=sc.seed,
        max_delay_s=sc.max_delay_s,
        scan_outcome=lambda cid: ScanOutcome.ESCALATE if cid in escalate else ScanOutcome.CLEAR,
    )
    parking = [
        s for s in graph.stations.values() if s.role in (StationRole.CHARGER, StationRole.YARD_SLOT)
    ]
    station_nodes = {st.node for st in graph.stations.values()}
    ring_nodes = sorted(n for n in graph.nodes if n not in station_nodes)
    for k in range(sc.vehicles):
        if k < len(parking):
            node = sorted(parking, key=lambda s: s.id)[k].node
        else:
            node = ring_nodes[k % len(ring_nodes)]
        fleet.join(f"v{k:02d}", node, rng.uniform(0.5, 1.0) * fleet.config.battery_capacity_kwh)
    slots = {
        side: [s.id for s in graph.stations_with(StationRole.YARD_SLOT, side)]
        for side in (Side.CN, Side.MN)
    }
    for i in range(sc.orders):
        cid = container(i)
        direction = rng.choice([Direction.CN_TO_MN, Direction.MN_TO_CN])
        t = rng.uniform(0.0, sc.horizon_s)
        origin = rng.choice(slots[direction.origin])
        level = rng.choice([RiskLevel.LOW, RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, None])

        def arrive(
            cid: str = cid,
            d: Direction = direction,
            o: str = origin,
            i: int = i,
            level: RiskLevel | None = level,
            t: float = t,
        ) -> None:
            if level is not None:
                fleet.send(VerdictIssued(t, cid, level, d.origin, f"v{i}"))
            fleet.send(OrderArrived(t, f"o{i}", cid, d, o, (f"EZ-{30000000 + i}",)))

        fleet.at(t, arrive)
        if level is None:
            # No verdict at first; a clearing one comes later (UNKNOWN waits at the buffer).
            t2 = t + rng.uniform(100.0, 1500.0)
            fleet.at(
                t2,
                lambda cid=cid, t2=t2, d=direction: fleet.send(
                    VerdictIssued(t2, cid, RiskLevel.LOW, d.origin, "late")
                ),
            )
        elif sc.verdict_changes and rng.random() < 0.3:
            # A verdict change while the container may be on its way.
            t2 = t + rng.uniform(50.0, 1500.0)
            new = rng.choice([RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW])
            side = rng.choice([Side.CN, Side.MN])
            fleet.at(
                t2,
                lambda cid=cid, t2=t2, new=new, side=side: fleet.send(
                    VerdictIssued(t2, cid, new, side, "change", "new information")
                ),
            )
    for lane in sc.closures:
        t = rng.uniform(0.0, sc.horizon_s)
        dur = rng.uniform(100.0, 800.0)
        fleet.at(t, lambda lane=lane, t=t: fleet.send(LaneClosed(t, lane, reason="works")))
        fleet.at(t + dur, lambda lane=lane, t=t + dur: fleet.send(LaneOpened(t, lane)))
    fleet.expected_orders = sc.orders
    return fleet
