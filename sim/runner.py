"""The simulation runner: one scenario, one SimPy environment, the core in the middle.

:class:`Simulation` is the composition root of a run. It loads the map, builds the core through
:mod:`sim.core_adapter`, creates one :class:`~sim.vehicle.VirtualAGV` process per vehicle, the
customs model, the arrival feeder, the closure schedule, the breakdown schedule, optional coarse
Ticks and the deadlock watchdog. Drive it with :meth:`Simulation.step` /
:meth:`Simulation.advance` (a server can do that a chunk at a time) or :meth:`Simulation.run`.
With ``realtime_factor`` the clock is a ``simpy.rt.RealtimeEnvironment`` running that many
simulated seconds per wall second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import simpy
import simpy.rt

from orchestrator.ids import VehicleId
from orchestrator.lanegraph import LaneGraph, NodeId
from orchestrator.messages import (
    Command,
    Event,
    LaneClosed,
    LaneOpened,
    RiskLevel,
    Tick,
    VehicleJoined,
)
from sim.arrivals import Arrival, draw_arrivals, stream
from sim.core_adapter import CorePort, SimClock, build_core
from sim.customs import CustomsModel, SealTracker
from sim.errors import ScenarioError
from sim.eventlog import RunLog
from sim.faults import check_fault_vehicles, fault_schedule
from sim.feeder import ArrivalFeeder
from sim.gates import GateDwell
from sim.gateway import FleetGateway
from sim.invariants import CustomsWait, InvariantMonitor
from sim.kinematics import edge_table
from sim.kpi import KpiAccumulator
from sim.run_checks import check_closures, check_gates, start_nodes
from sim.scenario import Fault, Scenario, fleet_vehicle_ids
from sim.simtypes import AgvState, ProcessGen
from sim.triggers import ScenarioTriggers
from sim.vehicle import VirtualAGV

if TYPE_CHECKING:
    from orchestrator.custody.events import LedgerPort
    from orchestrator.domain.eventlog import DomainEvent
    from orchestrator.domain.records import VehicleSnapshot
    from orchestrator.views import Views

__all__ = ["CoreFactory", "RunResult", "Simulation", "start_nodes"]  # (from sim.run_checks)

# Builds the core for a run (tests pass a scripted fake; the default is the real Orchestrator).
CoreFactory = Callable[[LaneGraph, Scenario, SimClock, RunLog], CorePort]


@dataclass(frozen=True)
class RunResult:
    kpis: dict[str, object]  # the JSON document: scenario, seed, kpis (no wall-clock values)
    log: RunLog


class Simulation:
    def __init__(
        self,
        scenario: Scenario,
        *,
        graph: LaneGraph | None = None,
        realtime_factor: float | None = None,
        ledger: LedgerPort | None = None,
        keep_log: bool = True,
        record_delays: bool = False,
        extra_listeners: tuple[Callable[[DomainEvent], None], ...] = (),
        core_factory: CoreFactory | None = None,
        arrivals: list[Arrival] | None = None,
        customs_to: Callable[[Event], object] | None = None,
        stamp_custody: bool = True,
        start_s: float = 0.0,
    ) -> None:
        """``customs_to``: where the simulated customs authorities' decisions (verdicts,
        officers' releases) go; default: straight to the core. A live bridge passes its own
        intake, so every decision the core sees went through the bridge. ``stamp_custody``:
        custody events get the scenario's time (epoch + simulated seconds); False leaves
        them to the ledger's clock (a live fleet: the wall clock). ``start_s``: the clock's first
        time (a world built around a live core starts at the core's now: sim/forecast/)."""
        if graph is None:
            from sim.mapref import load_scenario_map

            graph = load_scenario_map(scenario)
        check_closures(scenario, graph)
        check_gates(scenario, graph)
        self.scenario = scenario
        self.graph = graph
        self.duration_s = scenario.duration_h * 3600.0
        if realtime_factor is not None:
            if not realtime_factor > 0:
                raise ScenarioError(scenario.source, "--realtime", "must be > 0")
            self.env: simpy.Environment = simpy.rt.RealtimeEnvironment(
                start_s, factor=1.0 / realtime_factor, strict=False
            )
        else:
            self.env = simpy.Environment(start_s)
        env = self.env
        clock = scenario.timebase
        self.log = RunLog(keep_log, at=clock.iso_utc)
        self.kpi = KpiAccumulator(self.log.kinds)
        self.log.listen(self.kpi.on_event)
        self.customs = CustomsModel(
            env, scenario.customs, customs_to or self.deliver, stream(scenario.seed, "officers")
        )
        self.log.listen(self.customs.on_event)
        self._extra_listeners = extra_listeners
        for listener in extra_listeners:
            self.log.listen(listener)
        fleet = scenario.fleet
        self.monitor = InvariantMonitor(
            env,
            graph,
            fleet.vehicle_length_m + fleet.headway_m,
            self.customs,
            self.log.note,
            fleet.dynamics(),
            clock.day_clock,
        )
        self.log.listen(self.monitor.on_event)
        # The core's read-only views (None with a scripted test core).
        self.views: Views | None = None
        self._seals = SealTracker(self.customs, ledger, clock.iso_utc if stamp_custody else None)
        if core_factory is None:
            core = build_core(
                graph,
                scenario,
                clock=SimClock(env),
                sink=self.log,
                ledger=self._seals,
            )
            self.core: CorePort = core
            self.views = core.views
        else:
            self.core = core_factory(graph, scenario, SimClock(env), self.log)
            self.views = getattr(self.core, "views", None)  # a real core built elsewhere
        # Tests and servers may pass a fixed arrival list; else it is drawn from the seed.
        if arrivals is None:
            arrivals = draw_arrivals(
                scenario.arrivals, scenario.customs, self.duration_s, scenario.seed, clock
            )
        self.kpi.empty_ids = frozenset(a.container_id for a in arrivals if a.empty)
        self.triggers = ScenarioTriggers(
            env, graph, scenario.scripted, arrivals, self.customs, self.deliver, scenario.source
        )
        self.gate_dwell = GateDwell(graph, scenario.gates, stream(scenario.seed, "gates"))
        self._edges = edge_table(graph, fleet)
        self._gate_nodes = frozenset(g.node for g in graph.gates.values())
        self._watch = self.triggers if self.triggers.watching else None
        self._record_delays = record_delays
        self.delays: dict[str, list[float]] = {}
        self.vehicles: dict[VehicleId, VirtualAGV] = {}
        ids = fleet_vehicle_ids(fleet.agvs)
        check_fault_vehicles(scenario, ids)
        for vid, node in zip(ids, start_nodes(graph, fleet.agvs, scenario.source), strict=True):
            self.vehicles[vid] = self._agv(vid, node)
        self.gateway = FleetGateway(self.vehicles)
        for vid in sorted(self.vehicles):
            self.monitor.place(self.vehicles[vid])
        for vid in sorted(self.vehicles):
            v = self.vehicles[vid]
            self.deliver(VehicleJoined(0.0, vid, v.node, v.battery_kwh))
        self._feeder = ArrivalFeeder(env, graph, scenario, self.customs, self.deliver, arrivals)
        for closure in scenario.closures:
            env.process(self._closure(closure.target, closure.is_zone, closure.from_s,
                                      closure.to_s, closure.reason))  # fmt: skip
        self.faults = fault_schedule(scenario, ids, self.duration_s)
        for fault in self.faults:
            env.process(self._fault(fault))
        if scenario.tick_s > 0:
            env.process(self._ticks(scenario.tick_s))
        env.process(
            self.monitor.watchdog(
                scenario.watchdog_min * 60.0, self._waiting_work, self._busy, self._customs_waits
            )
        )

    # ----------------------------------------------------------------------------- plumbing

    def deliver(self, event: Event) -> list[Command]:
        """Hand one event to the core and pass its commands to the vehicles (returned too)."""
        send = self.gateway.send
        commands = self.core.handle(event)
        for command in commands:
            send(command)
        return commands

    def _agv(self, vid: VehicleId, node: NodeId) -> VirtualAGV:
        rec = self.delays.setdefault(vid, []) if self._record_delays else None
        return VirtualAGV(
            self.env,
            vid,
            node=node,
            graph=self.graph,
            spec=self.scenario.fleet,
            deliver=self.deliver,
            customs=self.customs,
            monitor=self.monitor,
            gate_nodes=self._gate_nodes,
            record_delays=rec,
            edge_info=self._edges,
            gate_dwell=self.gate_dwell,
            watch=self._watch,
        )

    # ------------------------------------------------------------------ what-if hooks
    # (sim/forecast/: a forked copy of a live run changes its future through these)

    def add_vehicle(self, vehicle_id: VehicleId, node: NodeId) -> VirtualAGV:
        """A new AGV joins now at ``node`` (full battery as the fleet starts)."""
        if vehicle_id in self.vehicles:
            raise ScenarioError(self.scenario.source, "fleet", f"{vehicle_id} is already here")
        agv = self.vehicles[vehicle_id] = self._agv(vehicle_id, node)
        self.monitor.place(agv)
        self.deliver(VehicleJoined(self.env.now, vehicle_id, node, agv.battery_kwh))
        return agv

    @property
    def custody(self) -> LedgerPort:
        """Where the core's custody events go in this run: the seal tracker in front of the
        ledger (a core built elsewhere is given it: sim/forecast/world.py)."""
        return self._seals

    def adopt_vehicle(self, vehicle_id: VehicleId, node: NodeId) -> VirtualAGV:
        """A vehicle the core already knows stands at ``node`` (a world built around a live
        core: sim/forecast/world.py); the core is not told, it has the vehicle."""
        if vehicle_id in self.vehicles:
            raise ScenarioError(self.scenario.source, "fleet", f"{vehicle_id} is already here")
        agv = self.vehicles[vehicle_id] = self._agv(vehicle_id, node)
        self.monitor.place(agv)
        return agv

    def detach(self) -> None:
        """Cut this run off from everything outside it: the simulated authorities' decisions go
        straight to the core, custody events to no ledger, the runtime's extra listeners are
        dropped. A forked copy of a live run (sim/forecast/) does this first: it must not
        write to the live ledger or wake the live bridge."""
        self.customs.redirect(self.deliver)
        self._seals.detach()
        for listener in self._extra_listeners:
            self.log.unlisten(listener)
        self._extra_listeners = ()

    def replace_future_arrivals(self, arrivals: list[Arrival]) -> None:
        """From now on these arrive instead of the ones still to come (times after now)."""
        self._feeder.replace_future(arrivals)
        self.kpi.empty_ids = frozenset(a.container_id for a in self.arrivals if a.empty)

    @property
    def arrivals(self) -> list[Arrival]:
        """Every arrival of the run, past and to come, by time."""
        return self._feeder.arrivals

    def _closure(
        self, target: str, is_zone: bool, from_s: float, to_s: float, reason: str
    ) -> ProcessGen:
        yield self.env.timeout(from_s)
        self.deliver(LaneClosed(self.env.now, target, is_zone, reason))
        yield self.env.timeout(to_s - from_s)
        self.deliver(LaneOpened(self.env.now, target, is_zone))

    def _fault(self, fault: Fault) -> ProcessGen:
        env = self.env
        yield env.timeout(fault.at_s)
        agv = self.vehicles[VehicleId(fault.vehicle_id)]
        while agv.fault_reason is not None:  # still rolling to its stop after the last fault
            yield env.timeout(1.0)
        agv.fault(fault.reason)
        yield env.timeout(fault.repair_s)
        agv.repair()

    def _ticks(self, tick_s: float) -> ProcessGen:
        while True:
            yield self.env.timeout(tick_s)
            self.deliver(Tick(self.env.now))

    def _busy(self) -> bool:
        # A vehicle out of service counts: a stall behind it ends with its repair.
        return any(
            v.edge is not None or v.state in (AgvState.WORKING, AgvState.CHARGING, AgvState.FAULTED)
            for v in self.vehicles.values()
        )

    def _waiting_work(self) -> list[str]:
        """Containers that could move: with a verdict, not held, not delivered (by the customs
        model's own record, not the core's)."""
        out = []
        for cid, rec in sorted(self.customs.records.items()):
            if rec.level is RiskLevel.UNKNOWN or rec.on_hold or rec.release_pending:
                continue
            if not self._delivered(cid):
                out.append(cid)
        return out

    def _customs_waits(self) -> list[CustomsWait]:
        """Containers that wait for a customs decision: no verdict yet, or a hold not released."""
        out = []
        for cid, rec in sorted(self.customs.records.items()):
            if self._delivered(cid):
                continue
            if rec.on_hold or rec.release_pending:
                out.append(CustomsWait(cid, "on hold, release pending", rec.hold_since_s))
            elif rec.level is RiskLevel.UNKNOWN:
                out.append(CustomsWait(cid, "no verdict", rec.arrival.t_s))
        return out

    def _delivered(self, container_id: str) -> bool:
        return container_id in self.kpi.delivered_ids

    # ------------------------------------------------------------------------------ driving

    @property
    def now_s(self) -> float:
        return float(self.env.now)

    def vehicle_snapshots(self) -> list[VehicleSnapshot]:
        """Every vehicle's position now, by id (for mirrors and consoles; read-only)."""
        return [self.vehicles[vid].snapshot() for vid in sorted(self.vehicles)]

    def vehicle_snapshot(self, vehicle_id: str) -> VehicleSnapshot | None:
        """One vehicle's position now (None: no such vehicle)."""
        v = self.vehicles.get(VehicleId(vehicle_id))
        return None if v is None else v.snapshot()

    @property
    def done(self) -> bool:
        return self.env.now >= self.duration_s

    def step(self) -> None:
        """Process one SimPy event (a server can interleave this with its own work)."""
        self.env.step()

    def advance(self, until_s: float) -> None:
        """Run up to ``until_s`` (capped at the scenario's end)."""
        target = min(until_s, self.duration_s)
        if target > self.env.now:
            self.env.run(until=target)

    def run(
        self, progress: Callable[[float], None] | None = None, chunk_s: float = 900.0
    ) -> RunResult:
        while not self.done:
            self.advance(self.env.now + chunk_s)
            if progress is not None:
                progress(self.now_s)
        return self.result()

    def result(self) -> RunResult:
        arrived: dict[str, int] = {}
        for a in self.arrivals:
            if a.t_s <= self.env.now:
                arrived[a.direction.value] = arrived.get(a.direction.value, 0) + 1
        kpis = self.kpi.summary(
            duration_s=float(self.env.now),
            vehicles=self.vehicles.values(),
            customs=self.customs,
            monitor=self.monitor,
            arrivals=dict(sorted(arrived.items())),
            faults_scheduled=(
                sum(f.at_s <= self.env.now for f in self.faults) if self.faults else None
            ),
            container_places=self.scenario.fleet.container_places,
            empties=(
                self.scenario.arrivals.cn_to_mn_empty_share > 0.0
                or self.scenario.arrivals.mn_to_cn_empty_share > 0.0
            ),
        )
        doc: dict[str, object] = {
            "scenario": self.scenario.name,
            "map": self.graph.name,
            "seed": self.scenario.seed,
            "simulated_h": float(self.env.now) / 3600.0,
            "time": self._time_doc(),
            "agvs": len(self.vehicles),
            "kpis": kpis,
        }
        return RunResult(doc, self.log)

    def _time_doc(self) -> dict[str, str]:
        """When the run was, by the scenario's clock (no wall-clock value)."""
        clock, now = self.scenario.timebase, float(self.env.now)
        return {
            "start_utc": clock.iso_utc(0.0),
            "end_utc": clock.iso_utc(now),
            "time_zone": clock.time_zone,
            "local": clock.span(now),
        }
