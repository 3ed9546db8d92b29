"""Mirror a fleet that runs elsewhere onto the ROS topics, so it is visible in RViz / Foxglove.

:class:`SimMirror` publishes, per vehicle, the same ``/agv/<id>/odom`` and ``/agv/<id>/state``
as the kinematic simulator, from any source that gives :class:`VehicleSnapshot` records (a SimPy
run: ``sim.runner.Simulation.vehicle_snapshots``); the markers node then draws the fleet.
Read-only: the source is not changed. The package does not know the SimPy runtime: the command
that runs a SimPy scenario and mirrors it (``borderflow ros mirror``) wires the two together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from borderflow_interfaces.msg import VehicleState
from nav_msgs.msg import Odometry
from rclpy.node import Node

from borderflow_ros import qos
from borderflow_ros.convert import odometry_msg
from borderflow_ros.frame import map_origin
from orchestrator.domain.records import VehicleSnapshot
from orchestrator.lanegraph import LaneGraph

__all__ = ["FleetSource", "SimMirror"]


class FleetSource(Protocol):
    """What the mirror reads: the map and where each vehicle is now."""

    @property
    def graph(self) -> LaneGraph: ...

    def vehicle_snapshots(self) -> Sequence[VehicleSnapshot]: ...


class SimMirror:
    """Publishes a fleet's vehicles; call :meth:`publish` after the source has moved on."""

    def __init__(self, node: Node, source: FleetSource) -> None:
        self.node = node
        self.source = source
        self.origin = map_origin(source.graph)
        self._odom: dict[str, Any] = {}
        self._state: dict[str, Any] = {}
        for snap in source.vehicle_snapshots():
            vid = snap.vehicle_id
            self._odom[vid] = node.create_publisher(
                Odometry, qos.vehicle_topic(vid, "odom"), qos.sensor_qos()
            )
            self._state[vid] = node.create_publisher(
                VehicleState, qos.vehicle_topic(vid, "state"), qos.sensor_qos()
            )

    def pose(self, snap: VehicleSnapshot) -> tuple[float, float, float]:
        """(x, y, yaw) of a vehicle in the ``map`` frame."""
        ox, oy = self.origin
        return (snap.x_m - ox, snap.y_m - oy, snap.yaw_rad)

    def publish(self) -> None:
        stamp = self.node.get_clock().now().to_msg()
        for snap in self.source.vehicle_snapshots():
            vid = snap.vehicle_id
            if vid not in self._odom:
                continue  # a vehicle the source did not have when the mirror started
            x, y, yaw = self.pose(snap)
            self._odom[vid].publish(odometry_msg(vid, x, y, yaw, snap.speed_mps, stamp))
            msg = VehicleState()
            msg.header.stamp = stamp
            msg.header.frame_id = "map"
            msg.vehicle_id = vid
            driving = snap.next_node is not None
            msg.mode = VehicleState.MODE_DRIVING if driving else VehicleState.MODE_IDLE
            msg.node = str(snap.node)
            msg.next_node = str(snap.next_node or "")
            msg.x_m, msg.y_m, msg.yaw_rad = x, y, yaw
            msg.speed_mps = float(snap.speed_mps)
            msg.battery_kwh = float(snap.battery_kwh)
            msg.container_id = snap.container_ids[0] if snap.container_ids else ""
            self._state[vid].publish(msg)
