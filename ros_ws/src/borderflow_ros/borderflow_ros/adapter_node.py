"""A fleet adapter shard: one process serving the vehicles of one shard for the orchestrator node.

With ``adapters:=N`` on the orchestrator node, the per-vehicle topics leave the node: N of these
processes (``shard:=0 .. N-1``, ``adapters:=N``; any host on the DDS domain) each host a
:class:`~borderflow_ros.fleet_adapter.FleetAdapter` for the vehicles with
``shard_of(id, N) == shard`` (:mod:`borderflow_ros.shards`). A shard

- reports to the node on ``/borderflow/adapters/events`` (AdapterEvent, reliable, numbered per
  incarnation): its heartbeat every ``alive_period_s``, vehicles joining, going silent and heard
  again, and the arrivals and timed actions it infers for standard vehicles;
- takes from ``/borderflow/adapters/shard_<k>/control`` (AdapterControl, for its own
  incarnation only) the core's commands, which it sends to the vehicles (command, plan, and
  cmd_vel for diff-drive vehicles), and the node's answers on recoveries.

A vehicle heard again after a fault comes back in service here at once (its commands flow
again); the node answers ``KIND_REFUSED`` when the core keeps it out, and the shard then keeps it
faulted until it reports another node, as the in-process adapter does.
"""

from __future__ import annotations

import random
import sys
from typing import Any

from borderflow_interfaces.msg import AdapterControl, AdapterEvent
from rclpy.node import Node

from borderflow_ros import qos
from borderflow_ros.arrival import node_positions
from borderflow_ros.errors import ParameterError
from borderflow_ros.fleet_adapter import FleetAdapter
from borderflow_ros.frame import map_origin
from borderflow_ros.params import Param, load, non_negative, not_empty, positive
from borderflow_ros.shards import ADAPTER_EVENTS_TOPIC, control_topic, shard_of
from orchestrator.messages import ActionDone, Event, VehicleAtNode

__all__ = ["PARAMS", "AdapterNode", "main"]

PARAMS = (
    Param(
        "map",
        "test_crossing",
        "bundled map name or GeoJSON path (as the orchestrator's)",
        not_empty,
    ),
    Param("shard", 0, "this shard's index, 0 .. adapters-1", non_negative),
    Param("adapters", 1, "number of shards (the orchestrator node's adapters)", positive),
    Param("heartbeat_timeout_s", 2.0, "silence after which a vehicle is faulted", positive),
    Param("alive_period_s", 0.25, "period of the shard's own heartbeat to the node", positive),
    Param("vehicle_ids", [""], "vehicles to watch from the start (this shard's share of them)"),
    Param("diff_drive_vehicles", [""], "vehicles that get geometry_msgs/Twist on cmd_vel"),
    Param("standard_vehicles", [""], "vehicles that speak only standard topics"),
    Param(
        "arrival_tolerance_m",
        1.5,
        "distance from a node within which a standard vehicle has reached it",
        positive,
    ),
    Param(
        "standard_action_time_s",
        5.0,
        "duration of a standard vehicle's load/unload/scan",
        non_negative,
    ),
    Param("battery_capacity_kwh", 200.0, "battery reported for vehicles without state", positive),
)


