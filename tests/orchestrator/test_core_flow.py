"""End to end through the Orchestrator facade on the hand-built two-yard crossing."""

from __future__ import annotations

import pytest

from orchestrator.domain.states import ContainerState, OrderState, VehicleState
from orchestrator.errors import (
    DuplicateIdError,
    InvalidContainerNumberError,
    StaleReportError,
    UnauthorisedReleaseError,
    UnexpectedEventError,
    UnknownLaneError,
    UnknownStationError,
    UnknownVehicleError,
)
from orchestrator.ids import CommandId
from orchestrator.lanegraph import NodeId, Side
from orchestrator.messages import (
    ActionKind,
    Direction,
    Drive,
    HoldReleased,
    LaneClosed,
    LaneOpened,
    OrderArrived,
    RiskLevel,
    ScanOutcome,
    SealChecked,
    VehicleAtNode,
    VerdictIssued,
)
from tests.orchestrator.fleet import FakeFleet
from tests.orchestrator.graphs import two_yard_crossing
from tests.orchestrator.helpers import CheckingLedger, container


def _fleet(**kw: object) -> tuple[FakeFleet, CheckingLedger]:
    ledger = CheckingLedger()
    fleet = FakeFleet(two_yard_crossing(), seed=3, ledger=ledger, **kw)  # type: ignore[arg-type]
    return fleet, ledger


def _order(fleet: FakeFleet, i: int, level: RiskLevel | None, cn_to_mn: bool = True) -> str:
    cid = container(i)
    direction = Direction.CN_TO_MN if cn_to_mn else Direction.MN_TO_CN
    origin = "C-Y0" if cn_to_mn else "M-Y0"
    if level is not None:
        fleet.send(VerdictIssued(fleet.clock.t_s, cid, level, direction.origin, f"vd-{i}"))
    fleet.send(
        OrderArrived(fleet.clock.t_s, f"o{i}", cid, direction, origin, (f"EZ-{20260000 + i}",))
    )
    fleet.expected_orders += 1
    return cid


def test_low_risk_container_goes_straight_across() -> None:
    fleet, ledger = _fleet()
    fleet.join("v1", "CK")
    cid = _order(fleet, 1, RiskLevel.LOW)
    fleet.run(5000)
    assert fleet.delivered == [cid]
    kinds = [e.kind for e in fleet.sink.entries if e.kind not in ("traffic.wait",)]
    assert kinds == [
        "vehicle.joined",
        "risk.verdict",
        "order.received",
        "order.assigned",
        "order.picked_up",
        "border.crossed",
        "order.delivered",
        "vehicle.charging",
        "vehicle.charged",
    ]
    crossed = fleet.sink.kinds("border.crossed")[0]
    assert crossed.data == {
        "vehicle_id": "v1",
        "container_id": cid,
        "gate": "gate-cn",
        "cleared": True,
    }
    delivered = fleet.sink.kinds("order.delivered")[0]
    assert delivered.data["direction"] == "CN->MN"
    assert delivered.data["crossing_time_s"] == pytest.approx(delivered.t_s)
    assert ledger.kinds(cid) == [
        "SEAL_AFFIXED",
        "HANDOFF_YARD_TO_AGV",
        "BORDER_HANDOFF",
        "HANDOFF_AGV_TO_YARD",
        "DELIVERED",
    ]
    assert fleet.core.views.container_state(cid) is ContainerState.DELIVERED
    assert fleet.core.views.order_state("o1") is OrderState.DELIVERED
    assert fleet.core.views.vehicle_state("v1") is VehicleState.IDLE


def test_medium_risk_goes_through_the_scanner() -> None:
    fleet, _ = _fleet()
    fleet.join("v1", "CK")
    cid = _order(fleet, 2, RiskLevel.MEDIUM)
    fleet.run(5000)
    assert fleet.delivered == [cid]
    kinds = [e.kind for e in fleet.sink.entries]
    assert kinds.index("scan.requested") < kinds.index("scan.done") < kinds.index("border.crossed")
    assert fleet.sink.kinds("scan.requested")[0].data["station"] == "C-S"


