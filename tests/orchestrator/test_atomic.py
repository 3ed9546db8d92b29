"""Rejection is atomic: an event the core refuses leaves it exactly as it was.

A fake fleet runs a random scenario (holds, scans, verdict changes, closures, faults). Between
its steps the test throws events at the core:

- events that are wrong by construction (stale or never-issued command ids, nodes off the
  granted path, actions the vehicle is not doing, releases by the wrong authority, unknown ids,
  malformed container and seal numbers, duplicates) at the live core: each must be refused with
  a :class:`BorderflowError` (never :class:`CoreInconsistentError`) and the core's snapshot must
  not change — the run then goes on and delivers everything;
- fully random events (any type, any mix of known and unknown ids) at a deep copy of the core:
  whatever the copy accepts is fine, but what it refuses must leave its snapshot unchanged, and
  it must never fail half-way.
"""

from __future__ import annotations

import copy
import math
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.core import Orchestrator
from orchestrator.errors import BorderflowError, CoreInconsistentError
from orchestrator.ids import CommandId, VehicleId
from orchestrator.lanegraph import LaneGraph, NodeId, Side, StationId
from orchestrator.messages import (
    ActionDone,
    ActionKind,
    Direction,
    Event,
    HoldReleased,
    LaneClosed,
    LaneOpened,
    OrderArrived,
    RiskLevel,
    ScanCompleted,
    ScanOutcome,
    SealChecked,
    Tick,
    VehicleAtNode,
    VehicleFaulted,
    VehicleJoined,
    VehicleRecovered,
    VerdictIssued,
)
from tests.orchestrator.fleet import FakeFleet
from tests.orchestrator.graphs import two_yard_crossing
from tests.orchestrator.helpers import container
from tests.orchestrator.scenarios import Scenario, run_scenario


def _refused_unchanged(core: Orchestrator, event: Event) -> bool:
    """Feed ``event``; True if refused (asserting the snapshot did not change)."""
    before = core.snapshot()
    try:
        core.handle(event)
    except CoreInconsistentError as exc:  # pragma: no cover - the failure this test hunts
        raise AssertionError(f"{event!r} broke the core half-way: {exc}") from exc
    except BorderflowError:
        assert core.snapshot() == before, f"refused {event!r} but the core changed"
        return True
    return False


def _wrong_events(fleet: FakeFleet, rng: random.Random) -> list[Event]:
    """Events that cannot fit the core's state now (built from the fleet's own view)."""
    core, t = fleet.core, fleet.clock.t_s
    views = core.views
    out: list[Event] = []
    for v in views.vehicles():
        fake = fleet.vehicles[v.vehicle_id]
        vid = v.vehicle_id
        if v.fault is not None:
            out.append(VehicleAtNode(t, vid, v.node, 10.0, fake.drive))
            out.append(VehicleFaulted(t, vid, "again"))
            off = [n for n in fleet.graph.nodes if n not in (v.node, *v.path)]
            out.append(VehicleRecovered(t, vid, rng.choice(off), 10.0))
            continue
        out.append(VehicleRecovered(t, vid, v.node, 10.0))  # not out of service
        stale = CommandId(max(0, fake.drive - rng.randint(1, 5)))
        node = v.path[0] if v.path else v.node
        out.append(VehicleAtNode(t, vid, node, 10.0, stale))  # a stale Drive
        if v.path:
            wrong = [n for n in fleet.graph.nodes if n != v.path[0]]
            out.append(VehicleAtNode(t, vid, rng.choice(wrong), 10.0, fake.drive))
        out.append(VehicleAtNode(t, vid, node, 10.0, CommandId(10**9)))  # never issued
        out.append(ActionDone(t, vid, rng.choice(list(ActionKind)), 10.0, CommandId(10**9)))
        if v.on_lanes or v.container_ids or v.order_ids:
            out.append(VehicleJoined(t, vid, v.node, 10.0))  # still active
    for cid in views.container_ids():
        status = views.risk_status(cid)
        if status.hold_side is not None:
            out.append(HoldReleased(t, cid, "officer-x", status.hold_side.other, "not mine"))
        else:
            out.append(HoldReleased(t, cid, "officer-x", Side.CN, "nothing held"))
        out.append(ScanCompleted(t, cid, ScanOutcome.CLEAR, CommandId(10**9)))
        out.append(SealChecked(t, cid, "EZ-12", NodeId("C1"), True))  # malformed seal
        out.append(SealChecked(t, cid, "EZ-20260001", NodeId("nowhere"), True))
    out += [
        VehicleAtNode(t, VehicleId("ghost"), NodeId("C1"), 10.0, CommandId(1)),
        VehicleFaulted(t, VehicleId("ghost"), "who?"),
        OrderArrived(t, "o-bad", "MSCU1234560", Direction.CN_TO_MN, StationId("C-Y0")),
        OrderArrived(t, "o-bad", container(77), Direction.CN_TO_MN, StationId("nowhere")),
        OrderArrived(t, "o-bad", container(77), Direction.MN_TO_CN, StationId("C-Y0")),
        VerdictIssued(t, "NOT-A-NUMBER", RiskLevel.HIGH, Side.MN, "x"),
        HoldReleased(t, container(88_888), "officer-x", Side.CN, "unknown container"),
        LaneClosed(t, "no-such-lane"),
        LaneOpened(t, "no-such-zone", is_zone=True),
        VehicleJoined(t, VehicleId("v-new"), NodeId("nowhere"), 10.0),
    ]
    for oid, cid in sorted(core._world.orders.container_of.items())[:2]:
        out.append(OrderArrived(t, oid, container(99), Direction.CN_TO_MN, StationId("C-Y0")))
        if views.container_state(cid).value != "delivered":
            out.append(OrderArrived(t, "o-dup", cid, Direction.CN_TO_MN, StationId("C-Y0")))
    return out


