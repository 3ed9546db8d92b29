"""Jurisdiction by verdict: a hold belongs to the authority whose HIGH verdict caused it, not
to the side where the vehicle happens to stand."""

from __future__ import annotations

import pytest

from orchestrator.errors import UnauthorisedReleaseError
from orchestrator.lanegraph import Side
from orchestrator.messages import Direction, HoldReleased, OrderArrived, RiskLevel, VerdictIssued
from tests.orchestrator.fleet import FakeFleet
from tests.orchestrator.graphs import two_yard_crossing
from tests.orchestrator.helpers import container


def _held(fleet: FakeFleet, authority: Side) -> str:
    cid = container(1)
    fleet.send(VerdictIssued(0.0, cid, RiskLevel.HIGH, authority, "v-high"))
    order = OrderArrived(0.0, "o1", cid, Direction.CN_TO_MN, "C-Y0", ("EZ-20260001",))
    fleet.send(order)
    fleet.expected_orders += 1
    fleet.join("v1", "CK")
    fleet.run(3_000)
    return cid


def test_an_mn_high_held_in_china_is_mns_to_release() -> None:
    fleet = FakeFleet(two_yard_crossing(), seed=2, release_holds=False)
    cid = _held(fleet, Side.MN)
    (placed,) = fleet.sink.kinds("hold.placed")
    assert placed.data["side"] == "MN"  # the vehicle stands in the CN hold bay
    assert fleet.core.views.container_view(cid).hold_side == "MN"  # type: ignore[union-attr]
    with pytest.raises(UnauthorisedReleaseError, match="held by MN customs"):
        fleet.core.handle(HoldReleased(3_000.0, cid, "CN-officer", Side.CN, "inspected"))
    fleet.send(HoldReleased(3_000.0, cid, "MN-officer", Side.MN, "inspected"))
    fleet.run(20_000)
    assert fleet.delivered == [cid]


def test_a_finding_of_the_sides_own_is_held_by_that_side() -> None:
    fleet = FakeFleet(two_yard_crossing(), seed=2, release_holds=False)
    cid = _held(fleet, Side.CN)
    (placed,) = fleet.sink.kinds("hold.placed")
    assert placed.data["side"] == "CN"
    fleet.send(HoldReleased(3_000.0, cid, "CN-officer", Side.CN, "inspected"))
    fleet.run(20_000)
    assert fleet.delivered == [cid]
