"""The ``map`` frame: the crossing's local metric frame (REP 105), x east, y north, metres.

The lane graph is in a projected CRS (UTM) whose coordinates are millions of metres; RViz,
Gazebo, Foxglove and controllers work in float32, so every runtime that publishes poses (the
ROS package, the generated Gazebo worlds, recordings) uses coordinates relative to one local
origin: the south-west corner of the map's bounding box (``metadata['bbox_m']``), or of its
nodes. This module is that one rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from orchestrator.lanegraph import LaneGraph

__all__ = ["map_origin"]


def map_origin(graph: LaneGraph) -> tuple[float, float]:
    """Projected (CRS) coordinates of the map frame's origin."""
    bbox = graph.metadata.get("bbox_m")
    if isinstance(bbox, Sequence) and len(bbox) == 4:
        return (float(bbox[0]), float(bbox[1]))
    xs = [n.x_m for n in graph.nodes.values()] or [0.0]
    ys = [n.y_m for n in graph.nodes.values()] or [0.0]
    return (min(xs), min(ys))
