"""The crossing's map as the console draws it: a JSON document in the lane graph's metres.

This module owns that document (one per fleet, built once): zones with their outlines, lanes as
polylines with direction, stations, gates, the border line and every node's position (routes are
lists of node ids). Nothing is fetched from outside: the geometry is the map's own, already
projected by the map loader (``LaneGraph.metadata``: ``bbox_m``, ``zones_m``, ``border_m``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from orchestrator.lanegraph import Edge, LaneGraph

__all__ = ["map_document"]


def _r(v: float) -> float:
    return round(v, 2)  # centimetres: more would only make the document larger


def _pts(points: Sequence[tuple[float, float]]) -> list[list[float]]:
    return [[_r(x), _r(y)] for x, y in points]


def _lane_points(graph: LaneGraph, e: Edge) -> list[list[float]]:
    if e.shape_m:
        return _pts(e.shape_m)
    a, b = graph.nodes[e.source], graph.nodes[e.target]
    return _pts([(a.x_m, a.y_m), (b.x_m, b.y_m)])


def map_document(graph: LaneGraph) -> dict[str, Any]:
    meta = graph.metadata
    zones_m = cast(dict[str, Sequence[Sequence[tuple[float, float]]]], meta.get("zones_m", {}))
    border = cast(Sequence[tuple[float, float]], meta.get("border_m", ()))
    bbox = cast(Sequence[float], meta.get("bbox_m", (0.0, 0.0, 0.0, 0.0)))
    return {
        "name": graph.name,
        "crs": graph.crs,
        "bbox_m": [_r(v) for v in bbox],
        "nodes": {str(n.id): [_r(n.x_m), _r(n.y_m)] for n in graph.nodes.values()},
        "zones": [
            {
                "id": str(z.id),
                "kind": z.kind.value,
                "side": z.side.value,
                "name": z.name,
                "ring": _pts(zones_m[z.id][0]) if z.id in zones_m else [],
            }
            for z in sorted(graph.zones.values(), key=lambda z: -z.area_m2)  # big ones first
        ],
        "lanes": [
            {
                "id": f"{e.source}->{e.target}",
                "lane_id": e.lane_id,
                "source": str(e.source),
                "target": str(e.target),
                "points": _lane_points(graph, e),
                "two_way": e.two_way,
                "exclusive": e.exclusive,
                "crosses_border": e.crosses_border,
                "speed_limit_mps": _r(e.speed_limit_mps),
                "zone": None if e.zone is None else str(e.zone),
            }
            for e in sorted(graph.edges.values(), key=lambda e: e.key)
        ],
        "stations": [
            {
                "id": str(s.id),
                "role": s.role.value,
                "side": s.side.value,
                "name": s.name,
                "node": str(s.node),
                "x": _r(graph.nodes[s.node].x_m),
                "y": _r(graph.nodes[s.node].y_m),
                "capacity_vehicles": s.capacity_vehicles,
            }
            for s in sorted(graph.stations.values(), key=lambda s: s.id)
        ],
        "gates": [
            {
                "id": g.id,
                "name": g.name,
                "gate_type": g.gate_type.value,
                "node": str(g.node),
                "x": _r(graph.nodes[g.node].x_m),
                "y": _r(graph.nodes[g.node].y_m),
            }
            for g in sorted(graph.gates.values(), key=lambda g: g.id)
        ],
        "border": _pts(border),
    }
