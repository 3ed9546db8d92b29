"""The runtime's own invariant monitor: collisions, uncleared crossings, the deadlock watchdog."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import simpy

from orchestrator.config import OrchestratorConfig
from orchestrator.domain.eventlog import LogEntry
from orchestrator.domain.traffic_events import VehicleWaiting
from orchestrator.ids import VehicleId
from orchestrator.lanegraph import NodeId, Side, Station, StationRole
from orchestrator.messages import Direction, RiskLevel
from orchestrator.traffic.resources import Resources
from sim.arrivals import Arrival, ContainerFate
from sim.customs import CustomsModel
from sim.invariants import CustomsWait, InvariantMonitor
from sim.scenario import load_scenario
from tests.sim.graphs import tiny_crossing

N = NodeId


def rig(**graph_kw: Any) -> tuple[simpy.Environment, InvariantMonitor, CustomsModel, list]:
    env = simpy.Environment()
    log: list[LogEntry] = []
    customs = CustomsModel(env, load_scenario("test_small").customs, lambda e: None,
                           random.Random(1))  # fmt: skip
    graph = tiny_crossing(**graph_kw)
    return env, InvariantMonitor(env, graph, 20.0, customs, log.append), customs, log


def agv(
    vid: str, node: str = "cn_yard", container: str | None = None, speed_mps: float = 0.0
) -> Any:
    on_board = [container] if container is not None else []
    return SimpleNamespace(
        id=vid, node=N(node), container=container, containers=lambda: on_board, speed_mps=speed_mps
    )


def test_headway_capacity_of_an_edge() -> None:
    env, mon, _, log = rig()
    g = tiny_crossing()
    edge = g.edge(N("cn_scan"), N("cn_gate"))  # 100 m / 20 m spacing: 5 vehicles
    assert mon.capacity[edge.key] == 5
    for i in range(5):
        mon.enter(agv(f"A{i}"), edge, 10.0)
    env.run()
    assert mon.collisions == 0
    mon.enter(agv("A5"), edge, 10.0)
    env.run()
    assert mon.collisions == 1
    assert log[-1].kind == "invariant.collision" and "6 vehicles" in log[-1].message


def test_leaving_the_lane_at_the_same_instant_is_no_collision() -> None:
    env, mon, _, _ = rig()
    g = tiny_crossing()
    spur = g.edge(N("cn_scan"), N("cn_hold"))  # 40 m: one vehicle
    nxt = g.edge(N("cn_hold"), N("cn_scan"))
    a = agv("A", "cn_scan")
    mon.enter(a, spur, 5.0)
    env.run()
    mon.enter(agv("B", "cn_scan"), spur, 5.0)  # B's process ran first ...
    mon.enter(a, nxt, 5.0)  # ... A drives on at the same simulated time
    env.run()
    assert mon.collisions == 0


def test_exclusive_lane_shared_in_opposite_directions_is_a_collision() -> None:
    env, mon, customs, log = rig(exclusive_border=True)
    g = tiny_crossing(exclusive_border=True)
    customs.records.clear()
    mon.enter(agv("A"), g.edge(N("cn_gate"), N("mn_gate")), 10.0)
    mon.enter(agv("B"), g.edge(N("mn_gate"), N("cn_gate")), 10.0)
    env.run()
    assert mon.collisions >= 1
    assert any("exclusive lane L3" in e.message for e in log)


def test_vehicle_stopped_off_station_keeps_its_lane_until_it_drives_on() -> None:
    _env, mon, _, _ = rig()
    g = tiny_crossing()
    a = agv("A", "cn_gate")
    mon.enter(a, g.edge(N("cn_scan"), N("cn_gate")), 10.0)
    mon.stopped(a)  # cn_gate is no station: still on the lane
    assert mon.on_edge[(N("cn_scan"), N("cn_gate"))] == 1
    mon.enter(a, g.edge(N("cn_gate"), N("mn_gate")), 10.0)
    assert mon.on_edge[(N("cn_scan"), N("cn_gate"))] == 0


def test_vehicles_stopped_at_a_gate_checkpoint_stand_on_their_lane() -> None:
    # The real maps put a GATE station (one place) on the gate node; vehicles queue there on the
    # approach lane (for the border grant, or stopped with no route left), they never pull in.
    env = simpy.Environment()
    log: list[LogEntry] = []
    customs = CustomsModel(env, load_scenario("test_small").customs, lambda e: None,
                           random.Random(1))  # fmt: skip
    g = tiny_crossing()
    g.stations["G1"] = Station("G1", StationRole.GATE, N("cn_gate"), Side.CN, None, 1)
    mon = InvariantMonitor(env, g, 20.0, customs, log.append)
    approach = g.edge(N("cn_scan"), N("cn_gate"))  # 100 m / 20 m spacing: 5 vehicles
    for vid in ("A", "B"):
        v = agv(vid, "cn_gate")
        mon.enter(v, approach, 10.0)
        mon.stopped(v)
    env.run()
    assert mon.collisions == 0
    assert mon.on_edge[approach.key] == 2  # both still count against the lane's headway
    for vid in ("C", "D", "E", "F"):
        mon.enter(agv(vid, "cn_gate"), approach, 10.0)
    env.run()
    assert mon.collisions == 1  # the sixth on a lane of five
    assert "6 vehicles on edge cn_scan->cn_gate" in log[-1].message


def test_parking_beyond_station_places_is_a_collision() -> None:
    _env, mon, _, _ = rig()
    g = tiny_crossing()
    e = g.edge(N("cn_scan"), N("cn_hold"))  # CN-H1 has one place
    for vid in ("A", "B"):
        v = agv(vid, "cn_hold")
        mon.enter(v, e, 5.0)
        mon.stopped(v)
    assert mon.collisions == 1


def test_crossing_without_clearance_is_counted() -> None:
    env, mon, customs, log = rig()
    g = tiny_crossing()
    fate = ContainerFate(RiskLevel.MEDIUM, 1.0, None, 0.0, False, 1.0, 1.0, False)
    customs.container_arrived(Arrival(0.0, "O1", "CSQU3054383", Direction.CN_TO_MN, (), fate))
    env.run(until=5)
    border = g.edge(N("cn_gate"), N("mn_gate"))
    mon.enter(agv("A", container="CSQU3054383"), border, 10.0)
    assert mon.uncleared_crossings == 1
    assert "MEDIUM" in log[-1].message
    customs.scan_outcome("CSQU3054383", 6.0)  # pre-drawn: clear
    mon.enter(agv("B", container="CSQU3054383"), border, 10.0)
    assert mon.uncleared_crossings == 1
    mon.enter(agv("C", container=None), border, 10.0)  # empty vehicles cross freely
    assert mon.uncleared_crossings == 1


def test_watchdog_flags_a_stall_once_and_not_while_vehicles_move() -> None:
    env, mon, _, log = rig()
    work = ["CSQU3054383"]
    env.process(mon.watchdog(600.0, lambda: work, lambda: False))
    env.run(until=3000)
    assert mon.deadlocks == 1  # one stall episode, flagged once
    assert log[-1].kind == "invariant.deadlock"

    env2, mon2, _, _ = rig()
    env2.process(mon2.watchdog(600.0, lambda: work, lambda: False))

    def mover():  # type: ignore[no-untyped-def]
        while True:
            yield env2.timeout(300)
            mon2.progress()

    env2.process(mover())
    env2.run(until=3000)
    assert mon2.deadlocks == 0


def test_deadlock_names_the_wait_for_cycle() -> None:
    env, mon, _, log = rig()
    g = tiny_crossing()
    a, b = agv("A", "cn_scan"), agv("B", "cn_gate")
    ab, ba = g.edge(N("cn_yard"), N("cn_scan")), g.edge(N("cn_scan"), N("cn_gate"))
    mon.enter(a, ab, 5.0)  # A stands at the end of yard->scan
    mon.enter(b, ba, 5.0)  # B stands at the end of scan->gate
    lanes = Resources(g, OrchestratorConfig()).lane
    mon.on_event(VehicleWaiting(1.0, VehicleId("A"), N("cn_scan"), lanes[ba.key]))
    mon.on_event(VehicleWaiting(1.0, VehicleId("B"), N("cn_gate"), lanes[ab.key]))
    assert sorted(mon.wait_for_cycle()) == ["A", "B"]
    env.process(mon.watchdog(600.0, lambda: ["CSQU3054383"], lambda: False))
    env.run(until=1300)
    assert mon.deadlocks == 1
    assert "wait-for cycle" in log[-1].message and log[-1].data["cycle"]


def test_a_stall_that_only_waits_for_customs_is_no_deadlock() -> None:
    env, mon, _, log = rig()
    waits = [CustomsWait("CSQU3054383", "no verdict", 125.0)]
    env.process(mon.watchdog(600.0, lambda: [], lambda: False, lambda: waits))
    env.run(until=3000)
    assert mon.deadlocks == 0
    assert mon.customs_wait_stalls == 1  # one stall, logged once
    (entry,) = [e for e in log if e.kind == "sim.customs_wait"]
    assert "CSQU3054383 (no verdict since d1 00:02)" in entry.message
    assert entry.data["waiting"] == [
        {"container_id": "CSQU3054383", "why": "no verdict", "since_s": 125.0}
    ]
