"""ROS 2 benchmarks: verdict-to-AGV command latency and the orchestrator node under 100 AGVs.

Both run real processes over DDS with the project's loopback-only settings and a private
ROS_DOMAIN_ID (see docs/ros.md):

- latency: orchestrator + 8 simulated AGVs on test_crossing; containers arrive without a
  verdict, so loaded vehicles park (pre-border buffer, hold bay, or waiting for a lane). For every
  parked loaded vehicle the bench publishes a LOW verdict (stamped with the wall clock, at most
  every 0.3 s per vehicle); when the core can move the vehicle it answers with a command at once.
  Verdicts whose vehicle stays blocked (lane taken) give no command and no sample; a verdict for
  a vehicle mid-lane would only change its route at its next node, so none are sent then.
  The bench's subscriber on ``/agv/<id>/command`` is "the AGV process": latency is
  its receive time minus the verdict's stamp (copied into the command's ``cause_stamp``), so it
  counts publishing, DDS both ways and the core's handling. Goal p99 <= 25 ms.
- load: orchestrator + 100 simulated AGVs (4 processes) publishing odometry at 10 Hz and state at
  2 Hz, with orders flowing; CPU time of the orchestrator process from /proc over the window
  (goal < 1 core) and the odometry rate it actually received (goal: all of it, 1000 msg/s).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.figures import Figure

__all__ = ["run"]

AREA = "ros"


def _setup(domain_id: int) -> dict[str, str]:
    from cli.ros_cmd import activate_in_process

    return activate_in_process(domain_id)


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))] if s else float("nan")


def _decision_key(folder: Path) -> tuple[str, Any]:
    """A fresh bridge decision key: (public PEM path for the node, a signer for the client)."""
    from borderflow_ros.decision_auth import DecisionSigner
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from risk_bridge.ledger.keys import public_key_pem

    key = Ed25519PrivateKey.generate()
    folder.mkdir(parents=True, exist_ok=True)
    public = folder / "decisions.pub"
    public.write_bytes(public_key_pem(key.public_key()))
    return str(public), DecisionSigner(key)


def _latency(env: dict[str, str], quick: bool, logs: Path) -> list[Figure]:
    from borderflow_ros.client import RosClient, container_number

    from cli.ros_cmd import ProcessGroup, node_argv

    n_agvs = 8
    ids = [f"agv_{i:02d}" for i in range(1, n_agvs + 1)]
    group = ProcessGroup(env, logs / "latency")
    public, signer = _decision_key(logs / "latency")
    group.start("orchestrator", node_argv("orchestrator_node", {
        "map": "test_crossing", "dispatch_interval_s": 1.0, "decision_key": public}))  # fmt: skip
    group.start("agv_sim", node_argv("agv_sim_node", {
        "map": "test_crossing", "vehicles": n_agvs, "time_scale": 20.0,
        "load_time_s": 5.0, "unload_time_s": 5.0}))  # fmt: skip
    client = RosClient(ids, signer)
    samples_ms: list[float] = []
    verdict_stamps: set[tuple[int, int]] = set()
    loading: dict[str, str] = {}  # vehicle -> container being loaded
    carrying: dict[str, str] = {}  # vehicle -> container on board
    drive_end: dict[str, str] = {}  # vehicle -> last node of its latest Drive
    parked: set[str] = set()  # loaded vehicles standing at the end of their Drive

    def on_command(msg: Any, recv_s: float) -> None:
        key = (msg.cause_stamp.sec, msg.cause_stamp.nanosec)
        if key in verdict_stamps:
            samples_ms.append((recv_s - key[0] - key[1] * 1e-9) * 1e3)
            verdict_stamps.discard(key)
        vid = msg.vehicle_id
        if msg.kind == msg.KIND_PERFORM and msg.action == "load":
            loading[vid] = msg.container_id
        elif msg.kind == msg.KIND_PERFORM and msg.action == "unload":
            carrying.pop(vid, None)
        elif msg.kind == msg.KIND_DRIVE:
            drive_end[vid] = msg.path[-1]
            parked.discard(vid)

    def on_event(msg: Any) -> None:
        if msg.kind == msg.KIND_ACTION_DONE and msg.action == "load" and msg.vehicle_id in loading:
            carrying[msg.vehicle_id] = loading.pop(msg.vehicle_id)  # loaded: verdicts count now
        elif msg.kind == msg.KIND_AT_NODE and msg.node == drive_end.get(msg.vehicle_id):
            parked.add(msg.vehicle_id)

    from borderflow_interfaces.msg import VehicleEvent
    from borderflow_ros import qos

    client.node.create_subscription(VehicleEvent, qos.VEHICLE_EVENTS_TOPIC, on_event,
                                    qos.event_qos())  # fmt: skip
    client.on_command = on_command
    want = 40 if quick else 200
    verdicts_sent = 0
    deadline = time.monotonic() + (90 if quick else 300)
    try:
        client.wait_for("vehicles joined", lambda: len(client.status()["vehicles"]) == n_agvs, 30)
        serial, slots = 0, {"CN->MN": "cn_slot_0", "MN->CN": "mn_slot_0"}
        last_sent: dict[str, float] = {}
        while len(samples_ms) < want and time.monotonic() < deadline:
            status = client.status()
            active = status["orders_open"] + status["orders_assigned"] + status["orders_picked_up"]
            while active < n_agvs:  # keep the fleet busy
                serial += 1
                direction = "CN->MN" if serial % 2 else "MN->CN"
                cid = container_number("BEN", serial)
                client.order(f"b-{serial}", cid, direction, f"{slots[direction]}{serial % 4 + 1}")
                active += 1
            now = time.monotonic()
            for vid in sorted(parked & set(carrying)):
                if now - last_sent.get(vid, 0.0) < 0.3:
                    continue
                last_sent[vid] = now
                cid = carrying[vid]
                side = "CN" if int(cid[4:10]) % 2 else "MN"
                verdicts_sent += 1
                verdict_stamps.add(client.verdict(f"bv-{cid}-{verdicts_sent}", cid, 1, side))
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        client.close()
        group.stop()
    p50, p99 = _pct(samples_ms, 0.5), _pct(samples_ms, 0.99)
    worst = max(samples_ms, default=float("nan"))
    notes = (
        f"{len(samples_ms)} of {verdicts_sent} verdicts answered by a command at once, "
        f"{n_agvs} AGVs on test_crossing at 20x; p50 {p50:.2f} ms, max {worst:.2f} ms"
    )
    name = "verdict posted -> command received by the AGV process, p99"
    return [Figure(AREA, name, round(p99, 2), "ms", "<= 25 ms", bool(p99 <= 25.0), notes)]


def _load(env: dict[str, str], quick: bool, logs: Path) -> list[Figure]:
    from borderflow_ros.client import RosClient, container_number

    from cli.ros_cmd import ProcessGroup, node_argv

    n_agvs, per_proc = 100, 25
    group = ProcessGroup(env, logs / "load")
    public, signer = _decision_key(logs / "load")
    orch = group.start("orchestrator", node_argv("orchestrator_node", {
        "map": "test_crossing", "dispatch_interval_s": 1.0, "decision_key": public}))  # fmt: skip
    for first in range(1, n_agvs + 1, per_proc):
        group.start(f"agv_sim_{first:03d}", node_argv("agv_sim_node", {
            "map": "test_crossing", "vehicles": per_proc, "first_index": first,
            "fleet_size": n_agvs, "odom_rate_hz": 10.0, "time_scale": 5.0}))  # fmt: skip
    client = RosClient([], signer)
    window_s = 10.0 if quick else 30.0
    try:
        client.wait_for("100 vehicles joined",
                        lambda: len(client.status()["vehicles"]) == n_agvs, 90)  # fmt: skip
        for i in range(1, 9):
            direction = "CN->MN" if i % 2 else "MN->CN"
            cid = container_number("LOD", i)
            prefix = "cn" if direction == "CN->MN" else "mn"
            client.order(f"l-{i}", cid, direction, f"{prefix}_slot_0{(i - 1) // 2 % 4 + 1}")
            client.verdict(f"lv-{i}", cid, 1, prefix.upper())
        time.sleep(2.0)
        s0, cpu0, t0 = client.status(), _cpu_s(orch.pid), time.monotonic()
        time.sleep(window_s)
        s1, cpu1, t1 = client.status(), _cpu_s(orch.pid), time.monotonic()
    finally:
        client.close()
        group.stop(timeout_s=10.0)
    cores = (cpu1 - cpu0) / (t1 - t0)
    rate = (s1["odometry_received"] - s0["odometry_received"]) / (t1 - t0)
    return [
        Figure(
            AREA,
            "orchestrator node CPU with 100 AGVs at 10 Hz odometry",
            round(cores, 3),
            "cores",
            "< 1 core",
            bool(cores < 1.0),
            f"{window_s:.0f} s window, /proc utime+stime; 8 orders in flight; 2-core machine "
            "shared with the 4 simulator processes",
        ),
        Figure(
            AREA,
            "odometry received by the orchestrator node",
            round(rate, 1),
            "msg/s",
            ">= 1000 msg/s (100 x 10 Hz)",
            bool(rate >= 950.0),
            "best-effort QoS: a shortfall means dropped samples, not a backlog",
        ),
    ]


def _signatures(logs: Path) -> list[Figure]:
    """What a signed decision costs: the bridge signs, the node verifies (issue 13)."""
    from borderflow_interfaces.msg import RiskVerdict
    from borderflow_ros.decision_auth import Channel, DecisionVerifier, verdict_fields
    from cryptography.hazmat.primitives import serialization

    public, signer = _decision_key(logs / "signatures")
    key = serialization.load_pem_public_key(Path(public).read_bytes())
    msg = RiskVerdict(verdict_id="v-000001", container_id="CSQU3054383", level=3,
                      authority="CN", reason="manifest mismatch; seal 4481 unreadable")  # fmt: skip
    fields = verdict_fields(msg)
    n = 2000
    signed = []
    t0 = time.perf_counter()
    for _ in range(n):
        signed.append(signer.sign(Channel.VERDICT, fields))
    sign_us = (time.perf_counter() - t0) / n * 1e6
    verifier = DecisionVerifier(key)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    for one in signed:
        verifier.check(Channel.VERDICT, fields, one)
    verify_us = (time.perf_counter() - t0) / n * 1e6
    notes = f"{n} verdicts, Ed25519 (cryptography), canonical JSON included; one core"
    return [
        Figure(AREA, "decision signing (bridge side)", round(sign_us, 1), "us/decision",
               notes=notes),
        Figure(AREA, "decision check: signature + replay counter (node side)",
               round(verify_us, 1), "us/decision", notes=notes),
    ]  # fmt: skip


def run(quick: bool) -> list[Figure]:
    env = _setup(60 + os.getpid() % 40)
    logs = Path(tempfile.mkdtemp(prefix="bench_ros_"))
    figures = _signatures(logs) + _latency(env, quick, logs)
    if "--latency-only" in sys.argv:
        return figures
    return figures + _load(env, quick, logs)


if __name__ == "__main__":
    for fig in run(quick="--full" not in sys.argv):
        print(fig)
