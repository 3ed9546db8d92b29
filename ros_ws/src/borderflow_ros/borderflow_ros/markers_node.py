"""Publishes the map (once, transient-local) and the fleet (``rate_hz``) as MarkerArrays.

Vehicles are discovered from their ``/agv/<id>/state`` topics, like the fleet adapter does; one
whose state messages stop for ``heartbeat_timeout_s`` is drawn red (faulted) until they resume.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from borderflow_interfaces.msg import VehicleState
from rclpy.node import Node
from visualization_msgs.msg import MarkerArray

from borderflow_ros import qos
from borderflow_ros.frame import map_origin
from borderflow_ros.markers import fleet_markers, fleet_poses, map_markers
from borderflow_ros.params import Param, load, not_empty, positive

__all__ = ["MarkersNode", "main"]

PARAMS = (
    Param("map", "test_crossing", "bundled map name or GeoJSON path", not_empty),
    Param("rate_hz", 5.0, "fleet marker rate", positive),
    Param(
        "heartbeat_timeout_s",
        2.0,
        "silence after which a vehicle is drawn faulted (as the orchestrator's)",
        positive,
    ),
)


class MarkersNode(Node):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__("borderflow_markers", **kwargs)
        p = load(self, PARAMS)
        from maps import load_map

        self.graph = load_map(p["map"])
        self.map_pub = self.create_publisher(
            MarkerArray, qos.MAP_MARKERS_TOPIC, qos.decision_qos(1)
        )
        self.fleet_pub = self.create_publisher(
            MarkerArray, qos.FLEET_MARKERS_TOPIC, qos.sensor_qos(1)
        )
        self.states: dict[str, VehicleState] = {}
        self.last_seen_s: dict[str, float] = {}  # monotonic, like the fleet adapter's heartbeats
        self.heartbeat_timeout_s = float(p["heartbeat_timeout_s"])
        self.map_pub.publish(
            map_markers(self.graph, map_origin(self.graph), self.get_clock().now().to_msg())
        )
        self.create_timer(1.0, self._discover)
        self.create_timer(1.0 / p["rate_hz"], self._publish)

    def _discover(self) -> None:
        for name, _ in self.get_topic_names_and_types():
            if name.startswith("/agv/") and name.endswith("/state"):
                vid = name[len("/agv/") : -len("/state")]
                if vid not in self.states and "/" not in vid:
                    self.states[vid] = VehicleState()
                    self.create_subscription(
                        VehicleState, name, lambda m, v=vid: self._on_state(v, m), qos.sensor_qos()
                    )

    def _on_state(self, vid: str, msg: VehicleState) -> None:
        self.states[vid] = msg
        self.last_seen_s[vid] = time.monotonic()

    def _publish(self) -> None:
        poses = fleet_poses(
            self.states, self.last_seen_s, time.monotonic(), self.heartbeat_timeout_s
        )
        self.fleet_pub.publish(fleet_markers(poses, self.get_clock().now().to_msg()))


def main(argv: list[str] | None = None) -> None:
    from borderflow_ros.runner import run_node

    run_node(MarkersNode, argv if argv is not None else sys.argv)


if __name__ == "__main__":
    main()