def _random_event(fleet: FakeFleet, rng: random.Random) -> Event:
    """Any event, its ids drawn from a mix of known and unknown ones."""
    graph, views, t = fleet.graph, fleet.core.views, fleet.clock.t_s
    vids = [*views.vehicle_ids(), VehicleId("ghost")]
    cids = [*views.container_ids(), container(5_000), "MSCU0000000"]
    nodes = [*sorted(graph.nodes), NodeId("nowhere")]
    cmd = CommandId(rng.randint(0, fleet.core._outbox._last + 2))
    side, level = rng.choice(list(Side)), rng.choice(list(RiskLevel))
    lanes = [*sorted({e.lane_id for e in graph.edges.values()}), "no-such-lane"]
    kwh = rng.choice([0.0, 50.0, 150.0, math.nan, -1.0])
    make = rng.choice(
        [
            lambda: VehicleAtNode(t, rng.choice(vids), rng.choice(nodes), kwh, cmd),
            lambda: ActionDone(t, rng.choice(vids), rng.choice(list(ActionKind)), kwh, cmd),
            lambda: ScanCompleted(
                t, rng.choice(cids), rng.choice(list(ScanOutcome)), rng.choice([None, cmd])
            ),
            lambda: VerdictIssued(t, rng.choice(cids), level, side, f"r{rng.random()}", "fuzz"),
            lambda: HoldReleased(t, rng.choice(cids), "officer-f", side, "fuzz"),
            lambda: SealChecked(
                t,
                rng.choice(cids),
                rng.choice(["EZ-20260001", "XX"]),
                rng.choice(nodes),
                rng.random() < 0.5,
            ),
            lambda: LaneClosed(t, rng.choice(lanes), rng.random() < 0.2, "fuzz"),
            lambda: LaneOpened(t, rng.choice(lanes), rng.random() < 0.2),
            lambda: VehicleFaulted(t, rng.choice(vids), "fuzz"),
            lambda: VehicleRecovered(t, rng.choice(vids), rng.choice(nodes), kwh),
            lambda: VehicleJoined(t, rng.choice(vids), rng.choice(nodes), kwh),
            lambda: OrderArrived(
                t,
                rng.choice(["o1", "o-f"]),
                rng.choice(cids),
                rng.choice(list(Direction)),
                rng.choice(["C-Y0", "M-Y1", "nowhere"]),
            ),
            lambda: Tick(t),
        ]
    )
    return make()  # type: ignore[no-any-return]


def _graph() -> LaneGraph:
    return two_yard_crossing(shortcut=True)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_refused_events_change_nothing_and_the_run_goes_on(seed: int) -> None:
    rng = random.Random(seed)
    sc = Scenario(seed=seed, vehicles=4, orders=8, horizon_s=900.0, closures=("C-short",))
    fleet = run_scenario(_graph(), sc)
    refused = accepted_by_copy = 0
    steps = 0
    while fleet.heap and steps < 60:
        steps += 1
        fleet.run(fleet.clock.t_s + rng.uniform(20.0, 120.0))
        if rng.random() < 0.3 and not any(v.faulted for v in fleet.vehicles.values()):
            fleet.fault(rng.choice(sorted(fleet.vehicles)), for_s=rng.uniform(30.0, 400.0))
        for event in rng.sample(w := _wrong_events(fleet, rng), min(len(w), 12)):
            assert _refused_unchanged(fleet.core, event), f"accepted a wrong event {event!r}"
            refused += 1
        twin = copy.deepcopy(fleet.core)
        for _ in range(6):
            if not _refused_unchanged(twin, _random_event(fleet, rng)):
                accepted_by_copy += 1
    assert refused > 0 and fleet.core.healthy
    fleet.run(400_000)  # the live core was never disturbed: the run completes
    assert len(fleet.delivered) == sc.orders
