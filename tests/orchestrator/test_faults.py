"""Vehicle faults through the Orchestrator facade: out of service, orders returned, recovery."""

from __future__ import annotations

import random

import pytest

from orchestrator.domain.states import ContainerState, OrderState, VehicleState
from orchestrator.errors import UnexpectedEventError
from orchestrator.lanegraph import NodeId, Side
from orchestrator.messages import (
    ActionDone,
    ActionKind,
    Direction,
    Drive,
    HoldReleased,
    OrderArrived,
    Perform,
    RiskLevel,
    VehicleAtNode,
    VehicleFaulted,
    VehicleRecovered,
    VerdictIssued,
)
from tests.orchestrator.fleet import FakeFleet
from tests.orchestrator.graphs import two_yard_crossing
from tests.orchestrator.helpers import CheckingLedger, container


def _fleet(**kw: object) -> tuple[FakeFleet, CheckingLedger]:
    ledger = CheckingLedger()
    fleet = FakeFleet(two_yard_crossing(), seed=5, ledger=ledger, **kw)  # type: ignore[arg-type]
    return fleet, ledger


def _order(fleet: FakeFleet, i: int, level: RiskLevel = RiskLevel.LOW) -> str:
    cid = container(i)
    fleet.send(VerdictIssued(fleet.clock.t_s, cid, level, Direction.CN_TO_MN.origin, f"vd-{i}"))
    fleet.send(
        OrderArrived(
            fleet.clock.t_s, f"o{i}", cid, Direction.CN_TO_MN, "C-Y0", (f"EZ-{20270000 + i}",)
        )
    )
    fleet.expected_orders += 1
    return cid


def _until(fleet: FakeFleet, kind: str, limit_s: float = 5000.0) -> None:
    while not fleet.sink.kinds(kind):
        assert fleet.clock.t_s < limit_s, f"no {kind} before t={limit_s}"
        fleet.run(fleet.clock.t_s + 1)


def test_empty_vehicle_faulting_returns_its_order_to_another_vehicle() -> None:
    fleet, _ = _fleet()
    fleet.join("v1", "CK")
    cid = _order(fleet, 1)
    _until(fleet, "order.assigned")
    assert fleet.core.views.order_state("o1") is OrderState.ASSIGNED
    fleet.fault("v1", for_s=3000.0)
    assert fleet.core.views.order_state("o1") is OrderState.OPEN
    assert fleet.core.views.container_state(cid) is ContainerState.WAITING
    assert fleet.core.views.faulted_vehicles() == {"v1": "drive error"}
    returned = fleet.sink.kinds("order.returned")[-1]
    assert returned.data == {"order_id": "o1", "container_id": cid, "vehicle_id": "v1"}
    fleet.join("v2", "CK")
    fleet.run(fleet.clock.t_s + 1500)
    assert fleet.delivered == [cid]  # v2 fetched it while v1 was out of service
    assigned = [e.data["vehicle_id"] for e in fleet.sink.kinds("order.assigned")]
    assert assigned == ["v1", "v2"]
    fleet.run(fleet.clock.t_s + 5000)
    assert fleet.sink.kinds("vehicle.recovered")
    assert fleet.core.views.faulted_vehicles() == {}
    assert fleet.all_quiet()


def test_loaded_vehicle_keeps_its_container_and_continues_after_recovery() -> None:
    fleet, ledger = _fleet()
    fleet.join("v1", "CK")
    cid = _order(fleet, 2)
    _until(fleet, "order.picked_up")
    fleet.run(fleet.clock.t_s + 3)
    fleet.fault("v1", for_s=600.0, reason="bumper contact")
    assert fleet.sink.kinds("container.stranded")[-1].data["vehicle_id"] == "v1"
    assert fleet.core.views.container_state(cid) is ContainerState.ON_VEHICLE
    assert fleet.core.views.order_state("o2") is OrderState.PICKED_UP
    t_fault = fleet.clock.t_s
    fleet.run(t_fault + 500)
    assert fleet.delivered == []  # nothing moves it while it is out of service
    fleet.run(t_fault + 5000)
    assert fleet.delivered == [cid]
    assert ledger.kinds(cid)[-1] == "DELIVERED"
    kinds = [e.kind for e in fleet.sink.entries]
    assert kinds.index("vehicle.faulted") < kinds.index("vehicle.recovered")
    assert "bumper contact" in fleet.sink.kinds("vehicle.faulted")[-1].message


