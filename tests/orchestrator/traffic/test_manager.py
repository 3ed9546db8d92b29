"""The traffic manager on its own: grants, exclusive sections, gate check, waiting queues."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.config import OrchestratorConfig
from orchestrator.costs import compose, no_border, travel_time_s
from orchestrator.lanegraph import NodeId
from orchestrator.messages import Drive
from orchestrator.router import Router
from orchestrator.state import VehicleRun
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.manager import MoveResult, TrafficManager
from tests.orchestrator.graphs import two_yard_crossing
from tests.orchestrator.scenarios import Scenario, run_scenario

N = NodeId


def _manager(**kw: object) -> TrafficManager:
    g = two_yard_crossing(**kw)  # type: ignore[arg-type]
    router = Router(g, {"time": travel_time_s, "time_nb": compose(travel_time_s, no_border)})
    return TrafficManager(g, OrchestratorConfig(), router, Allocator())


def _on_lanes(tm: TrafficManager, vid: str, node: str, came_from: str) -> VehicleRun:
    v = VehicleRun(vid, N(node), 100.0)
    v.on_lanes = True
    v.current_edge = (N(came_from), N(node))
    tm.alloc.take(vid, [tm.resources[v.current_edge].id])
    v.prev_node = N(came_from)
    return v


def test_exclusive_lane_is_granted_with_the_edge_after_it() -> None:
    tm = _manager(shortcut=True)
    v = _on_lanes(tm, "a", "C0", "C7")
    out: list[object] = []
    assert tm.try_move(v, N("C5"), True, out) is MoveResult.MOVED
    assert out == [Drive("a", (N("C0"), N("C4"), N("C5")))]
    assert tm.alloc.usage("lane:C-short") == 1
    # Oncoming traffic waits at the other end, outside the section.
    w = _on_lanes(tm, "b", "C4", "C3")
    assert tm.try_move(w, N("C1"), True, []) is MoveResult.BLOCKED
    assert w.waiting_on == "lane:C-short"
    assert tm.alloc.waiters("lane:C-short") == ["b"]
    assert tm.at_node(v, N("C4")) is False  # still driving: C4 -> C5 follows
    assert tm.alloc.usage("lane:C-short") == 0
    assert "lane:C-short" in tm.freed


def test_border_edge_needs_the_gate_node_and_a_cleared_container() -> None:
    tm = _manager()
    v = _on_lanes(tm, "a", "CG", "C2")
    assert tm.try_move(v, N("M6"), False, []) is MoveResult.GATE_REFUSED
    assert tm.try_move(v, N("M6"), True, []) is MoveResult.MOVED
    assert tm.crossings == [(v, (N("CG"), N("M6")))]


def test_leaving_a_station_needs_an_admission_token() -> None:
    tm = _manager()
    tm.alloc.define("admission", 1)
    a, b = VehicleRun("a", N("CY0"), 1.0), VehicleRun("b", N("CY1"), 1.0)
    assert tm.try_move(a, N("C0"), True, []) is MoveResult.MOVED
    assert tm.try_move(b, N("C0"), True, []) is MoveResult.BLOCKED
    assert b.waiting_on == "admission" and not b.on_lanes
    tm.at_node(a, N("C6"))
    assert tm.on_lanes_count() == 1


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    vehicles=st.integers(2, 14),
    ring_m=st.sampled_from([20.0, 30.0, 60.0]),
    shortcut=st.booleans(),
    exclusive_border=st.booleans(),
    delay_s=st.sampled_from([0.0, 10.0, 60.0]),
    limit=st.one_of(st.none(), st.integers(1, 6)),
)
def test_property_fleet_is_safe_and_live(
    seed: int,
    vehicles: int,
    ring_m: float,
    shortcut: bool,
    exclusive_border: bool,
    delay_s: float,
    limit: int | None,
) -> None:
    graph = two_yard_crossing(
        ring_m=ring_m,
        spur_m=20.0,
        border_m=80.0,
        slots=4,
        charger_capacity=vehicles,
        shortcut=shortcut,
        exclusive_border=exclusive_border,
    )
    sc = Scenario(
        seed=seed,
        vehicles=vehicles,
        orders=2 * vehicles,
        horizon_s=400.0,
        max_delay_s=delay_s,
        closures=("C-short",) if shortcut else (),
    )
    fleet = run_scenario(graph, sc, OrchestratorConfig(max_vehicles_on_lanes=limit))
    fleet.run(150_000)  # raises InvariantViolation on any collision or illegal crossing
    assert len(fleet.delivered) == sc.orders
    assert fleet.all_quiet() and fleet.core.vehicles_on_lanes() == 0
