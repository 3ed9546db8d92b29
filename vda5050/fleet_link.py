"""The fleet side over MQTT: VDA 5050 vehicles driven by the core's commands.

:class:`VdaFleetLink` subscribes to each fleet-file vehicle's ``state`` and ``connection``
topics and runs one worker thread that, in arrival order, reads each message
(:class:`vda5050.states.StateIntake`), hands the resulting events to the core (``deliver``,
called only from that thread, under ``lock``) and publishes what the core commands
(:class:`vda5050.orders.OrderTrack`), every message checked against the official schema of
the vehicle's version first. The rest of the program hands events in with :meth:`submit`
(verdicts, orders, ticks), so everything reaches the core through the one queue, in order.

- A vehicle joins (``VehicleJoined``) with its first valid state at a node of the map.
- ``connectionState`` ``CONNECTIONBROKEN`` (3.0: ``CONNECTION_BROKEN``; the broker's last will)
  or ``OFFLINE`` isolates a
  joined vehicle (``VehicleFaulted``); its next valid state at a node brings it back
  (``VehicleRecovered``).
- A refused message is logged with its reason (``on_refusal``) and changes nothing; a core that
  refuses an event is logged the same way.
- A ``Tick`` goes to the core every ``tick_s`` so its dispatch rounds run.
- 3.0 vehicles get the border's RELEASE zones (``zoneSet``, retained) and their zone requests
  are answered on ``responses`` by the :class:`vda5050.leases.LeaseDesk`: a lease only with the
  crossing lane released and ``may_cross`` (clearing verdicts on board), revoked when the core
  stops the vehicle or its load stops being cleared.
- :meth:`call` is the bridge's way in: the event goes through the same queue and the caller
  waits for the core's commands (or its refusal), so the core and every vehicle's order state
  are touched by the worker thread alone.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext

from orchestrator.ids import NodeId, VehicleId
from orchestrator.lanegraph import LaneGraph
from orchestrator.messages import (
    Charge,
    Command,
    Drive,
    Event,
    Perform,
    Stop,
    Tick,
    VehicleFaulted,
    VehicleJoined,
    VehicleRecovered,
)
from vda5050.fleet_file import FleetFile
from vda5050.leases import LeaseDesk
from vda5050.mqtt import BrokerUrl, MqttLink
from vda5050.orders import MapFrame, OrderTrack
from vda5050.sim_process import iso_now
from vda5050.states import MAX_STATE_BYTES, Reading, StateIntake
from vda5050.validate import check
from vda5050.versions import Version, topic
from vda5050.zones import border_zone_set, zone_set_body

__all__ = ["VdaFleetLink"]

Deliver = Callable[[Event], Sequence[Command]]
_STOP = object()
_LEAVES = {Version.V2_1: ("order", "instantActions", "state", "connection"),
           Version.V3_0: ("order", "instantActions", "state", "connection", "zoneSet",
                          "responses")}  # fmt: skip


class _Call:
    """An event from outside whose caller waits for the core's answer."""

    __slots__ = ("event", "future")

    def __init__(self, event: Event) -> None:
        self.event = event
        self.future: Future[Sequence[Command]] = Future()


class _Vehicle:
    def __init__(self, track: OrderTrack, intake: StateIntake, topics: dict[str, str]) -> None:
        self.track = track
        self.intake = intake
        self.topics = topics
        self.joined = False
        self.cut_off = False  # isolated for a lost connection
        self.last: Reading | None = None  # its last state taken
        self.last_t = 0.0  # time.monotonic() of it


