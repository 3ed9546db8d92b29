"""Simulated VDA 5050 vehicles over MQTT: one process runs a fleet file's vehicles.

Each vehicle has its own MQTT connection (its last will, ``connectionState``
``CONNECTIONBROKEN``, 3.0: ``CONNECTION_BROKEN``, is per connection), announces itself
``ONLINE`` (retained), takes its ``order`` and ``instantActions`` topics (3.0 also ``zoneSet`` and
``responses``: the border's RELEASE zones and their leases) and publishes its
``state`` when something changed and at least every ``1 / state_hz`` s. Messages are queued by
paho's threads and handled here, one loop, so each vehicle is stepped in order. ``time_scale``
runs the vehicles faster than real time (their timestamps stay wall-clock time).
``borderflow vda5050 sim`` runs it.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from orchestrator.lanegraph import LaneGraph
from vda5050.fleet_file import FleetFile
from vda5050.mqtt import BrokerUrl, MqttLink
from vda5050.orders import MapFrame
from vda5050.simulator import SimulatedVehicle, VehicleSpec
from vda5050.versions import Version, topic

__all__ = ["VehicleSimProcess", "iso_now"]

_IN = {Version.V2_1: ("order", "instantActions"),
       Version.V3_0: ("order", "instantActions", "zoneSet", "responses")}  # fmt: skip
_LEAVES = {v: (*ins, "state", "connection") for v, ins in _IN.items()}


def iso_now() -> str:
    """Now as VDA 5050 timestamps want it (ISO 8601 UTC, milliseconds)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _connection(v: SimulatedVehicle, state: str, header: int) -> bytes:
    return json.dumps({"headerId": header, "timestamp": iso_now(), "version": v.version.value,
                       "manufacturer": v.manufacturer, "serialNumber": v.serial_number,
                       "connectionState": state}).encode()  # fmt: skip


class VehicleSimProcess:
    def __init__(self, fleet: FleetFile, graph: LaneGraph, map_id: str, url: BrokerUrl, *,
                 spec: VehicleSpec | None = None, state_hz: float = 1.0, step_hz: float = 10.0,
                 time_scale: float = 1.0, ca_file: str | None = None,
                 log: Callable[[str], None] = print) -> None:  # fmt: skip
        frame = MapFrame(graph, map_id)
        self.inbox: queue.Queue[tuple[int, str, bytes]] = queue.Queue()
        self.vehicles: list[SimulatedVehicle] = []
        self.links: list[MqttLink] = []
        self.topics: list[dict[str, str]] = []
        self.state_period_s = 1.0 / state_hz
        self.step_s = 1.0 / step_hz
        self.time_scale = time_scale
        self.log = log
        for i, fv in enumerate(fleet.vehicles):
            node = fleet.start_node(graph, fv)
            pos = frame.node(node, 0, released=True, version=fv.ref.version)["nodePosition"]  # type: ignore[arg-type]
            v = SimulatedVehicle(fv.ref.version, fv.ref.manufacturer, fv.ref.serial_number,
                                 node_id=node, x_m=pos["x"], y_m=pos["y"], map_id=map_id,
                                 spec=spec)  # fmt: skip
            names = {leaf: topic(fleet.interface, fv.ref.version, fv.ref.manufacturer,
                                 fv.ref.serial_number, leaf)
                     for leaf in _LEAVES[fv.ref.version]}  # fmt: skip
            broken = "CONNECTIONBROKEN" if fv.ref.version is Version.V2_1 else "CONNECTION_BROKEN"
            will = (names["connection"], _connection(v, broken, 0))
            link = MqttLink(url, f"bf-sim-{fv.ref.manufacturer}-{fv.ref.serial_number}",
                            self._receiver(i), will=will, ca_file=ca_file)  # fmt: skip
            self.vehicles.append(v)
            self.links.append(link)
            self.topics.append(names)

    def _receiver(self, k: int) -> Callable[[str, bytes], None]:
        def put(name: str, payload: bytes) -> None:
            self.inbox.put((k, name, payload))

        return put

    def start(self) -> None:
        for v, link, names in zip(self.vehicles, self.links, self.topics, strict=True):
            link.connect()
            for leaf in _IN[v.version]:
                # QoS 1 for the zone set (retained) and lease responses: a lost grant would
                # leave it waiting at the line, a lost revocation let it cross.
                link.subscribe(names[leaf], 0 if leaf in ("order", "instantActions") else 1)
            link.publish(names["connection"], _connection(v, "ONLINE", 1), qos=1, retain=True)

    def _handle(self) -> None:
        while True:
            try:
                k, t, payload = self.inbox.get_nowait()
            except queue.Empty:
                return
            v = self.vehicles[k]
            try:
                msg = json.loads(payload)
            except ValueError:
                v.warn("validationError", "not JSON")
                continue
            leaf = t.rsplit("/", 1)[1]
            handler = {"order": v.on_order, "instantActions": v.on_instant_actions,
                       "zoneSet": v.on_zone_set, "responses": v.on_responses}[leaf]  # fmt: skip
            ok = handler(msg)
            if not ok:
                self.log(f"{v.serial_number}: refused a message on {t}: {v.errors[-1][2]}")

    def run(self, stop: threading.Event, duration_s: float | None = None) -> None:
        """Step and publish until ``stop`` is set (or ``duration_s`` wall seconds passed)."""
        t_end = None if duration_s is None else time.monotonic() + duration_s
        last_state = [0.0] * len(self.vehicles)
        next_t = time.monotonic()
        while not stop.is_set() and (t_end is None or time.monotonic() < t_end):
            self._handle()
            now = time.monotonic()
            for k, (v, link, names) in enumerate(zip(self.vehicles, self.links, self.topics,
                                                     strict=True)):  # fmt: skip
                v.step(self.step_s * self.time_scale)
                if v.changed or now - last_state[k] >= self.state_period_s:
                    link.publish(names["state"], json.dumps(v.state(iso_now())).encode())
                    # On a fixed grid (not "a period after now"): checked every step, states
                    # would otherwise come every period plus up to a step, below the rate.
                    last_state[k] = max(last_state[k] + self.state_period_s,
                                        now - self.state_period_s)  # fmt: skip
            next_t += self.step_s
            time.sleep(max(0.0, next_t - time.monotonic()))

    def close(self) -> None:
        for v, link, names in zip(self.vehicles, self.links, self.topics, strict=True):
            link.publish(names["connection"], _connection(v, "OFFLINE", 2), qos=1, retain=True)
            link.close()
