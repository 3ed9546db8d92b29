"""VDA 5050 fleet link: states in, through one Mosquitto broker.

- One vehicle's state read and turned into events (:class:`vda5050.states.StateIntake`: size,
  JSON, closed-schema validation, identity, header, arrivals), in this process: states/s.
- Over a real broker (Mosquitto on a free loopback port, started here): a publisher process
  sends the states of 500 simulated vehicles at 1 state/s each (a moving vehicle's state, every
  one with a fresh headerId) for ``WINDOW_S``; the fleet link subscribes to all 500 vehicles'
  topics and reads every state in its worker thread. Reported: states processed per second,
  any lost, and the CPU the fleet link's process used (a share of one core). The core behind
  the link is left out (its ``deliver`` returns no commands): this is the adapter's cost; the
  core's own is in the core area.

With the core: :mod:`bench.vda5050_fleet` (simulated vehicles in their own processes,
the real core, verdict → vehicle latency).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.figures import Figure, best_of

__all__ = ["run"]

VEHICLES = 500
WINDOW_S = 20.0

_PUBLISHER = r"""
import json, sys, time
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
port, n, seconds, template = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
base = json.loads(open(template).read())
c = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-publisher")
c.connect("127.0.0.1", port)
c.loop_start()
t0 = time.monotonic()
sent = 0
for k in range(int(seconds)):
    for i in range(n):
        base["headerId"] = k + 1
        base["serialNumber"] = f"SN-{i:04d}"
        c.publish(f"uagv/v2/Bench/SN-{i:04d}/state", json.dumps(base), qos=0)
        sent += 1
    time.sleep(max(0.0, t0 + k + 1 - time.monotonic()))
