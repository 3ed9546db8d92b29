from __future__ import annotations

import math

from orchestrator.costs import Profile as P
from orchestrator.costs import closures, compose, length_m, no_border, travel_time_s
from orchestrator.lanegraph import NodeId, ZoneId
from orchestrator.router import Router
from tests.orchestrator.graphs import two_yard_crossing

N = NodeId


def _router() -> tuple[Router, set[str], set[ZoneId]]:
    g = two_yard_crossing()
    lanes: set[str] = set()
    zones: set[ZoneId] = set()
    closed = closures(lanes, zones, g.nodes)
    r = Router(
        g,
        {
            P.TIME: travel_time_s,
            P.TIME_NO_BORDER: compose(travel_time_s, no_border),
            P.LENGTH: length_m,
        },
        blocked=lambda e: closed(e) is None,
    )
    return r, lanes, zones


def test_fastest_path_follows_the_one_way_ring() -> None:
    r, _, _ = _router()
    assert r.path(P.TIME, N("C0"), N("C3")) == ["C0", "C1", "C2", "C3"]
    assert r.cost(P.LENGTH, N("C0"), N("C3")) == 300.0
    # One-way: going "back" means the long way round.
    assert r.path(P.TIME, N("C3"), N("C2")) == ["C3", "C4", "C5", "C6", "C7", "C0", "C1", "C2"]


def test_border_edges_are_hidden_from_the_no_border_profile() -> None:
    r, _, _ = _router()
    assert r.path(P.TIME, N("C0"), N("MY0")) is not None
    assert "CG" in (r.path(P.TIME, N("C0"), N("MY0")) or [])
    assert r.path(P.TIME_NO_BORDER, N("C0"), N("MY0")) is None
    assert math.isinf(r.cost(P.TIME_NO_BORDER, N("C0"), N("MY0")))
    assert r.next_hop(P.TIME_NO_BORDER, N("C0"), N("MY0")) is None


def test_closed_lane_is_avoided_after_invalidate() -> None:
    r, lanes, zones = _router()
    assert r.path(P.TIME, N("C3"), N("C4")) == ["C3", "C4"]
    lanes.add("C3-C4")
    r.invalidate()
    assert r.path(P.TIME, N("C3"), N("C4")) == ["C3", "CS", "C4"]
    zones.add(ZoneId("C-scan"))
    r.invalidate()
    # The one-way ring is cut at C3-C4 and the scanner spur is closed: no way round.
    assert r.path(P.TIME, N("C3"), N("C4")) is None
    assert r.path(P.TIME, N("C2"), N("C3")) == ["C2", "C3"]
    lanes.clear()
    zones.clear()
    r.invalidate()
    assert r.path(P.TIME, N("C3"), N("C4")) == ["C3", "C4"]


def test_compose_adds_parts_and_none_closes() -> None:
    g = two_yard_crossing()
    edge = g.edges[(N("C0"), N("C1"))]
    assert compose(travel_time_s, length_m)(edge) == edge.travel_time_s + edge.length_m
    assert compose(travel_time_s, lambda e: None)(edge) is None


def test_batched_tables_agree_with_single_runs() -> None:
    r1, _, _ = _router()
    r2, _, _ = _router()
    dests = [N("CY0"), N("MY1"), N("CH"), N("MS")]
    r1.prepare(P.TIME, dests)
    for d in dests:
        for n in ["C0", "C4", "M2", "MG", "CG"]:
            assert r1.cost(P.TIME, N(n), d) == r2.cost(P.TIME, N(n), d)
            assert r1.next_hop(P.TIME, N(n), d) == r2.next_hop(P.TIME, N(n), d)
