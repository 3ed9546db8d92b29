"""Kinematic AGV simulator node: one process hosts N vehicles, so the ROS path runs without Gazebo.

Per vehicle it subscribes ``/agv/<id>/command`` (borderflow VehicleCommand) and publishes
``/agv/<id>/odom`` (nav_msgs/Odometry, ``odom_rate_hz`` >= 10) and ``/agv/<id>/state``
(VehicleState, the heartbeat); node arrivals, finished actions and scans go to
``/borderflow/vehicle_events``. A vehicle announces itself through its state messages; the
orchestrator answers with VehicleJoined. ``time_scale`` runs the vehicles faster than the clock.

With ``standard_topics:=true`` the vehicles behave like AGVs that speak only standard topics:
they take ``/agv/<id>/plan`` (nav_msgs/Path, one pose per lane-graph node, in ``map``) as their
route and publish only ``/agv/<id>/odom``; no commands, state or vehicle events. The
orchestrator must list them in ``standard_vehicles`` (it infers arrivals from odometry and
times their load/unload/scan itself).
"""

from __future__ import annotations

import sys
from typing import Any

from borderflow_interfaces.msg import VehicleCommand, VehicleEvent, VehicleState
from nav_msgs.msg import Odometry, Path
from rclpy.node import Node

from borderflow_ros import qos
from borderflow_ros.arrival import nearest_node, node_positions
from borderflow_ros.convert import command_from_msg, event_to_msg, odometry_msg
from borderflow_ros.errors import ParameterError
from borderflow_ros.frame import map_origin
from borderflow_ros.kinematic import AgvSpec, KinematicAgv
from borderflow_ros.params import Param, at_least, load, not_empty, positive
from orchestrator.ids import CommandId, VehicleId
from orchestrator.lanegraph import NodeId
from orchestrator.messages import Drive, ScanOutcome

__all__ = ["AgvSimNode", "main"]

PARAMS = (
    Param("map", "test_crossing", "bundled map name or GeoJSON path", not_empty),
    Param("vehicles", 3, "number of vehicles this process hosts", at_least(1)),
    Param("vehicle_prefix", "agv_", "vehicle id prefix (ids are prefix + 2-digit index)"),
    Param("first_index", 1, "index of this process's first vehicle", at_least(1)),
    Param("fleet_size", 0, "vehicles over all processes, for start places (0: first+n-1)"),
    Param("start_nodes", [""], "start node per vehicle ([''] = buffer/charger places)"),
    Param("rate_hz", 20.0, "simulation step rate", positive),
    Param("odom_rate_hz", 10.0, "odometry rate per vehicle (>= 10 Hz)", at_least(10.0)),
    Param("state_rate_hz", 2.0, "VehicleState (heartbeat) rate per vehicle", positive),
    Param(
        "time_scale", 1.0, "vehicle time per clock second (> 1: faster than real time)", positive
    ),
    Param("max_speed_mps", 8.0, "top speed; lanes' speed limits apply too", positive),
    Param("load_time_s", 30.0, "time to load a container", positive),
    Param("unload_time_s", 30.0, "time to unload a container", positive),
    Param("scan_time_s", 60.0, "NII scan time", positive),
    Param("escalate_containers", [""], "containers whose scan escalates to HIGH"),
    Param("standard_topics", False, "vehicles take nav_msgs/Path, give only nav_msgs/Odometry"),
)


