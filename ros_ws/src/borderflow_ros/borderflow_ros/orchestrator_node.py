"""The orchestrator node: a thin ROS host around the SAME ``orchestrator.core.Orchestrator``.

In: verdicts (``/borderflow/verdicts``), transport orders (``/borderflow/orders``, the
``transport_container`` action, or its own arrivals file at their times,
:mod:`borderflow_ros.arrivals_feed`), vehicle events (``/borderflow/vehicle_events``), lane
requests (``/borderflow/lanes_requests``), officer releases (``release_hold`` service). Out:
per-vehicle commands through the :class:`~borderflow_ros.fleet_adapter.FleetAdapter` (or, with
``adapters:=N``, through N adapter shards in their own processes,
:mod:`borderflow_ros.sharded_fleet`), holds, lane
status, custody events, every order the core took (``/borderflow/orders_taken``) and, latched,
what it runs (``/borderflow/fleet_info``: map id and hash, trusted key, declared arrivals;
:mod:`borderflow_ros.fleet_info`). Every input becomes one core event
(:mod:`borderflow_ros.convert`), handled on the executor thread, so the single-threaded core is
never entered twice at once. A vehicle whose heartbeat stops is faulted: the core gets
``VehicleFaulted`` (its unloaded order goes to another vehicle), its commands are dropped and the
lanes it blocks are closed, so the core reroutes the others. When its heartbeats come back at a
node the core accepts, the core gets ``VehicleRecovered`` and those lanes are opened again
(:mod:`borderflow_ros.fault_isolation`). ``freeze_core`` hands the bridge a signed copy of the
core for its look-ahead forecasts (:mod:`borderflow_ros.core_freezer`).

Verdicts, releases, lane requests and orders on the topic count only when signed by the risk
bridge's decision key (the ``decision_key`` parameter; :mod:`borderflow_ros.decision_auth`): an
unsigned, forged, altered or replayed one is refused, logged and counted (``decisions_refused``
in get_status), and changes nothing. The node does not start without the key.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from borderflow_interfaces.action import TransportContainer
from borderflow_interfaces.msg import (
    CustodyEvent,
    DecisionSignature,
    FleetInfo,
    Hold,
    LaneStatus,
    RiskVerdict,
    TransportOrder,
    VehicleEvent,
)
from borderflow_interfaces.msg import CustomsNotice as CustomsNoticeMsg
from borderflow_interfaces.srv import FreezeCore, GetStatus, ReleaseHold
from builtin_interfaces.msg import Time
from rclpy.action import ActionServer  # type: ignore[attr-defined]
from rclpy.node import Node

from borderflow_ros import qos
from borderflow_ros.arrival import node_positions
from borderflow_ros.arrivals_feed import ArrivalsFeed, ArrivalsFile, read_arrivals
from borderflow_ros.convert import (
    command_to_msg,
    event_from_msg,
    lane_event_from_msg,
    order_from_msg,
    order_to_msg,
    release_from_request,
    verdict_from_msg,
)
from borderflow_ros.core_freezer import CoreFreezer, load_fork_key
from borderflow_ros.decision_auth import (
    Channel,
    DecisionVerifier,
    lane_fields,
    load_decision_key,
    order_fields,
    read_signature,
    release_fields,
    verdict_fields,
)
from borderflow_ros.errors import BorderflowRosError, DecisionRefusedError, ParameterError
from borderflow_ros.fault_isolation import FaultIsolation
from borderflow_ros.fleet_adapter import FleetAdapter
from borderflow_ros.fleet_info import announcement_to_msg
from borderflow_ros.frame import map_origin
from borderflow_ros.orchestrator_params import PARAMS
from borderflow_ros.params import load
from borderflow_ros.ros_ports import RosClock, RosLedger, RosSink
from borderflow_ros.sharded_fleet import ShardedFleet
from borderflow_ros.status import status_counts
from borderflow_ros.transport_action import TransportGoals
from orchestrator.errors import BorderflowError, StaleReportError
from orchestrator.ids import VehicleId
from orchestrator.lanegraph import NodeId
from orchestrator.messages import Event, OrderArrived, VehicleJoined

__all__ = ["OrchestratorNode", "main"]


class OrchestratorNode(Node):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__("borderflow_orchestrator", **kwargs)
        p = load(self, PARAMS)
        from maps import load_map
        from maps.fingerprint import map_identity
        from orchestrator.config import OrchestratorConfig
        from orchestrator.core import Orchestrator

        self.verifier = DecisionVerifier(load_decision_key(str(p["decision_key"])))
        self.graph = load_map(p["map"])
        self.map_identity = map_identity(p["map"])
        self.origin = map_origin(self.graph)
        arrivals: ArrivalsFile | None = None
        if p["arrivals_file"]:
            arrivals = read_arrivals(str(p["arrivals_file"]), set(self.graph.stations))
        self.arrivals = ArrivalsFeed(
            arrivals.arrivals if arrivals else (), float(p["arrivals_time_scale"])
        )
        try:
            config = OrchestratorConfig.for_fleet(
                vehicle_length_m=float(p["vehicle_length_m"]),
                headway_m=float(p["headway_m"]),
                battery_capacity_kwh=float(p["battery_capacity_kwh"]),
                consumption_kwh_per_km=float(p["consumption_kwh_per_km"]),
                dispatch_interval_s=float(p["dispatch_interval_s"]),
            )
        except BorderflowError as exc:
            raise ParameterError(f"borderflow_orchestrator: {exc}") from exc
        self.hold_pub = self.create_publisher(Hold, qos.HOLDS_TOPIC, qos.decision_qos())
        self.lane_pub = self.create_publisher(LaneStatus, qos.LANES_TOPIC, qos.decision_qos())
        custody_pub = self.create_publisher(CustodyEvent, qos.CUSTODY_TOPIC, qos.decision_qos(1000))
        notice_pub = self.create_publisher(
            CustomsNoticeMsg, qos.NOTICES_TOPIC, qos.decision_qos(1000)
        )
        self.taken_pub = self.create_publisher(
            TransportOrder, qos.ORDERS_TAKEN_TOPIC, qos.decision_qos(1000)
        )
        self.sink = RosSink(self, self.hold_pub, notice_pub)
        self.clock = RosClock(self)
        self.core = Orchestrator(
            self.graph,
            config,
            clock=self.clock,
            sink=self.sink,
            ledger=RosLedger(self, custody_pub),
        )
        self.isolation = FaultIsolation(
            self.core.views,
            self.graph,
            feed=self.feed,
            publish_lane=self._publish_lane,
            warn=self.get_logger().warning,
            info=self.get_logger().info,
        )
        self.seen_verdicts: set[str] = set()
        self.goals = TransportGoals(self.core.views, self.feed, self._t)
        self.errors = 0
        self.decisions_refused = 0  # unsigned, forged, altered or replayed decisions
        self.verdicts_accepted = 0  # signed verdicts the core took
        self.last_refusal = ""
        self.stale_reports = 0  # late, duplicated or replayed vehicle reports the core refused
        self.commands_sent = 0
        self.heartbeat_timeout_s = float(p["heartbeat_timeout_s"])
        self.fleet: FleetAdapter | ShardedFleet = self._fleet(p)
        dq = qos.decision_qos()
        self.create_subscription(RiskVerdict, qos.VERDICTS_TOPIC, self._on_verdict, dq)
        self.create_subscription(TransportOrder, qos.ORDERS_TOPIC, self._on_order, dq)
        self.create_subscription(LaneStatus, qos.LANES_TOPIC + "_requests", self._on_lane, dq)
        self.create_subscription(
            VehicleEvent, qos.VEHICLE_EVENTS_TOPIC, self._on_vehicle_event, qos.event_qos()
        )
        self.create_service(ReleaseHold, qos.RELEASE_SERVICE, self._on_release)
        self.create_service(GetStatus, qos.STATUS_SERVICE, self._on_status)
        self.freezer = CoreFreezer(self.core.freeze, self.clock.now_s,
                                   load_fork_key(str(p["fork_key"])), self._refusal,
                                   self.get_logger().info)  # fmt: skip
        self.create_service(FreezeCore, qos.FREEZE_SERVICE, self.freezer.on_request)
        ActionServer(
            self, TransportContainer, qos.TRANSPORT_ACTION, execute_callback=self.goals.execute
        )
        self.create_timer(float(p["tick_period_s"]), self._on_tick)
        info = self.create_publisher(FleetInfo, qos.FLEET_INFO_TOPIC, qos.decision_qos(1))
        info.publish(announcement_to_msg(self.map_identity, self.graph.name,
                                         self.verifier.key_id, arrivals,
                                         self.get_clock().now().to_msg()))  # fmt: skip
        if arrivals is not None:
            self.create_timer(0.1, self._on_arrivals)
        ident = self.map_identity
        self.get_logger().info(
            f"orchestrating {ident.map_id} ({self.graph.name}, sha256 {ident.short}, "
            f"{len(self.graph.nodes)} nodes); decisions and orders signed by key "
            f"{self.verifier.key_id} only; "
            + (f"{len(arrivals.arrivals)} arrivals of {arrivals.source or 'its arrivals file'}"
               if arrivals else "no arrivals of its own")
        )  # fmt: skip

    def _fleet(self, p: dict[str, Any]) -> FleetAdapter | ShardedFleet:
        lists = ("vehicle_ids", "diff_drive_vehicles", "standard_vehicles")
        if int(p["adapters"]) > 0:
            given = [name for name in lists if any(p[name])]
            if given:
                raise ParameterError(
                    f"borderflow_orchestrator: {', '.join(given)} go to the adapter shards "
                    f"(adapter_node) when adapters:={p['adapters']}; give them there"
                )
            views = self.core.views
            return ShardedFleet(
                self,
                adapters=int(p["adapters"]),
                timeout_s=float(p["adapter_timeout_s"]),
                nodes=[str(n) for n in self.graph.nodes],
                known=views.has_vehicle,
                in_service=lambda: [
                    v for v in views.vehicle_ids() if v not in self.isolation.faulted
                ],
                faulted=lambda: self.isolation.faulted,
                on_new=self._on_new_vehicle,
                on_fault=self._on_fault,
                on_recover=self._on_recover,
                on_event=self._on_inferred_event,
                now_s=self._t,
            )
        return FleetAdapter(
            self,
            heartbeat_timeout_s=self.heartbeat_timeout_s,
            vehicle_ids=[v for v in p["vehicle_ids"] if v],
            diff_drive_vehicles=[v for v in p["diff_drive_vehicles"] if v],
            on_new=self._on_new_vehicle,
            on_fault=self._on_fault,
            standard_vehicles=[v for v in p["standard_vehicles"] if v],
            positions=node_positions(self.graph, self.origin),
            arrival_tolerance_m=float(p["arrival_tolerance_m"]),
            action_time_s=float(p["standard_action_time_s"]),
            battery_kwh=float(p["battery_capacity_kwh"]),
            now_s=self._t,
            on_event=self._on_inferred_event,
            on_recover=self._on_recover,
        )

    # ------------------------------------------------------------------ core access

    def _t(self) -> float:
        return self.clock.now_s()

    def feed(self, event: Event, cause: Time | None = None, *, quiet: bool = False) -> str:
        """Hand one event to the core and send the commands; returns an error text or "".
        ``quiet``: the caller reports a refusal itself (not logged, not counted as an error)."""
        try:
            commands = self.core.handle(event)
        except StaleReportError as exc:
            # A report of a command the core has moved past (a Drive re-sent after a fault, a
            # transient-local replay): expected on a lossy network, nothing to fix.
            self.stale_reports += 1
            self.get_logger().debug(f"{type(event).__name__} ignored: {exc}")
            return str(exc)
        except (BorderflowError, BorderflowRosError) as exc:
            if quiet:
                return str(exc)
            self.errors += 1
            self.get_logger().error(f"{type(event).__name__} rejected: {exc}")
            return str(exc)
        stamp = self.get_clock().now().to_msg()
        if isinstance(event, OrderArrived):
            taken = order_to_msg(event)
            taken.header.stamp = stamp
            self.taken_pub.publish(taken)
        for c in commands:
            msg = command_to_msg(c, 0, self.graph, stamp, self.origin)
            if cause is not None:
                msg.cause_stamp = cause
            if self.fleet.send(msg):
                self.commands_sent += 1
        if self.goals:
            self.goals.update()
        return ""

    def _refusal(self, channel: Channel, fields: dict[str, Any], sig: DecisionSignature) -> str:
        """ "" when the bridge signed this decision and it is no replay; else why not (logged,
        counted; the verifier remembers nothing of a refused one)."""
        try:
            self.verifier.check(channel, fields, read_signature(sig))
        except DecisionRefusedError as exc:
            self.decisions_refused += 1
            self.last_refusal = str(exc)
            self.get_logger().error(str(exc))
            return str(exc)
        return ""

    # ------------------------------------------------------------------ inputs

    def _on_verdict(self, msg: RiskVerdict) -> None:
        if msg.verdict_id in self.seen_verdicts:
            return  # transient-local replay
        # Checked before the id is remembered: a forged copy must not shadow the real one.
        if self._refusal(Channel.VERDICT, verdict_fields(msg), msg.signature):
            return
        self.seen_verdicts.add(msg.verdict_id)
        try:
            event = verdict_from_msg(msg, self._t())
        except BorderflowRosError as exc:
            self.get_logger().error(str(exc))
            return
        if not self.feed(event, cause=msg.header.stamp):
            self.verdicts_accepted += 1

    def _on_order(self, msg: TransportOrder) -> None:
        if self.core.views.has_order(msg.order_id):
            return  # transient-local replay (only a signed order ever reached the core)
        if self._refusal(Channel.ORDER, order_fields(msg), msg.signature):
            return
        try:
            event = order_from_msg(msg, self._t())
        except BorderflowRosError as exc:
            self.get_logger().error(str(exc))
            return
        self.feed(event, cause=msg.header.stamp)

    def _on_lane(self, msg: LaneStatus) -> None:
        if self._refusal(Channel.LANE, lane_fields(msg), msg.signature):
            return
        try:
            event = lane_event_from_msg(msg, self._t())
        except BorderflowRosError as exc:
            self.get_logger().error(str(exc))
            return
        if not self.feed(event, cause=msg.header.stamp):
            self.lane_pub.publish(msg)

    def _on_vehicle_event(self, msg: VehicleEvent) -> None:
        faulted = msg.vehicle_id in self.isolation.faulted
        if faulted and msg.kind != VehicleEvent.KIND_JOINED:
            return  # the core refuses reports of a vehicle out of service
        try:
            event = event_from_msg(msg, self._t())
        except BorderflowRosError as exc:
            self.get_logger().error(str(exc))
            return
        if not self.feed(event, cause=msg.header.stamp) and faulted:
            # Joined again (parked off the lanes): the core has taken it back into service.
            self.isolation.rejoined(msg.vehicle_id, self._t())
            self.fleet.clear_fault(msg.vehicle_id)

    def _on_arrivals(self) -> None:
        """Hand the core the arrivals that are due (ROS time: a simulated clock holds too)."""
        now_s = self._t()
        if self.arrivals.t0_s is None:
            if now_s <= 0.0:
                return  # use_sim_time and no /clock yet
            self.arrivals.start(now_s)
        for event in self.arrivals.due(now_s):
            self.feed(event)

    def _on_tick(self) -> None:
        from orchestrator.messages import Tick

        self.feed(Tick(self._t()))

    def _on_new_vehicle(self, vid: str, node: str, battery_kwh: float) -> None:
        self.feed(VehicleJoined(self._t(), VehicleId(vid), NodeId(node), battery_kwh))

    def _on_inferred_event(self, event: Event) -> None:
        """An arrival or a finished timed action of a standard-topics vehicle."""
        if getattr(event, "vehicle_id", "") not in self.isolation.faulted:
            self.feed(event)

    def _on_fault(self, vid: str, why: str = "") -> None:
        node, nxt = self.fleet.whereabouts(vid)
        if self.core.views.has_vehicle(vid):
            # The core's grant is at least as fresh as the last state message (2 Hz): the
            # vehicle stands on the edge from its last reported node to the next granted one.
            route = self.core.views.vehicle_route(vid)
            node, nxt = route[0], route[1] if len(route) > 1 else ""
        why = why or f"vehicle {vid} faulted: no heartbeat for {self.heartbeat_timeout_s:.1f} s"
        self.isolation.fault(vid, self._t(), why, node, nxt)

    def _on_recover(self, vid: str, node: str, battery_kwh: float) -> bool:
        # Its own arrival report at that node may still come (two topics): the core refuses it
        # as stale (the recovery booked the arrival and re-sent the rest as a new Drive).
        return self.isolation.recover(vid, self._t(), node, battery_kwh)

    def _publish_lane(self, lane: str, closed: bool, reason: str) -> None:
        out = LaneStatus()
        out.header.stamp = self.get_clock().now().to_msg()
        out.lane_id, out.closed, out.reason = lane, closed, reason
        self.lane_pub.publish(out)

    # ------------------------------------------------------------------ services

    def _on_release(self, req: ReleaseHold.Request, res: ReleaseHold.Response) -> Any:
        # Only the bridge signs releases, after its authorisation, release record and audit.
        refused = self._refusal(Channel.RELEASE, release_fields(req), req.signature)
        if refused:
            res.accepted, res.message = False, refused
            return res
        try:
            event = release_from_request(
                req.container_id, req.officer_id, req.authority, req.reason, self._t()
            )
        except BorderflowRosError as exc:
            res.accepted, res.message = False, str(exc)
            return res
        problem = self.feed(event)
        res.accepted = not problem
        res.message = problem or f"hold on {req.container_id} released by {req.officer_id}"
        return res

    def _on_status(self, req: GetStatus.Request, res: GetStatus.Response) -> Any:
        views = self.core.views
        ids = [req.vehicle_id] if req.vehicle_id else views.vehicle_ids()
        for vid in ids:
            if not views.has_vehicle(vid):
                continue
            res.vehicle_ids.append(vid)
            res.vehicle_states.append(views.vehicle_state(vid).value)
            res.vehicle_nodes.append(str(views.vehicle_node(vid)))
        res.faulted_vehicle_ids = sorted(dict(views.faulted_vehicles()))
        res.counts_json = json.dumps(status_counts(self), sort_keys=True)
        return res


def main(argv: list[str] | None = None) -> None:
    from borderflow_ros.runner import run_node

    run_node(OrchestratorNode, argv if argv is not None else sys.argv)


if __name__ == "__main__":
    main()
