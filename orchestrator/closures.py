"""Closures: which lanes and zones are closed, and what that hides.

Owns the closed lane and zone sets. The router reads :meth:`Closures.blocked` as its live
closure test (closing a lane invalidates its tables); the stop policy reads
:meth:`Closures.station_open` (a station in a closed zone takes no vehicle).
"""

from __future__ import annotations

from orchestrator.costs import closures as closure_cost
from orchestrator.errors import UnknownLaneError
from orchestrator.lanegraph import Edge, LaneGraph, Station, ZoneId

__all__ = ["Closures"]


class Closures:
    def __init__(self, graph: LaneGraph) -> None:
        self._graph = graph
        self.lanes: set[str] = set()
        self.zones: set[ZoneId] = set()
        self.lane_ids = frozenset(e.lane_id for e in graph.edges.values())
        self._cost = closure_cost(self.lanes, self.zones, graph.nodes)

    def blocked(self, edge: Edge) -> bool:
        return self._cost(edge) is None

    def station_open(self, st: Station) -> bool:
        if not self.zones:
            return True
        return st.zone not in self.zones and self._graph.nodes[st.node].zone not in self.zones

    def check(self, lane_id: str, is_zone: bool) -> None:
        """Raise if ``lane_id`` names no lane (or, ``is_zone``, no zone) of the map."""
        if is_zone:
            if ZoneId(lane_id) not in self._graph.zones:
                raise UnknownLaneError(f"zone {lane_id!r} is not on the map {self._graph.name}")
        elif lane_id not in self.lane_ids:
            raise UnknownLaneError(f"lane {lane_id!r} is not on the map {self._graph.name}")

    def close(self, lane_id: str, is_zone: bool) -> None:
        if is_zone:
            self.zones.add(ZoneId(lane_id))
        else:
            self.lanes.add(lane_id)

    def open(self, lane_id: str, is_zone: bool) -> None:
        if is_zone:
            self.zones.discard(ZoneId(lane_id))
        else:
            self.lanes.discard(lane_id)

    def snapshot(self) -> dict[str, object]:
        return {"lanes": sorted(self.lanes), "zones": sorted(self.zones)}