def test_reports_of_a_faulted_vehicle_are_refused_and_change_nothing() -> None:
    fleet, _ = _fleet()
    fleet.join("v1", "CK")
    _order(fleet, 3)
    _until(fleet, "order.picked_up")
    fleet.run(fleet.clock.t_s + 3)
    v = fleet.core.views.vehicle("v1")
    assert v.path, "the vehicle should be driving"
    drive = fleet.vehicles["v1"].drive
    fleet.vehicles["v1"].faulted = True
    fleet.core.handle(VehicleFaulted(fleet.clock.t_s, "v1", "lost localisation"))
    before = fleet.core.snapshot()
    with pytest.raises(UnexpectedEventError, match=r"out of service \(lost localisation\)"):
        fleet.core.handle(VehicleAtNode(fleet.clock.t_s, "v1", v.path[0], 50.0, drive))
    with pytest.raises(UnexpectedEventError, match="out of service"):
        fleet.core.handle(ActionDone(fleet.clock.t_s, "v1", ActionKind.LOAD, 50.0, drive))
    with pytest.raises(UnexpectedEventError, match="already out of service"):
        fleet.core.handle(VehicleFaulted(fleet.clock.t_s, "v1", "again"))
    with pytest.raises(UnexpectedEventError, match="cannot recover at CK"):
        fleet.core.handle(VehicleRecovered(fleet.clock.t_s, "v1", NodeId("CK"), 50.0))
    with pytest.raises(UnexpectedEventError, match="not on the lane graph"):
        fleet.core.handle(VehicleRecovered(fleet.clock.t_s, "v1", NodeId("nowhere"), 50.0))
    assert fleet.core.snapshot() == before
    assert fleet.core.views.faulted_vehicles() == {"v1": "lost localisation"}


def test_recovery_on_the_granted_path_books_the_arrivals_and_resumes_the_rest() -> None:
    fleet, _ = _fleet()
    fleet.join("v1", "CK")
    _order(fleet, 4)
    _until(fleet, "order.picked_up")
    fleet.run(fleet.clock.t_s + 3)
    fleet.vehicles["v1"].faulted = True
    fleet.core.handle(VehicleFaulted(fleet.clock.t_s, "v1", "e-stop"))
    v = fleet.core.views.vehicle("v1")
    end = v.path[-1]
    route = fleet.core.views.vehicle_route("v1")
    assert route == (v.node, *v.path) and len(route) >= 2
    out = fleet.core.handle(VehicleRecovered(fleet.clock.t_s, "v1", end, 40.0))
    after = fleet.core.views.vehicle("v1")
    assert after.node == end and after.fault is None
    assert not any(isinstance(c, Drive) and c.path[0] != end for c in out)
    with pytest.raises(UnexpectedEventError, match="not out of service"):
        fleet.core.handle(VehicleRecovered(fleet.clock.t_s, "v1", end, 40.0))


def test_fault_during_loading_returns_the_order_and_unloading_is_commanded_again() -> None:
    fleet, _ = _fleet()
    fleet.action_durations[ActionKind.LOAD] = 200.0
    fleet.join("v1", "CK")
    cid = _order(fleet, 5)
    while fleet.core.views.vehicle_state("v1") is not VehicleState.LOADING:
        fleet.run(fleet.clock.t_s + 1)
    fleet.fault("v1", for_s=400.0)
    assert fleet.core.views.vehicle_state("v1") is VehicleState.WAITING
    assert fleet.core.views.order_state("o5") is OrderState.OPEN
    fleet.run(fleet.clock.t_s + 6000)
    assert fleet.delivered == [cid]  # v1 itself, once back, fetched it again
    # Now a fault in the middle of unloading: the unload is commanded again on recovery.
    fleet.action_durations[ActionKind.UNLOAD] = 200.0
    cid2 = _order(fleet, 6)
    while fleet.core.views.vehicle_state("v1") is not VehicleState.UNLOADING:
        fleet.run(fleet.clock.t_s + 1)
    fleet.fault("v1", for_s=300.0)
    seen: list[object] = []
    original = fleet.execute
    fleet.execute = lambda c: (seen.append(c), original(c))[1]  # type: ignore[method-assign]
    fleet.run(fleet.clock.t_s + 3000)
    assert any(isinstance(c, Perform) and c.action is ActionKind.UNLOAD for c in seen)
    assert fleet.delivered == [cid, cid2]


