"""The crossing's lane graph as the core sees it: plain, typed, metric.

This module owns the data model that the map loader (``maps/``) produces and every part of the
core (router, traffic manager, dispatcher, risk policy) reads. It holds no geometry library
objects: coordinates are metres in the map's local projected frame (x east, y north), and each
node and edge already carries its side of the border and its zone, computed once by the loader.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import NewType

import networkx as nx

__all__ = [
    "Edge",
    "EdgeKey",
    "Gate",
    "GateType",
    "LaneGraph",
    "Node",
    "NodeId",
    "Side",
    "Station",
    "StationId",
    "StationRole",
    "Zone",
    "ZoneId",
    "ZoneKind",
]

NodeId = NewType("NodeId", str)
ZoneId = NewType("ZoneId", str)
StationId = NewType("StationId", str)
EdgeKey = tuple[NodeId, NodeId]


class Side(Enum):
    """Side of the international border a node or zone lies on."""

    CN = "CN"
    MN = "MN"

    @property
    def other(self) -> Side:
        return Side.MN if self is Side.CN else Side.CN


class ZoneKind(Enum):
    """What a polygon of the map is for; decides which vehicles may enter and stop there."""

    YARD = "yard"
    CUSTOMS_CONTROL = "customs_control"
    NII_SCANNER = "nii_scanner"
    HOLD_BAY = "hold_bay"
    PRE_BORDER_BUFFER = "pre_border_buffer"
    BORDER_GATE = "border_gate"
    INSPECTION = "inspection"
    CHARGING = "charging"
    DEPOT = "depot"  # AGV parking off the through-lanes, where idle vehicles wait for work


class StationRole(Enum):
    """A named stopping point on the lane graph where a vehicle does something."""

    YARD_SLOT = "yard_slot"  # container pick-up / drop-off
    SCANNER = "scanner"  # NII (X-ray) scan position
    HOLD = "hold"  # secured hold bay position
    BUFFER = "buffer"  # pre-border waiting position for uncleared vehicles
    CHARGER = "charger"
    INSPECTION = "inspection"  # physical inspection dock
    GATE = "gate"  # border gate checkpoint (seal read)
    PARKING = "parking"  # depot place for an idle vehicle, so it never blocks a yard slot


@dataclass(frozen=True, slots=True)
class Zone:
    id: ZoneId
    kind: ZoneKind
    side: Side
    name: str
    area_m2: float
    capacity_vehicles: int | None = None


@dataclass(frozen=True, slots=True)
class Node:
    id: NodeId
    x_m: float
    y_m: float
    side: Side
    zone: ZoneId | None  # None: on a road outside every zone


@dataclass(frozen=True, slots=True)
class Edge:
    """One directed lane segment between two nodes (a two-way lane gives two edges)."""

    source: NodeId
    target: NodeId
    lane_id: str  # the GeoJSON feature id the segment comes from
    length_m: float
    speed_limit_mps: float
    lane_count: int
    two_way: bool
    exclusive: bool  # single-vehicle section: at most one AGV on it at a time
    crosses_border: bool
    side: Side  # side of the segment's source node; a border-crossing edge leaves this side
    zone: ZoneId | None  # zone holding the segment's midpoint
    # The lane's drawn shape from source to target (interior vertices of the LineString),
    # for rendering and for placing a vehicle between nodes; routing uses length_m only.
    shape_m: tuple[tuple[float, float], ...] = ()
    # (source, target), made once: it keys the per-edge tables read at every vehicle move.
    key: EdgeKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", (self.source, self.target))

    @property
    def travel_time_s(self) -> float:
        return self.length_m / self.speed_limit_mps


@dataclass(frozen=True, slots=True)
class Station:
    id: StationId
    role: StationRole
    node: NodeId
    side: Side
    zone: ZoneId | None
    capacity_vehicles: int = 1  # vehicles that can stand here at once, off the lanes
    name: str = ""


class GateType(Enum):
    """How a vehicle passes a border gate checkpoint (the map's ``gate_type``).

    Whether it stops there decides the speed at which the crossing is committed
    (:mod:`orchestrator.crossing`); how long it stands is the runtime's dwell time per type.
    """

    SMART = "smart"  # smart gate: the AGV stops while seals and documents are read (~10-30 s)
    MANUAL = "manual"  # an officer checks the AGV at the gate: it stops for minutes
    DRIVE_THROUGH = "drive_through"  # e-seals read on the move: the AGV passes at speed

    @property
    def stops(self) -> bool:
        """Does a vehicle come to a standstill at this gate before it crosses?"""
        return self is not GateType.DRIVE_THROUGH


@dataclass(frozen=True, slots=True)
class Gate:
    """A declared border crossing point; every border-crossing edge passes through one."""

    id: str
    name: str
    node: NodeId  # the checkpoint node on the approach side of the line
    crossing_edges: tuple[EdgeKey, ...]
    gate_type: GateType = GateType.SMART
    # Along the crossing edges that start here, the shortest distance from the checkpoint to
    # the border line: the room a vehicle has to stop in once the crossing is committed at
    # the gate (inf when unknown, e.g. a hand-made test graph).
    line_distance_m: float = math.inf


@dataclass(slots=True)
class LaneGraph:
    """A validated crossing: nodes, directed lane edges, zones, stations and gates.

    ``graph`` is a ``networkx.DiGraph`` over node ids whose edge attribute ``"edge"`` holds the
    :class:`Edge` and whose ``"length_m"`` / ``"travel_time_s"`` attributes are ready for the
    weighted shortest-path functions.
    """

    name: str
    crs: str
    nodes: Mapping[NodeId, Node]
    edges: Mapping[EdgeKey, Edge]
    zones: Mapping[ZoneId, Zone]
    stations: Mapping[StationId, Station]
    gates: Mapping[str, Gate]
    metadata: Mapping[str, object] = field(default_factory=dict)
    graph: nx.DiGraph = field(init=False, repr=False)

    def __post_init__(self) -> None:
        g: nx.DiGraph = nx.DiGraph()
        for node in self.nodes.values():
            g.add_node(node.id, node=node)
        for edge in self.edges.values():
            g.add_edge(
                edge.source,
                edge.target,
                edge=edge,
                length_m=edge.length_m,
                travel_time_s=edge.travel_time_s,
            )
        self.graph = g

    def edge(self, source: NodeId, target: NodeId) -> Edge:
        return self.edges[(source, target)]

    def out_edges(self, node: NodeId) -> Iterator[Edge]:
        for _, target in self.graph.out_edges(node):
            yield self.edges[(node, target)]

    def stations_with(self, role: StationRole, side: Side | None = None) -> list[Station]:
        """Stations of one role (optionally on one side), sorted by id for determinism."""
        found = [
            s for s in self.stations.values() if s.role is role and (side is None or s.side is side)
        ]
        return sorted(found, key=lambda s: s.id)

    def border_edges(self) -> list[Edge]:
        return sorted((e for e in self.edges.values() if e.crosses_border), key=lambda e: e.key)

    def total_lane_length_m(self, side: Side | None = None) -> float:
        return sum(e.length_m for e in self.edges.values() if side is None or e.side is side)
