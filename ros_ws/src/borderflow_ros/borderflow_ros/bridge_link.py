"""The risk bridge's way into ROS: core events from the bridge become ROS messages.

The customs risk bridge (``risk_bridge``, FastAPI) decides verdicts and officers' releases; with
a ROS fleet it hands them to :class:`BridgeLink.deliver`, which publishes a verdict on
``/borderflow/verdicts`` (reliable + transient-local, so an orchestrator that starts later still
gets it), calls the ``release_hold`` service for a release, and requests lane closures on
``/borderflow/lane_requests``. The link runs its own rclpy context and executor thread, so it can
live inside the bridge's process next to uvicorn. ``deliver`` returns no commands: they go to the
vehicles from the orchestrator node.

Back from the node, as the log entries the in-process core gives the bridge with the SimPy
fleet: the holds it places and lifts (``/borderflow/holds``) become ``hold.placed`` /
``hold.released`` (that is what lets an officer release a hold through the bridge's API), and
its custody events (``/borderflow/custody``) give ``border.crossed``, ``order.delivered`` and,
for a seal that does not match, ``seal.read`` with ``matches: false`` — the crossings,
deliveries and tamper alerts customs systems subscribe to. Both topics are transient-local, so
a bridge that starts later also hears the recent ones.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from borderflow_ros.convert import verdict_to_msg
from orchestrator.domain.records import ContainerView

__all__ = ["BridgeLink"]


class BridgeLink:
    def __init__(self, node_name: str = "borderflow_bridge_link") -> None:
        import rclpy
        from borderflow_interfaces.msg import CustodyEvent, Hold, LaneStatus, RiskVerdict
        from borderflow_interfaces.srv import ReleaseHold
        from rclpy.executors import SingleThreadedExecutor

        from borderflow_ros import qos

        self._ctx = rclpy.Context()
        rclpy.init(context=self._ctx, signal_handler_options=rclpy.SignalHandlerOptions.NO)
        self.node = rclpy.create_node(node_name, context=self._ctx)
        self._verdicts = self.node.create_publisher(
            RiskVerdict, qos.VERDICTS_TOPIC, qos.decision_qos()
        )
        self._lanes = self.node.create_publisher(
            LaneStatus, qos.LANES_TOPIC + "_requests", qos.decision_qos()
        )
        self._release = self.node.create_client(ReleaseHold, qos.RELEASE_SERVICE)
        self.on_log: Callable[[Any], None] | None = None  # gets hold.placed / hold.released
        self._t0 = time.monotonic()
        self.node.create_subscription(Hold, qos.HOLDS_TOPIC, self._on_hold, qos.decision_qos())
        self.node.create_subscription(CustodyEvent, qos.CUSTODY_TOPIC, self._on_custody,
                                      qos.decision_qos(1000))  # fmt: skip
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

    def carrier(self, container_id: str, fresh_s: float = 5.0) -> dict[str, object] | None:
        """The vehicle whose latest state (at most ``fresh_s`` old) has the container on board:
        its id, node, next node and position in the map frame."""
        now = time.monotonic()
        with self._state_lock:
            states = list(self._states.values())
        for seen, st in states:
            if st.container_id == container_id and now - seen <= fresh_s:
                return {
                    "vehicle_id": st.vehicle_id,
                    "node": st.node or None,
                    "next_node": st.next_node or None,
                    "x_m": round(st.x_m, 2),
                    "y_m": round(st.y_m, 2),
                }
        return None

    def _on_hold(self, msg: Any) -> None:
        """A hold the orchestrator node placed or lifted, as the core's log entry says it."""
        from orchestrator.ports import LogEntry

        sink = self.on_log
        if sink is None or not msg.container_id:
            return
        kind = "hold.placed" if msg.active else "hold.released"
        data: dict[str, object] = {
            "container_id": msg.container_id,
            "side": msg.authority,
            "reason": msg.cause,
            "vehicle_id": msg.vehicle_id or None,
        }
        if not msg.active:
            data["officer_id"] = msg.officer_id
        sink(LogEntry(time.monotonic() - self._t0, kind, msg.container_id, msg.cause, data))

    def _on_custody(self, msg: Any) -> None:
        """Crossings, deliveries and tamper alerts from the node's custody events."""
        from orchestrator.ports import LogEntry

        sink = self.on_log
        cid = msg.container_id
        if sink is None or not cid:
            return
        try:
            extra = json.loads(msg.data_json or "{}")
        except ValueError:
            extra = {}
        vehicle = extra.get("vehicle_id")
        t_s = time.monotonic() - self._t0
        if msg.kind == "border_handoff":
            data = {"container_id": cid, "vehicle_id": vehicle, "gate": msg.actor,
                    "side": extra.get("side")}  # fmt: skip
            sink(LogEntry(t_s, "border.crossed", vehicle or cid,
                          f"{cid} crossed at {msg.actor}", data))  # fmt: skip
        elif msg.kind == "delivered":
            data = {"container_id": cid, "node": msg.node}
            sink(LogEntry(t_s, "order.delivered", cid, f"{cid} delivered at {msg.node}", data))
        elif msg.kind == "tamper_alert":
            data = {"container_id": cid, "seal_number": msg.seal_number, "node": msg.node,
                    "matches": False, "vehicle_id": vehicle}  # fmt: skip
            sink(LogEntry(t_s, "seal.read", cid, f"seal of {cid} does not match", data))

    def deliver(self, event: Any, timeout_s: float = 5.0) -> list[Any]:
        """Forward one core event; a refused release raises ValueError with the node's reason."""
        from borderflow_interfaces.msg import LaneStatus
        from borderflow_interfaces.srv import ReleaseHold

        from orchestrator.messages import HoldReleased, LaneClosed, LaneOpened, VerdictIssued

        stamp = self.node.get_clock().now().to_msg()
        if isinstance(event, VerdictIssued):
            self._verdicts.publish(verdict_to_msg(event, stamp))
        elif isinstance(event, HoldReleased):
            req = ReleaseHold.Request(
                container_id=event.container_id,
                officer_id=event.officer_id,
                authority=event.authority.value,
                reason=event.reason,
            )
            if not self._release.wait_for_service(timeout_sec=timeout_s):
                raise TimeoutError("the orchestrator node's release_hold service is not up")
            fut = self._release.call_async(req)
            deadline = time.monotonic() + timeout_s
            while not fut.done():
                if time.monotonic() > deadline:
                    raise TimeoutError(f"release of {event.container_id} got no answer")
                time.sleep(0.002)
            res = fut.result()
            if not res.accepted:
                raise ValueError(res.message)
        elif isinstance(event, LaneClosed | LaneOpened):
            msg = LaneStatus(lane_id=event.lane_id, is_zone=event.is_zone,
                             closed=isinstance(event, LaneClosed),
                             reason=getattr(event, "reason", ""))  # fmt: skip
            msg.header.stamp = stamp
            self._lanes.publish(msg)
        else:
            raise TypeError(
                f"{type(event).__name__} is not a bridge event (verdict, release, lane)"
            )
        return []

    def stop(self) -> None:
        self._executor.shutdown(timeout_sec=1.0)
        self.node.destroy_node()
        self._ctx.try_shutdown()
        self._thread.join(timeout=2.0)


