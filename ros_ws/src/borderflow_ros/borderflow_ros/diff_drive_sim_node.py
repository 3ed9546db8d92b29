"""Diff-drive AGV simulator node with Gazebo's topic layout, for runs without Gazebo.

Each vehicle is what a Gazebo AGV with the DiffDrive and OdometryPublisher systems is behind
ros_gz_bridge (the world ``borderflow gazebo world`` writes): it takes
``/agv/<id>/cmd_vel`` (geometry_msgs/Twist: linear.x, angular.z) and publishes only
``/agv/<id>/odom`` (nav_msgs/Odometry in ``map``). No borderflow messages: the orchestrator must
list the vehicles in both ``standard_vehicles`` (arrivals inferred from odometry, actions timed)
and ``diff_drive_vehicles`` (it follows each Drive's path with ``cmd_vel``). The base limits its
acceleration and yaw rate like the DiffDrive system's limits; a command older than
``cmd_timeout_s`` stops it, as a safe base does.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any

from geometry_msgs.msg import Twist
from nav_msgs.msg import Odometry
from rclpy.node import Node

from borderflow_ros import qos
from borderflow_ros.convert import odometry_msg
from borderflow_ros.errors import ParameterError
from borderflow_ros.frame import map_origin
from borderflow_ros.params import Param, at_least, load, not_empty, positive
from orchestrator.lanegraph import NodeId

__all__ = ["DiffDriveBase", "DiffDriveSimNode", "main"]

PARAMS = (
    Param("map", "test_crossing", "bundled map name or GeoJSON path", not_empty),
    Param("vehicles", 2, "number of vehicles", at_least(1)),
    Param("vehicle_prefix", "agv_", "vehicle id prefix (ids are prefix + 2-digit index)"),
    Param("start_nodes", [""], "start node per vehicle ([''] = buffer/charger places)"),
    Param("rate_hz", 50.0, "physics step rate", positive),
    Param("odom_rate_hz", 50.0, "odometry rate per vehicle", at_least(10.0)),
    Param(
        "time_scale", 1.0, "vehicle time per clock second (> 1: faster than real time)", positive
    ),
    Param("max_speed_mps", 8.0, "linear velocity limit", positive),
    Param("accel_mps2", 1.0, "linear acceleration limit", positive),
    Param("max_yaw_rate_rps", 1.0, "angular velocity limit", positive),
    Param("cmd_timeout_s", 0.5, "stop when no cmd_vel came for this long (clock s)", positive),
)


@dataclass(slots=True)
class DiffDriveBase:
    """A unicycle with velocity and acceleration limits (map frame, metres, radians)."""

    x_m: float
    y_m: float
    yaw_rad: float
    max_speed_mps: float = 8.0
    accel_mps2: float = 1.0
    max_yaw_rate_rps: float = 1.0
    speed_mps: float = 0.0
    yaw_rate_rps: float = 0.0
    cmd_speed_mps: float = 0.0
    cmd_yaw_rate_rps: float = 0.0

    def command(self, speed_mps: float, yaw_rate_rps: float) -> None:
        lim, ylim = self.max_speed_mps, self.max_yaw_rate_rps
        self.cmd_speed_mps = max(-lim, min(lim, speed_mps))
        self.cmd_yaw_rate_rps = max(-ylim, min(ylim, yaw_rate_rps))

    def step(self, dt_s: float) -> None:
        dv = self.cmd_speed_mps - self.speed_mps
        max_dv = self.accel_mps2 * dt_s
        self.speed_mps += max(-max_dv, min(max_dv, dv))
        self.yaw_rate_rps = self.cmd_yaw_rate_rps
        # Midpoint heading: exact for straight lines, second order on arcs.
        mid = self.yaw_rad + 0.5 * self.yaw_rate_rps * dt_s
        self.x_m += self.speed_mps * math.cos(mid) * dt_s
        self.y_m += self.speed_mps * math.sin(mid) * dt_s
        self.yaw_rad = math.atan2(
            math.sin(self.yaw_rad + self.yaw_rate_rps * dt_s),
            math.cos(self.yaw_rad + self.yaw_rate_rps * dt_s),
        )


class DiffDriveSimNode(Node):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__("diff_drive_sim", **kwargs)
        p = load(self, PARAMS)
        from maps import MapError, load_map
        from maps.fleet_start import start_nodes

        graph = load_map(p["map"])
        ox, oy = map_origin(graph)
        n = int(p["vehicles"])
        given = [s for s in p["start_nodes"] if s]
        if given and len(given) != n:
            raise ParameterError(
                f"diff_drive_sim: parameter 'start_nodes' has {len(given)} entries but "
                f"'vehicles' is {n}; give one node per vehicle or leave it empty"
            )
        try:
            nodes = given or [str(s) for s in start_nodes(graph, n)]
        except MapError as exc:
            raise ParameterError(f"diff_drive_sim: {exc.problems[0].message}") from None
        self.time_scale = float(p["time_scale"])
        self.cmd_timeout_s = float(p["cmd_timeout_s"])
        self.bases: dict[str, DiffDriveBase] = {}
        self.last_cmd_s: dict[str, float] = {}
        self.odom_pubs: dict[str, Any] = {}
        for i, node in enumerate(nodes):
            if NodeId(node) not in graph.nodes:
                raise ParameterError(
                    f"diff_drive_sim: start node {node!r} is not on the map {graph.name}"
                )
            here = graph.nodes[NodeId(node)]
            # Spawned facing along its first lane out, as the generated world places it.
            succ = sorted(graph.graph.succ[NodeId(node)])
            yaw = 0.0
            if succ:
                there = graph.nodes[succ[0]]
                yaw = math.atan2(there.y_m - here.y_m, there.x_m - here.x_m)
            vid = f"{p['vehicle_prefix']}{i + 1:02d}"
            self.bases[vid] = DiffDriveBase(
                here.x_m - ox, here.y_m - oy, yaw, float(p["max_speed_mps"]),
                float(p["accel_mps2"]), float(p["max_yaw_rate_rps"]),
            )  # fmt: skip
            self.last_cmd_s[vid] = -math.inf
            self.odom_pubs[vid] = self.create_publisher(
                Odometry, qos.vehicle_topic(vid, "odom"), qos.sensor_qos()
            )
            self.create_subscription(
                Twist, qos.vehicle_topic(vid, "cmd_vel"), lambda m, v=vid: self._on_cmd(v, m), 10
            )
        self._t_last = self._now_s()
        self._max_step_s = 5.0 / float(p["rate_hz"])
        self.create_timer(1.0 / p["rate_hz"], self._step)
        self.create_timer(1.0 / p["odom_rate_hz"], self._publish_odom)
        self.get_logger().info(
            f"{n} diff-drive AGVs (Gazebo topic layout) on {graph.name}: {', '.join(self.bases)}"
        )

    def _now_s(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _on_cmd(self, vid: str, msg: Twist) -> None:
        lin, ang = float(msg.linear.x), float(msg.angular.z)
        if not (math.isfinite(lin) and math.isfinite(ang)):
            self.get_logger().warning(f"{vid}: cmd_vel ({lin}, {ang}) is not finite: ignored")
            return
        self.bases[vid].command(lin, ang)
        self.last_cmd_s[vid] = self._now_s()

    def _step(self) -> None:
        now = self._now_s()
        dt_s = min(max(0.0, now - self._t_last), self._max_step_s) * self.time_scale
        self._t_last = now
        for vid, base in self.bases.items():
            if now - self.last_cmd_s[vid] > self.cmd_timeout_s:
                base.command(0.0, 0.0)
            base.step(dt_s)

    def _publish_odom(self) -> None:
        stamp = self.get_clock().now().to_msg()
        for vid, b in self.bases.items():
            self.odom_pubs[vid].publish(
                odometry_msg(vid, b.x_m, b.y_m, b.yaw_rad, b.speed_mps, stamp)
            )


def main(argv: list[str] | None = None) -> None:
    from borderflow_ros.runner import run_node

    run_node(DiffDriveSimNode, argv if argv is not None else sys.argv)


if __name__ == "__main__":
    main()
