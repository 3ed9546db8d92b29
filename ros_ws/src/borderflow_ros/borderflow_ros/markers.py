"""The map and the fleet as ``visualization_msgs/MarkerArray`` (RViz, Foxglove).

What is drawn is decided once, in :mod:`recording.markers` (lanes, stations, zone outlines, the
border; a box and a label per vehicle), so the live markers node and every recording show the
same scene; this module turns those specs into ROS messages and judges, from the vehicles'
state messages, which are faulted. Coordinates are in ``map`` (see :mod:`borderflow_ros.frame`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from borderflow_interfaces.msg import VehicleState
from builtin_interfaces.msg import Duration, Time
from geometry_msgs.msg import Point
from std_msgs.msg import ColorRGBA
from visualization_msgs.msg import Marker, MarkerArray

from borderflow_ros.convert import yaw_to_quaternion
from orchestrator.lanegraph import LaneGraph
from recording import markers as scene
from recording.cdr import MarkerSpec
from recording.markers import FleetPose

__all__ = ["FleetPose", "fleet_markers", "fleet_poses", "map_markers", "to_marker_array"]


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


def _marker(spec: MarkerSpec, stamp: Time | None) -> Marker:
    m = Marker()
    m.header.frame_id = "map"
    if stamp is not None:
        m.header.stamp = stamp
    m.ns, m.id, m.type, m.action = spec.ns, spec.marker_id, spec.kind, Marker.ADD
    m.pose.position.x, m.pose.position.y, m.pose.position.z = spec.position
    q = m.pose.orientation
    q.x, q.y, q.z, q.w = yaw_to_quaternion(spec.yaw_rad) if spec.yaw_rad else (0.0, 0.0, 0.0, 1.0)
    m.scale.x, m.scale.y, m.scale.z = spec.scale
    r, g, b, a = spec.rgba
    m.color = ColorRGBA(r=r, g=g, b=b, a=a)
    m.lifetime = Duration(sec=spec.lifetime_s, nanosec=0)
    m.points = [Point(x=x, y=y, z=z) for x, y, z in spec.points]
    m.text = spec.text
    return m


def to_marker_array(specs: Sequence[MarkerSpec], stamp: Time | None = None) -> MarkerArray:
    """The specs as ROS markers in frame ``map``, each stamped ``stamp`` when given."""
    out = MarkerArray()
    out.markers = [_marker(s, stamp) for s in specs]
    return out


def map_markers(
    graph: LaneGraph, origin: tuple[float, float], stamp: Time | None = None
) -> MarkerArray:
    return to_marker_array(scene.map_markers(graph, origin), stamp)


def fleet_markers(poses: Iterable[FleetPose], stamp: Time | None = None) -> MarkerArray:
    # Lifetime 2 s: a vehicle that stops reporting fades out of the view.
    return to_marker_array(scene.fleet_markers(poses, lifetime_s=2), stamp)
