"""Resources: what a vehicle must hold (or wait for) to move, typed, one object each.

A :class:`Resource` is a typed value: its :class:`ResourceKind` says what it is (an ordinary
lane segment, a single-vehicle lane, a station's places, the fleet's admission token, a gridlock
region's token) or, for the two kinds without capacity, what a vehicle waits for (a free place of
a role on a side, an open route). :class:`Resources` makes every resource of a crossing exactly
once, so resources compare and hash by identity (C speed in the allocator's tables, which the
grant of every node arrival reads); nothing else constructs them.

Capacities: an ordinary edge is its own FIFO lane with
``max(1, floor(length_m * lane_count / (vehicle_length_m + headway_m)))`` places (the headway
rule); all edges of an exclusive lane (both directions) share one resource of capacity 1; a
station has its ``capacity_vehicles`` places. ``str(resource)`` is the id the event log shows
(``edge:a->b``, ``lane:L7``, ``station:CN-Y1``, ``admission``, ``region:0``,
``places:hold:CN``, ``route``).
"""

from __future__ import annotations

import math
from enum import Enum

from orchestrator.config import OrchestratorConfig
from orchestrator.lanegraph import (
    Edge,
    EdgeKey,
    LaneGraph,
    Side,
    Station,
    StationId,
    StationRole,
)

__all__ = ["Resource", "ResourceKind", "Resources", "lane_capacity"]


class ResourceKind(Enum):
    LANE = "edge"  # one directed ordinary lane segment
    EXCLUSIVE = "lane"  # a single-vehicle lane, every segment of it, both directions
    STATION = "station"  # the places of one station (off the lanes)
    ADMISSION = "admission"  # the fleet-wide token for being on the lanes
    REGION = "region"  # a gridlock region's token (orchestrator.traffic.regions)
    PLACES = "places"  # a wait list only: a free place of one role on one side
    ROUTE = "route"  # a wait list only: an open route to the target

    __hash__ = object.__hash__  # members are singletons: identity hashing is exact (and fast)


class Resource:
    """One resource; made only by :class:`Resources` (identity is equality)."""

    __slots__ = ("edge", "kind", "name", "role", "side", "station")

    def __init__(
        self,
        kind: ResourceKind,
        name: str,
        *,
        edge: Edge | None = None,
        station: Station | None = None,
        role: StationRole | None = None,
        side: Side | None = None,
    ) -> None:
        self.kind = kind
        self.name = name  # "a->b", a lane id, a station id, a region number, "hold:CN"
        self.edge = edge  # LANE: its edge; EXCLUSIVE: one of its edges
        self.station = station  # STATION
        self.role = role  # PLACES
        self.side = side  # PLACES

    def __str__(self) -> str:
        if self.kind is ResourceKind.ADMISSION or self.kind is ResourceKind.ROUTE:
            return str(self.kind.value)
        return f"{self.kind.value}:{self.name}"

    def __repr__(self) -> str:
        return f"Resource({self})"


def lane_capacity(edge: Edge, config: OrchestratorConfig) -> int:
    if edge.exclusive:
        return 1
    return max(1, math.floor(edge.length_m * edge.lane_count / config.spacing_m))


class Resources:
    """Every resource of one crossing, made once: lanes per edge, station places, tokens.

    ``capacity`` holds the lane and station capacities (the allocator is given them; the
    admission and region tokens get theirs from the traffic manager's gridlock bounds).
    """

    def __init__(self, graph: LaneGraph, config: OrchestratorConfig) -> None:
        self.admission = Resource(ResourceKind.ADMISSION, "admission")
        self.route = Resource(ResourceKind.ROUTE, "route")
        self.capacity: dict[Resource, int] = {}
        self.lane: dict[EdgeKey, Resource] = {}
        shared: dict[str, Resource] = {}
        for key in sorted(graph.edges):
            edge = graph.edges[key]
            if edge.exclusive:
                res = shared.get(edge.lane_id)
                if res is None:
                    res = shared[edge.lane_id] = Resource(
                        ResourceKind.EXCLUSIVE, edge.lane_id, edge=edge
                    )
                self.lane[key] = res
            else:
                res = Resource(ResourceKind.LANE, f"{edge.source}->{edge.target}", edge=edge)
                self.lane[key] = res
            self.capacity[res] = lane_capacity(edge, config)
        self.station: dict[StationId, Resource] = {}
        for sid in sorted(graph.stations):
            st = graph.stations[sid]
            res = self.station[sid] = Resource(ResourceKind.STATION, sid, station=st)
            self.capacity[res] = st.capacity_vehicles
        self.places: dict[tuple[StationRole, Side], Resource] = {
            (role, side): Resource(
                ResourceKind.PLACES, f"{role.value}:{side.value}", role=role, side=side
            )
            for role in StationRole
            for side in Side
        }
        self.region: dict[int, Resource] = {}

    def make_region(self, index: int) -> Resource:
        res = self.region.get(index)
        if res is None:
            res = self.region[index] = Resource(ResourceKind.REGION, str(index))
        return res

    def lanes(self) -> list[Resource]:
        """The distinct lane resources (an exclusive lane once), in edge order."""
        return list({id(r): r for r in self.lane.values()}.values())
