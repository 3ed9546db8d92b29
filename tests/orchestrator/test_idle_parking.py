"""Idle vehicles wait in the depots: parking, charging between jobs, redirection on the way.

Runs the core on the bundled test crossing (one depot of 10 places per side) with the fake
fleet, and checks where vehicles with nothing to do end up.
"""

from __future__ import annotations

import pytest

from maps.loader import load_map
from orchestrator.config import OrchestratorConfig
from orchestrator.domain.eventlog import DomainEvent
from orchestrator.domain.events import VehicleRelocated
from orchestrator.lanegraph import LaneGraph
from orchestrator.messages import Direction, OrderArrived, RiskLevel, Tick, VerdictIssued
from tests.orchestrator.fleet import FakeFleet
from tests.orchestrator.helpers import container

CONFIG = OrchestratorConfig(battery_capacity_kwh=200.0)


@pytest.fixture(scope="module")
def graph() -> LaneGraph:
    return load_map("test_crossing")


def _order(fleet: FakeFleet, i: int, cn_to_mn: bool, origin: str) -> str:
    cid = container(i)
    direction = Direction.CN_TO_MN if cn_to_mn else Direction.MN_TO_CN
    fleet.send(VerdictIssued(fleet.clock.t_s, cid, RiskLevel.LOW, direction.origin, f"vd-{i}"))
    fleet.send(
        OrderArrived(fleet.clock.t_s, f"o{i}", cid, direction, origin, (f"EZ-{20260000 + i}",))
    )
    fleet.expected_orders += 1
    return cid


def _parked_count(fleet: FakeFleet, station: str) -> int:
    return sum(1 for v in fleet.core.views.vehicles() if v.station == station)


def test_after_delivery_the_vehicle_parks_in_the_depot_on_its_side(graph: LaneGraph) -> None:
    fleet = FakeFleet(graph, CONFIG, seed=1)
    fleet.join("v1", "cn_parking_1")
    cid = _order(fleet, 1, True, "cn_slot_01")
    fleet.run(20_000)
    assert fleet.delivered == [cid]
    v = fleet.core.views.vehicle("v1")
    assert v.station == "mn_parking_1"  # delivered on the MN side, parks there
    relocated = fleet.sink.kinds("vehicle.relocated")
    assert [e.data["station"] for e in relocated] == ["mn_parking_1"]  # never circulates
    assert fleet.core.views.place_usage("mn_slot_01") == 0  # the slot is free again
    assert fleet.core.views.place_usage("mn_parking_1") == _parked_count(fleet, "mn_parking_1")


def test_a_charged_idle_vehicle_leaves_the_charger_for_the_depot(graph: LaneGraph) -> None:
    fleet = FakeFleet(graph, CONFIG, seed=2)
    fleet.join("v1", "cn_charger_1")
    fleet.send(Tick(1.0))
    fleet.run(5_000)
    assert fleet.core.views.vehicle("v1").station == "cn_parking_1"
    assert fleet.core.views.place_usage("cn_charger_1") == 0


def test_an_idle_vehicle_tops_up_when_no_work_waits(graph: LaneGraph) -> None:
    fleet = FakeFleet(graph, CONFIG, seed=3)
    fleet.join("v1", "cn_parking_1", battery_kwh=100.0)  # 50 %: above charge_below, below top-up
    fleet.run(20_000)
    kinds = [e.kind for e in fleet.sink.entries]
    assert "vehicle.charging" in kinds and "vehicle.charged" in kinds
    assert kinds.index("vehicle.charging") < kinds.index("vehicle.charged")
    assert fleet.core.views.vehicle("v1").station == "cn_parking_1"  # back in the depot after it
    assert fleet.core.views.vehicle("v1").battery_kwh >= 0.95 * 200.0 * 0.99


def test_with_work_waiting_a_half_charged_vehicle_works_first(graph: LaneGraph) -> None:
    fleet = FakeFleet(graph, CONFIG, seed=4)
    _order(fleet, 1, True, "cn_slot_01")
    fleet.join("v1", "cn_parking_1", battery_kwh=100.0)
    fleet.run(20_000)
    kinds = [e.kind for e in fleet.sink.entries]
    assert kinds.index("order.assigned") < kinds.index("order.delivered")
    assert "vehicle.charging" not in kinds[: kinds.index("order.delivered")]


def test_a_vehicle_on_its_way_to_park_takes_new_work_at_once(graph: LaneGraph) -> None:
    fleet = FakeFleet(graph, CONFIG, seed=5)
    fleet.join("v1", "cn_parking_1")
    first = _order(fleet, 1, True, "cn_slot_01")
    relocated_at: list[float] = []

    def on_log(event: DomainEvent) -> None:
        if isinstance(event, VehicleRelocated) and not relocated_at:
            relocated_at.append(event.t_s)
            # Work appears on the MN side just after the vehicle set off for the depot.
            fleet.at(event.t_s + 1.0, lambda: _order(fleet, 2, False, "mn_slot_02") and None)

    fleet.sink.listeners.append(on_log)
    fleet.run(40_000)
    assert len(fleet.delivered) == 2 and fleet.delivered[0] == first
    assigned = [e for e in fleet.sink.kinds("order.assigned") if e.data["order_id"] == "o2"]
    assert assigned and assigned[0].t_s == pytest.approx(relocated_at[0] + 1.0)
    # The parking place it had reserved was given back: only parked vehicles hold places.
    for sid in ("cn_parking_1", "mn_parking_1"):
        assert fleet.core.views.place_usage(sid) == _parked_count(fleet, sid)


@pytest.mark.parametrize(("interval_s", "assigned_at_s"), [(0.0, 1.0), (10.0, 12.0)])
def test_dispatch_rounds_are_spaced_by_the_interval(
    graph: LaneGraph, interval_s: float, assigned_at_s: float
) -> None:
    fleet = FakeFleet(graph, OrchestratorConfig(dispatch_interval_s=interval_s), seed=6)
    fleet.join("v1", "cn_parking_1")  # a round at t=0 (nothing to assign)
    fleet.clock.t_s = 1.0
    _order(fleet, 1, True, "cn_slot_01")  # t=1: within the interval, the round waits
    fleet.send(Tick(5.0))
    fleet.send(Tick(12.0))  # the first event after the interval runs it
    assigned = fleet.sink.kinds("order.assigned")
    assert [e.t_s for e in assigned] == [assigned_at_s]
