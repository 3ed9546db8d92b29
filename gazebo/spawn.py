"""Where each AGV stands when the Gazebo world starts: a real place on the ground for each one.

The station of every vehicle is the one every other runtime starts it at
(:func:`maps.fleet_start.start_nodes`: depots first, both sides in turn). A node is a point;
a depot holds many vehicles. So the first vehicle of a station stands on its node (where the
fleet adapter joins it at once) and the next ones in parking slots of the station's zone: a
grid aligned with the lane leaving the node, each slot a vehicle footprint plus a gap, wholly
inside the zone, clear of every lane corridor and of every other slot. A vehicle whose station's
zone is full goes to the first start station (depots, then buffers, then chargers) with room,
and the manifest says where; when none has room the fleet does not fit, and
:class:`SpawnError` says how many do.

Poses are in the ``map`` frame (:func:`gazebo.frame.local_xy`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely import affinity
from shapely.geometry import LineString, Polygon, box
from shapely.ops import unary_union
from shapely.prepared import prep

from gazebo.frame import edge_polyline, local_xy
from gazebo.spec import AgvSpec
from maps.fleet_start import START_ROLES, start_nodes
from orchestrator.lanegraph import LaneGraph, NodeId, Station

__all__ = ["MAX_AGVS", "SpawnError", "SpawnPose", "spawn_capacity", "spawn_poses", "vehicle_ids"]

MAX_AGVS = 200
LANE_WIDTH_M = 4.0  # per lane; the world draws lanes this wide
_GAP_M = 1.0  # between parked vehicles, and between a parked vehicle and a lane's edge


class SpawnError(ValueError):
    """More vehicles than the map's start places hold; ``fits`` is how many do."""

    def __init__(self, message: str, fits: int) -> None:
        super().__init__(message)
        self.fits = fits


@dataclass(frozen=True, slots=True)
class SpawnPose:
    vehicle_id: str
    node: NodeId  # the start node the core counts the vehicle at
    station: str
    x_m: float  # map frame
    y_m: float
    yaw_rad: float
    on_node: bool  # False: in a parking slot of the station's zone, off the node

    def as_dict(self) -> dict[str, object]:
        return {
            "vehicle_id": self.vehicle_id,
            "node": self.node,
            "station": self.station,
            "x_m": round(self.x_m, 3),
            "y_m": round(self.y_m, 3),
            "yaw_rad": round(self.yaw_rad, 4),
            "on_node": self.on_node,
        }


def vehicle_ids(count: int) -> list[str]:
    """``agv_01`` ... as ``borderflow ros up`` and the Gazebo launch file name them."""
    return [f"agv_{i:02d}" for i in range(1, count + 1)]


def _heading(graph: LaneGraph, node: NodeId) -> float:
    """Yaw of the first lane (by id) leaving ``node``, so a vehicle there faces its way out."""
    out = sorted(k for k in graph.edges if k[0] == node)
    if not out:
        return 0.0
    e = graph.edges[out[0]]
    a, b = graph.nodes[e.source], graph.nodes[e.target]
    return math.atan2(b.y_m - a.y_m, b.x_m - a.x_m)


