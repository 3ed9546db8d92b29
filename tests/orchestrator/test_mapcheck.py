from __future__ import annotations

from orchestrator.lanegraph import NodeId
from orchestrator.mapcheck import map_warnings
from tests.orchestrator.graphs import two_yard_crossing


def test_crossing_with_turn_back_lanes_is_fine() -> None:
    assert map_warnings(two_yard_crossing()) == []


def test_gate_without_turn_back_lane_is_reported() -> None:
    g = two_yard_crossing()
    edges = dict(g.edges)
    del edges[(NodeId("CG"), NodeId("C3"))]
    g2 = type(g)(g.name, g.crs, g.nodes, edges, g.zones, g.stations, g.gates)
    warnings = map_warnings(g2)
    assert len(warnings) == 1
    assert warnings[0].startswith("CN side: 1 node(s) cannot return") and "CG" in warnings[0]
