"""The stations of a map, indexed the ways the core looks them up (static, read-only).

By node (what stands where a vehicle joins), by role and side (where to look for a scanner,
hold bay, buffer, charger, depot place or yard slot), and each station's place resource.
"""

from __future__ import annotations

from orchestrator.lanegraph import LaneGraph, NodeId, Side, Station, StationId, StationRole
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.resources import Resource, Resources

__all__ = ["StationIndex"]


class StationIndex:
    def __init__(self, graph: LaneGraph, resources: Resources, alloc: Allocator) -> None:
        self.at: dict[NodeId, list[StationId]] = {}
        self.by: dict[tuple[StationRole, Side], list[Station]] = {}
        self.place: dict[StationId, Resource] = resources.station
        self.waiting_for: dict[tuple[StationRole, Side], Resource] = resources.places
        for sid in sorted(graph.stations):
            st = graph.stations[sid]
            self.at.setdefault(st.node, []).append(sid)
            self.by.setdefault((st.role, st.side), []).append(st)
            alloc.define(resources.station[sid], resources.capacity[resources.station[sid]])

    def of(self, role: StationRole, side: Side) -> list[Station]:
        """Stations of ``role`` on ``side``, sorted by id (empty if none)."""
        return self.by.get((role, side), [])
