"""Lane resources: which resource each directed edge uses, and how many vehicles it holds.

An ordinary edge is its own FIFO lane resource with capacity
``max(1, floor(length_m * lane_count / (vehicle_length_m + headway_m)))`` (the headway rule).
All edges of an exclusive lane (both directions) share one resource of capacity 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from orchestrator.config import OrchestratorConfig
from orchestrator.lanegraph import Edge, EdgeKey, LaneGraph

__all__ = ["ADMISSION", "LaneResource", "lane_capacity", "lane_resources", "station_resource"]

ADMISSION = "admission"  # the fleet-wide token for being on the lanes


@dataclass(frozen=True, slots=True)
class LaneResource:
    id: str
    capacity: int
    exclusive: bool


def lane_capacity(edge: Edge, config: OrchestratorConfig) -> int:
    if edge.exclusive:
        return 1
    return max(1, math.floor(edge.length_m * edge.lane_count / config.spacing_m))


def lane_resources(graph: LaneGraph, config: OrchestratorConfig) -> dict[EdgeKey, LaneResource]:
    out: dict[EdgeKey, LaneResource] = {}
    for key in sorted(graph.edges):
        edge = graph.edges[key]
        if edge.exclusive:
            out[key] = LaneResource(f"lane:{edge.lane_id}", 1, True)
        else:
            out[key] = LaneResource(
                f"edge:{edge.source}->{edge.target}", lane_capacity(edge, config), False
            )
    return out


def station_resource(station_id: str) -> str:
    return f"station:{station_id}"
