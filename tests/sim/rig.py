"""A single virtual AGV on the tiny crossing with a scripted core, for timeline tests."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import simpy

from orchestrator.domain.eventlog import LogEntry
from orchestrator.lanegraph import NodeId
from orchestrator.messages import Command, Event
from sim.customs import CustomsModel
from sim.invariants import InvariantMonitor
from sim.scenario import load_scenario
from sim.vehicle import VirtualAGV
from tests.sim.graphs import tiny_crossing


class Rig:
    def __init__(
        self,
        reply: Callable[[Event], list[Command]] | None = None,
        *,
        start: str = "cn_yard",
        **fleet_overrides: float,
    ) -> None:
        scenario = load_scenario("test_small")
        self.fleet = replace(scenario.fleet, **fleet_overrides)
        self.env = simpy.Environment()
        self.graph = tiny_crossing()
        self.events: list[Event] = []
        self.log: list[LogEntry] = []
        self._reply = reply or (lambda e: [])
        self.customs = CustomsModel(self.env, scenario.customs, self.deliver, random.Random(1))
        self.monitor = InvariantMonitor(self.env, self.graph, 20.0, self.customs, self.log.append)
        self.delays: list[float] = []
        self.agv = VirtualAGV(
            self.env,
            "AGV-1",
            node=NodeId(start),
            graph=self.graph,
            spec=self.fleet,
            deliver=self.deliver,
            customs=self.customs,
            monitor=self.monitor,
            gate_nodes=frozenset({NodeId("cn_gate"), NodeId("mn_gate")}),
            record_delays=self.delays,
        )
        self.monitor.place(self.agv)

    def deliver(self, event: Event) -> None:
        self.events.append(event)
        for command in self._reply(event):
            self.agv.send(command)

    def answers(self) -> list[tuple[str, int | None]]:
        """(event type, the command id it names) for every report the AGV sent."""
        return [(type(e).__name__, getattr(e, "command_id", None)) for e in self.events]

    def timeline(self) -> list[tuple[str, float, str]]:
        """(event type, t_s rounded to ms, node or action) for every event the AGV sent."""
        out = []
        for e in self.events:
            what = getattr(e, "node", None) or getattr(getattr(e, "action", None), "value", "")
            out.append((type(e).__name__, round(e.t_s, 3), str(what)))
        return out
