"""The thin seam between the SimPy runtime and the core: clock, config and construction.

Everything the runtime knows about building an ``Orchestrator`` lives here, so a change of the
core's constructor touches one file. The scenario's fleet specification is translated into the
core's :class:`~orchestrator.config.OrchestratorConfig` (battery, consumption, headway).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import simpy

from orchestrator.config import OrchestratorConfig
from orchestrator.lanegraph import LaneGraph
from orchestrator.messages import Command, Event
from orchestrator.ports import EventSink
from sim.scenario import Scenario

if TYPE_CHECKING:
    from orchestrator.core import Orchestrator
    from orchestrator.custody.events import LedgerPort

__all__ = ["CorePort", "SimClock", "build_core", "core_config"]


class SimClock:
    """The core's Clock on SimPy time."""

    __slots__ = ("_env",)

    def __init__(self, env: simpy.Environment) -> None:
        self._env = env

    def now_s(self) -> float:
        return float(self._env.now)


class CorePort(Protocol):
    """What the runtime calls on the core."""

    def handle(self, event: Event) -> list[Command]: ...


def core_config(scenario: Scenario) -> OrchestratorConfig:
    fleet = scenario.fleet
    return OrchestratorConfig.for_fleet(
        vehicle_length_m=fleet.vehicle_length_m,
        headway_m=fleet.headway_m,
        battery_capacity_kwh=fleet.battery_kwh,
        consumption_kwh_per_km=fleet.drive_kwh_per_km,
        container_places=fleet.container_places,
        pair_wait_s=fleet.pair_wait_s,
    )


def build_core(
    graph: LaneGraph,
    scenario: Scenario,
    *,
    clock: SimClock,
    sink: EventSink,
    ledger: LedgerPort | None = None,
) -> Orchestrator:
    from orchestrator.core import Orchestrator

    return Orchestrator(graph, core_config(scenario), clock=clock, sink=sink, ledger=ledger)