time.sleep(1.0)
c.loop_stop()
print(sent)
"""


def _state(vehicle: int = 0) -> dict[str, object]:
    from vda5050.vehicle_state import Pose, VehicleSnapshot, state_message
    from vda5050.versions import Version

    snap = VehicleSnapshot(order_id="", last_node_id="n1", last_node_sequence_id=0,
                           node_states=[("n2", 2, True), ("n3", 4, True)],
                           edge_states=[("n1->n2", 1, True), ("n2->n3", 3, True)],
                           driving=True, battery_pct=77.5,
                           pose=Pose(120.5, 80.25, 1.2, "bench"))  # fmt: skip
    return state_message(Version.V2_1, "Bench", f"SN-{vehicle:04d}", 1,
                         "2026-12-04T08:00:00.000Z", snap)  # fmt: skip


def _fleet(n: int):  # type: ignore[no-untyped-def]
    from vda5050.fleet_file import FleetFile, FleetVehicle
    from vda5050.orders import VehicleRef
    from vda5050.versions import Version

    vehicles = tuple(FleetVehicle(VehicleRef(f"v{i:04d}", "Bench", f"SN-{i:04d}", Version.V2_1),
                                  "") for i in range(n))  # fmt: skip
    return FleetFile("test_crossing", "uagv", 200.0, vehicles)


def _intake_rate(quick: bool) -> float:
    from maps import load_map
    from vda5050.orders import MapFrame, OrderTrack
    from vda5050.states import StateIntake

    ref = _fleet(1).vehicles[0].ref
    intake = StateIntake(OrderTrack(ref, MapFrame(load_map("test_crossing"), "bench")), 200.0)
    msg = _state()
    n = 2000 if quick else 20000
    payloads = []
    for k in range(n):
        msg["headerId"] = k + 1
        payloads.append(json.dumps(msg).encode())

    def read_all() -> None:
        intake.last_header = None
        for p in payloads:
            intake.read(p, 0.0)

    return n / best_of(read_all, repeat=1 if quick else 3)


def _broker(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    conf = folder / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "max_queued_messages 100000\n")  # fmt: skip
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    end = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            if time.monotonic() > end:
                proc.kill()
                raise RuntimeError("mosquitto did not start") from None
            time.sleep(0.1)


def _over_broker(n: int, window_s: float) -> tuple[float, int, int, float]:
    """(states processed per second, processed, sent, CPU share of one core)."""
    from maps import load_map
    from vda5050.fleet_link import VdaFleetLink
    from vda5050.mqtt import BrokerUrl

    folder = Path(tempfile.mkdtemp(prefix="bench-vda-"))
    broker, port = _broker(folder)
    try:
        template = folder / "state.json"
        template.write_text(json.dumps(_state()))
        graph = load_map("test_crossing")
        link = VdaFleetLink(_fleet(n), graph, "bench", BrokerUrl.parse(f"mqtt://127.0.0.1:{port}"),
                            deliver=lambda e: [], now_s=time.monotonic,
                            on_refusal=lambda m: None, tick_s=3600.0)  # fmt: skip
        link.start()
        time.sleep(1.0)  # subscriptions in place
        before = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.monotonic()
        pub = subprocess.run([sys.executable, "-c", _PUBLISHER, str(port), str(n), str(window_s),
                              str(template)], capture_output=True, text=True, check=True,
                             env={**os.environ})  # fmt: skip
        while not link.inbox.empty() and time.monotonic() - t0 < window_s + 30:  # drain
            time.sleep(0.1)
        elapsed = time.monotonic() - t0
        after = resource.getrusage(resource.RUSAGE_SELF)
        sent = int(pub.stdout.strip() or 0)
        taken = sum(v.intake.taken for v in link.vehicles.values())
        link.close()
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return taken / window_s, taken, sent, cpu / elapsed
    finally:
        broker.terminate()
        broker.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def run(quick: bool) -> list[Figure]:
    figures = [
        Figure("vda5050", "one state read into events (closed-schema check included)",
               round(_intake_rate(quick)), "states/s",
               notes="StateIntake.read, in this process"),
    ]  # fmt: skip
    n, window = (100, 5.0) if quick else (VEHICLES, WINDOW_S)
    rate, taken, sent, cpu = _over_broker(n, window)
    figures.append(Figure(
        "vda5050", f"{n} vehicles at 1 state/s through Mosquitto: states processed",
        round(rate, 1), "states/s", f"≥ {n}/s, every state", taken == sent and rate >= n * 0.95,
        f"{taken} of {sent} processed in {window:g} s"))  # fmt: skip
    figures.append(Figure(
        "vda5050", f"the fleet link's CPU at {n} states/s", round(cpu, 2), "cores", "< 1",
        cpu < 1.0, "the whole fleet-link process; the core behind it left out"))  # fmt: skip
    figures += _with_core(50 if quick else VEHICLES, 5.0 if quick else WINDOW_S)
    return figures


def _with_core(n: int, window_s: float) -> list[Figure]:
    from bench.vda5050_fleet import fleet_run

    folder = Path(tempfile.mkdtemp(prefix="bench-vda-core-"))
    broker, port = _broker(folder)
    try:
        r = fleet_run(n, window_s, port, folder)
    finally:
        broker.terminate()
        broker.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    if "taken" not in r:
        return [Figure("vda5050", f"{n} simulated vehicles with the core", 0.0, "vehicles",
                       f"all {n} join", False, f"only {r.get('joined')} joined")]  # fmt: skip
    rate, every = r["states_per_s"], r["taken"] >= r["delivered"] and r["refused"] == 0
    lat = sorted(r["latencies_s"])
    figs = [
        Figure("vda5050", f"{n} simulated vehicles (2 simulator processes) with the core: "
               "states processed", round(rate, 1), "states/s", f"≥ {n}/s, every state",
               every and rate >= n * 0.95,
               f"{r['taken']} processed of {r['delivered']} the broker delivered in "
               f"{window_s:g} s; {r['refused']} refused"),
        Figure("vda5050", f"this process's CPU with the core at {n} vehicles",
               round(r["cpu_cores"], 3), "cores", "< 1", r["cpu_cores"] < 1.0,
               "core, fleet link, lease desk and the probe; simulators and broker apart"),
    ]  # fmt: skip

    def pct(xs: list[float], q: float) -> float:
        return xs[min(len(xs) - 1, int(q * len(xs)))]

    now = sorted(r["at_once_s"])
    if now:
        figs.append(Figure(
            "vda5050", "verdict the core answers at once → the vehicle has the message, p99",
            round(pct(now, 0.99) * 1000, 2), "ms", "≤ 50 ms", pct(now, 0.99) <= 0.05,
            f"{len(now)} of {len(lat)} verdicts (the core's command in the same call); p50 "
            f"{pct(now, 0.5) * 1000:.2f} ms"))  # fmt: skip
    if lat:
        p50, p99 = pct(lat, 0.5), pct(lat, 0.99)
        figs += [
            Figure("vda5050", "verdict → the vehicle's next order/instant action/response, p50",
                   round(p50 * 1000, 2), "ms", notes=f"{len(lat)} verdicts, "
                   f"{r['no_message']} without a message in 5 s"),
            Figure("vda5050", "every verdict → the vehicle's next order/instant action/response, "
                   "p99",
                   round(p99 * 1000, 2), "ms", "≤ 50 ms", p99 <= 0.05,
                   "vehicles waiting in buffer places; a departure the core leaves to its next "
                   "dispatch round (10 s core time, 1 s here at 10x) waits for it"),
        ]  # fmt: skip
    return figs
