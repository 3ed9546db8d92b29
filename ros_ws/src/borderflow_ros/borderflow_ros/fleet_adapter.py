"""Fleet adapter: the core's per-vehicle commands out, vehicles' standard topics in.

For every vehicle ``<id>`` (given by the ``vehicle_ids`` parameter or discovered from its
``/agv/<id>/state`` topic):

- out: ``/agv/<id>/command`` (borderflow VehicleCommand, what the vehicle executes),
  ``/agv/<id>/plan`` (nav_msgs/Path of each Drive, for Nav2-style controllers and RViz) and, for
  vehicles listed in ``diff_drive_vehicles``, ``/agv/<id>/cmd_vel`` (geometry_msgs/Twist from a
  pure-pursuit follower, the convention of Gazebo's DiffDrive system via ros_gz_bridge);
- in: ``/agv/<id>/state`` (VehicleState, >= 1 Hz) and, only for the vehicles whose odometry is
  needed (diff-drive vehicles it steers, standard vehicles whose arrivals it infers),
  ``/agv/<id>/odom`` (nav_msgs/Odometry): both are the vehicle's heartbeat. A borderflow vehicle
  reports its arrivals itself (VehicleEvent), so its 10 Hz odometry would cost the host a message
  per sample for nothing (docs/ros.md, *Where the node's time goes*). A vehicle silent for
  ``heartbeat_timeout_s`` is reported faulted to the owner (the orchestrator node, or the shard
  process hosting this adapter, :mod:`borderflow_ros.adapter_node`), which isolates it. When its
  heartbeats come back the owner is asked (``on_recover(vid, node, battery_kwh)``) whether it is
  back in service at the node it reports (its VehicleState's node; for a standard vehicle, the
  node its odometry is within ``arrival_tolerance_m`` of); refused, it stays faulted, and is
  asked again when it reports another node.

Vehicles listed in ``standard_vehicles`` speak only standard topics (Path in, Odometry out, no
borderflow VehicleEvent): the adapter joins them at the node their first odometry is within
``arrival_tolerance_m`` of, infers their node arrivals from odometry with
:class:`~borderflow_ros.arrival.ArrivalTracker` (odometry in the ``map`` frame), and runs
Perform (load / unload / scan) as a timed action of ``action_time_s`` ROS seconds. Charge is not
supported for them (logged; their battery is reported full unless they publish VehicleState),
and a scan's outcome must come from the scanner (``/borderflow/vehicle_events``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from borderflow_interfaces.msg import VehicleCommand, VehicleState
from geometry_msgs.msg import Twist
from nav_msgs.msg import Odometry, Path
from rclpy.node import Node

from borderflow_ros import qos
from borderflow_ros.arrival import ArrivalTracker, nearest_node
from borderflow_ros.heartbeat import HeartbeatMonitor
from borderflow_ros.path_follower import FollowerSpec, PathFollower
from orchestrator.ids import CommandId, VehicleId
from orchestrator.lanegraph import NodeId
from orchestrator.messages import ActionDone, ActionKind, Event, VehicleAtNode

__all__ = ["FleetAdapter", "pure_pursuit"]

_STATE_PREFIX, _STATE_SUFFIX = "/agv/", "/state"


def pure_pursuit(
    pose: tuple[float, float, float],
    path: list[tuple[float, float]],
    *,
    lookahead_m: float = 4.0,
    speed_mps: float = 2.0,
    goal_tolerance_m: float = 0.5,
) -> tuple[float, float]:
    """(linear m/s, angular rad/s) for a diff-drive base at ``pose`` (x, y, yaw) following
    ``path`` (map frame) from its start: one step of a fresh :class:`PathFollower`."""
    follower = PathFollower(
        FollowerSpec(max_speed_mps=speed_mps, lookahead_m=lookahead_m,
                     goal_tolerance_m=goal_tolerance_m)
    )  # fmt: skip
    follower.set_path(path)
    return follower.command(pose)


class _Vehicle:
    __slots__ = (
        "cmd_pub",
        "drive_id",
        "follower",
        "plan_pub",
        "pose",
        "seq",
        "state",
        "tracker",
        "twist_pub",
    )

    def __init__(self) -> None:
        self.cmd_pub: Any = None
        self.plan_pub: Any = None
        self.twist_pub: Any = None
        self.seq = 0
        self.follower = PathFollower()  # the Drive being followed (diff-drive vehicles)
        self.pose: tuple[float, float, float] | None = None
        self.state: VehicleState | None = None
        self.tracker: ArrivalTracker | None = None  # standard vehicles only
        self.drive_id = CommandId(0)  # standard vehicles: the Drive being followed


class FleetAdapter:
    """Lives inside a host node; calls ``on_new(vid, node, battery_kwh)``, ``on_fault(vid)``,
    ``on_recover(vid, node, battery_kwh) -> accepted`` and, for standard vehicles,
    ``on_event(event)`` with inferred arrivals and actions. ``claim(vid)``: whether this adapter
    serves ``vid`` (default all; a shard serves its share)."""

    def __init__(
        self,
        node: Node,
        *,
        heartbeat_timeout_s: float,
        vehicle_ids: list[str],
        diff_drive_vehicles: list[str],
        on_new: Callable[[str, str, float], None],
        on_fault: Callable[[str], None],
        discovery_period_s: float = 0.5,
        standard_vehicles: list[str] | None = None,
        positions: Mapping[str, tuple[float, float]] | None = None,
        arrival_tolerance_m: float = 1.5,
        action_time_s: float = 5.0,
        battery_kwh: float = 0.0,
        now_s: Callable[[], float] | None = None,
        on_event: Callable[[Event], None] | None = None,
        on_recover: Callable[[str, str, float], bool] | None = None,
        claim: Callable[[str], bool] | None = None,
    ) -> None:
        self.node = node
        self.standard = set(standard_vehicles or [])
        self.positions: Mapping[str, tuple[float, float]] = positions or {}
        self.arrival_tolerance_m = arrival_tolerance_m
        self.action_time_s = action_time_s
        self.battery_kwh = battery_kwh
        self._now_s = now_s or (lambda: 0.0)
        self._on_event = on_event or (lambda e: None)
        # Timed actions of standard vehicles: (due ROS s, counter, vehicle, action, command).
        self.actions: list[tuple[float, int, str, ActionKind, CommandId]] = []
        self._action_counter = 0
        self.monitor = HeartbeatMonitor(heartbeat_timeout_s)
        self.diff_drive = set(diff_drive_vehicles)
        self.vehicles: dict[str, _Vehicle] = {}
        self.joined: set[str] = set()
        self._on_new = on_new
        self._on_fault = on_fault
        self._on_recover = on_recover or (lambda vid, node, battery_kwh: True)
        # Vehicle -> the node its refused recovery was at: asked again only from another node.
        self.refused: dict[str, str] = {}
        self.received_odometry = 0
        self.received_states = 0
        # A shard (borderflow_ros.adapter_node) serves only its own vehicles.
        self._claim = claim or (lambda vid: True)
        for vid in sorted({*vehicle_ids, *self.standard}):
            if self._claim(vid):
                self.watch(vid)
        node.create_timer(discovery_period_s, self._discover)
        node.create_timer(min(0.25, heartbeat_timeout_s / 4.0), self._check)

    # Heartbeats use the monotonic clock of this process: a vehicle's silence is measured in
    # real seconds whatever /clock does (sim time may pause; a dead process stays dead).
    @staticmethod
    def _mono_s() -> float:
        return time.monotonic()

    def watch(self, vid: str) -> None:
        if vid in self.vehicles:
            return
        v = _Vehicle()
        n = self.node
        v.cmd_pub = n.create_publisher(
            VehicleCommand, qos.vehicle_topic(vid, "command"), qos.command_qos()
        )
        v.plan_pub = n.create_publisher(Path, qos.vehicle_topic(vid, "plan"), qos.decision_qos(1))
        if vid in self.diff_drive:
            v.twist_pub = n.create_publisher(Twist, qos.vehicle_topic(vid, "cmd_vel"), 10)
        if vid in self.standard:
            v.tracker = ArrivalTracker(vid, self.positions, self.arrival_tolerance_m)
        self.vehicles[vid] = v
        if vid in self.diff_drive or vid in self.standard:
            n.create_subscription(
                Odometry,
                qos.vehicle_topic(vid, "odom"),
                lambda m, i=vid: self._on_odom(i, m),
                qos.sensor_qos(),
            )
        n.create_subscription(
            VehicleState,
            qos.vehicle_topic(vid, "state"),
            lambda m, i=vid: self._on_state(i, m),
            qos.sensor_qos(),
        )

    def _discover(self) -> None:
        for name, _types in self.node.get_topic_names_and_types():
            if name.startswith(_STATE_PREFIX) and name.endswith(_STATE_SUFFIX):
                vid = name[len(_STATE_PREFIX) : -len(_STATE_SUFFIX)]
                if "/" not in vid and vid not in self.vehicles and self._claim(vid):
                    self.watch(vid)

    def _on_odom(self, vid: str, msg: Odometry) -> None:
        self.received_odometry += 1
        self.monitor.seen(vid, self._mono_s())
        v = self.vehicles[vid]
        q = msg.pose.pose.orientation
        yaw = math.atan2(2.0 * (q.w * q.z + q.x * q.y), 1.0 - 2.0 * (q.y * q.y + q.z * q.z))
        v.pose = (msg.pose.pose.position.x, msg.pose.pose.position.y, yaw)
        if v.twist_pub is not None and v.follower.path and not self.monitor.is_faulted(vid):
            lin, ang = v.follower.command(v.pose)
            twist = Twist()
            twist.linear.x, twist.angular.z = lin, ang
            v.twist_pub.publish(twist)
        if v.tracker is not None and v.state is None and self.monitor.is_faulted(vid):
            # A standard vehicle tells where it is only by odometry: back at a node, it recovers.
            node = nearest_node(self.positions, v.pose[0], v.pose[1], self.arrival_tolerance_m)
            if node is not None:
                self._revive(vid, node)
        if v.tracker is not None and not self.monitor.is_faulted(vid):
            self._track(vid, v, v.tracker)

    def _track(self, vid: str, v: _Vehicle, tracker: ArrivalTracker) -> None:
        assert v.pose is not None
        x_m, y_m = v.pose[0], v.pose[1]
        if vid not in self.joined:
            node = nearest_node(self.positions, x_m, y_m, self.arrival_tolerance_m)
            if node is None:
                return  # not on the lane graph (yet): it joins when it first stands at a node
            tracker.node = node
            tracker.update(x_m, y_m)
            self._join(vid, node)
            return
        tracker.move(x_m, y_m)
        # One arrival at a time: the core may answer one with a new Drive, which the tracker
        # then checks against the rest of the same stretch of track.
        while (node := tracker.next_arrival()) is not None:
            self._on_event(
                VehicleAtNode(
                    self._now_s(), VehicleId(vid), NodeId(node), self._battery(v), v.drive_id
                )
            )

    def _battery(self, v: _Vehicle) -> float:
        return v.state.battery_kwh if v.state is not None else self.battery_kwh

    def _join(self, vid: str, node: str) -> None:
        self.joined.add(vid)
        self._on_new(vid, node, self._battery(self.vehicles[vid]))

    def _on_state(self, vid: str, msg: VehicleState) -> None:
        self.received_states += 1
        self.monitor.seen(vid, self._mono_s())
        v = self.vehicles[vid]
        v.state = msg
        if self.monitor.is_faulted(vid) and msg.node:
            self._revive(vid, msg.node)
        if vid not in self.joined and not self.monitor.is_faulted(vid) and msg.node:
            if v.tracker is not None:
                v.tracker.node = msg.node
            self._join(vid, msg.node)

    def _revive(self, vid: str, node: str) -> None:
        """Heartbeats of a faulted vehicle again, at ``node``: ask the owner to take it back."""
        if self.refused.get(vid) == node:
            return  # refused there already; wait until it reports another node
        v = self.vehicles[vid]
        # Un-fault first: the owner's answer to an accepted recovery is commands to it.
        self.monitor.revive(vid)
        if v.tracker is not None:
            v.tracker.restart(node)
        if self._on_recover(vid, node, self._battery(v)):
            self.refused.pop(vid, None)
            return
        self.monitor.keep_faulted(vid)
        self.refused[vid] = node

    def clear_fault(self, vid: str) -> None:
        """The owner took ``vid`` back another way (it joined again): commands flow again."""
        self.monitor.revive(vid)
        self.refused.pop(vid, None)

    def _check(self) -> None:
        for vid in self.monitor.check(self._mono_s()):
            self.refused.pop(vid, None)
            # A timed action of a standard vehicle dies with it (the core commands it again).
            self.actions = [a for a in self.actions if a[2] != vid]
            self._on_fault(vid)
        if self.actions:
            self._finish_actions()

    def _finish_actions(self) -> None:
        now_s = self._now_s()
        due = sorted(a for a in self.actions if a[0] <= now_s)
        if not due:
            return
        self.actions = [a for a in self.actions if a[0] > now_s]
        for _due_s, _n, vid, action, cmd in due:
            if self.monitor.is_faulted(vid):
                continue
            v = self.vehicles[vid]
            self._on_event(ActionDone(now_s, VehicleId(vid), action, self._battery(v), cmd))

    def _standard_command(self, vid: str, v: _Vehicle, msg: VehicleCommand) -> None:
        tracker = v.tracker
        assert tracker is not None
        if msg.kind == VehicleCommand.KIND_DRIVE:
            try:
                tracker.drive(list(msg.path))
                v.drive_id = CommandId(msg.command_id)  # the Drive its next arrivals answer
            except ValueError as exc:  # a path off the map: log it, don't kill the node
                self.node.get_logger().error(str(exc))
        elif msg.kind == VehicleCommand.KIND_STOP:
            tracker.stop()
        elif msg.kind == VehicleCommand.KIND_PERFORM and msg.action != ActionKind.CHARGE.value:
            # A standard AGV has no load/unload/scan interface: the action is done by the
            # terminal's equipment at the node, timed here (ROS time, so use_sim_time holds).
            self._action_counter += 1
            self.actions.append(
                (
                    self._now_s() + self.action_time_s,
                    self._action_counter,
                    vid,
                    ActionKind(msg.action),
                    CommandId(msg.command_id),
                )
            )
        else:  # Charge, or Perform(charge)
            self.node.get_logger().error(
                f"vehicle {vid}: charging (to {msg.target_kwh:.1f} kWh) is not supported for a "
                "standard-topics vehicle (no charging interface); charge it by hand, or run it "
                "with VehicleEvent support (drop it from standard_vehicles)"
            )

    def send(self, msg: VehicleCommand) -> bool:
        """Publish one command (and its plan); False when the vehicle is faulted or unknown."""
        vid = msg.vehicle_id
        v = self.vehicles.get(vid)
        if v is None or self.monitor.is_faulted(vid):
            return False
        if not msg.seq:  # a sharded orchestrator numbers its commands itself (restarts)
            v.seq += 1
            msg.seq = v.seq
        v.cmd_pub.publish(msg)
        if msg.kind == VehicleCommand.KIND_DRIVE:
            v.plan_pub.publish(msg.path_m)
            v.follower.set_path([(p.pose.position.x, p.pose.position.y) for p in msg.path_m.poses])
        elif msg.kind == VehicleCommand.KIND_STOP:
            v.follower.clear()
            if v.twist_pub is not None:
                v.twist_pub.publish(Twist())  # a base keeps its last cmd_vel: stop it now
        if v.tracker is not None:
            self._standard_command(vid, v, msg)
        return True

    def whereabouts(self, vid: str) -> tuple[str, str]:
        """(last node reached, node being driven to or "") from its state, or for a standard
        vehicle from the arrivals inferred so far; ("", "") when unknown."""
        v = self.vehicles.get(vid)
        if v is None:
            return ("", "")
        if v.tracker is not None and v.state is None:
            t = v.tracker
            return (t.node, t.pending[0] if t.pending else "")
        if v.state is not None:
            return (v.state.node, v.state.next_node)
        return ("", "")

    def counts(self) -> dict[str, Any]:
        return {"states_received": self.received_states,
                "odometry_received": self.received_odometry}  # fmt: skip

    def last_state(self, vid: str) -> VehicleState | None:
        v = self.vehicles.get(vid)
        return v.state if v is not None else None
