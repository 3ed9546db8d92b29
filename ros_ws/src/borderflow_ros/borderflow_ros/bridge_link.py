"""The risk bridge's way into ROS: core events from the bridge become ROS messages.

The customs risk bridge (``risk_bridge``, FastAPI) decides verdicts and officers' releases and
accepts transport orders; with a ROS fleet it hands them to :meth:`BridgeLink.deliver`, which
publishes a verdict on ``/borderflow/verdicts`` (reliable + transient-local, so an orchestrator
that starts later still gets it), an order on ``/borderflow/orders`` (the same), calls the
``release_hold`` service for a release, and requests lane closures on
``/borderflow/lanes_requests``. The link runs its own rclpy context and executor thread, so it can
live inside the bridge's process next to uvicorn. ``deliver`` returns no commands: they go to the
vehicles from the orchestrator node. Every verdict, release, lane request and order is signed
with the bridge's decision key (:class:`~borderflow_ros.decision_auth.DecisionSigner`), signed
and sent under one lock so the counters reach the node in the order they were taken.

Back from the node: what it runs (``/borderflow/fleet_info``, latched: :meth:`fleet_info` waits
for it); its core's customs notices (``/borderflow/notices``, transient-local, so a bridge that
starts later also hears the recent ones), decoded into the same typed records the in-process
core gives the bridge with the SimPy fleet (:mod:`orchestrator.domain.notice_codec`; a malformed
one is logged and dropped); every order its core took (``/borderflow/orders_taken``); and where
the vehicles are, from their state topics.
:class:`borderflow_ros.bridge_fleet.RosBridgeFleet` builds the bridge's fleet port on it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from borderflow_ros.convert import order_to_msg, verdict_to_msg
from borderflow_ros.decision_auth import (
    Channel,
    DecisionSigner,
    forecast_fields,
    lane_fields,
    order_fields,
    release_fields,
    verdict_fields,
    write_signature,
)
from borderflow_ros.errors import NodeRefusedError
from borderflow_ros.fleet_info import FleetAnnouncement, announcement_from_msg
from orchestrator.domain.eventlog import CustomsNotice
from orchestrator.domain.notice_codec import NoticeDecodeError, decode
from orchestrator.domain.records import VehicleSnapshot

__all__ = ["BridgeLink"]


class BridgeLink:
    def __init__(self, signer: DecisionSigner, node_name: str = "borderflow_bridge_link") -> None:
        import rclpy
        from borderflow_interfaces.msg import CustomsNotice as NoticeMsg
        from borderflow_interfaces.msg import FleetInfo, LaneStatus, RiskVerdict, TransportOrder
        from borderflow_interfaces.srv import FreezeCore, ReleaseHold
        from rclpy.executors import SingleThreadedExecutor

        from borderflow_ros import qos

        self._signer = signer
        self._send_lock = threading.Lock()
        self._ctx = rclpy.Context()
        rclpy.init(context=self._ctx, signal_handler_options=rclpy.SignalHandlerOptions.NO)  # type: ignore[attr-defined]
        self.node = rclpy.create_node(node_name, context=self._ctx)
        self._verdicts = self.node.create_publisher(
            RiskVerdict, qos.VERDICTS_TOPIC, qos.decision_qos()
        )
        self._lanes = self.node.create_publisher(
            LaneStatus, qos.LANES_TOPIC + "_requests", qos.decision_qos()
        )
        self._orders = self.node.create_publisher(
            TransportOrder, qos.ORDERS_TOPIC, qos.decision_qos()
        )
        self._release: Any = self.node.create_client(ReleaseHold, qos.RELEASE_SERVICE)
        self._freeze: Any = self.node.create_client(FreezeCore, qos.FREEZE_SERVICE)
        self._freeze_lock = threading.Lock()  # one frozen core on the wire at a time
        # Set by listen(); what arrives before (transient-local history) is kept until then.
        self._on_notice_cb: Callable[[CustomsNotice], None] | None = None
        # (order id, container id, direction, origin station) of every order the core took.
        self._on_taken_cb: Callable[[str, str, str, str], None] | None = None
        self._listen_lock = threading.Lock()
        self._early_notices: list[CustomsNotice] = []
        self._early_taken: list[tuple[str, str, str, str]] = []
        self.node.create_subscription(
            NoticeMsg, qos.NOTICES_TOPIC, self._on_notice, qos.decision_qos(1000)
        )
        self.node.create_subscription(
            TransportOrder, qos.ORDERS_TAKEN_TOPIC, self._on_taken, qos.decision_qos(1000)
        )
        self._info: FleetAnnouncement | None = None
        self._info_seen = threading.Event()
        self.node.create_subscription(
            FleetInfo, qos.FLEET_INFO_TOPIC, self._on_info, qos.decision_qos(1)
        )
        # Where the vehicles are: their state topics (/agv/<id>/state), found as they appear.
        self._states: dict[str, tuple[float, Any]] = {}  # vehicle -> (monotonic, VehicleState)
        self._subscribed: set[str] = set()  # topic keys under /agv/
        self._state_lock = threading.Lock()
        self.node.create_timer(1.0, self._discover)
        self._executor = SingleThreadedExecutor(context=self._ctx)
        self._executor.add_node(self.node)
        self._thread = threading.Thread(target=self._spin, name="ros-bridge-link", daemon=True)
        self._thread.start()

    def _spin(self) -> None:
        try:
            self._executor.spin()
        except Exception:  # the context was shut down by stop()
            return

    # ------------------------------------------------------------------ from the node

    def _on_notice(self, msg: Any) -> None:
        try:
            notice = decode(msg.kind, msg.fields_json)
        except NoticeDecodeError as exc:
            self.node.get_logger().error(f"customs notice dropped: {exc}")
            return
        with self._listen_lock:
            cb = self._on_notice_cb
            if cb is None:
                self._early_notices.append(notice)
                return
        cb(notice)

    def listen(
        self,
        on_notice: Callable[[CustomsNotice], None],
        on_order_taken: Callable[[str, str, str, str], None] | None = None,
    ) -> None:
        """Where the node's notices and taken orders go from now on; those heard before (the
        topics' transient-local history, read while the bridge was still starting) first, in
        the order they came."""
        with self._listen_lock:
            for notice in self._early_notices:
                on_notice(notice)
            if on_order_taken is not None:
                for taken in self._early_taken:
                    on_order_taken(*taken)
            self._early_notices, self._early_taken = [], []
            self._on_notice_cb, self._on_taken_cb = on_notice, on_order_taken

    def _on_taken(self, msg: Any) -> None:
        taken = (msg.order_id, msg.container_id, msg.direction, msg.origin_station)
        with self._listen_lock:
            cb = self._on_taken_cb
            if cb is None and self._on_notice_cb is None:
                self._early_taken.append(taken)
                return
        if cb is not None:
            cb(*taken)

    def _on_info(self, msg: Any) -> None:
        self._info = announcement_from_msg(msg)
        self._info_seen.set()

    def fleet_info(self, timeout_s: float) -> FleetAnnouncement | None:
        """What the orchestrator node announced (the latest, e.g. after a restart of it); waits
        up to ``timeout_s`` for the first announcement, None when no node answered."""
        self._info_seen.wait(timeout_s)
        return self._info

    def _discover(self) -> None:
        from borderflow_interfaces.msg import VehicleState

        from borderflow_ros import qos

        for name, _types in self.node.get_topic_names_and_types():
            if not (name.startswith("/agv/") and name.endswith("/state")):
                continue
            key = name[len("/agv/") : -len("/state")]
            if "/" in key or key in self._subscribed:
                continue
            self._subscribed.add(key)
            self.node.create_subscription(VehicleState, name, self._on_state, qos.sensor_qos())

    def _on_state(self, msg: Any) -> None:
        with self._state_lock:
            self._states[msg.vehicle_id] = (time.monotonic(), msg)

    def states(self) -> list[tuple[float, VehicleSnapshot, int]]:
        """Every vehicle's latest state: (seconds since it was heard, where it is, its mode
        as ``VehicleState.MODE_*``), by vehicle id. Positions as reported, in ROS's ``map``
        frame (:mod:`borderflow_ros.frame`), not the lane graph's."""
        now = time.monotonic()
        with self._state_lock:
            states = sorted(self._states.items())
        return [
            (now - seen, VehicleSnapshot(
                st.vehicle_id, st.node, st.next_node or None, round(st.x_m, 2), round(st.y_m, 2),
                st.yaw_rad, st.speed_mps, st.battery_kwh,
                (st.container_id,) if st.container_id else (),
            ), int(st.mode))
            for _vid, (seen, st) in states
        ]  # fmt: skip

    def carrier(self, container_id: str, fresh_s: float = 5.0) -> VehicleSnapshot | None:
        """The vehicle whose latest state (at most ``fresh_s`` old) has the container on board,
        where it is (position in ROS's ``map`` frame, as reported)."""
        now = time.monotonic()
        with self._state_lock:
            states = list(self._states.values())
        for seen, st in states:
            if st.container_id == container_id and now - seen <= fresh_s:
                return VehicleSnapshot(
                    st.vehicle_id, st.node, st.next_node or None, round(st.x_m, 2),
                    round(st.y_m, 2), st.yaw_rad, st.speed_mps, st.battery_kwh, (container_id,),
                )  # fmt: skip
        return None

    # ------------------------------------------------------------------ to the node

    def deliver(self, event: Any, timeout_s: float = 5.0) -> list[Any]:
        """Forward one core event; a refused release raises :class:`NodeRefusedError` with the
        node's reason. An order is published and not waited for: the node's core checks it
        (station, container number) and the order shows on ``orders_taken`` once taken."""
        from borderflow_interfaces.msg import LaneStatus

        from orchestrator.messages import (
            HoldReleased,
            LaneClosed,
            LaneOpened,
            OrderArrived,
            VerdictIssued,
        )

        bridge_events = VerdictIssued | HoldReleased | LaneClosed | LaneOpened | OrderArrived
        if not isinstance(event, bridge_events):
            raise TypeError(
                f"{type(event).__name__} is not a bridge event (verdict, release, lane, order)"
            )
        with self._send_lock:
            stamp = self.node.get_clock().now().to_msg()
            if isinstance(event, VerdictIssued):
                msg = verdict_to_msg(event, stamp)
                write_signature(msg.signature, self._signer.sign(Channel.VERDICT,
                                                                 verdict_fields(msg)))  # fmt: skip
                self._verdicts.publish(msg)
            elif isinstance(event, OrderArrived):
                order = order_to_msg(event)
                order.header.stamp = stamp
                signed = self._signer.sign(Channel.ORDER, order_fields(order))
                write_signature(order.signature, signed)
                self._orders.publish(order)
            elif isinstance(event, HoldReleased):
                self._call_release(event, timeout_s)
            else:
                lane = LaneStatus(lane_id=event.lane_id, is_zone=event.is_zone,
                                  closed=isinstance(event, LaneClosed),
                                  reason=getattr(event, "reason", ""))  # fmt: skip
                lane.header.stamp = stamp
                write_signature(lane.signature, self._signer.sign(Channel.LANE, lane_fields(lane)))
                self._lanes.publish(lane)
        return []

    def _call_release(self, event: Any, timeout_s: float) -> None:
        from borderflow_interfaces.srv import ReleaseHold

        req = ReleaseHold.Request(
            container_id=event.container_id,
            officer_id=event.officer_id,
            authority=event.authority.value,
            reason=event.reason,
        )
        if not self._release.wait_for_service(timeout_sec=timeout_s):
            raise TimeoutError("the orchestrator node's release_hold service is not up")
        # Signed once the service is up: a counter taken and never sent would be harmless, but
        # this keeps the node's last-accepted counter close to the signer's.
        write_signature(req.signature, self._signer.sign(Channel.RELEASE, release_fields(req)))
        fut = self._release.call_async(req)
        deadline = time.monotonic() + timeout_s
        while not fut.done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"release of {event.container_id} got no answer")
            time.sleep(0.002)
        res = fut.result()
        if res is None or not res.accepted:
            raise NodeRefusedError(res.message if res is not None else "no answer")

    def freeze_core(self, timeout_s: float = 10.0) -> tuple[bytes, float]:
        """The node's core, frozen (bytes signed with the fork key, not checked here: the
        thaw checks them), and the node's clock then. :class:`NodeRefusedError` with the
        node's reason; TimeoutError when it does not answer."""
        import uuid

        from borderflow_interfaces.srv import FreezeCore

        with self._freeze_lock:
            if not self._freeze.wait_for_service(timeout_sec=timeout_s):
                raise TimeoutError("the orchestrator node's freeze_core service is not up")
            req = FreezeCore.Request(request_id=uuid.uuid4().hex)
            with self._send_lock:
                signed = self._signer.sign(Channel.FORECAST, forecast_fields(req))
            write_signature(req.signature, signed)
            fut = self._freeze.call_async(req)
            deadline = time.monotonic() + timeout_s
            while not fut.done():
                if time.monotonic() > deadline:
                    raise TimeoutError(f"freeze_core got no answer within {timeout_s:g}s")
                time.sleep(0.002)
            res = fut.result()
        if res is None or not res.accepted:
            raise NodeRefusedError(res.message if res is not None else "no answer")
        return bytes(res.core), float(res.now_s)

    def stop(self) -> None:
        self._executor.shutdown(timeout_sec=1.0)
        self.node.destroy_node()
        self._ctx.try_shutdown()
        self._thread.join(timeout=2.0)
