"""Map-frame coordinates for the generated worlds: Gazebo's world frame is the ``map`` frame.

The origin rule is :func:`maps.frame.map_origin` (the one the ROS package re-exports): x east,
y north, metres from the south-west corner of the map's bounding box. So the
OdometryPublisher's world poses are map-frame poses, as the fleet adapter reads
``/agv/<id>/odom``, and a node's position in the world is the one RViz shows.
"""

from __future__ import annotations

from maps.frame import map_origin
from orchestrator.lanegraph import Edge, LaneGraph

__all__ = ["edge_polyline", "local_xy", "map_origin"]

_CACHE: dict[int, tuple[LaneGraph, tuple[float, float]]] = {}


def _origin(graph: LaneGraph) -> tuple[float, float]:
    hit = _CACHE.get(id(graph))
    if hit is None or hit[0] is not graph:  # an id is reused once its graph is gone
        hit = (graph, map_origin(graph))
        _CACHE.clear()
        _CACHE[id(graph)] = hit
    return hit[1]


def local_xy(graph: LaneGraph, x_m: float, y_m: float) -> tuple[float, float]:
    """A projected (CRS) point in the map frame."""
    ox, oy = _origin(graph)
    return (x_m - ox, y_m - oy)


def edge_polyline(graph: LaneGraph, edge: Edge) -> list[tuple[float, float]]:
    """An edge as drawn, source to target through its shape's interior vertices, map frame."""
    a, b = graph.nodes[edge.source], graph.nodes[edge.target]
    pts = [(a.x_m, a.y_m), *edge.shape_m, (b.x_m, b.y_m)]
    return [local_xy(graph, x, y) for x, y in pts]