class AdapterNode(Node):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__("borderflow_adapter", **kwargs)
        p = load(self, PARAMS)
        from maps import load_map

        self.shard, self.adapters = int(p["shard"]), int(p["adapters"])
        if self.shard >= self.adapters:
            raise ParameterError(
                f"borderflow_adapter: shard {self.shard} is out of range for adapters "
                f"{self.adapters}: give shard:=0 .. {self.adapters - 1}"
            )
        graph = load_map(p["map"])
        # Random, not the clock: two restarts in the same second are still told apart.
        self.incarnation = random.SystemRandom().getrandbits(63) + 1
        self.seq = 0
        self.events = self.create_publisher(AdapterEvent, ADAPTER_EVENTS_TOPIC, qos.event_qos())
        self.fleet = FleetAdapter(
            self,
            heartbeat_timeout_s=float(p["heartbeat_timeout_s"]),
            vehicle_ids=[v for v in p["vehicle_ids"] if v],
            diff_drive_vehicles=[v for v in p["diff_drive_vehicles"] if v],
            on_new=self._on_new,
            on_fault=self._on_fault,
            standard_vehicles=[v for v in p["standard_vehicles"] if v],
            positions=node_positions(graph, map_origin(graph)),
            arrival_tolerance_m=float(p["arrival_tolerance_m"]),
            action_time_s=float(p["standard_action_time_s"]),
            battery_kwh=float(p["battery_capacity_kwh"]),
            now_s=lambda: self.get_clock().now().nanoseconds * 1e-9,
            on_event=self._on_event,
            on_recover=self._on_recover,
            claim=lambda vid: shard_of(vid, self.adapters) == self.shard,
        )
        self.create_subscription(AdapterControl, control_topic(self.shard), self._on_control,
                                 qos.decision_qos(1000))  # fmt: skip
        self.create_timer(float(p["alive_period_s"]), self._alive)
        self.get_logger().info(
            f"adapter shard {self.shard} of {self.adapters} (incarnation {self.incarnation:x}) "
            f"on {graph.name}: serving vehicles with shard_of(id) == {self.shard}"
        )

    def _report(self, kind: int, vid: str = "", **fields: Any) -> None:
        self.seq += 1
        msg = AdapterEvent(shard=self.shard, incarnation=self.incarnation, seq=self.seq,
                           kind=kind, vehicle_id=vid, **fields)  # fmt: skip
        msg.header.stamp = self.get_clock().now().to_msg()
        self.events.publish(msg)

    def _alive(self) -> None:
        f = self.fleet
        self._report(AdapterEvent.KIND_ALIVE, count=len(f.vehicles),
                     states_received=f.received_states,
                     odometry_received=f.received_odometry)  # fmt: skip

    def _on_new(self, vid: str, node: str, battery_kwh: float) -> None:
        self._report(AdapterEvent.KIND_JOINED, vid, node=node, battery_kwh=battery_kwh)

    def _on_fault(self, vid: str) -> None:
        node, nxt = self.fleet.whereabouts(vid)
        self._report(AdapterEvent.KIND_FAULTED, vid, node=node, next_node=nxt)

    def _on_recover(self, vid: str, node: str, battery_kwh: float) -> bool:
        # Back at once; the node answers KIND_REFUSED when the core keeps it out. Joined too: a
        # restarted shard reports the vehicles the core knows as recovering, not as new.
        self.fleet.joined.add(vid)
        self._report(AdapterEvent.KIND_RECOVERING, vid, node=node, battery_kwh=battery_kwh)
        return True

    def _on_event(self, event: Event) -> None:
        if isinstance(event, VehicleAtNode):
            self._report(AdapterEvent.KIND_AT_NODE, event.vehicle_id, node=str(event.node),
                         battery_kwh=event.battery_kwh,
                         command_id=int(event.command_id))  # fmt: skip
        elif isinstance(event, ActionDone):
            self._report(AdapterEvent.KIND_ACTION_DONE, event.vehicle_id,
                         action=event.action.value, battery_kwh=event.battery_kwh,
                         command_id=int(event.command_id))  # fmt: skip

    def _on_control(self, msg: AdapterControl) -> None:
        if msg.incarnation != self.incarnation:
            return  # for an earlier incarnation of this shard (a transient-local replay)
        fleet, vid = self.fleet, msg.vehicle_id
        if msg.kind == AdapterControl.KIND_COMMAND:
            if shard_of(msg.command.vehicle_id, self.adapters) == self.shard:
                fleet.send(msg.command)
        elif msg.kind == AdapterControl.KIND_REFUSED and vid in fleet.vehicles:
            fleet.monitor.keep_faulted(vid)
            fleet.refused[vid] = msg.node
        elif msg.kind == AdapterControl.KIND_CLEAR and vid in fleet.vehicles:
            fleet.clear_fault(vid)
        elif msg.kind == AdapterControl.KIND_RESYNC:
            # The node isolated all of them (this shard was silent): each is asked back in
            # service at its next state message, as after its own fault.
            for one in fleet.vehicles:
                fleet.monitor.keep_faulted(one)
                fleet.refused.pop(one, None)
            self.get_logger().warning(
                f"shard {self.shard}: the orchestrator isolated its {len(fleet.vehicles)} "
                "vehicles while it was silent; reporting each one again"
            )


def main(argv: list[str] | None = None) -> None:
    from borderflow_ros.runner import run_node

    run_node(AdapterNode, argv if argv is not None else sys.argv)


if __name__ == "__main__":
    main()
