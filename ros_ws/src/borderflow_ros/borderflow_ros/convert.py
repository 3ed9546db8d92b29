"""Plain conversions between ROS messages and the core's events and commands.

No node, no spinning: every function takes a message (or a core dataclass) and returns the
other side, so the mapping is tested on its own. Event times are passed in (``t_s``, seconds on
the orchestrator node's clock), never read from message headers, so the core sees one monotonic
clock whatever the senders' clocks say.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from borderflow_interfaces.msg import (
    LaneStatus,
    RiskVerdict,
    TransportOrder,
    VehicleCommand,
    VehicleEvent,
)
from builtin_interfaces.msg import Time
from geometry_msgs.msg import PoseStamped
from nav_msgs.msg import Odometry, Path

from borderflow_ros.errors import ConversionError
from orchestrator.ids import CommandId, OrderId, VehicleId
from orchestrator.lanegraph import LaneGraph, NodeId, Side, StationId
from orchestrator.messages import (
    ActionDone,
    ActionKind,
    Charge,
    Command,
    Direction,
    Drive,
    Event,
    HoldReleased,
    LaneClosed,
    LaneOpened,
    OrderArrived,
    Perform,
    RiskLevel,
    ScanCompleted,
    ScanOutcome,
    SealChecked,
    Stop,
    VehicleAtNode,
    VehicleJoined,
    VerdictIssued,
)

__all__ = [
    "command_from_msg",
    "command_to_msg",
    "event_from_msg",
    "event_to_msg",
    "lane_event_from_msg",
    "odometry_msg",
    "order_from_msg",
    "order_to_msg",
    "path_msg",
    "release_from_request",
    "seconds_to_time",
    "time_to_seconds",
    "verdict_from_msg",
    "verdict_to_msg",
    "yaw_to_quaternion",
]

_LEVEL_TO_MSG = {
    RiskLevel.UNKNOWN: RiskVerdict.LEVEL_UNKNOWN,
    RiskLevel.LOW: RiskVerdict.LEVEL_LOW,
    RiskLevel.MEDIUM: RiskVerdict.LEVEL_MEDIUM,
    RiskLevel.HIGH: RiskVerdict.LEVEL_HIGH,
}
_MSG_TO_LEVEL = {v: k for k, v in _LEVEL_TO_MSG.items()}


def _enum(kind: type, value: str, what: str) -> object:
    try:
        return kind(value)
    except ValueError:
        legal = ", ".join(repr(m.value) for m in kind)  # type: ignore[attr-defined]
        raise ConversionError(f"{what}: {value!r} is not one of {legal}") from None


def _required(value: str, what: str) -> str:
    if not value:
        raise ConversionError(f"{what} is empty; set it")
    return value


def seconds_to_time(t_s: float) -> Time:
    sec = math.floor(t_s)
    return Time(sec=int(sec), nanosec=round((t_s - sec) * 1e9) % 1_000_000_000)


def time_to_seconds(stamp: Time) -> float:
    return float(stamp.sec) + float(stamp.nanosec) * 1e-9


# ----------------------------------------------------------------------------- verdicts / orders


def verdict_from_msg(msg: RiskVerdict, t_s: float) -> VerdictIssued:
    level = _MSG_TO_LEVEL.get(msg.level)
    if level is None:
        raise ConversionError(
            f"verdict {msg.verdict_id!r}: level {msg.level} is not one of 0..3 "
            "(RiskVerdict.LEVEL_*)"
        )
    authority = _enum(Side, msg.authority, f"verdict {msg.verdict_id!r} authority")
    return VerdictIssued(
        t_s=t_s,
        container_id=_required(msg.container_id, f"verdict {msg.verdict_id!r} container_id"),
        level=level,
        authority=authority,  # type: ignore[arg-type]
        verdict_id=_required(msg.verdict_id, "verdict_id"),
        reason=msg.reason,
    )


def verdict_to_msg(e: VerdictIssued, stamp: Time | None = None) -> RiskVerdict:
    msg = RiskVerdict()
    if stamp is not None:
        msg.header.stamp = stamp
    msg.header.frame_id = "map"
    msg.verdict_id = e.verdict_id
    msg.container_id = e.container_id
    msg.level = _LEVEL_TO_MSG[e.level]
    msg.authority = e.authority.value
    msg.reason = e.reason
    return msg


def order_from_msg(msg: TransportOrder, t_s: float) -> OrderArrived:
    direction = _enum(Direction, msg.direction, f"order {msg.order_id!r} direction")
    return OrderArrived(
        t_s=t_s,
        order_id=OrderId(_required(msg.order_id, "order_id")),
        container_id=_required(msg.container_id, f"order {msg.order_id!r} container_id"),
        direction=direction,  # type: ignore[arg-type]
        origin_station=StationId(
            _required(msg.origin_station, f"order {msg.order_id!r} origin_station")
        ),
        seal_numbers=tuple(msg.seal_numbers),
    )


def order_to_msg(e: OrderArrived) -> TransportOrder:
    msg = TransportOrder()
    msg.order_id = e.order_id
    msg.container_id = e.container_id
    msg.direction = e.direction.value
    msg.origin_station = e.origin_station
    msg.seal_numbers = list(e.seal_numbers)
    return msg


def release_from_request(
    container_id: str, officer_id: str, authority: str, reason: str, t_s: float
) -> HoldReleased:
    side = _enum(Side, authority, f"release of {container_id!r}: authority")
    return HoldReleased(
        t_s=t_s,
        container_id=_required(container_id, "release container_id"),
        officer_id=_required(officer_id, f"release of {container_id!r}: officer_id"),
        authority=side,  # type: ignore[arg-type]
        reason=reason,
    )


def lane_event_from_msg(msg: LaneStatus, t_s: float) -> LaneClosed | LaneOpened:
    lane = _required(msg.lane_id, "lane_id")
    if msg.closed:
        return LaneClosed(t_s=t_s, lane_id=lane, is_zone=msg.is_zone, reason=msg.reason)
    return LaneOpened(t_s=t_s, lane_id=lane, is_zone=msg.is_zone)


# ----------------------------------------------------------------------------- vehicle events


def event_from_msg(msg: VehicleEvent, t_s: float) -> Event:
    vid = VehicleId(msg.vehicle_id or "?")
    kind = msg.kind
    cmd = CommandId(msg.command_id)
    if kind in (VehicleEvent.KIND_JOINED, VehicleEvent.KIND_AT_NODE, VehicleEvent.KIND_ACTION_DONE):
        _required(msg.vehicle_id, "vehicle event vehicle_id")
    if kind in (VehicleEvent.KIND_AT_NODE, VehicleEvent.KIND_ACTION_DONE) and not cmd:
        raise ConversionError(
            f"vehicle {vid}: a node or action report must name the command it answers "
            "(command_id, copied from the VehicleCommand)"
        )
    if kind == VehicleEvent.KIND_JOINED:
        return VehicleJoined(
            t_s, vid, NodeId(_required(msg.node, f"{vid} join node")), msg.battery_kwh
        )
    if kind == VehicleEvent.KIND_AT_NODE:
        node = NodeId(_required(msg.node, f"{vid} node"))
        return VehicleAtNode(t_s, vid, node, msg.battery_kwh, cmd)
    if kind == VehicleEvent.KIND_ACTION_DONE:
        action = _enum(ActionKind, msg.action, f"vehicle {vid} action")
        return ActionDone(t_s, vid, action, msg.battery_kwh, cmd)  # type: ignore[arg-type]
    if kind == VehicleEvent.KIND_SCAN_COMPLETED:
        outcome = _enum(ScanOutcome, msg.scan_outcome, f"vehicle {vid} scan_outcome")
        cid = _required(msg.container_id, f"vehicle {vid} scan container_id")
        return ScanCompleted(t_s, cid, outcome, cmd or None)  # type: ignore[arg-type]
    if kind == VehicleEvent.KIND_SEAL_CHECKED:
        return SealChecked(
            t_s,
            _required(msg.container_id, f"vehicle {vid} seal container_id"),
            _required(msg.seal_number, f"vehicle {vid} seal_number"),
            NodeId(_required(msg.node, f"vehicle {vid} seal node")),
            msg.seal_matches,
        )
    raise ConversionError(f"vehicle {vid}: event kind {kind} is not one of VehicleEvent.KIND_*")


def event_to_msg(e: Event, stamp: Time | None = None, vehicle_id: str = "") -> VehicleEvent:
    """The vehicle side: a core-shaped vehicle event as the message the vehicle publishes
    (``vehicle_id`` names the reporter of a scan or seal read, which the core does not need)."""
    msg = VehicleEvent()
    msg.vehicle_id = vehicle_id
    if stamp is not None:
        msg.header.stamp = stamp
    if isinstance(e, VehicleJoined | VehicleAtNode):
        msg.kind = (
            VehicleEvent.KIND_JOINED if isinstance(e, VehicleJoined) else VehicleEvent.KIND_AT_NODE
        )
        msg.vehicle_id, msg.node, msg.battery_kwh = e.vehicle_id, e.node, e.battery_kwh
        if isinstance(e, VehicleAtNode):
            msg.command_id = int(e.command_id)
    elif isinstance(e, ActionDone):
        msg.kind = VehicleEvent.KIND_ACTION_DONE
        msg.vehicle_id, msg.action, msg.battery_kwh = e.vehicle_id, e.action.value, e.battery_kwh
        msg.command_id = int(e.command_id)
    elif isinstance(e, ScanCompleted):
        msg.kind = VehicleEvent.KIND_SCAN_COMPLETED
        msg.container_id, msg.scan_outcome = e.container_id, e.outcome.value
        msg.command_id = int(e.command_id or 0)
    elif isinstance(e, SealChecked):
        msg.kind = VehicleEvent.KIND_SEAL_CHECKED
        msg.container_id, msg.seal_number = e.container_id, e.seal_number
        msg.node, msg.seal_matches = e.node, e.matches
    else:
        raise ConversionError(f"{type(e).__name__} is not a vehicle event")
    return msg


# ----------------------------------------------------------------------------- commands


def yaw_to_quaternion(yaw_rad: float) -> tuple[float, float, float, float]:
    """(x, y, z, w) of a rotation about z (REP 103: counter-clockwise from x)."""
    return (0.0, 0.0, math.sin(yaw_rad / 2.0), math.cos(yaw_rad / 2.0))


def path_msg(
    graph: LaneGraph,
    path: Sequence[str],
    stamp: Time | None = None,
    origin: tuple[float, float] = (0.0, 0.0),
) -> Path:
    """A node path as ``nav_msgs/Path`` in the ``map`` frame (coordinates minus ``origin``, see
    :mod:`borderflow_ros.frame`); each pose faces the next node."""
    msg = Path()
    msg.header.frame_id = "map"
    if stamp is not None:
        msg.header.stamp = stamp
    for i, node_id in enumerate(path):
        node = graph.nodes.get(NodeId(node_id))
        if node is None:
            raise ConversionError(f"path node {node_id!r} is not on the lane graph {graph.name}")
        ahead = graph.nodes.get(NodeId(path[i + 1])) if i + 1 < len(path) else None
        behind = graph.nodes.get(NodeId(path[i - 1])) if i > 0 else None
        if ahead is not None:
            yaw = math.atan2(ahead.y_m - node.y_m, ahead.x_m - node.x_m)
        elif behind is not None:
            yaw = math.atan2(node.y_m - behind.y_m, node.x_m - behind.x_m)
        else:
            yaw = 0.0
        pose = PoseStamped()
        pose.header = msg.header
        pose.pose.position.x = node.x_m - origin[0]
        pose.pose.position.y = node.y_m - origin[1]
        q = pose.pose.orientation
        q.x, q.y, q.z, q.w = yaw_to_quaternion(yaw)
        msg.poses.append(pose)
    return msg


def command_to_msg(
    c: Command,
    seq: int,
    graph: LaneGraph | None = None,
    stamp: Time | None = None,
    origin: tuple[float, float] = (0.0, 0.0),
) -> VehicleCommand:
    msg = VehicleCommand()
    if stamp is not None:
        msg.header.stamp = stamp
    msg.header.frame_id = "map"
    msg.vehicle_id = c.vehicle_id
    msg.seq = seq
    msg.command_id = int(c.command_id)
    if isinstance(c, Drive):
        msg.kind = VehicleCommand.KIND_DRIVE
        msg.path = list(c.path)
        if graph is not None:
            msg.path_m = path_msg(graph, c.path, stamp, origin)
    elif isinstance(c, Stop):
        msg.kind = VehicleCommand.KIND_STOP
        msg.reason = c.reason
    elif isinstance(c, Perform):
        msg.kind = VehicleCommand.KIND_PERFORM
        msg.action = c.action.value
        msg.container_id = c.container_id or ""
    elif isinstance(c, Charge):
        msg.kind = VehicleCommand.KIND_CHARGE
        msg.target_kwh = c.target_kwh
    else:  # pragma: no cover - Command is a closed union
        raise ConversionError(f"{type(c).__name__} is not a core command")
    return msg


def command_from_msg(msg: VehicleCommand) -> Command:
    vid = VehicleId(_required(msg.vehicle_id, "command vehicle_id"))
    cmd = CommandId(msg.command_id)
    if msg.kind == VehicleCommand.KIND_DRIVE:
        if not msg.path:
            raise ConversionError(f"vehicle {vid}: Drive command with an empty path")
        return Drive(vid, tuple(NodeId(n) for n in msg.path), cmd)
    if msg.kind == VehicleCommand.KIND_STOP:
        return Stop(vid, msg.reason, cmd)
    if msg.kind == VehicleCommand.KIND_PERFORM:
        action = _enum(ActionKind, msg.action, f"vehicle {vid} command action")
        return Perform(vid, action, msg.container_id or None, cmd)  # type: ignore[arg-type]
    if msg.kind == VehicleCommand.KIND_CHARGE:
        return Charge(vid, msg.target_kwh, cmd)
    raise ConversionError(f"vehicle {vid}: command kind {msg.kind} is not one of KIND_*")


def odometry_msg(
    vehicle_id: str,
    x_m: float,
    y_m: float,
    yaw_rad: float,
    speed_mps: float,
    stamp: Time | None = None,
) -> Odometry:
    """REP 105 odometry of a vehicle in ``map`` (its ``base_link`` child), twist in base_link."""
    msg = Odometry()
    if stamp is not None:
        msg.header.stamp = stamp
    msg.header.frame_id = "map"
    msg.child_frame_id = f"{vehicle_id}/base_link"
    msg.pose.pose.position.x, msg.pose.pose.position.y = x_m, y_m
    q = msg.pose.pose.orientation
    q.x, q.y, q.z, q.w = yaw_to_quaternion(yaw_rad)
    msg.twist.twist.linear.x = speed_mps
    return msg
