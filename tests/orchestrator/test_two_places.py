"""AGVs with two container places: pairing of like risk, custody per container, a held
container takes both to the hold bay and the co-loaded one's wait is logged."""

from __future__ import annotations

import pytest

from orchestrator.config import ConfigError, OrchestratorConfig
from orchestrator.domain.eventlog import DomainEvent
from orchestrator.domain.events import OrderPickedUp
from orchestrator.lanegraph import Side
from orchestrator.messages import Direction, OrderArrived, RiskLevel, VerdictIssued
from tests.orchestrator.fleet import FakeFleet
from tests.orchestrator.graphs import two_yard_crossing
from tests.orchestrator.helpers import CheckingLedger, container

TWO = OrchestratorConfig(container_places=2)


def _order(fleet: FakeFleet, i: int, level: RiskLevel, origin: str = "C-Y0") -> str:
    cid = container(i)
    side = Side.CN if origin.startswith("C") else Side.MN
    direction = Direction.CN_TO_MN if side is Side.CN else Direction.MN_TO_CN
    fleet.send(VerdictIssued(fleet.clock.t_s, cid, level, side, f"v{i}"))
    fleet.send(
        OrderArrived(fleet.clock.t_s, f"o{i}", cid, direction, origin, (f"EZ-{20260000 + i}",))
    )
    fleet.expected_orders += 1
    return cid


def _crossings(fleet: FakeFleet) -> list[tuple[float, str, str | None]]:
    return [
        (e.t_s, str(e.data["vehicle_id"]), e.data["container_id"])  # type: ignore[misc]
        for e in fleet.sink.kinds("border.crossed")
    ]


@pytest.mark.parametrize("origins", [("C-Y0", "C-Y1"), ("C-Y0", "C-Y0")])
def test_two_low_containers_cross_together_on_one_vehicle(origins: tuple[str, str]) -> None:
    ledger = CheckingLedger()  # admits custody events only in the legal order
    fleet = FakeFleet(two_yard_crossing(), TWO, seed=3, ledger=ledger)
    a = _order(fleet, 1, RiskLevel.LOW, origins[0])
    b = _order(fleet, 2, RiskLevel.LOW, origins[1])
    fleet.join("v1", "CK")
    fleet.join("v2", "MK")
    assigned = fleet.sink.kinds("order.assigned")
    assert [(e.data["container_id"], e.data["vehicle_id"]) for e in assigned] == [
        (a, "v1"),
        (b, "v1"),
    ]
    fleet.run(20_000)
    assert sorted(fleet.delivered) == sorted([a, b])
    crossed = _crossings(fleet)
    # One crossing of the line with both on board: one notice per container, same time.
    assert [(vid, cid) for _, vid, cid in crossed] == [("v1", a), ("v1", b)]
    assert crossed[0][0] == crossed[1][0]
    # Custody per container: each one handed over from the yard, across and delivered.
    for cid in (a, b):
        assert ledger.kinds(cid) == [
            "SEAL_AFFIXED",
            "HANDOFF_YARD_TO_AGV",
            "BORDER_HANDOFF",
            "HANDOFF_AGV_TO_YARD",
            "DELIVERED",
        ]
    handoffs = [e for e in ledger.events if e.kind.name == "BORDER_HANDOFF"]
    assert [(e.container_id, e.vehicle_id) for e in handoffs] == [(a, "v1"), (b, "v1")]


def test_containers_of_unlike_risk_are_not_paired() -> None:
    fleet = FakeFleet(two_yard_crossing(), TWO, seed=4)
    low = _order(fleet, 1, RiskLevel.LOW, "C-Y0")
    medium = _order(fleet, 2, RiskLevel.MEDIUM, "C-Y1")
    fleet.join("v1", "CK")
    (first,) = fleet.sink.kinds("order.assigned")
    assert first.data["container_id"] == low  # alone: the MEDIUM one goes to the scanner
    fleet.run(40_000)
    assert sorted(fleet.delivered) == sorted([low, medium])
    loaded = [cid for _, _, cid in _crossings(fleet) if cid is not None]
    assert loaded == [low, medium]
    assert [e.data["container_id"] for e in fleet.sink.kinds("scan.requested")] == [medium]


