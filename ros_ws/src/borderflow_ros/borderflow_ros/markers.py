"""The map and the fleet as ``visualization_msgs/MarkerArray`` (RViz, Foxglove), plain builders.

Map: one LINE_LIST of lane centre lines (grey; border-crossing lanes red), one SPHERE per
station coloured by role, and TEXT labels. Fleet: one CUBE per vehicle (faulted: red, loaded:
orange, empty: blue) plus its id; a vehicle is faulted when it says so or when its state
messages stopped for longer than the heartbeat timeout. Coordinates are in ``map`` (see
:mod:`borderflow_ros.frame`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

from borderflow_interfaces.msg import VehicleState
from builtin_interfaces.msg import Duration, Time
from geometry_msgs.msg import Point
from std_msgs.msg import ColorRGBA
from visualization_msgs.msg import Marker, MarkerArray

from borderflow_ros.convert import yaw_to_quaternion
from orchestrator.lanegraph import LaneGraph, StationRole

__all__ = ["FleetPose", "fleet_markers", "fleet_poses", "map_markers"]

_ROLE_RGB = {
    StationRole.YARD_SLOT: (0.2, 0.6, 0.2),
    StationRole.SCANNER: (0.6, 0.2, 0.8),
    StationRole.HOLD: (0.9, 0.1, 0.1),
    StationRole.BUFFER: (0.9, 0.7, 0.1),
    StationRole.CHARGER: (0.1, 0.7, 0.9),
    StationRole.INSPECTION: (0.8, 0.4, 0.1),
    StationRole.GATE: (0.1, 0.1, 0.1),
}


@dataclass(frozen=True, slots=True)
class FleetPose:
    vehicle_id: str
    x_m: float
    y_m: float
    yaw_rad: float
    loaded: bool = False
    faulted: bool = False


def fleet_poses(
    states: Mapping[str, VehicleState],
    last_seen_s: Mapping[str, float],
    now_s: float,
    heartbeat_timeout_s: float,
) -> list[FleetPose]:
    """The vehicles that have reported, by id; red (faulted) when they say so or went silent
    (as the orchestrator's fleet adapter judges them), blue or orange again once heard."""
    return [
        FleetPose(
            vid,
            s.x_m,
            s.y_m,
            s.yaw_rad,
            loaded=bool(s.container_id),
            faulted=s.mode == VehicleState.MODE_FAULTED
            or now_s - last_seen_s.get(vid, now_s) > heartbeat_timeout_s,
        )
        for vid, s in sorted(states.items())
        if s.vehicle_id
    ]


def _rgba(r: float, g: float, b: float, a: float = 1.0) -> ColorRGBA:
    return ColorRGBA(r=r, g=g, b=b, a=a)


def _marker(ns: str, mid: int, kind: int, stamp: Time | None) -> Marker:
    m = Marker()
    m.header.frame_id = "map"
    if stamp is not None:
        m.header.stamp = stamp
    m.ns, m.id, m.type, m.action = ns, mid, kind, Marker.ADD
    m.pose.orientation.w = 1.0
    return m


def map_markers(
    graph: LaneGraph, origin: tuple[float, float], stamp: Time | None = None
) -> MarkerArray:
    ox, oy = origin
    out = MarkerArray()
    lanes = _marker("lanes", 0, Marker.LINE_LIST, stamp)
    lanes.scale.x = 0.8
    border = _marker("border_lanes", 0, Marker.LINE_LIST, stamp)
    border.scale.x = 1.2
    for key in sorted(graph.edges):
        e = graph.edges[key]
        pts = [(graph.nodes[e.source].x_m, graph.nodes[e.source].y_m), *e.shape_m,
               (graph.nodes[e.target].x_m, graph.nodes[e.target].y_m)]  # fmt: skip
        target = border if e.crosses_border else lanes
        for (ax, ay), (bx, by) in pairwise(pts):
            target.points.append(Point(x=ax - ox, y=ay - oy, z=0.0))
            target.points.append(Point(x=bx - ox, y=by - oy, z=0.0))
    lanes.color, border.color = _rgba(0.5, 0.5, 0.5), _rgba(0.9, 0.1, 0.1)
    out.markers.extend([lanes, border])
    for i, sid in enumerate(sorted(graph.stations)):
        st = graph.stations[sid]
        n = graph.nodes[st.node]
        dot = _marker("stations", i, Marker.SPHERE, stamp)
        dot.pose.position.x, dot.pose.position.y = n.x_m - ox, n.y_m - oy
        dot.scale.x = dot.scale.y = dot.scale.z = 4.0
        dot.color = _rgba(*_ROLE_RGB.get(st.role, (0.7, 0.7, 0.7)))
        label = _marker("station_labels", i, Marker.TEXT_VIEW_FACING, stamp)
        label.pose.position.x, label.pose.position.y, label.pose.position.z = (
            n.x_m - ox,
            n.y_m - oy,
            4.0,
        )
        label.scale.z = 3.0
        label.color = _rgba(1.0, 1.0, 1.0)
        label.text = sid
        out.markers.extend([dot, label])
    return out


def fleet_markers(poses: Iterable[FleetPose], stamp: Time | None = None) -> MarkerArray:
    out = MarkerArray()
    life = Duration(sec=2, nanosec=0)  # a vehicle that stops reporting fades out of the view
    for i, p in enumerate(sorted(poses, key=lambda p: p.vehicle_id)):
        box = _marker("fleet", i, Marker.CUBE, stamp)
        box.pose.position.x, box.pose.position.y, box.pose.position.z = p.x_m, p.y_m, 1.5
        q = box.pose.orientation
        q.x, q.y, q.z, q.w = yaw_to_quaternion(p.yaw_rad)
        box.scale.x, box.scale.y, box.scale.z = 12.0, 3.0, 3.0
        if p.faulted:
            box.color = _rgba(0.9, 0.0, 0.0)
        elif p.loaded:
            box.color = _rgba(1.0, 0.55, 0.0)
        else:
            box.color = _rgba(0.1, 0.4, 0.9)
        box.lifetime = life
        label = _marker("fleet_labels", i, Marker.TEXT_VIEW_FACING, stamp)
        label.pose.position.x, label.pose.position.y, label.pose.position.z = p.x_m, p.y_m, 5.0
        label.scale.z = 3.0
        label.color = _rgba(1.0, 1.0, 1.0)
        label.text = p.vehicle_id
        label.lifetime = life
        out.markers.extend([box, label])
    return out