class _Placer:
    """Hands out footprints station by station, never two overlapping."""

    def __init__(self, graph: LaneGraph, spec: AgvSpec) -> None:
        self.graph = graph
        self.spec = spec
        lines = []
        for e in graph.edges.values():
            half = e.lane_count * LANE_WIDTH_M / 2.0 + _GAP_M
            lines.append(LineString(edge_polyline(graph, e)).buffer(half))
        self.lanes = prep(unary_union(lines)) if lines else None
        zones = graph.metadata.get("zones_m")
        self.zones: dict[str, object] = dict(zones) if isinstance(zones, dict) else {}
        self.taken: list[Polygon] = []
        self.free: dict[str, list[tuple[float, float, float, bool]]] = {}

    def _footprint(self, x: float, y: float, yaw: float) -> Polygon:
        s = self.spec
        rect = box(-s.length_m / 2.0, -s.width_m / 2.0, s.length_m / 2.0, s.width_m / 2.0)
        return affinity.translate(affinity.rotate(rect, yaw, use_radians=True), x, y)

    def _zone_polygon(self, station: Station) -> Polygon | None:
        rings = self.zones.get(station.zone) if station.zone else None
        if not isinstance(rings, tuple | list) or not rings:
            return None
        shell, *holes = ([local_xy(self.graph, x, y) for x, y in ring] for ring in rings)
        return Polygon(shell, holes)

    def _slots(self, station: Station) -> list[tuple[float, float, float, bool]]:
        node = self.graph.nodes[station.node]
        x0, y0 = local_xy(self.graph, node.x_m, node.y_m)
        yaw = _heading(self.graph, station.node)
        slots = [(x0, y0, yaw, True)]
        zone = self._zone_polygon(station)
        if zone is None or self.lanes is None:
            return slots
        inside = prep(zone)
        reach_m = max(math.hypot(x - x0, y - y0) for x, y in zone.exterior.coords)
        along, across = self.spec.length_m + _GAP_M, self.spec.width_m + _GAP_M
        ni, nj = int(reach_m / along) + 1, int(reach_m / across) + 1
        c, s = math.cos(yaw), math.sin(yaw)
        grid = []
        for i in range(-ni, ni + 1):
            for j in range(-nj, nj + 1):
                if i == 0 and j == 0:
                    continue
                dx, dy = i * along, j * across
                grid.append((math.hypot(dx, dy), i, j, x0 + c * dx - s * dy, y0 + s * dx + c * dy))
        for _, _, _, x, y in sorted(grid):
            fp = self._footprint(x, y, yaw)
            if inside.contains(fp) and not self.lanes.intersects(fp):
                slots.append((x, y, yaw, False))
        return slots

    def take(self, station: Station) -> tuple[float, float, float, bool] | None:
        if station.id not in self.free:
            self.free[station.id] = self._slots(station)
        free = self.free[station.id]
        while free:
            x, y, yaw, on_node = free.pop(0)
            fp = self._footprint(x, y, yaw)
            if on_node or not any(fp.intersects(t) for t in self.taken):
                self.taken.append(fp)
                return (x, y, yaw, on_node)
        return None


def _fallbacks(graph: LaneGraph) -> list[Station]:
    """Where a vehicle goes when its station's zone is full: the start roles in their order
    (depots, buffers, chargers), both sides in turn, by id."""
    out: list[Station] = []
    for role in START_ROLES:
        per_side: dict[str, list[Station]] = {}
        for st in graph.stations_with(role):
            per_side.setdefault(st.side.value, []).append(st)
        sides = [sorted(per_side[k], key=lambda st: st.id) for k in sorted(per_side)]
        for i in range(max((len(x) for x in sides), default=0)):
            out.extend(x[i] for x in sides if i < len(x))
    return out


def _plan(graph: LaneGraph, spec: AgvSpec, count: int) -> tuple[list[SpawnPose], str]:
    """Up to ``count`` poses (stops at the first vehicle without a place) and the station
    that had none ("" when all fit)."""
    by_node: dict[NodeId, Station] = {}
    for st in sorted(graph.stations.values(), key=lambda s: s.id):
        by_node.setdefault(st.node, st)
    placer = _Placer(graph, spec)
    fallbacks = _fallbacks(graph)
    poses: list[SpawnPose] = []
    for vid, node in zip(vehicle_ids(count), start_nodes(graph, count), strict=True):
        station = by_node[node]
        place = placer.take(station)
        for other in fallbacks if place is None else ():
            place = placer.take(other)
            if place is not None:
                station = other
                break
        if place is None:
            return poses, by_node[node].id
        x, y, yaw, on_node = place
        poses.append(SpawnPose(vid, station.node, station.id, x, y, yaw, on_node))
    return poses, ""


def spawn_capacity(graph: LaneGraph, spec: AgvSpec, limit: int = MAX_AGVS) -> int:
    """How many AGVs (at most ``limit``) have a place to start on this map."""
    return len(_plan(graph, spec, limit)[0])


def spawn_poses(graph: LaneGraph, spec: AgvSpec, count: int) -> list[SpawnPose]:
    """The start pose of each of ``count`` vehicles, ``agv_01`` first."""
    if not 1 <= count <= MAX_AGVS:
        raise SpawnError(f"--agvs must be between 1 and {MAX_AGVS}, not {count}", 0)
    poses, full = _plan(graph, spec, count)
    if full:
        most = len(poses)
        raise SpawnError(
            f"{count} AGVs do not fit: the depots, buffers and chargers of {graph.name!r} have "
            f"room for {most} AGVs of {spec.length_m:g} m x {spec.width_m:g} m; use --agvs "
            f"{most} or fewer",
            most,
        )
    return poses
