"""A container waiting for customs (no verdict yet, a hold, a scan) never blocks other work.

It gives up its pick-up place and its delivery place while it waits in a buffer or hold bay;
its delivery place is chosen again when it may move. The two timelines below blocked every
later container of the same slots before (issue 12: three idle AGVs, a watchdog deadlock).
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from orchestrator.domain.states import VehicleState
from orchestrator.lanegraph import Side
from orchestrator.messages import Direction, HoldReleased, OrderArrived, RiskLevel, VerdictIssued
from tests.orchestrator.fleet import FakeFleet
from tests.orchestrator.graphs import two_yard_crossing
from tests.orchestrator.helpers import CheckingLedger, container


def _fleet(**kw: object) -> FakeFleet:
    # One yard slot per side: a waiting container that kept its places would block both.
    graph = two_yard_crossing(slots=1)
    return FakeFleet(graph, seed=5, ledger=CheckingLedger(), **kw)  # type: ignore[arg-type]


def _order(fleet: FakeFleet, i: int, cn_to_mn: bool = True) -> str:
    cid = container(i)
    direction = Direction.CN_TO_MN if cn_to_mn else Direction.MN_TO_CN
    origin = "C-Y0" if cn_to_mn else "M-Y0"
    fleet.send(
        OrderArrived(fleet.clock.t_s, f"o{i}", cid, direction, origin, (f"EZ-{20260000 + i}",))
    )
    fleet.expected_orders += 1
    return cid


def _verdict(fleet: FakeFleet, cid: str, level: RiskLevel, side: Side = Side.CN) -> None:
    fleet.send(VerdictIssued(fleet.clock.t_s, cid, level, side, f"vd-{cid}-{level.value}"))


def _until(fleet: FakeFleet, kind: str, container_id: str, limit_s: float = 20000.0) -> None:
    while not [e for e in fleet.sink.kinds(kind) if e.data.get("container_id") == container_id]:
        assert fleet.clock.t_s < limit_s, f"no {kind} for {container_id} by t={fleet.clock.t_s}"
        fleet.run(fleet.clock.t_s + 5)


def test_a_container_without_verdict_frees_its_slots_for_the_next_one() -> None:
    fleet = _fleet()
    for vid in ("v1", "v2", "v3"):
        fleet.join(vid, "CK" if vid != "v3" else "MK")
    waiting = _order(fleet, 1)  # no verdict: it goes to the buffer and waits there
    _until(fleet, "order.picked_up", waiting)
    fleet.run(fleet.clock.t_s + 600)
    assert fleet.core.views.vehicle_state(
        str(fleet.sink.kinds("order.picked_up")[0].data["vehicle_id"])
    ) is VehicleState.HOLDING  # fmt: skip
    nxt = _order(fleet, 2)
    _verdict(fleet, nxt, RiskLevel.LOW)
    _until(fleet, "order.delivered", nxt)  # same pick-up slot, same (only) delivery slot
    assert not [e for e in fleet.sink.kinds("border.crossed") if e.data["container_id"] == waiting]
    # When its verdict comes it gets a delivery slot again and goes.
    _verdict(fleet, waiting, RiskLevel.LOW)
    _until(fleet, "order.delivered", waiting)
    fleet.run(fleet.clock.t_s + 8000)
    assert sorted(fleet.delivered) == sorted([waiting, nxt])


def test_a_hold_on_the_origin_side_frees_the_slots_too() -> None:
    fleet = _fleet(release_holds=False)
    for vid in ("v1", "v2"):
        fleet.join(vid, "MK")
    held = _order(fleet, 3, cn_to_mn=False)
    _verdict(fleet, held, RiskLevel.HIGH, Side.MN)
    _until(fleet, "hold.placed", held)
    nxt = _order(fleet, 4, cn_to_mn=False)
    _verdict(fleet, nxt, RiskLevel.LOW, Side.MN)
    _until(fleet, "order.delivered", nxt)
    assert fleet.core.views.is_held(held)
    fleet.send(HoldReleased(fleet.clock.t_s, held, "mn-officer-2", Side.MN, "inspected"))
    _until(fleet, "order.delivered", held)


FATES = ("low", "medium", "high", "late", "none")
LATE_S = 900.0
# One job on this small graph (fetch, load, cross, unload) takes ~400-600 s: a container that
# may move is delivered within this many jobs' time per free vehicle, whatever waits.
JOB_S = 1200.0


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    fates=st.lists(st.tuples(st.sampled_from(FATES), st.booleans()), min_size=2, max_size=8),
    extra_vehicles=st.integers(0, 2),
    slots=st.integers(1, 2),
    seed=st.integers(0, 10_000),
)
def test_every_cleared_container_is_delivered_within_a_bound(
    fates: list[tuple[str, bool]], extra_vehicles: int, slots: int, seed: int
) -> None:
    never = sum(f == "none" for f, _ in fates)
    assume(never <= 3)
    fleet = FakeFleet(two_yard_crossing(slots=slots), seed=seed, ledger=CheckingLedger())
    # Enough vehicles that one is free while the unverdicted ones wait with theirs.
    vehicles = never + 1 + extra_vehicles
    for k in range(vehicles):
        fleet.join(f"v{k}", ("CK", "MK")[k % 2])
    may_move: dict[str, float] = {}  # container -> when it got a verdict that lets it go
    for i, (f, cn_to_mn) in enumerate(fates):
        fleet.run(30.0 * i)
        cid = _order(fleet, 100 + i, cn_to_mn)
        side = Side.CN if cn_to_mn else Side.MN
        if f in ("low", "medium", "high"):
            level = {"low": RiskLevel.LOW, "medium": RiskLevel.MEDIUM, "high": RiskLevel.HIGH}[f]
            _verdict(fleet, cid, level, side)
            may_move[cid] = fleet.clock.t_s
        elif f == "late":
            t = fleet.clock.t_s + LATE_S
            fleet.at(t, lambda cid=cid, side=side: _verdict(fleet, cid, RiskLevel.LOW, side))
            may_move[cid] = t
        else:
            fleet.expected_orders -= 1  # never delivered: it has no verdict
    fleet.run(60_000)
    delivered_at = {e.data["container_id"]: e.t_s for e in fleet.sink.kinds("order.delivered")}
    released_at = {e.data["container_id"]: e.t_s for e in fleet.sink.kinds("hold.released")}
    assert set(delivered_at) == set(may_move), fleet.core.views.vehicles()
    bound_s = JOB_S * (1 + len(may_move) / (vehicles - never))
    for cid, t in may_move.items():
        start = released_at.get(cid, t)  # a HIGH one may move once its hold is released
        assert delivered_at[cid] - start <= bound_s, (cid, start, delivered_at[cid], bound_s)
    crossed = {e.data["container_id"] for e in fleet.sink.kinds("border.crossed")}
    for i, (f, _) in enumerate(fates):
        if f == "none":
            assert container(100 + i) not in crossed
