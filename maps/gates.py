"""The border gates of a built graph: their crossing edges, type and distance to the line.

This module owns the :class:`~orchestrator.lanegraph.Gate` records. A gate's ``crossing_edges``
are the border-crossing edges that start or end at its node; its ``line_distance_m`` is, over
the crossing edges that *start* there, the shortest distance along the edge's polyline from the
checkpoint to the first point where it meets the border line. That distance is the room a
vehicle has to stop in once the crossing is committed at the gate
(:mod:`orchestrator.crossing`); a gate no crossing edge leaves gets ``inf``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import shapely

from maps.schema import GateFeature
from orchestrator.lanegraph import Edge, EdgeKey, Gate, Node, NodeId

__all__ = ["build_gates", "line_distance_m"]


def line_distance_m(edge: Edge, nodes: Mapping[NodeId, Node], border_geom: Any) -> float:
    """Distance along ``edge`` from its source node to its first meeting with the border."""
    s, t = nodes[edge.source], nodes[edge.target]
    line = shapely.linestrings([(s.x_m, s.y_m), *edge.shape_m, (t.x_m, t.y_m)])
    meet = shapely.get_coordinates(shapely.intersection(line, border_geom))
    if not len(meet):
        return math.inf
    along = shapely.line_locate_point(line, shapely.points(meet))
    return float(along.min())


def build_gates(
    features: Sequence[GateFeature],
    point_node: Mapping[str, str],
    nodes: Mapping[NodeId, Node],
    edges: Mapping[EdgeKey, Edge],
    border_geom: Any,
) -> dict[str, Gate]:
    """One Gate per gate feature that stands on a node (others were reported as off-lane)."""
    crossing = sorted((e for e in edges.values() if e.crosses_border), key=lambda e: e.key)
    gates: dict[str, Gate] = {}
    for g in features:
        if g.id not in point_node:
            continue
        node = NodeId(point_node[g.id])
        touching = tuple(e.key for e in crossing if node in e.key)
        leaving = [line_distance_m(e, nodes, border_geom) for e in crossing if e.source == node]
        gates[g.id] = Gate(
            g.id, g.name, node, touching, g.gate_type, min(leaving, default=math.inf)
        )
    return gates
