"""Back-haul: a vehicle on the far side takes that side's waiting work before it crosses empty."""

from __future__ import annotations

from orchestrator.lanegraph import Side
from orchestrator.messages import Direction, OrderArrived, RiskLevel, VerdictIssued
from tests.orchestrator.fleet import FakeFleet
from tests.orchestrator.graphs import two_yard_crossing
from tests.orchestrator.helpers import container


def _order(fleet: FakeFleet, i: int, cn_to_mn: bool) -> str:
    cid = container(i)
    direction = Direction.CN_TO_MN if cn_to_mn else Direction.MN_TO_CN
    side = Side.CN if cn_to_mn else Side.MN
    fleet.send(VerdictIssued(fleet.clock.t_s, cid, RiskLevel.LOW, side, f"v{i}"))
    origin = "C-Y0" if cn_to_mn else "M-Y0"
    fleet.send(
        OrderArrived(fleet.clock.t_s, f"o{i}", cid, direction, origin, (f"EZ-{20260000 + i}",))
    )
    fleet.expected_orders += 1
    return cid


def test_the_vehicle_on_the_far_side_takes_that_sides_newer_order_first() -> None:
    fleet = FakeFleet(two_yard_crossing(), seed=1)
    older = _order(fleet, 1, cn_to_mn=True)  # waits in China
    fleet.clock.t_s = 10.0
    newer = _order(fleet, 2, cn_to_mn=False)  # waits in Mongolia, where the vehicle is
    fleet.join("v1", "MK")
    (first,) = fleet.sink.kinds("order.assigned")
    assert first.data["container_id"] == newer  # not the older one: no empty crossing
    fleet.run(20_000)
    assert sorted(fleet.delivered) == sorted([older, newer])
    crossed = fleet.sink.kinds("border.crossed")
    # MN -> CN loaded, then CN -> MN loaded: the vehicle never crossed empty.
    assert [e.data["container_id"] for e in crossed] == [newer, older]


def test_with_no_work_on_its_side_it_crosses_empty_for_the_other_sides() -> None:
    fleet = FakeFleet(two_yard_crossing(), seed=2)
    cid = _order(fleet, 3, cn_to_mn=True)
    fleet.join("v1", "MK")
    fleet.run(20_000)
    assert fleet.delivered == [cid]
    assert [e.data["container_id"] for e in fleet.sink.kinds("border.crossed")] == [None, cid]