def test_scan_escalation_holds_until_released() -> None:
    fleet, ledger = _fleet(scan_outcome=lambda cid: ScanOutcome.ESCALATE)
    fleet.join("v1", "CK")
    cid = _order(fleet, 3, RiskLevel.MEDIUM)
    fleet.run(5000)
    assert fleet.delivered == [cid]
    placed = fleet.sink.kinds("hold.placed")[0]
    assert placed.data["station"] == "C-H" and placed.data["side"] == "CN"
    assert "NII scan" in str(placed.data["reason"])
    released = fleet.sink.kinds("hold.released")[0]
    crossed = fleet.sink.kinds("border.crossed")[0]
    assert placed.t_s < released.t_s < crossed.t_s
    assert ledger.kinds(cid) == [
        "SEAL_AFFIXED",
        "HANDOFF_YARD_TO_AGV",
        "HOLD_PLACED",
        "INSPECTION_OPENED",
        "RESEALED",
        "HOLD_RELEASED",
        "BORDER_HANDOFF",
        "HANDOFF_AGV_TO_YARD",
        "DELIVERED",
    ]


def test_unknown_risk_waits_at_the_buffer_and_never_crosses() -> None:
    fleet, _ = _fleet()
    fleet.join("v1", "CK")
    cid = _order(fleet, 4, None)
    fleet.run(3000)
    assert fleet.delivered == []
    assert fleet.core.views.vehicle_node("v1") == NodeId("CB")
    assert fleet.core.views.vehicle_state("v1") is VehicleState.HOLDING
    assert not [e for e in fleet.sink.kinds("border.crossed") if e.data["container_id"] == cid]
    fleet.send(VerdictIssued(fleet.clock.t_s, cid, RiskLevel.LOW, Side.CN, "late"))
    fleet.run(8000)
    assert fleet.delivered == [cid]


def test_high_verdict_en_route_reroutes_to_the_hold_bay_on_its_side() -> None:
    fleet, _ = _fleet(release_holds=False)
    fleet.join("v1", "CK")
    cid = _order(fleet, 5, RiskLevel.LOW)
    # Run until the container is loaded and the vehicle is on its way.
    while not fleet.sink.kinds("order.picked_up"):
        fleet.run(fleet.clock.t_s + 1)
    fleet.run(fleet.clock.t_s + 5)
    fleet.send(VerdictIssued(fleet.clock.t_s, cid, RiskLevel.HIGH, Side.MN, "vd-x", "intel"))
    reroute = fleet.sink.kinds("risk.reroute")[-1]
    assert reroute.data["destination"] == "C-H"
    assert reroute.data["vehicle_id"] == "v1"
    placed = fleet.sink.kinds("hold.placed")[-1]
    # In the CN hold bay, but MN's hold: MN's verdict caused it (jurisdiction by verdict).
    assert placed.data["side"] == "MN" and "intel" in str(placed.data["reason"])
    fleet.run(fleet.clock.t_s + 2000)
    assert fleet.core.views.vehicle_node("v1") == NodeId("CH")
    assert fleet.core.views.container_state(cid) is ContainerState.HELD
    assert not fleet.sink.kinds("border.crossed")
    assert not fleet.sink.kinds("risk.late_verdict")  # it came before the commitment
    with pytest.raises(UnauthorisedReleaseError, match="held by MN customs"):
        fleet.send(HoldReleased(fleet.clock.t_s, cid, "cn-3", Side.CN, "not mine"))
    assert fleet.core.views.is_held(cid)
    fleet.send(HoldReleased(fleet.clock.t_s, cid, "mn-7", Side.MN, "inspected"))
    fleet.run(fleet.clock.t_s + 3000)
    assert fleet.delivered == [cid]


def test_high_verdict_after_crossing_holds_on_the_other_side() -> None:
    fleet, _ = _fleet(release_holds=False)
    fleet.join("v1", "CK")
    cid = _order(fleet, 6, RiskLevel.LOW)
    while not fleet.sink.kinds("border.crossed"):
        fleet.run(fleet.clock.t_s + 1)
    committed_t_s = fleet.sink.kinds("border.crossed")[0].t_s
    fleet.run(fleet.clock.t_s + 3)
    fleet.send(VerdictIssued(fleet.clock.t_s, cid, RiskLevel.HIGH, Side.MN, "vd-y"))
    # Past the point of no return: a late verdict, held at the first place on the other side.
    (late,) = fleet.sink.kinds("risk.late_verdict")
    assert late.data == {
        "container_id": cid,
        "vehicle_id": "v1",
        "level": "HIGH",
        "authority": "MN",
        "gate": "gate-cn",
        "late_s": pytest.approx(late.t_s - committed_t_s),
    }
    assert late.t_s > committed_t_s
    assert fleet.sink.kinds("hold.placed")[-1].data["side"] == "MN"
    fleet.run(fleet.clock.t_s + 2000)
    assert fleet.core.views.vehicle_node("v1") == NodeId("MH")


