"""Figures about a lane graph for people: per zone, per gate and per side of the border.

This module owns the numbers behind ``borderflow map info`` (plain records; the CLI formats
them), so other front ends (the control-room console) can show the same summary.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from orchestrator.lanegraph import LaneGraph, Side, StationRole

__all__ = ["GateRow", "MapSummary", "SideRow", "ZoneRow", "summarize"]


@dataclass(frozen=True, slots=True)
class ZoneRow:
    id: str
    kind: str
    side: str
    name: str
    area_m2: float
    capacity_vehicles: int | None
    stations: int
    lane_length_m: float  # edges whose midpoint lies in the zone (innermost)


@dataclass(frozen=True, slots=True)
class GateRow:
    id: str
    name: str
    node: str
    side: str
    crossing_lanes: tuple[str, ...]
    gate_type: str = "smart"
    line_distance_m: float = float("inf")  # checkpoint to the border line, along the road


@dataclass(frozen=True, slots=True)
class SideRow:
    side: str
    lanes: int  # lane features (a two-way lane counts once)
    edges: int
    one_way_edges: int
    exclusive_edges: int
    length_m: float  # sum of directed edge lengths leaving this side
    nodes: int
    stations: tuple[tuple[str, int], ...]  # (role, count), sorted by role
    # Places for idle vehicles (sum of the parking stations' capacity_vehicles): how much of
    # the fleet can wait on this side without standing on a yard slot, charger or buffer.
    parking_places: int = 0


@dataclass(frozen=True, slots=True)
class MapSummary:
    name: str
    crs: str
    border_source: str
    nodes: int
    edges: int
    length_m: float
    bbox_lonlat: tuple[float, float, float, float]
    zones: tuple[ZoneRow, ...]
    gates: tuple[GateRow, ...]
    sides: tuple[SideRow, ...]
    crs_source: str = ""  # why the graph is in its CRS: "map", "utm-of-centroid" or "given"


def summarize(graph: LaneGraph) -> MapSummary:
    zone_len: dict[str, float] = {}
    for e in graph.edges.values():
        if e.zone is not None:
            zone_len[e.zone] = zone_len.get(e.zone, 0.0) + e.length_m
    zone_stations = Counter(s.zone for s in graph.stations.values() if s.zone is not None)
    zones = tuple(
        ZoneRow(
            z.id,
            z.kind.value,
            z.side.value,
            z.name,
            z.area_m2,
            z.capacity_vehicles,
            zone_stations[z.id],
            zone_len.get(z.id, 0.0),
        )
        for z in sorted(graph.zones.values(), key=lambda z: (z.side.value, z.kind.value, z.id))
    )
    gates = tuple(
        GateRow(
            g.id,
            g.name,
            g.node,
            graph.nodes[g.node].side.value,
            tuple(sorted({graph.edges[k].lane_id for k in g.crossing_edges})),
            g.gate_type.value,
            g.line_distance_m,
        )
        for g in sorted(graph.gates.values(), key=lambda g: g.id)
    )
    sides = []
    for side in Side:
        edges = [e for e in graph.edges.values() if e.side is side]
        roles = Counter(s.role.value for s in graph.stations.values() if s.side is side)
        parking = graph.stations_with(StationRole.PARKING, side)
        sides.append(
            SideRow(
                side.value,
                len({e.lane_id for e in edges}),
                len(edges),
                sum(not e.two_way for e in edges),
                sum(e.exclusive for e in edges),
                sum(e.length_m for e in edges),
                sum(n.side is side for n in graph.nodes.values()),
                tuple(sorted(roles.items())),
                sum(st.capacity_vehicles for st in parking),
            )
        )
    bbox = graph.metadata.get("bbox_lonlat", (0.0, 0.0, 0.0, 0.0))
    assert isinstance(bbox, tuple)
    return MapSummary(
        graph.name,
        graph.crs,
        str(graph.metadata.get("border_source", "")),
        len(graph.nodes),
        len(graph.edges),
        graph.total_lane_length_m(),
        (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3])),
        zones,
        gates,
        tuple(sides),
        str(graph.metadata.get("crs_source", "")),
    )
