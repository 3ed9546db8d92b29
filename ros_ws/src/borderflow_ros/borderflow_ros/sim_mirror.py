"""Mirror a SimPy run's fleet onto the ROS topics, so a SimPy run is visible in RViz / Foxglove.

:class:`SimMirror` reads the public state of ``sim.runner.Simulation`` (its ``vehicles``: node,
edge being driven, container, speed, battery) and publishes, per vehicle, the same
``/agv/<id>/odom`` and ``/agv/<id>/state`` as the kinematic simulator; the markers node then
draws the fleet. Read-only: the SimPy run is not changed. A vehicle on an edge is placed by the
time since it entered the edge over the edge's travel time (the runtime does not expose the exact
position, see docs/ros.md).

    python -m borderflow_ros sim_mirror --ros-args -p scenario:=test_small -p speed:=10.0
"""

from __future__ import annotations

import math
import sys
from typing import Any

from borderflow_interfaces.msg import VehicleState
from nav_msgs.msg import Odometry
from rclpy.node import Node

from borderflow_ros import qos
from borderflow_ros.convert import odometry_msg
from borderflow_ros.frame import map_origin
from borderflow_ros.params import Param, load, not_empty, positive

__all__ = ["SimMirror", "SimMirrorNode", "main"]

PARAMS = (
    Param("scenario", "test_small", "bundled scenario name or TOML path", not_empty),
    Param("speed", 10.0, "simulated seconds per wall second", positive),
    Param("rate_hz", 10.0, "publishing rate per vehicle", positive),
)


class SimMirror:
    """Publishes a Simulation's vehicles; call :meth:`publish` after advancing the run."""

    def __init__(self, node: Node, sim: Any) -> None:
        self.node = node
        self.sim = sim
        self.origin = map_origin(sim.graph)
        self._entered: dict[str, tuple[Any, float]] = {}  # vehicle -> (edge, sim time entered)
        self._odom: dict[str, Any] = {}
        self._state: dict[str, Any] = {}
        for vid in sorted(sim.vehicles):
            self._odom[vid] = node.create_publisher(
                Odometry, qos.vehicle_topic(vid, "odom"), qos.sensor_qos()
            )
            self._state[vid] = node.create_publisher(
                VehicleState, qos.vehicle_topic(vid, "state"), qos.sensor_qos()
            )

    def pose(self, vid: str, now_s: float) -> tuple[float, float, float]:
        """(x, y, yaw) in the graph's frame of one mirrored vehicle at sim time ``now_s``."""
        agv = self.sim.vehicles[vid]
        graph = self.sim.graph
        edge = agv.edge
        if edge is None:
            self._entered.pop(vid, None)
            n = graph.nodes[agv.node]
            return (n.x_m, n.y_m, 0.0)
        entered = self._entered.get(vid)
        if entered is None or entered[0] is not edge:
            entered = (edge, now_s)
            self._entered[vid] = entered
        a, b = graph.nodes[edge.source], graph.nodes[edge.target]
        frac = min(1.0, max(0.0, (now_s - entered[1]) / max(edge.travel_time_s, 1e-6)))
        yaw = math.atan2(b.y_m - a.y_m, b.x_m - a.x_m)
        return (a.x_m + (b.x_m - a.x_m) * frac, a.y_m + (b.y_m - a.y_m) * frac, yaw)

    def publish(self) -> None:
        now_s = float(self.sim.now_s)
        stamp = self.node.get_clock().now().to_msg()
        ox, oy = self.origin
        for vid in sorted(self.sim.vehicles):
            agv = self.sim.vehicles[vid]
            x, y, yaw = self.pose(vid, now_s)
            self._odom[vid].publish(odometry_msg(vid, x - ox, y - oy, yaw, agv.speed_mps, stamp))
            msg = VehicleState()
            msg.header.stamp = stamp
            msg.header.frame_id = "map"
            msg.vehicle_id = vid
            msg.mode = VehicleState.MODE_DRIVING if agv.edge is not None else VehicleState.MODE_IDLE
            msg.node = str(agv.node)
            msg.next_node = str(agv.edge.target) if agv.edge is not None else ""
            msg.x_m, msg.y_m, msg.yaw_rad = x - ox, y - oy, yaw
            msg.speed_mps = float(agv.speed_mps)
            msg.battery_kwh = float(agv.battery_kwh)
            msg.container_id = agv.container or ""
            self._state[vid].publish(msg)


class SimMirrorNode(Node):
    """Runs a SimPy scenario ``speed`` times faster than the wall clock and mirrors it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("borderflow_sim_mirror", **kwargs)
        p = load(self, PARAMS)
        from sim.runner import Simulation
        from sim.scenario import load_scenario

        self.sim = Simulation(load_scenario(p["scenario"]))
        self.speed = float(p["speed"])
        self.mirror = SimMirror(self, self.sim)
        self._t0_ns = self.get_clock().now().nanoseconds
        self.create_timer(1.0 / p["rate_hz"], self._tick)
        self.get_logger().info(f"mirroring {len(self.sim.vehicles)} SimPy vehicles")

    def _tick(self) -> None:
        wall_s = (self.get_clock().now().nanoseconds - self._t0_ns) * 1e-9
        if not self.sim.done:
            self.sim.advance(wall_s * self.speed)
        self.mirror.publish()


def main(argv: list[str] | None = None) -> None:
    from borderflow_ros.runner import run_node

    run_node(SimMirrorNode, argv if argv is not None else sys.argv)


if __name__ == "__main__":
    main()