def test_seal_mismatch_is_an_automatic_hold() -> None:
    fleet, ledger = _fleet(release_holds=False)
    fleet.join("v1", "CK")
    cid = _order(fleet, 7, RiskLevel.LOW)
    while not fleet.sink.kinds("order.picked_up"):
        fleet.run(fleet.clock.t_s + 1)
    fleet.send(SealChecked(fleet.clock.t_s, cid, "EZ-99999999", NodeId("C5"), matches=False))
    assert fleet.core.views.is_held(cid)
    assert "does not match" in str(fleet.sink.kinds("hold.placed")[-1].data["reason"])
    assert ledger.kinds(cid)[-3:] == ["SEAL_READ", "TAMPER_ALERT", "HOLD_PLACED"]


def test_bad_input_raises_and_changes_nothing() -> None:
    fleet, _ = _fleet()
    fleet.join("v1", "CK")
    before = fleet.core.snapshot()
    with pytest.raises(InvalidContainerNumberError, match="check digit is 0, expected 6"):
        fleet.send(OrderArrived(0.0, "o1", "MSCU1234560", Direction.CN_TO_MN, "C-Y0"))
    with pytest.raises(UnknownStationError, match="nowhere"):
        fleet.send(OrderArrived(0.0, "o1", container(1), Direction.CN_TO_MN, "nowhere"))
    with pytest.raises(UnexpectedEventError, match="MN side"):
        fleet.send(OrderArrived(0.0, "o1", container(1), Direction.CN_TO_MN, "M-Y0"))
    with pytest.raises(UnknownVehicleError, match="ghost"):
        fleet.core.handle(VehicleAtNode(0.0, "ghost", NodeId("C1"), 10.0, CommandId(1)))
    with pytest.raises(StaleReportError, match="has no Drive to do"):
        fleet.core.handle(VehicleAtNode(0.0, "v1", NodeId("C1"), 10.0, CommandId(1)))
    assert fleet.core.snapshot() == before
    _order(fleet, 1, RiskLevel.LOW)
    with pytest.raises(DuplicateIdError, match="o1"):
        fleet.send(OrderArrived(0.0, "o1", container(2), Direction.CN_TO_MN, "C-Y0"))


def test_orders_the_ledger_would_refuse_are_refused_before_anything_changes() -> None:
    # Seals are single-use and a container's custody record ends at delivery: an order that
    # breaks either is refused by the core itself, not applied and then refused by the ledger.
    fleet, ledger = _fleet()
    fleet.join("v1", "CK")
    cid = _order(fleet, 1, RiskLevel.LOW)
    fleet.run(5000)
    assert fleet.delivered == [cid]
    before = fleet.core.snapshot()
    with pytest.raises(DuplicateIdError, match=f"{cid} was already delivered"):
        fleet.send(OrderArrived(fleet.clock.t_s, "o9", cid, Direction.MN_TO_CN, "M-Y0"))
    with pytest.raises(DuplicateIdError, match=f"EZ-20260001 is already affixed to {cid}"):
        fleet.send(
            OrderArrived(fleet.clock.t_s, "o9", container(2), Direction.CN_TO_MN, "C-Y0",
                         ("EZ-20260001",))
        )  # fmt: skip
    with pytest.raises(DuplicateIdError, match="EZ-20260099 is named twice"):
        fleet.send(
            OrderArrived(fleet.clock.t_s, "o9", container(2), Direction.CN_TO_MN, "C-Y0",
                         ("EZ-20260099", "EZ-20260099"))
        )  # fmt: skip
    assert fleet.core.snapshot() == before
    # An order may carry a number the core would issue for a reseal: the core skips it.
    fleet.send(VerdictIssued(fleet.clock.t_s, container(3), RiskLevel.HIGH, Side.CN, "vd-3"))
    fleet.send(
        OrderArrived(fleet.clock.t_s, "o3", container(3), Direction.CN_TO_MN, "C-Y0",
                     ("BF-CN0000001",))
    )  # fmt: skip
    fleet.expected_orders += 1
    fleet.run(fleet.clock.t_s + 8000)
    assert container(3) in fleet.delivered
    resealed = [e.seal_number for e in ledger.events if e.kind.name == "RESEALED"]
    assert resealed == ["BF-CN0000002"]


