"""The traffic manager on its own: grants, exclusive sections, gate check, waiting queues."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.config import OrchestratorConfig
from orchestrator.costs import Profile, standard_profiles
from orchestrator.ids import VehicleId
from orchestrator.lanegraph import NodeId
from orchestrator.router import Router
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.manager import Grant, LaneRecord, Refusal, TrafficManager
from orchestrator.traffic.resources import ResourceKind, Resources
from tests.orchestrator.graphs import two_yard_crossing
from tests.orchestrator.scenarios import Scenario, run_scenario

N = NodeId
T = Profile.TIME


def _manager(**kw: object) -> tuple[TrafficManager, Resources]:
    g = two_yard_crossing(**kw)  # type: ignore[arg-type]
    config = OrchestratorConfig()
    router = Router(g, standard_profiles(config.exclusive_penalty_s))
    resources = Resources(g, config)
    return TrafficManager(g, config, router, Allocator(), resources), resources


def _on_lanes(tm: TrafficManager, vid: str, node: str, came_from: str) -> LaneRecord:
    """A vehicle standing at the end of the edge ``came_from -> node`` (white-box set-up)."""
    rec = tm.add(VehicleId(vid), N(node))
    rec.on_lanes = True
    rec.current_edge = (N(came_from), N(node))
    tm.alloc.take(VehicleId(vid), tm._edge_res[rec.current_edge])
    rec.prev_node = N(came_from)
    return rec


def test_exclusive_lane_is_granted_with_the_edge_after_it() -> None:
    tm, res = _manager(shortcut=True)
    a, b = VehicleId("a"), VehicleId("b")
    v = _on_lanes(tm, "a", "C0", "C7")
    grant = tm.try_move(a, v, T, N("C5"), True)
    assert isinstance(grant, Grant)
    assert grant.path == (N("C0"), N("C4"), N("C5"))
    assert grant.edges == ((N("C0"), N("C4")), (N("C4"), N("C5")))
    assert str(grant.released[0]) == "edge:C7->C0" and not grant.entered
    short = res.lane[(N("C0"), N("C4"))]
    assert short.kind is ResourceKind.EXCLUSIVE and str(short) == "lane:C-short"
    assert tm.alloc.usage(short) == 1
    # Oncoming traffic waits at the other end, outside the section.
    w = _on_lanes(tm, "b", "C4", "C3")
    assert tm.try_move(b, w, T, N("C1"), True) is Refusal.BLOCKED
    assert tm.alloc.waiting_on(b) is short
    assert tm.alloc.waiters(short) == ["b"]
    tm.alloc.freed.clear()
    assert tm.at_node(a, v, N("C4")) is False  # still driving: C4 -> C5 follows
    assert tm.alloc.usage(short) == 0
    assert short in tm.alloc.freed  # somebody waits for it: the wake-ups get it


def test_border_edge_needs_the_gate_node_and_a_cleared_container() -> None:
    tm, _ = _manager()
    a = VehicleId("a")
    v = _on_lanes(tm, "a", "CG", "C2")
    assert tm.try_move(a, v, T, N("M6"), False) is Refusal.GATE_REFUSED
    grant = tm.try_move(a, v, T, N("M6"), True)
    assert isinstance(grant, Grant)
    assert [(k, g.id) for k, g in grant.crossings] == [((N("CG"), N("M6")), "gate-cn")]


def test_leaving_a_station_needs_an_admission_token() -> None:
    tm, res = _manager()
    tm.alloc.define(res.admission, 1)
    a, b = VehicleId("a"), VehicleId("b")
    ra, rb = tm.add(a, N("CY0")), tm.add(b, N("CY1"))
    grant = tm.try_move(a, ra, T, N("C0"), True)
    assert isinstance(grant, Grant) and grant.entered and ra.on_lanes and ra.admitted
    assert tm.try_move(b, rb, T, N("C0"), True) is Refusal.BLOCKED
    assert tm.alloc.waiting_on(b) is res.admission and not rb.on_lanes
    tm.at_node(a, ra, N("C6"))
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
    assert fleet.all_quiet() and fleet.core.views.vehicles_on_lanes() == 0
