"""Checks of a lane graph against what the traffic rules assume (warnings, not errors).

The deadlock argument (docs/traffic.md) needs every ordinary lane on a cycle that does not
cross the border: a vehicle whose verdict changes on the way to a gate must be able to turn
back. A map that breaks this still runs; the core logs what is missing at start-up.
"""

from __future__ import annotations

import networkx as nx

from orchestrator.lanegraph import LaneGraph, Side

__all__ = ["map_warnings"]


def map_warnings(graph: LaneGraph) -> list[str]:
    """Human-readable problems, sorted; empty when the map fits the traffic rules."""
    out: list[str] = []
    for side in (Side.CN, Side.MN):
        nodes = [n for n in sorted(graph.nodes) if graph.nodes[n].side is side]
        sub = nx.DiGraph()
        sub.add_nodes_from(nodes)
        sub.add_edges_from(
            k
            for k, e in graph.edges.items()
            if not e.crosses_border and e.side is side and graph.nodes[e.target].side is side
        )
        parts = sorted(nx.strongly_connected_components(sub), key=len, reverse=True)
        if not parts:
            continue
        main = parts[0]
        # Nodes that cannot get back to the side's main road network without crossing.
        back = set(main)
        for n in main:
            back |= nx.ancestors(sub, n)
            break
        stranded = sorted(n for n in nodes if n not in back)
        if stranded:
            shown = ", ".join(stranded[:5]) + (" ..." if len(stranded) > 5 else "")
            out.append(
                f"{side.value} side: {len(stranded)} node(s) cannot return to the side's road "
                f"network without crossing the border ({shown}); add a turn-back lane so a "
                "vehicle whose verdict changes there is not stuck"
            )
    if not graph.gates:
        out.append("the map declares no gate: nothing can cross the border")
    return out
