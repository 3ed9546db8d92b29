"""One behavioural contract for every vehicle runtime: the same commands give the same reports.

The same command script (a reactive one: some commands answer a report, as the core's do) runs
against the SimPy virtual AGV (``sim.vehicle.VirtualAGV``), the ROS kinematic AGV
(``borderflow_ros.kinematic.KinematicAgv``) and the core tests' fake fleet
(``tests.orchestrator.fleet.FakeFleet``), on the same hand-built crossing. Timing differs (each
has its own motion model); the reports — which node, which action, which command they answer, in
which order — must not. A new runtime (VDA 5050, Gazebo) adds its adapter here.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.ids import CommandId, VehicleId
from orchestrator.lanegraph import NodeId
from orchestrator.messages import (
    ActionDone,
    ActionKind,
    Charge,
    Command,
    Drive,
    Event,
    Perform,
    RiskLevel,
    ScanCompleted,
    Stop,
    VehicleAtNode,
)
from tests.sim.graphs import tiny_crossing

V = VehicleId("AGV-1")
CID = "CSQU3054383"
Report = tuple[str, str, int]


def _path(*nodes: str) -> tuple[NodeId, ...]:
    return tuple(NodeId(n) for n in nodes)


def _script() -> tuple[list[Command], Callable[[Event], list[Command]]]:
    """Opening commands, and the commands that answer given reports."""
    opening: list[Command] = [Drive(V, _path("cn_yard", "cn_scan"), CommandId(1))]
    answers: dict[tuple[str, str, int], list[Command]] = {
        # A grant extended at the end of the last one: the next report names the new Drive.
        ("VehicleAtNode", "cn_scan", 1): [Drive(V, _path("cn_scan", "cn_gate"), CommandId(2))],
        ("VehicleAtNode", "cn_gate", 2): [Perform(V, ActionKind.LOAD, CID, CommandId(3))],
        ("ActionDone", "load", 3): [Perform(V, ActionKind.SCAN, CID, CommandId(4))],
        ("ActionDone", "scan", 4): [Charge(V, 150.0, CommandId(5))],
        ("ActionDone", "charge", 5): [Drive(V, _path("cn_gate", "mn_gate"), CommandId(6))],
        # A Stop to a vehicle standing still changes nothing; the next Drive goes on. (A Stop to a
        # moving vehicle is left out: which node it stops at depends on the network's timing.)
        ("VehicleAtNode", "mn_gate", 6): [
            Stop(V, "wait", CommandId(7)),
            Drive(V, _path("mn_gate", "mn_yard"), CommandId(8)),
        ],
        ("VehicleAtNode", "mn_yard", 8): [Perform(V, ActionKind.UNLOAD, CID, CommandId(9))],
    }

    def reply(e: Event) -> list[Command]:
        return answers.get(_report(e), [])

    return opening, reply


def _report(e: Event) -> Report:
    if isinstance(e, VehicleAtNode):
        return ("VehicleAtNode", str(e.node), int(e.command_id))
    if isinstance(e, ActionDone):
        return ("ActionDone", e.action.value, int(e.command_id))
    if isinstance(e, ScanCompleted):
        return ("ScanCompleted", e.container_id, int(e.command_id or 0))
    return (type(e).__name__, "", 0)


EXPECTED = [
    ("VehicleAtNode", "cn_scan", 1),
    ("VehicleAtNode", "cn_gate", 2),
    ("ActionDone", "load", 3),
    ("ScanCompleted", CID, 4),
    ("ActionDone", "scan", 4),
    ("ActionDone", "charge", 5),
    ("VehicleAtNode", "mn_gate", 6),
    ("VehicleAtNode", "mn_yard", 8),
    ("ActionDone", "unload", 9),
]


def _simpy() -> list[Report]:
    from tests.sim.rig import Rig

    opening, reply = _script()
    rig = Rig(reply)
    for c in opening:
        rig.agv.send(c)
    rig.env.run(until=20_000)
    return [_report(e) for e in rig.events]


def _kinematic() -> list[Report]:
    from borderflow_ros.kinematic import AgvSpec, KinematicAgv

    opening, reply = _script()
    agv = KinematicAgv(V, NodeId("cn_yard"), tiny_crossing(), AgvSpec())
    pending = list(opening)
    out: list[Report] = []
    t_s = 0.0
    for _ in range(20_000):
        for c in pending:
            agv.send(c)
        pending = []
        t_s += 0.5
        for e in agv.step(0.5, t_s):
            out.append(_report(e))
            pending += reply(e)
    return out


def _fake() -> list[Report]:
    from tests.orchestrator.fleet import FakeFleet, FakeVehicle

    opening, reply = _script()
    fleet = FakeFleet(tiny_crossing(), seed=1)
    fleet.vehicles[V] = FakeVehicle(V, NodeId("cn_yard"), 180.0)
    fleet.level[CID] = RiskLevel.LOW  # its own customs view: cleared to cross
    out: list[Report] = []

    def send(e: Event) -> None:  # the vehicle side only: reports go to the script, not a core
        out.append(_report(e))
        for c in reply(e):
            fleet.execute(c)

    fleet.send = send  # type: ignore[method-assign]
    for c in opening:
        fleet.execute(c)
    while fleet.heap:  # its own event loop, without the Ticks its run() sends a core
        t_s, _, fn = heapq.heappop(fleet.heap)
        fleet.clock.t_s = t_s
        fn()
    return out


RUNTIMES: dict[str, Callable[[], list[Report]]] = {
    "simpy": _simpy,
    "ros_kinematic": _kinematic,
    "fake_fleet": _fake,
}


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_the_same_commands_give_the_same_reports(ros_env: Any, runtime: str) -> None:
    assert RUNTIMES[runtime]() == EXPECTED


def test_the_script_is_not_trivially_satisfied(ros_env: Any) -> None:
    """The contract can fail: a vehicle that reports the Drive it started on for every node of
    an extended route does not conform."""
    reports = _simpy()
    assert reports != [(k, n, 1 if k == "VehicleAtNode" else c) for k, n, c in reports]
