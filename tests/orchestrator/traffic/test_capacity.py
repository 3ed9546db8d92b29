from __future__ import annotations

import math

from orchestrator.config import OrchestratorConfig
from orchestrator.lanegraph import Side
from orchestrator.traffic.capacity import min_cycle_capacity
from orchestrator.traffic.resources import Resources, lane_capacity
from tests.orchestrator.graphs import GraphBuilder, two_yard_crossing

CFG = OrchestratorConfig(vehicle_length_m=10.0, headway_m=10.0)


def _ring(n: int, length_m: float, *, exclusive_edge: bool = False) -> GraphBuilder:
    b = GraphBuilder()
    for i in range(n):
        b.node(f"n{i}", float(i), 0.0, Side.CN)
    for i in range(n):
        b.edge(f"n{i}", f"n{(i + 1) % n}", length_m=length_m, exclusive=exclusive_edge and i == 0)
    return b


def test_headway_rule_sets_lane_capacity() -> None:
    g = _ring(3, 100.0).build()
    edge = next(iter(g.edges.values()))
    assert lane_capacity(edge, CFG) == 5
    short = _ring(3, 5.0).build()
    assert lane_capacity(next(iter(short.edges.values())), CFG) == 1


def test_ring_bound_is_its_total_capacity() -> None:
    g = _ring(4, 100.0).build()
    assert min_cycle_capacity(g, Resources(g, CFG)) == 20


def test_exclusive_edges_count_zero_because_nobody_waits_inside() -> None:
    g = _ring(4, 100.0, exclusive_edge=True).build()
    assert min_cycle_capacity(g, Resources(g, CFG)) == 15


def test_two_way_lane_u_turn_is_not_a_cycle_but_a_dead_end_is() -> None:
    b = GraphBuilder()
    for name in "abc":
        b.node(name, 0.0, 0.0, Side.CN)
    b.edge("a", "b", length_m=100.0, two_way=True)
    b.edge("b", "c", length_m=100.0, two_way=True)
    g = b.build()
    # a <-> b <-> c: the only turns back are at the dead ends a and c.
    assert min_cycle_capacity(g, Resources(g, CFG)) == 20


def test_acyclic_graph_has_no_bound() -> None:
    b = GraphBuilder()
    b.node("a", 0.0, 0.0, Side.CN)
    b.node("b", 1.0, 0.0, Side.CN)
    b.edge("a", "b", length_m=50.0)
    g = b.build()
    assert math.isinf(min_cycle_capacity(g, Resources(g, CFG)))


def test_crossing_bound_is_the_smallest_ring() -> None:
    g = two_yard_crossing(ring_m=100.0)
    # 8 ring edges x 5 places = 40, but six ring edges have a spur detour of 2 x 2 places:
    # the ring taking every detour holds 34.
    assert min_cycle_capacity(g, Resources(g, CFG)) == 34
