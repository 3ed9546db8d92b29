"""The core's ports on ROS: a Clock reading ROS time, an EventSink and a custody LedgerPort
that publish holds and custody events. Time is ROS time, so ``use_sim_time`` is honoured."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable

from borderflow_interfaces.msg import CustodyEvent as CustodyEventMsg
from borderflow_interfaces.msg import Hold
from rclpy.node import Node

from orchestrator.custody.events import CustodyEvent
from orchestrator.ports import LogEntry

__all__ = ["RosClock", "RosLedger", "RosSink"]

# Core log entries worth a line in the node's log: decisions an operator looks for.
_LOGGED = (
    "hold.",
    "risk.",
    "lane.",
    "order.assigned",
    "order.delivered",
    "order.returned",
    "vehicle.fault",
    "vehicle.recovered",
    "container.stranded",
)


class RosClock:
    """Seconds since the node started, on the node's clock (ROS time; /clock with sim time)."""

    def __init__(self, node: Node) -> None:
        self._node = node
        self._t0_ns = node.get_clock().now().nanoseconds

    def now_s(self) -> float:
        return (self._node.get_clock().now().nanoseconds - self._t0_ns) * 1e-9


class RosSink:
    """Keeps the recent log, publishes Hold messages for hold.placed / hold.released."""

    def __init__(self, node: Node, hold_pub: object, keep: int = 2000) -> None:
        self._node = node
        self._hold_pub = hold_pub
        self.entries: deque[LogEntry] = deque(maxlen=keep)
        self.listeners: list[Callable[[LogEntry], None]] = []

    def emit(self, entry: LogEntry) -> None:
        self.entries.append(entry)
        if entry.kind in ("hold.placed", "hold.released"):
            msg = Hold()
            msg.header.stamp = self._node.get_clock().now().to_msg()
            msg.header.frame_id = "map"
            msg.container_id = str(entry.data.get("container_id", entry.subject))
            msg.active = entry.kind == "hold.placed"
            msg.authority = str(entry.data.get("side", entry.data.get("authority", "")))
            msg.vehicle_id = str(entry.data.get("vehicle_id", ""))
            msg.cause = str(entry.data.get("reason", entry.message))
            msg.officer_id = str(entry.data.get("officer_id", ""))
            self._hold_pub.publish(msg)  # type: ignore[attr-defined]
        if entry.kind.startswith(_LOGGED):
            self._node.get_logger().info(f"[{entry.kind}] {entry.message}")
        for listener in self.listeners:
            listener(entry)


class RosLedger:
    """Publishes each custody event on /borderflow/custody (an external ledger stores them)."""

    def __init__(self, node: Node, pub: object) -> None:
        self._node = node
        self._pub = pub
        self.count = 0

    def append(self, event: CustodyEvent) -> int:
        msg = CustodyEventMsg()
        msg.header.stamp = self._node.get_clock().now().to_msg()
        msg.header.frame_id = "map"
        msg.kind = event.kind.value
        msg.container_id = event.container_id
        msg.node = event.node or ""
        msg.seal_number = event.seal_number or ""
        msg.actor = event.actor
        msg.data_json = json.dumps(
            {"t_s": event.t_s, "vehicle_id": event.vehicle_id, "zone": event.zone,
             "side": event.side, **dict(event.details)},
            sort_keys=True,
        )  # fmt: skip
        self._pub.publish(msg)  # type: ignore[attr-defined]
        self.count += 1
        return self.count - 1