class VdaFleetLink:
    def __init__(self, fleet: FleetFile, graph: LaneGraph, map_id: str, url: BrokerUrl, *,
                 deliver: Deliver, now_s: Callable[[], float],
                 lock: AbstractContextManager[object] | None = None,
                 on_refusal: Callable[[str], None] = print, tick_s: float = 1.0,
                 ca_file: str | None = None,
                 may_cross: Callable[[str], bool] | None = None,
                 horizon_of: Callable[[Drive], tuple[NodeId, ...]] | None = None,
                 ) -> None:  # fmt: skip
        frame = MapFrame(graph, map_id)
        self.map_id = map_id
        self._horizon_of = horizon_of or (lambda _d: ())
        self.zones = border_zone_set(graph)
        # Without a core to ask, the released base alone decides (the core never releases a
        # crossing lane without a clearing verdict).
        self.leases = LeaseDesk(self.zones, f"{map_id}-border", may_cross or (lambda _v: True))
        self.graph = graph
        self._deliver = deliver
        self._now_s = now_s
        self._lock = lock or nullcontext()
        self._log = on_refusal
        self._tick_s = tick_s
        self.inbox: queue.Queue[object] = queue.Queue()
        self.vehicles: dict[str, _Vehicle] = {}
        self._by_topic: dict[str, tuple[str, str]] = {}  # topic -> (vehicle id, leaf)
        for fv in fleet.vehicles:
            names = {leaf: topic(fleet.interface, fv.ref.version, fv.ref.manufacturer,
                                 fv.ref.serial_number, leaf)
                     for leaf in _LEAVES[fv.ref.version]}  # fmt: skip
            track = OrderTrack(fv.ref, frame)
            if fv.ref.version is Version.V3_0:
                self.leases.add(track)
            self.vehicles[fv.ref.vehicle_id] = _Vehicle(
                track, StateIntake(track, fleet.battery_kwh), names
            )
            for leaf in ("state", "connection"):
                self._by_topic[names[leaf]] = (fv.ref.vehicle_id, leaf)
        self.mqtt = MqttLink(url, "borderflow-fleet", self._on_message, ca_file=ca_file)
        # (topic, message), the last 1000
        self.sent: deque[tuple[str, dict[str, object]]] = deque(maxlen=1000)
        self.refused = 0
        self._thread: threading.Thread | None = None
        self._ticker: threading.Thread | None = None
        self._stopping = threading.Event()
        self.failure: str | None = None

    # ------------------------------------------------------------------------- threads

    def _on_message(self, name: str, payload: bytes) -> None:
        if len(payload) > MAX_STATE_BYTES:  # not even queued
            self._log(f"{name}: message of {len(payload)} bytes refused")
            return
        self.inbox.put((name, payload))

    def start(self) -> None:
        self.mqtt.connect()
        for name, (_vid, leaf) in self._by_topic.items():
            self.mqtt.subscribe(name, 1 if leaf == "connection" else 0)
        body = zone_set_body(self.map_id, self.zones)
        for v in self.vehicles.values():
            if "zoneSet" in v.topics:
                # Retained: a vehicle that connects later (or again) gets it from the broker.
                self._publish(v, "zoneSet", v.track.zone_set(body, iso_now()), qos=1,
                              retain=True)  # fmt: skip
        self._thread = threading.Thread(target=self._work, name="vda5050-fleet", daemon=True)
        self._thread.start()
        self._ticker = threading.Thread(target=self._tick, name="vda5050-tick", daemon=True)
        self._ticker.start()

    def submit(self, event: Event) -> None:
        """Hand an event to the core, in order with the vehicles' messages."""
        self.inbox.put(event)

    def call(self, event: Event, timeout_s: float = 10.0) -> Sequence[Command]:
        """Hand an event to the core and wait for its commands (sent to the vehicles by then);
        the core's refusal is raised here. TimeoutError when the worker does not get to it."""
        if self.failure is not None:
            raise RuntimeError(self.failure)
        item = _Call(event)
        self.inbox.put(item)
        return item.future.result(timeout=timeout_s)

    def _tick(self) -> None:
        while not self._stopping.wait(self._tick_s):
            self.inbox.put(Tick(self._now_s()))

    def _work(self) -> None:
        try:
            while True:
                item = self.inbox.get()
                if item is _STOP:
                    return
                if isinstance(item, tuple):
                    self._message(*item)
                elif isinstance(item, _Call):
                    self._answer(item)
                else:
                    self._to_core(item)  # type: ignore[arg-type]
        except Exception as exc:  # the link is dead: say so (the bridge's /healthz shows it)
            self.failure = f"VDA 5050 fleet thread stopped: {exc!r}"
            raise

    def _answer(self, item: _Call) -> None:
        try:
            with self._lock:
                commands = self._deliver(item.event)
        except Exception as exc:  # the core refused it: nothing changed there; the caller hears
            item.future.set_exception(exc)
            return
        self._after_core(commands)
        item.future.set_result(commands)

    def close(self) -> None:
        self._stopping.set()
        self.inbox.put(_STOP)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.mqtt.close()

    # -------------------------------------------------------------------- messages in

    def _message(self, name: str, payload: bytes) -> None:
        vid, leaf = self._by_topic[name]
        v = self.vehicles[vid]
        t = self._now_s()
        if leaf == "connection":
            self._connection(vid, v, payload, t)
            return
        r = v.intake.read(payload, t)
        if r.refused is not None:
            self.refused += 1
            self._log(f"{vid}: state refused: {r.refused}")
            return
        v.last, v.last_t = r, time.monotonic()
        if "responses" in v.topics and (r.zone_requests or self.leases.holds(vid)):
            pose = None if r.pose is None else (r.pose[0], r.pose[1])
            self._answer_leases(v, self.leases.read(vid, r.zone_requests, pose))
        events = list(r.events)
        node = r.last_node or ""
        if not v.joined and node in self.graph.nodes and r.battery_kwh is not None:
            events.insert(0, VehicleJoined(t, VehicleId(vid), NodeId(node), r.battery_kwh))
            v.joined = True
        elif v.cut_off and node in self.graph.nodes and r.battery_kwh is not None:
            events.insert(0, VehicleRecovered(t, VehicleId(vid), NodeId(node), r.battery_kwh))
            v.cut_off = False
        for e in events:
            self._to_core(e)

    def _connection(self, vid: str, v: _Vehicle, payload: bytes, t: float) -> None:
        try:
            msg = json.loads(payload)
            check("connection", v.track.ref.version, msg, strict=True)
        except ValueError as exc:  # SchemaRefusal is a ValueError too
            self.refused += 1
            self._log(f"{vid}: connection message refused: {str(exc)[:200]}")
            return
        state = msg["connectionState"]
        if (
            state in ("CONNECTIONBROKEN", "CONNECTION_BROKEN", "OFFLINE")
            and v.joined
            and not v.cut_off
        ):
            v.cut_off = True
            self._to_core(VehicleFaulted(t, VehicleId(vid), f"VDA 5050 connection {state}"))

    def _to_core(self, event: Event) -> None:
        try:
            with self._lock:
                commands = self._deliver(event)
        except Exception as exc:  # the core refused it: nothing changed there
            self._log(f"core refused {type(event).__name__}: {exc}")
            return
        self._after_core(commands)

    def _after_core(self, commands: Sequence[Command]) -> None:
        self.send(commands)
        with self._lock:  # may_cross reads the core
            revoked = self.leases.audit()
        for vid, answers in revoked.items():
            self._answer_leases(self.vehicles[vid], answers)

    def _answer_leases(self, v: _Vehicle, answers: list[tuple[str, str]]) -> None:
        if answers:
            self._publish(v, "responses", v.track.responses(answers, iso_now()), qos=1)

    # ------------------------------------------------------------------- commands out

    def send(self, commands: Sequence[Command]) -> None:
        for cmd in commands:
            v = self.vehicles.get(str(cmd.vehicle_id))
            if v is None:
                continue  # not a VDA 5050 vehicle
            ts = iso_now()
            if isinstance(cmd, Drive):
                msg: dict[str, object] | None = v.track.drive(cmd, ts, self._horizon_of(cmd))
                leaf = "order"
            elif isinstance(cmd, Perform | Charge):
                msg, leaf = v.track.perform(cmd, ts), "order"
            elif isinstance(cmd, Stop):
                # The lease first: a vehicle told to stop must not enter the border zone even
                # if the cancelOrder is late.
                self._answer_leases(v, self.leases.revoke(str(cmd.vehicle_id)))
                msg, leaf = v.track.stop(cmd, ts), "instantActions"
            else:
                continue
            if msg is None:
                continue
            self._publish(v, leaf, msg)
            if isinstance(cmd, Drive):
                self._answer_leases(v, self.leases.recheck(str(cmd.vehicle_id)))

    def _publish(self, v: _Vehicle, leaf: str, msg: dict[str, object], *, qos: int = 0,
                 retain: bool = False) -> None:  # fmt: skip
        check(leaf, v.track.ref.version, msg)  # never send what the standard refuses
        self.mqtt.publish(v.topics[leaf], json.dumps(msg).encode(), qos=qos, retain=retain)
        self.sent.append((v.topics[leaf], msg))