class RosBridgeFleet:
    """The bridge's fleet port (``risk_bridge.app.create_app(settings, fleet=...)``) backed by
    ROS: verdicts, releases and lane requests accepted over HTTP go to the orchestrator node
    through a :class:`BridgeLink`, and the node's holds come back as log entries (so officers
    release through the API). The core lives in the orchestrator node: ``container_view`` knows
    what the node's hold and custody messages say (held, by which side; crossed; delivered)
    and, from the vehicles' state topics, which vehicle carries it and where."""

    def __init__(self, graph: Any, manifest: list[Any], link: BridgeLink | None = None) -> None:
        import queue

        self.link = link or BridgeLink()
        self.graph = graph
        self._manifest = list(manifest)
        self.log_queue: queue.Queue[Any] = queue.Queue()
        self.customs_queue: queue.Queue[Any] = queue.Queue()
        self.lane_ids = frozenset(e.lane_id for e in graph.edges.values())
        self.zone_ids = frozenset(str(z) for z in graph.zones)
        self.lock = threading.RLock()
        self.has_ledger = False  # the orchestrator node keeps the custody ledger
        self.commands_sent = 0
        self._t0 = time.monotonic()
        self._holds: dict[str, tuple[str, str | None]] = {}  # container -> (side, vehicle)
        self._crossed: set[str] = set()
        self._delivered: set[str] = set()
        self.link.on_log = self._on_log

    def manifest(self) -> list[Any]:
        return list(self._manifest)

    def now_s(self) -> float:
        return time.monotonic() - self._t0

    def deliver(self, event: Any) -> list[Any]:
        return self.link.deliver(event)

    def _on_log(self, entry: Any) -> None:
        """What the node reported (from the link's thread): noted, then passed on."""
        cid = str(entry.data.get("container_id") or entry.subject)
        with self.lock:
            if entry.kind == "hold.placed":
                self._holds[cid] = (str(entry.data["side"]), entry.data.get("vehicle_id"))
            elif entry.kind == "hold.released":
                self._holds.pop(cid, None)
            elif entry.kind == "border.crossed":
                self._crossed.add(cid)
            elif entry.kind == "order.delivered":
                self._delivered.add(cid)
        self.log_queue.put(entry)

    def container_view(self, container_id: str) -> ContainerView | None:
        """What the node's hold messages say of the container (None if it never was held):
        the bridge releases through the node only what the node holds. The core's risk
        status is not known here (``core_level`` and ``cleared`` are None)."""
        with self.lock:
            hold = self._holds.get(container_id)
            crossed = container_id in self._crossed
            delivered = container_id in self._delivered
        on_board = None if delivered else self.link.carrier(container_id)
        if hold is None and not crossed and not delivered and on_board is None:
            return None
        return ContainerView(
            state="delivered" if delivered else ("on vehicle" if on_board else None),
            vehicle_id=(on_board or {}).get("vehicle_id") or (hold[1] if hold else None),
            node=(on_board or {}).get("node"),
            next_node=(on_board or {}).get("next_node"),
            x_m=(on_board or {}).get("x_m"),
            y_m=(on_board or {}).get("y_m"),
            crossed=crossed,
            held=hold is not None,
            hold_side=hold[0] if hold else None,
            source="orchestrator node (holds, custody events) and vehicle states",
        )

    def container_node(self, container_id: str) -> str | None:
        """The node of the vehicle carrying the container (None when not on a vehicle)."""
        on_board = self.link.carrier(container_id)
        node = on_board.get("node") if on_board else None
        return str(node) if node else None

    def crossed_or_delivered(self) -> set[str]:
        """Containers past the line or delivered (the fail-safe leaves their verdicts alone)."""
        with self.lock:
            return self._crossed | self._delivered

    def append_custody(self, event: Any) -> int | None:
        return None  # no ledger on the bridge's side (has_ledger is False)

    def custody_extract(self, container_id: str) -> None:
        return None

    def start(self) -> None:
        return None

    def stop(self) -> None:
        self.link.stop()
