"""The orchestrator node's fleet when its adapters run as shards in other processes.

Stands where the in-process :class:`~borderflow_ros.fleet_adapter.FleetAdapter` would, with the
same calls (``send``, ``clear_fault``, ``whereabouts``, ``counts``) and the same callbacks into
the node, but holds no per-vehicle topic: one subscription to the shards' reports
(``/borderflow/adapters/events``) and one publisher per shard
(``/borderflow/adapters/shard_<k>/control``), so the node's cost no longer grows with the fleet.

- Reports are fed in each shard's order; duplicates are dropped and gaps counted
  (:class:`~borderflow_ros.shards.ShardBook`). A report that does not hold together (a vehicle of
  another shard, a node not on the map, an unknown kind) is refused, logged and counted.
- A shard silent for ``timeout_s`` is dead: every vehicle of it the core has in service is
  faulted, as one silent vehicle is. A shard heard for the first time, heard again after it was
  dead, or replaced by a new incarnation (taken only once the old one is dead) is told to report
  each of its vehicles again (``KIND_RESYNC``): the core takes back those it accepts where they
  stand.
- Commands carry a per-vehicle ``seq`` numbered here, so a restarted shard cannot reuse numbers
  the vehicles have already seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from typing import Any

from borderflow_interfaces.msg import AdapterControl, AdapterEvent, VehicleCommand
from rclpy.node import Node

from borderflow_ros import qos
from borderflow_ros.shards import ADAPTER_EVENTS_TOPIC, ShardBook, control_topic, shard_of
from orchestrator.ids import CommandId, VehicleId
from orchestrator.lanegraph import NodeId
from orchestrator.messages import ActionDone, ActionKind, Event, VehicleAtNode

__all__ = ["ShardedFleet"]

_VEHICLE_KINDS = {
    AdapterEvent.KIND_JOINED,
    AdapterEvent.KIND_FAULTED,
    AdapterEvent.KIND_RECOVERING,
    AdapterEvent.KIND_AT_NODE,
    AdapterEvent.KIND_ACTION_DONE,
}
_NEEDS_NODE = {AdapterEvent.KIND_JOINED, AdapterEvent.KIND_RECOVERING, AdapterEvent.KIND_AT_NODE}
_ACTIONS = {a.value for a in ActionKind}


class ShardedFleet:
    def __init__(
        self,
        node: Node,
        *,
        adapters: int,
        timeout_s: float,
        nodes: Collection[str],
        known: Callable[[str], bool],
        in_service: Callable[[], Iterable[str]],
        faulted: Callable[[], Collection[str]],
        on_new: Callable[[str, str, float], None],
        on_fault: Callable[[str, str], None],
        on_recover: Callable[[str, str, float], bool],
        on_event: Callable[[Event], None],
        now_s: Callable[[], float],
    ) -> None:
        self.node = node
        self.adapters = adapters
        self.book = ShardBook(adapters, timeout_s)
        self._nodes = set(nodes)
        self._known, self._in_service, self._faulted = known, in_service, faulted
        self._on_new, self._on_fault, self._on_recover = on_new, on_fault, on_recover
        self._on_event, self._now_s = on_event, now_s
        self.refused_reports = 0
        self.seq: dict[str, int] = {}
        self.last_place: dict[str, tuple[str, str]] = {}  # vehicle -> (node, next) when faulted
        self.shard_counts: dict[int, tuple[int, int, int]] = {}  # vehicles, states, odometry
        self.controls = [
            node.create_publisher(AdapterControl, control_topic(k), qos.decision_qos(1000))
            for k in range(adapters)
        ]
        node.create_subscription(AdapterEvent, ADAPTER_EVENTS_TOPIC, self._on_report,
                                 qos.event_qos())  # fmt: skip
        node.create_timer(min(0.25, timeout_s / 4.0), self._check)

    # Shard liveness is measured in real seconds whatever /clock does, as vehicles' heartbeats.
    @staticmethod
    def _mono_s() -> float:
        return time.monotonic()

    # ------------------------------------------------------------------ reports in

    def _problem(self, msg: AdapterEvent) -> str:
        if msg.shard >= self.adapters:
            return f"shard {msg.shard} does not exist (the node runs {self.adapters})"
        if msg.kind == AdapterEvent.KIND_ALIVE:
            return ""
        if msg.kind not in _VEHICLE_KINDS:
            return f"unknown kind {msg.kind}"
        vid = msg.vehicle_id
        if not vid or shard_of(vid, self.adapters) != msg.shard:
            return f"vehicle {vid!r} is not served by shard {msg.shard}"
        if msg.kind in _NEEDS_NODE and msg.node not in self._nodes:
            return f"node {msg.node!r} of vehicle {vid} is not on the map"
        if msg.kind == AdapterEvent.KIND_ACTION_DONE and msg.action not in _ACTIONS:
            return f"action {msg.action!r} of vehicle {vid} is not one of {sorted(_ACTIONS)}"
        return ""

    def _on_report(self, msg: AdapterEvent) -> None:
        problem = self._problem(msg)
        if problem:
            self.refused_reports += 1
            self.node.get_logger().error(f"adapter report refused: {problem}")
            return
        arrival = self.book.arrive(msg.shard, msg.incarnation, msg.seq, self._mono_s())
        if arrival.conflict and self.book.conflicts in (1, 10, 100, 1000):  # not one per message
            self.node.get_logger().error(
                f"adapter shard {msg.shard}: a second process (incarnation {msg.incarnation:x}) "
                f"reports while incarnation {self.book.incarnation(msg.shard):x} is alive; "
                "refused. Give each adapter_node its own shard:= index"
            )
        if not arrival.accepted:
            return
        if arrival.lost:
            # Reliable QoS loses nothing short of a history overflow: say so loudly.
            self.node.get_logger().error(
                f"adapter shard {msg.shard}: {arrival.lost} report(s) lost before #{msg.seq}"
            )
        if arrival.first or arrival.restarted or arrival.revived:
            # Whatever it reported before this node heard it (or while it was cut off) is
            # unknown here: it reports each vehicle again at the vehicle's next state.
            self._control(msg.shard, AdapterControl.KIND_RESYNC)
        if msg.kind == AdapterEvent.KIND_ALIVE:
            self.shard_counts[msg.shard] = (msg.count, msg.states_received,
                                            msg.odometry_received)  # fmt: skip
            return
        self._vehicle_report(msg)

    def _vehicle_report(self, msg: AdapterEvent) -> None:
        vid, kind = msg.vehicle_id, msg.kind
        if kind in (AdapterEvent.KIND_JOINED, AdapterEvent.KIND_RECOVERING):
            if vid in self._faulted():
                if not self._on_recover(vid, msg.node, msg.battery_kwh):
                    self._control(msg.shard, AdapterControl.KIND_REFUSED, vid, msg.node)
            elif not self._known(vid):
                self._on_new(vid, msg.node, msg.battery_kwh)
        elif kind == AdapterEvent.KIND_FAULTED:
            self.last_place[vid] = (msg.node, msg.next_node)
            if self._known(vid) and vid not in self._faulted():
                self._on_fault(vid, "")
        elif kind == AdapterEvent.KIND_AT_NODE:
            self._on_event(VehicleAtNode(self._now_s(), VehicleId(vid), NodeId(msg.node),
                                         msg.battery_kwh, CommandId(msg.command_id)))  # fmt: skip
        else:  # KIND_ACTION_DONE
            self._on_event(ActionDone(self._now_s(), VehicleId(vid), ActionKind(msg.action),
                                      msg.battery_kwh, CommandId(msg.command_id)))  # fmt: skip

    def _check(self) -> None:
        for shard in self.book.check(self._mono_s()):
            self._isolate(shard, f"adapter shard {shard} silent for {self.book.timeout_s:.1f} s")

    def _isolate(self, shard: int, why: str) -> None:
        """Fault every vehicle of ``shard`` the core has in service (its adapter is gone)."""
        faulted = self._faulted()
        mine = sorted(v for v in self._in_service()
                      if shard_of(v, self.adapters) == shard and v not in faulted)  # fmt: skip
        if mine:
            self.node.get_logger().error(f"{why}: isolating its {len(mine)} vehicle(s)")
        for vid in mine:
            self._on_fault(vid, f"vehicle {vid} faulted: {why}")

    # ------------------------------------------------------------------ out

    def _control(self, shard: int, kind: int, vid: str = "", node: str = "",
                 command: VehicleCommand | None = None) -> None:  # fmt: skip
        msg = AdapterControl(incarnation=self.book.incarnation(shard), kind=kind,
                             vehicle_id=vid, node=node)  # fmt: skip
        if command is not None:
            msg.command = command
        msg.header.stamp = self.node.get_clock().now().to_msg()
        self.controls[shard].publish(msg)

    def send(self, msg: VehicleCommand) -> bool:
        """Hand one command to the vehicle's shard; False when the shard is down or the vehicle
        faulted (the core commands it again when it is back)."""
        vid = msg.vehicle_id
        shard = shard_of(vid, self.adapters)
        if not self.book.is_alive(shard) or vid in self._faulted():
            return False
        self.seq[vid] = msg.seq = self.seq.get(vid, 0) + 1
        self._control(shard, AdapterControl.KIND_COMMAND, vid, command=msg)
        return True

    def clear_fault(self, vid: str) -> None:
        self._control(shard_of(vid, self.adapters), AdapterControl.KIND_CLEAR, vid)

    def whereabouts(self, vid: str) -> tuple[str, str]:
        return self.last_place.get(vid, ("", ""))

    def counts(self) -> dict[str, Any]:
        shards = {
            str(k): {
                "alive": self.book.is_alive(k),
                "vehicles": self.shard_counts.get(k, (0, 0, 0))[0],
                "states_received": self.shard_counts.get(k, (0, 0, 0))[1],
                "odometry_received": self.shard_counts.get(k, (0, 0, 0))[2],
            }
            for k in range(self.adapters)
        }
        return {
            "adapters": shards,
            "states_received": sum(s["states_received"] for s in shards.values()),
            "odometry_received": sum(s["odometry_received"] for s in shards.values()),
            "adapter_reports_lost": self.book.lost,
            "adapter_reports_dropped": self.book.dropped,
            "adapter_reports_refused": self.refused_reports,
            "adapter_reports_conflicting": self.book.conflicts,
        }