class AgvSimNode(Node):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__("agv_sim", **kwargs)
        p = load(self, PARAMS)
        from maps import MapError, load_map
        from maps.fleet_start import start_nodes

        self.graph = load_map(p["map"])
        self.origin = map_origin(self.graph)
        self.time_scale = float(p["time_scale"])
        self.escalate = {c for c in p["escalate_containers"] if c}
        spec = AgvSpec(
            max_speed_mps=p["max_speed_mps"],
            load_time_s=p["load_time_s"],
            unload_time_s=p["unload_time_s"],
            scan_time_s=p["scan_time_s"],
        )
        n, first = int(p["vehicles"]), int(p["first_index"])
        fleet = max(int(p["fleet_size"]), first + n - 1)
        given = [s for s in p["start_nodes"] if s]
        if given and len(given) != n:
            raise ParameterError(
                f"agv_sim: parameter 'start_nodes' has {len(given)} entries but 'vehicles' is "
                f"{n}; give one node per vehicle or leave it empty"
            )
        try:
            nodes = given or start_nodes(self.graph, fleet)[first - 1 : first - 1 + n]
        except MapError as exc:
            raise ParameterError(f"agv_sim: {exc.problems[0].message}") from None
        for node in nodes:
            if NodeId(node) not in self.graph.nodes:
                raise ParameterError(
                    f"agv_sim: start node {node!r} is not on the map {self.graph.name}"
                )
        self.agvs: dict[str, KinematicAgv] = {}
        self.odom_pubs: dict[str, Any] = {}
        self.state_pubs: dict[str, Any] = {}
        self.last_seq: dict[str, int] = {}
        self.events = self.create_publisher(VehicleEvent, qos.VEHICLE_EVENTS_TOPIC, qos.event_qos())
        self.standard = bool(p["standard_topics"])
        self.positions = node_positions(self.graph, self.origin)
        self.last_plan: dict[str, tuple[int, int]] = {}
        for i, node in enumerate(nodes):
            vid = f"{p['vehicle_prefix']}{first + i:02d}"
            self.agvs[vid] = KinematicAgv(VehicleId(vid), NodeId(node), self.graph, spec)
            self.last_seq[vid] = 0
            self.odom_pubs[vid] = self.create_publisher(
                Odometry, qos.vehicle_topic(vid, "odom"), qos.sensor_qos()
            )
            if self.standard:
                self.create_subscription(
                    Path,
                    qos.vehicle_topic(vid, "plan"),
                    lambda m, v=vid: self._on_plan(v, m),
                    qos.decision_qos(1),
                )
                continue
            self.state_pubs[vid] = self.create_publisher(
                VehicleState, qos.vehicle_topic(vid, "state"), qos.sensor_qos()
            )
            self.create_subscription(
                VehicleCommand,
                qos.vehicle_topic(vid, "command"),
                lambda m, v=vid: self._on_command(v, m),
                qos.command_qos(),
            )
        self._t_last = self._now_s()
        # Commands stamped before this process started were sent to its vehicles' previous life
        # (the command topics keep the last 20 for late joiners): carried out now, they would
        # move a vehicle along a route nobody granted it. (With use_sim_time and no /clock yet
        # this is 0, and nothing is dropped.)
        self._started_ns = self.get_clock().now().nanoseconds
        # A stalled process (paused, starved of CPU) resumes where its vehicles stood, as a real
        # vehicle would, rather than jumping along their routes by the time it missed.
        self._max_step_s = 5.0 / float(p["rate_hz"])
        self.create_timer(1.0 / p["rate_hz"], self._step)
        self.create_timer(1.0 / p["odom_rate_hz"], self._publish_odom)
        self.create_timer(1.0 / p["state_rate_hz"], self._publish_state)
        self.get_logger().info(
            f"{len(self.agvs)} simulated AGVs on {self.graph.name}: {', '.join(self.agvs)}"
        )
        self._publish_state()

    def _now_s(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _on_command(self, vid: str, msg: VehicleCommand) -> None:
        if msg.seq <= self.last_seq[vid]:
            return  # a transient-local replay of a command already carried out
        stamp_ns = msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec
        if 0 < stamp_ns < self._started_ns:
            self.get_logger().warning(
                f"{vid}: command {msg.seq} was sent before this simulator started (to the "
                "vehicle's previous life): ignored"
            )
            return
        self.last_seq[vid] = msg.seq
        agv = self.agvs[vid]
        try:
            agv.send(command_from_msg(msg))
        except ValueError as exc:
            self.get_logger().error(f"{vid}: command {msg.seq} rejected: {exc}")
            return
        self._step()  # start at once: latency of the command, not of the next tick

    def _on_plan(self, vid: str, msg: Path) -> None:
        """A standard vehicle's route: the lane-graph node under each pose of the Path."""
        stamp = (msg.header.stamp.sec, msg.header.stamp.nanosec)
        if self.last_plan.get(vid) == stamp:
            return  # a transient-local replay of the plan already driven
        self.last_plan[vid] = stamp
        path: list[NodeId] = []
        for pose in msg.poses:
            x_m, y_m = pose.pose.position.x, pose.pose.position.y
            node = nearest_node(self.positions, x_m, y_m, 0.05)
            if node is None:
                self.get_logger().error(
                    f"{vid}: plan pose ({x_m:.2f}, {y_m:.2f}) is not at a node of "
                    f"{self.graph.name}; plan ignored (poses must be lane-graph nodes in map)"
                )
                return
            path.append(NodeId(node))
        if not path:
            return
        try:
            # A standard vehicle does not know the core's command ids: the fleet adapter keeps
            # them (it infers this vehicle's reports from odometry).
            self.agvs[vid].send(Drive(VehicleId(vid), tuple(path), CommandId(0)))
        except ValueError as exc:
            self.get_logger().error(f"{vid}: plan rejected: {exc}")
            return
        self._step()

    def _step(self) -> None:
        now = self._now_s()
        dt_s = min(max(0.0, now - self._t_last), self._max_step_s) * self.time_scale
        self._t_last = now
        stamp = self.get_clock().now().to_msg()
        for vid in sorted(self.agvs):
            agv = self.agvs[vid]
            if agv.container_id is not None:
                agv.scan_outcome = (
                    ScanOutcome.ESCALATE if agv.container_id in self.escalate else ScanOutcome.CLEAR
                )
            events = agv.step(dt_s, now)
            if self.standard:
                continue  # a standard vehicle reports nothing but odometry
            for event in events:
                self.events.publish(event_to_msg(event, stamp, vid))

    def _publish_odom(self) -> None:
        stamp = self.get_clock().now().to_msg()
        ox, oy = self.origin
        for vid, agv in self.agvs.items():
            self.odom_pubs[vid].publish(
                odometry_msg(vid, agv.x_m - ox, agv.y_m - oy, agv.yaw_rad, agv.speed_mps, stamp)
            )

    def _publish_state(self) -> None:
        stamp = self.get_clock().now().to_msg()
        ox, oy = self.origin
        for vid, agv in self.agvs.items():
            if vid not in self.state_pubs:
                continue  # standard vehicles publish no VehicleState
            msg = VehicleState()
            msg.header.stamp = stamp
            msg.header.frame_id = "map"
            msg.vehicle_id = vid
            msg.mode = agv.mode
            msg.node = agv.node
            msg.next_node = agv.next_node
            msg.x_m, msg.y_m, msg.yaw_rad = agv.x_m - ox, agv.y_m - oy, agv.yaw_rad
            msg.speed_mps = agv.speed_mps
            msg.battery_kwh = agv.battery_kwh
            msg.container_id = agv.container_id or ""
            self.state_pubs[vid].publish(msg)


def main(argv: list[str] | None = None) -> None:
    from borderflow_ros.runner import run_node

    run_node(AgvSimNode, argv if argv is not None else sys.argv)


if __name__ == "__main__":
    main()