def test_faulted_parked_vehicle_gets_no_work_until_it_recovers() -> None:
    fleet, _ = _fleet()
    fleet.join("v1", "CK")
    fleet.fault("v1", for_s=900.0, reason="battery fault")
    cid = _order(fleet, 7)
    fleet.run(800.0)
    assert not fleet.sink.kinds("order.assigned")
    assert fleet.core.views.counts()["vehicles_out_of_service"] == 1
    fleet.run(6000.0)
    assert fleet.delivered == [cid]
    assert fleet.core.views.counts()["vehicles_out_of_service"] == 0


@pytest.mark.parametrize("seed", range(40))
def test_random_faults_never_break_the_invariants_and_every_order_arrives(seed: int) -> None:
    rng = random.Random(seed)
    fleet = FakeFleet(two_yard_crossing(), seed=seed, max_delay_s=8.0, ledger=CheckingLedger())
    for i in range(3):
        fleet.join(f"v{i}", "CK")
    for i in range(6):
        _order(fleet, 100 + i, rng.choice([RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH]))
    for _ in range(8):
        fleet.run(fleet.clock.t_s + rng.uniform(5.0, 300.0))
        vid = f"v{rng.randrange(3)}"
        if not fleet.vehicles[vid].faulted:
            fleet.fault(vid, for_s=rng.uniform(10.0, 900.0))
    fleet.run(60_000.0)  # the fake fleet checks collisions and uncleared crossings throughout
    assert sorted(fleet.delivered) == sorted(container(100 + i) for i in range(6))
    assert fleet.core.views.faulted_vehicles() == {}


def test_fault_during_a_scan_repeats_the_scan_after_recovery() -> None:
    fleet, _ = _fleet()
    fleet.action_durations[ActionKind.SCAN] = 300.0
    fleet.join("v1", "CK")
    cid = _order(fleet, 8, RiskLevel.MEDIUM)
    while fleet.core.views.vehicle_state("v1") is not VehicleState.SCANNING:
        fleet.run(fleet.clock.t_s + 1)
    fleet.fault("v1", for_s=500.0)
    fleet.run(fleet.clock.t_s + 400)
    assert fleet.core.views.container_state(cid) is ContainerState.SCANNING  # no outcome yet
    fleet.run(fleet.clock.t_s + 8000)
    assert len(fleet.sink.kinds("scan.done")) == 1
    assert fleet.delivered == [cid]


def test_hold_released_while_the_vehicle_is_faulted_takes_effect_on_recovery() -> None:
    fleet, _ = _fleet(release_holds=False)
    fleet.join("v1", "CK")
    cid = _order(fleet, 9, RiskLevel.HIGH)
    while fleet.core.views.vehicle_state("v1") is not VehicleState.HOLDING:
        fleet.run(fleet.clock.t_s + 1)
        assert fleet.clock.t_s < 5000
    fleet.fault("v1", for_s=900.0)
    fleet.send(HoldReleased(fleet.clock.t_s, cid, "cn-1", Side.CN, "inspected"))
    fleet.run(fleet.clock.t_s + 800)
    assert fleet.delivered == [] and fleet.core.views.vehicle_node("v1") == NodeId("CH")
    fleet.run(fleet.clock.t_s + 8000)
    assert fleet.delivered == [cid]
