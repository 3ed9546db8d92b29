"""The core's ports on ROS: a Clock reading ROS time, an EventSink and a custody LedgerPort
that publish holds and custody events. Time is ROS time, so ``use_sim_time`` is honoured.

The sink reads the core's typed domain events: HoldPlaced / HoldLifted become Hold messages;
the customs notices (holds, crossings, deliveries, tamper alerts) go out on
``/borderflow/notices`` for the customs bridge (:mod:`orchestrator.domain.notice_codec`); the
decisions an operator looks for are logged (their log line rendering)."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable

from borderflow_interfaces.msg import CustodyEvent as CustodyEventMsg
from borderflow_interfaces.msg import CustomsNotice as CustomsNoticeMsg
from borderflow_interfaces.msg import Hold
from rclpy.node import Node

from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.timestamps import format_timestamp
from orchestrator.domain.customs_events import HoldLifted, HoldPlaced, Rerouted, VerdictReceived
from orchestrator.domain.eventlog import CUSTOMS_NOTICE_TYPES, DomainEvent, log_entry
from orchestrator.domain.events import (
    ContainerStranded,
    OrderAssigned,
    OrderDelivered,
    OrderReturned,
    VehicleBackInService,
    VehicleOutOfService,
)
from orchestrator.domain.notice_codec import encode
from orchestrator.domain.traffic_events import LaneReopened, LaneShut

__all__ = ["RosClock", "RosLedger", "RosSink"]

# Core events worth a line in the node's log: decisions an operator looks for.
_LOGGED: frozenset[type] = frozenset(
    {
        HoldPlaced,
        HoldLifted,
        VerdictReceived,
        Rerouted,
        LaneShut,
        LaneReopened,
        OrderAssigned,
        OrderDelivered,
        OrderReturned,
        VehicleOutOfService,
        VehicleBackInService,
        ContainerStranded,
    }
)


class RosClock:
    """Seconds since the node started, on the node's clock (ROS time; /clock with sim time)."""

    def __init__(self, node: Node) -> None:
        self._node = node
        self._t0_ns = node.get_clock().now().nanoseconds

    def now_s(self) -> float:
        return (self._node.get_clock().now().nanoseconds - self._t0_ns) * 1e-9


class RosSink:
    """Keeps the recent events, publishes Hold messages for holds placed and lifted."""

    def __init__(
        self, node: Node, hold_pub: object, notice_pub: object | None = None, keep: int = 2000
    ) -> None:
        self._node = node
        self._hold_pub = hold_pub
        self._notice_pub = notice_pub
        self.events: deque[DomainEvent] = deque(maxlen=keep)
        self.listeners: list[Callable[[DomainEvent], None]] = []

    def emit(self, event: DomainEvent) -> None:
        self.events.append(event)
        if isinstance(event, HoldPlaced | HoldLifted):
            self._hold_pub.publish(self._hold_msg(event))  # type: ignore[attr-defined]
        if self._notice_pub is not None and type(event) in CUSTOMS_NOTICE_TYPES:
            msg = CustomsNoticeMsg()
            msg.header.stamp = self._node.get_clock().now().to_msg()
            msg.kind, msg.fields_json = encode(event)  # type: ignore[arg-type]
            self._notice_pub.publish(msg)  # type: ignore[attr-defined]
        if type(event) in _LOGGED:
            self._node.get_logger().info(f"[{event.kind}] {log_entry(event).message}")
        for listener in self.listeners:
            listener(event)

    def _hold_msg(self, event: HoldPlaced | HoldLifted) -> Hold:
        msg = Hold()
        msg.header.stamp = self._node.get_clock().now().to_msg()
        msg.header.frame_id = "map"
        msg.container_id = event.container_id
        msg.authority = event.side.value
        msg.cause = event.reason
        if isinstance(event, HoldPlaced):
            msg.active = True
            msg.vehicle_id = event.vehicle_id
        else:
            msg.active = False
            msg.officer_id = event.officer_id
        return msg


class RosLedger:
    """Publishes each custody event on /borderflow/custody (an external ledger stores them)."""

    def __init__(self, node: Node, pub: object) -> None:
        self._node = node
        self._pub = pub
        self.count = 0

    def append(self, event: CustodyEvent) -> int:
        msg = CustodyEventMsg()
        now = self._node.get_clock().now()
        msg.header.stamp = now.to_msg()
        msg.header.frame_id = "map"
        msg.kind = event.kind.value
        msg.container_id = event.container_id
        msg.node = event.node or ""
        msg.seal_number = event.seal_number or ""
        msg.actor = event.actor
        msg.data_json = json.dumps(
            {"t_s": event.t_s, "vehicle_id": event.vehicle_id, "zone": event.zone,
             "side": event.side, **dict(event.details),
             # The core never reads a clock; the node stamps the event's UTC time (the one
             # canonical form a ledger entry carries) unless a runtime already did.
             "timestamp": event.timestamp or format_timestamp(now.nanoseconds // 1000)},
            sort_keys=True,
        )  # fmt: skip
        self._pub.publish(msg)  # type: ignore[attr-defined]
        self.count += 1
        return self.count - 1
