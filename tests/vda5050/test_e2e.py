"""End to end over a real Mosquitto broker: the core drives simulated VDA 5050 vehicles (one
2.1, one 3.0, in their own process) with orders, their states come back as its events, and a
LOW-risk container crosses the line and is delivered. Every message borderflow sent validates
against the official schema of its vehicle's version."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from maps import load_map
from maps.fingerprint import map_identity
from orchestrator.core import Orchestrator
from orchestrator.domain.customs_events import BorderCrossed
from orchestrator.domain.events import OrderDelivered
from orchestrator.ids import OrderId, StationId
from orchestrator.messages import Direction, OrderArrived, RiskLevel, VerdictIssued
from sim.core_adapter import core_config
from sim.scenario import load_scenario
from vda5050.fleet_file import load_fleet_file
from vda5050.fleet_link import VdaFleetLink
from vda5050.mqtt import BrokerUrl
from vda5050.validate import check

pytestmark = pytest.mark.timeout(300)

FLEET = Path("vda5050/fleets/test_crossing.toml")
SCALE = 10.0


class Sink:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def emit(self, event: Any) -> None:
        self.events.append(event)


class ScaledClock:
    """Seconds since start at the simulator's time scale."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()

    def now_s(self) -> float:
        return (time.monotonic() - self.t0) * SCALE


def _wait(what: str, cond: Any, timeout_s: float, log: Path | None = None) -> None:
    end = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > end:
            extra = log.read_text()[-3000:] if log is not None and log.exists() else ""
            raise AssertionError(f"timed out waiting for {what}\n{extra}")
        time.sleep(0.2)


def test_a_low_risk_container_crosses_on_vda5050_vehicles(mqtt_url: str, tmp_path: Path) -> None:
    fleet = load_fleet_file(FLEET)
    graph = load_map(fleet.map_ref)
    map_id = map_identity(fleet.map_ref).map_id
    log = tmp_path / "sim.log"
    with log.open("w") as sink_file:
        sim = subprocess.Popen(
            [sys.executable, "-c", "from cli import main; main()", "vda5050", "sim",
             "--fleet", str(FLEET), "--mqtt", mqtt_url, "--time-scale", str(SCALE),
             "--state-hz", "2"],
            stdout=sink_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    sink, clock = Sink(), ScaledClock()
    core = Orchestrator(graph, core_config(load_scenario("test_small")), clock=clock, sink=sink)
    refusals: list[str] = []
    link = VdaFleetLink(fleet, graph, map_id, BrokerUrl.parse(mqtt_url), deliver=core.handle,
                        now_s=clock.now_s, lock=threading.Lock(),
                        on_refusal=refusals.append)  # fmt: skip
    try:
        link.start()
        _wait("both vehicles to join", lambda: all(v.joined for v in link.vehicles.values()),
              30, log)  # fmt: skip
        cid = "CSQU3054383"
        link.submit(VerdictIssued(clock.now_s(), cid, RiskLevel.LOW, Direction.CN_TO_MN.origin,
                                  "vd-1"))  # fmt: skip
        link.submit(OrderArrived(clock.now_s(), OrderId("o1"), cid, Direction.CN_TO_MN,
                                 StationId("cn_slot_01"), ("EZ-20260001",)))  # fmt: skip
        delivered = lambda: any(isinstance(e, OrderDelivered) for e in sink.events)  # noqa: E731
        _wait("the container to be delivered", delivered, 240, log)
    finally:
        link.close()
        sim.terminate()
        sim.wait(timeout=20)
    crossed = [e for e in sink.events if isinstance(e, BorderCrossed)]
    assert [e.container_id for e in crossed] == [cid]
    assert link.failure is None and link.refused == 0, refusals
    versions = {v.track.ref.serial_number: v.track.ref.version for v in link.vehicles.values()}
    assert link.sent, "nothing was sent"
    for topic, msg in link.sent:
        version = versions[topic.split("/")[3]]
        check(topic.rsplit("/", 1)[1], version, msg)
    assert "refused" not in log.read_text()  # the strict simulator took every order


def test_a_vehicle_that_drops_off_is_isolated_by_its_last_will(
    mqtt_url: str, tmp_path: Path
) -> None:
    from orchestrator.domain.events import VehicleOutOfService

    fleet = load_fleet_file(FLEET)
    graph = load_map(fleet.map_ref)
    map_id = map_identity(fleet.map_ref).map_id
    log = tmp_path / "sim.log"
    with log.open("w") as sink_file:
        sim = subprocess.Popen(
            [sys.executable, "-c", "from cli import main; main()", "vda5050", "sim",
             "--fleet", str(FLEET), "--mqtt", mqtt_url, "--time-scale", str(SCALE)],
            stdout=sink_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    sink, clock = Sink(), ScaledClock()
    core = Orchestrator(graph, core_config(load_scenario("test_small")), clock=clock, sink=sink)
    link = VdaFleetLink(fleet, graph, map_id, BrokerUrl.parse(mqtt_url), deliver=core.handle,
                        now_s=clock.now_s)  # fmt: skip
    try:
        link.start()
        _wait("both vehicles to join", lambda: all(v.joined for v in link.vehicles.values()),
              30, log)  # fmt: skip
        sim.kill()  # no clean disconnect: the broker publishes each vehicle's last will
        sim.wait(timeout=10)
        out = lambda: {str(e.vehicle_id) for e in sink.events  # noqa: E731
                       if isinstance(e, VehicleOutOfService)}  # fmt: skip
        _wait("both vehicles to be isolated", lambda: out() == {"agv_01", "agv_02"}, 30, log)
        assert all(v.cut_off for v in link.vehicles.values())
    finally:
        link.close()
        if sim.poll() is None:
            sim.kill()
