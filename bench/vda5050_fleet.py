"""VDA 5050 with the core: ``serve --fleet vda5050``'s fleet driving simulated vehicles.

Mosquitto on a free loopback port; ``VEHICLES`` simulated VDA 5050 vehicles (half 2.1, half
3.0) on the Erenhot – Zamyn-Uud map in two ``borderflow vda5050 sim`` processes (a process
per half, one MQTT connection per vehicle, 1 state/s each and on every change); in this
process the :class:`vda5050.fleet.VdaFleet` (the real core, the fleet link, the lease desk) at
the same time scale. Measured:

- states processed per second over the window (every one read, validated against the closed
  schema and given to the core), against the states the broker delivered in that window (a
  probe subscribed to the same topics counts them), and the CPU this process used meanwhile,
  as a share of one core (the simulators and the broker run in their own processes; the
  probe's own reading is included, so the figure is an upper bound);
- verdict → vehicle: transport orders for containers in the Chinese yard, without verdicts,
  are picked up and the vehicles wait short of the line; then each gets its clearing verdict
  (handed to the fleet as the bridge does, :meth:`VdaFleet.deliver`), and a probe MQTT client
  in this process stamps the first message that reaches that vehicle's ``order``,
  ``instantActions`` or ``responses`` topic after it. Reported: p50 and p99 of those
  latencies (the broker's hop included).
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["fleet_run"]

MAP = "erenhot_zamyn_uud"
SCALE = 10.0


def _fleet_toml(n: int, starts: list[str]) -> str:
    lines = [f'map = "{MAP}"', 'interface = "uagv"', "battery_kwh = 200.0", ""]
    for i in range(n):
        version = "2.1" if i % 2 == 0 else "3.0"
        lines += ["[[vehicle]]", f'id = "v{i:04d}"', 'manufacturer = "Bench"',
                  f'serial = "SN-{i:04d}"', f'version = "{version}"', f'start = "{starts[i]}"',
                  ""]  # fmt: skip
    return "\n".join(lines)


class _Probe:
    """Stamps when each vehicle's command topics receive a message (perf_counter)."""

    def __init__(self, port: int) -> None:
        import paho.mqtt.client as paho
        from paho.mqtt.enums import CallbackAPIVersion

        self.seen: dict[str, list[float]] = {}
        self.states = 0  # state messages the broker delivered (to this probe, as to the link)
        self.lock = threading.Lock()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-probe")
        self.client.on_message = self._on
        self.client.connect("127.0.0.1", port)
        for leaf in ("order", "instantActions", "responses", "state"):
            self.client.subscribe(f"uagv/+/Bench/+/{leaf}", qos=0)
        self.client.loop_start()

    def _on(self, _c: Any, _u: Any, msg: Any) -> None:
        t = time.perf_counter()
        if msg.topic.endswith("/state"):
            self.states += 1
            return
        serial = msg.topic.split("/")[3]
        with self.lock:
            self.seen.setdefault(serial, []).append(t)

    def first_after(self, serial: str, t0: float) -> float | None:
        with self.lock:
            return next((t for t in self.seen.get(serial, []) if t > t0), None)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def _wait(cond: Any, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def fleet_run(n: int, window_s: float, broker_port: int, folder: Path) -> dict[str, Any]:
    """The figures' raw numbers (see the module's doc)."""
    from maps import load_map
    from maps.fingerprint import map_identity
    from maps.fleet_start import start_nodes
    from orchestrator.domain.states import ContainerState, VehicleState
    from orchestrator.ids import OrderId
    from orchestrator.lanegraph import Side, StationRole
    from orchestrator.messages import Direction, OrderArrived, RiskLevel, VerdictIssued
    from vda5050.fleet import VdaFleet
    from vda5050.fleet_file import load_fleet_file
    from vda5050.mqtt import BrokerUrl

    graph = load_map(MAP)
    starts = [str(s) for s in start_nodes(graph, n)]
    path = folder / "fleet.toml"
    path.write_text(_fleet_toml(n, starts))
    fleet_file = load_fleet_file(path)
    url = f"mqtt://127.0.0.1:{broker_port}"
    sims = []
    half = (n + 1) // 2
    for part in (range(half), range(half, n)):
        args = [a for i in part for a in ("--vehicle", f"v{i:04d}")]
        sims.append(subprocess.Popen(
            [sys.executable, "-c", "from cli import main; main()", "vda5050", "sim", "--fleet",
             str(path), "--mqtt", url, "--time-scale", str(SCALE), "--state-hz", "1", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
    fleet = VdaFleet(fleet_file, graph, map_identity(MAP).map_id, BrokerUrl.parse(url),
                     time_scale=SCALE)  # fmt: skip
    probe = _Probe(broker_port)
    out: dict[str, Any] = {"n": n}
    try:
        fleet.start()
        joined = _wait(lambda: len(fleet.vehicle_ids()) == n, 120)
        out["joined"] = len(fleet.vehicle_ids())
        if not joined:
            return out
        # States in, with the core: every one processed, and this process's CPU.
        taken0 = sum(v.intake.taken for v in fleet.link.vehicles.values())
        seen0 = probe.states
        ru0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
        time.sleep(window_s)
        ru1, t1 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
        taken1 = sum(v.intake.taken for v in fleet.link.vehicles.values())
        out["delivered"] = probe.states - seen0
        out["taken"] = taken1 - taken0
        out["states_per_s"] = (taken1 - taken0) / (t1 - t0)
        out["cpu_cores"] = ((ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)) / (
            t1 - t0
        )
        out["refused"] = fleet.link.refused
        # Containers picked up without a verdict wait short of the line: then the verdict.
        slots = [s for s in graph.stations_with(StationRole.YARD_SLOT)
                 if graph.nodes[s.node].side is Side.CN]  # fmt: skip
        cids = []
        for k, slot in enumerate(slots):
            from orchestrator.domain.iso6346 import container_number

            cid = str(container_number("BNC", 700_000 + k))
            cids.append(cid)
            fleet.deliver(OrderArrived(fleet.now_s(), OrderId(f"bench-{k}"), cid,
                                       Direction.CN_TO_MN, slot.id, (f"BN-{k:08d}",)))  # fmt: skip

        def waiting() -> list[tuple[str, str]]:
            got = []
            for cid in cids:
                with fleet.lock:
                    if fleet.views.container_state(cid) is not ContainerState.ON_VEHICLE:
                        continue
                    vid = fleet.views.carrier(cid)
                    if vid is None:
                        continue
                    s = fleet.views.vehicle(vid)
                # Standing in a buffer (or hold) place, waiting for customs.
                if s.state is VehicleState.HOLDING and s.station is not None and not s.path:
                    got.append((cid, str(vid)))
            return got

        _wait(lambda: len(waiting()) >= len(cids), 180)
        latencies, at_once_latencies = [], []
        lost = 0
        for cid, vid in waiting():
            serial = "SN-" + vid[1:]
            t_send = time.perf_counter()
            commands = fleet.deliver(
                VerdictIssued(
                    fleet.now_s(), cid, RiskLevel.LOW, Direction.CN_TO_MN.origin, f"bench-v-{cid}"
                )
            )
            at_once = any(str(c.vehicle_id) == vid for c in commands)
            if _wait(lambda s=serial, t=t_send: probe.first_after(s, t) is not None, 5.0):
                got = probe.first_after(serial, t_send)
                assert got is not None
                latencies.append(got - t_send)
                if at_once:
                    at_once_latencies.append(got - t_send)
            else:
                lost += 1
            time.sleep(0.2)
        out["latencies_s"] = latencies
        out["at_once_s"] = at_once_latencies  # the core answered the verdict with a command
        out["no_message"] = lost
        return out
    finally:
        probe.close()
        fleet.stop()
        for s in sims:
            s.terminate()
        for s in sims:
            try:
                s.wait(timeout=20)
            except subprocess.TimeoutExpired:
                s.kill()


if __name__ == "__main__":  # a quick look: python -m bench.vda5050_fleet [N]
    from bench.bench_vda5050 import _broker

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    tmp = Path(tempfile.mkdtemp(prefix="bench-vda-fleet-"))
    proc, bport = _broker(tmp)
    try:
        print(fleet_run(count, 10.0, bport, tmp))
    finally:
        proc.terminate()
        shutil.rmtree(tmp, ignore_errors=True)