def test_a_hold_on_one_takes_both_to_the_hold_bay_and_the_other_waits_logged() -> None:
    fleet = FakeFleet(two_yard_crossing(), TWO, seed=5, hold_s=300.0)
    a = _order(fleet, 1, RiskLevel.LOW, "C-Y0")
    b = _order(fleet, 2, RiskLevel.LOW, "C-Y1")

    def escalate(event: DomainEvent) -> None:
        if isinstance(event, OrderPickedUp) and event.container_id == b:
            t = fleet.clock.t_s + 1.0
            fleet.at(t, lambda: fleet.send(VerdictIssued(t, a, RiskLevel.HIGH, Side.CN, "late")))

    fleet.sink.listeners.append(escalate)
    fleet.join("v1", "CK")
    fleet.run(40_000)
    assert sorted(fleet.delivered) == sorted([a, b])
    (hold,) = fleet.sink.kinds("hold.placed")
    assert hold.data["container_id"] == a
    (wait,) = fleet.sink.kinds("order.coload_wait")
    assert wait.data["container_id"] == b and wait.data["vehicle_id"] == "v1"
    # It waited at least the officer's 300 s, and crossed with the released container.
    assert float(wait.data["waited_s"]) >= 300.0  # type: ignore[arg-type]
    crossed = _crossings(fleet)
    assert [(vid, cid) for _, vid, cid in crossed] == [("v1", a), ("v1", b)]
    assert crossed[0][0] > hold.t_s


def test_a_busy_fleet_with_two_places_delivers_everything_with_fewer_crossings() -> None:
    def run(config: OrchestratorConfig) -> tuple[int, list[str]]:
        fleet = FakeFleet(two_yard_crossing(slots=4), config, seed=6)
        cids = [_order(fleet, i, RiskLevel.LOW, f"C-Y{i % 4}") for i in range(8)]
        cids += [_order(fleet, 10 + i, RiskLevel.LOW, f"M-Y{i % 4}") for i in range(4)]
        fleet.join("v1", "CK")
        fleet.join("v2", "MK")
        fleet.run(100_000)
        assert sorted(fleet.delivered) == sorted(cids)
        return fleet.crossings, fleet.delivered

    one, _ = run(OrchestratorConfig())
    two, _ = run(TWO)
    assert two < one


def test_container_places_must_be_one_or_two() -> None:
    with pytest.raises(ConfigError, match="container_places must be 1 or 2"):
        OrchestratorConfig(container_places=3)


def test_a_lone_container_waits_for_a_partner_then_goes_alone() -> None:
    config = OrchestratorConfig(container_places=2, pair_wait_s=600.0)
    fleet = FakeFleet(two_yard_crossing(), config, seed=7)
    fleet.join("v1", "CK")
    a = _order(fleet, 1, RiskLevel.LOW, "C-Y0")
    fleet.run(300.0)
    assert fleet.sink.kinds("order.assigned") == []  # held back: a partner may come
    b = _order(fleet, 2, RiskLevel.LOW, "C-Y1")  # comes within the wait: both go together
    assert [e.data["container_id"] for e in fleet.sink.kinds("order.assigned")] == [a, b]
    fleet.run(20_000)
    lone = _order(fleet, 3, RiskLevel.LOW, "C-Y2")
    t0 = fleet.clock.t_s
    fleet.run(t0 + 500.0)
    assert len(fleet.sink.kinds("order.assigned")) == 2  # still waiting for a partner
    fleet.run(t0 + 60_000)  # the next tick after the 600 s sends it alone
    (last,) = fleet.sink.kinds("order.assigned")[2:]
    assert last.data["container_id"] == lone and 600.0 <= last.t_s - t0 <= 660.0
    assert sorted(fleet.delivered) == sorted([a, b, lone])