def test_drive_commands_cover_one_edge_at_a_time() -> None:
    fleet, _ = _fleet()
    drives: list[Drive] = []
    original = fleet.execute

    def spy(command: object) -> None:
        if isinstance(command, Drive):
            drives.append(command)
        original(command)  # type: ignore[arg-type]

    fleet.execute = spy  # type: ignore[method-assign]
    fleet.join("v1", "CK")
    _order(fleet, 1, RiskLevel.LOW)
    fleet.run(5000)
    assert drives and all(len(d.path) == 2 for d in drives)


def test_lane_closure_reroutes_and_unknown_lane_is_rejected() -> None:
    fleet, _ = _fleet()
    fleet.join("v1", "CK")
    with pytest.raises(UnknownLaneError, match="no-such-lane"):
        fleet.send(LaneClosed(0.0, "no-such-lane"))
    fleet.send(LaneClosed(0.0, "C3-C4", reason="road works"))
    closed = fleet.sink.kinds("lane.closed")[0]
    assert closed.data == {"lane_id": "C3-C4", "is_zone": False, "reason": "road works"}
    cid = _order(fleet, 8, RiskLevel.LOW, cn_to_mn=False)  # MN->CN: delivery on the CN ring
    entered: list[tuple[str, str]] = []
    original = fleet._enter

    def spy(v: object) -> None:
        entered.append((str(v.node), str(v.path[0])))  # type: ignore[attr-defined]
        original(v)  # type: ignore[arg-type]

    fleet._enter = spy  # type: ignore[method-assign]
    fleet.run(8000)
    assert fleet.delivered == [cid]
    assert ("C3", "C4") not in entered
    fleet.send(LaneOpened(fleet.clock.t_s, "C3-C4"))
    assert fleet.sink.kinds("lane.opened")[0].data["lane_id"] == "C3-C4"


def test_verdict_before_the_order_is_remembered() -> None:
    fleet, _ = _fleet()
    fleet.join("v1", "CK")
    cid = container(9)
    fleet.send(VerdictIssued(0.0, cid, RiskLevel.HIGH, Side.CN, "early", "intel"))
    _order(fleet, 9, None)
    assert fleet.core.views.risk_level(cid) is RiskLevel.HIGH
    fleet.run(8000)
    assert fleet.delivered == [cid]
    assert "intel" in str(fleet.sink.kinds("hold.placed")[0].data["reason"])


def test_no_scanner_free_sends_the_vehicle_to_wait_in_a_buffer_off_the_lanes() -> None:
    fleet, _ = _fleet()
    fleet.action_durations[ActionKind.SCAN] = 3000.0  # keeps the only scanner place busy
    fleet.join("v1", "CK")
    fleet.join("v2", "CY2")
    busy = _order(fleet, 10, RiskLevel.MEDIUM)
    while not fleet.sink.kinds("scan.requested"):
        fleet.run(fleet.clock.t_s + 1)
    scanning = fleet.sink.kinds("scan.requested")[0].data["vehicle_id"]
    other = "v2" if scanning == "v1" else "v1"
    fleet.send(
        OrderArrived(
            fleet.clock.t_s, "o11", container(11), Direction.CN_TO_MN, "C-Y1", ("EZ-20260011",)
        )
    )
    fleet.expected_orders += 1
    fleet.send(VerdictIssued(fleet.clock.t_s, container(11), RiskLevel.LOW, Side.CN, "v11"))
    while not [e for e in fleet.sink.kinds("order.picked_up") if e.data["vehicle_id"] == other]:
        fleet.run(fleet.clock.t_s + 1)
    fleet.run(fleet.clock.t_s + 3)
    fleet.send(VerdictIssued(fleet.clock.t_s, container(11), RiskLevel.MEDIUM, Side.CN, "x"))
    reroute = fleet.sink.kinds("risk.reroute")[-1]
    assert reroute.data["vehicle_id"] == other
    # A buffer place, not the lanes and not its pick-up slot (the next container needs that).
    assert reroute.data["destination"] == "C-B"
    fleet.run(fleet.clock.t_s + 600)  # the scanner is still busy
    # It waits for the scanner in the buffer, off the lanes, holding no lane or token.
    assert fleet.core.views.vehicle_node(other) == NodeId("CB")
    assert fleet.core.views.vehicle_state(other) is VehicleState.WAITING
    assert fleet.core.views.vehicles_on_lanes() == 0
    fleet.run(fleet.clock.t_s + 15000)
    assert sorted(fleet.delivered) == sorted([busy, container(11)])
    scans = [e.data["container_id"] for e in fleet.sink.kinds("scan.requested")]
    assert scans == [busy, container(11)]
