"""Topic names and the QoS of each topic, chosen once here (see docs/ros.md for the table).

- Verdicts, holds, lane status, orders and custody events: RELIABLE + TRANSIENT_LOCAL, so a node
  that starts (or restarts) late still receives the decisions already made. The node's
  announcement (``fleet_info``: map, trusted key, arrivals) is latched the same way, depth 1.
- Vehicle commands: RELIABLE + TRANSIENT_LOCAL per vehicle topic (depth 20): the first command
  goes out the moment a vehicle is discovered, before the match may be complete; the vehicle
  drops replays by the per-vehicle ``seq``.
- Vehicle events (node reached, action done): RELIABLE + VOLATILE, deep queue: each one changes
  the core's state and none may be lost, but a replay after restart would be wrong.
- Odometry and vehicle state: BEST_EFFORT + VOLATILE, depth 1-5: high rate, only the newest
  sample matters, and the heartbeat tolerates drops (sensor-data convention).
- Markers: RELIABLE + TRANSIENT_LOCAL for the static map, BEST_EFFORT for the moving fleet.
"""

from __future__ import annotations

from rclpy.qos import (
    DurabilityPolicy,
    HistoryPolicy,
    QoSProfile,
    ReliabilityPolicy,
)

from recording.topics import vehicle_topic  # the naming rule, shared with recordings

__all__ = [
    "CUSTODY_TOPIC",
    "FLEET_INFO_TOPIC",
    "FLEET_MARKERS_TOPIC",
    "FREEZE_SERVICE",
    "HOLDS_TOPIC",
    "LANES_TOPIC",
    "MAP_MARKERS_TOPIC",
    "NOTICES_TOPIC",
    "ORDERS_TAKEN_TOPIC",
    "ORDERS_TOPIC",
    "RELEASE_SERVICE",
    "STATUS_SERVICE",
    "TRANSPORT_ACTION",
    "VEHICLE_EVENTS_TOPIC",
    "VERDICTS_TOPIC",
    "command_qos",
    "decision_qos",
    "event_qos",
    "sensor_qos",
    "vehicle_topic",
]

NS = "/borderflow"
VERDICTS_TOPIC = f"{NS}/verdicts"
ORDERS_TOPIC = f"{NS}/orders"  # in: orders the bridge signed
ORDERS_TAKEN_TOPIC = f"{NS}/orders_taken"  # out: every order the core took, from any source
FLEET_INFO_TOPIC = f"{NS}/fleet_info"  # out, latched: what the node runs (FleetInfo)
HOLDS_TOPIC = f"{NS}/holds"
LANES_TOPIC = f"{NS}/lanes"
CUSTODY_TOPIC = f"{NS}/custody"
NOTICES_TOPIC = f"{NS}/notices"  # the core's customs notices (holds, crossings, deliveries, ...)
VEHICLE_EVENTS_TOPIC = f"{NS}/vehicle_events"
MAP_MARKERS_TOPIC = f"{NS}/map_markers"
FLEET_MARKERS_TOPIC = f"{NS}/fleet_markers"
RELEASE_SERVICE = f"{NS}/release_hold"
STATUS_SERVICE = f"{NS}/get_status"
FREEZE_SERVICE = f"{NS}/freeze_core"  # the core frozen for a forecast (signed both ways)
TRANSPORT_ACTION = f"{NS}/transport_container"


def decision_qos(depth: int = 100) -> QoSProfile:
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=depth,
        reliability=ReliabilityPolicy.RELIABLE,
        durability=DurabilityPolicy.TRANSIENT_LOCAL,
    )


def command_qos() -> QoSProfile:
    return decision_qos(depth=20)


def event_qos() -> QoSProfile:
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=1000,
        reliability=ReliabilityPolicy.RELIABLE,
        durability=DurabilityPolicy.VOLATILE,
    )


def sensor_qos(depth: int = 5) -> QoSProfile:
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST,
        depth=depth,
        reliability=ReliabilityPolicy.BEST_EFFORT,
        durability=DurabilityPolicy.VOLATILE,
    )
