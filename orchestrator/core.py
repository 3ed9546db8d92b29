"""The Orchestrator facade: events in, commands and typed domain events out.

``Orchestrator.__init__`` is the wiring diagram of the core: each part is built from exactly the
collaborators it needs and owns its own data (docs/architecture.md draws it). :meth:`handle` is
the one entry point. Every event is first *checked* by the part that owns it (which raises, and
changes nothing, if the event does not fit: a refused event leaves the core exactly as it was,
tests/orchestrator/test_atomic.py) and then *applied*; after that, woken vehicles are resumed
and, when due, a dispatch round runs. An error while applying an accepted event is a fault of
the core or of a port: the core raises :class:`~orchestrator.errors.CoreInconsistentError` and
refuses every later event (its state may be half-changed).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from orchestrator.agenda import Agenda
from orchestrator.closures import Closures
from orchestrator.config import OrchestratorConfig
from orchestrator.costs import standard_profiles
from orchestrator.custody.events import LedgerPort
from orchestrator.customs import CustomsSteps
from orchestrator.delivery_slots import DeliverySlots
from orchestrator.dispatch_plan import Dispatcher
from orchestrator.domain.events import MapWarning
from orchestrator.energy import EnergyRule
from orchestrator.errors import CoreInconsistentError, ForkError, UnexpectedEventError
from orchestrator.faults import Faults
from orchestrator.fork import freeze, thaw
from orchestrator.idle_moves import IdleMoves
from orchestrator.intake import Intake
from orchestrator.jobs import Jobs
from orchestrator.journal import Journal
from orchestrator.lane_events import LaneEvents
from orchestrator.lanegraph import LaneGraph
from orchestrator.mapcheck import map_warnings
from orchestrator.messages import (
    ActionDone,
    Command,
    Event,
    HoldReleased,
    LaneClosed,
    LaneOpened,
    OrderArrived,
    ScanCompleted,
    SealChecked,
    Tick,
    VehicleAtNode,
    VehicleFaulted,
    VehicleJoined,
    VehicleRecovered,
    VerdictIssued,
)
from orchestrator.movement import Movement
from orchestrator.outbox import Outbox
from orchestrator.pairing import Pairing
from orchestrator.parking import Parking
from orchestrator.ports import Clock, EventSink
from orchestrator.rounds import DispatchRound
from orchestrator.router import Router
from orchestrator.snapshot import container_data, plain, vehicle_data
from orchestrator.stations import StationIndex
from orchestrator.stops import StopPolicy
from orchestrator.traffic.allocator import Allocator
from orchestrator.traffic.manager import TrafficManager
from orchestrator.traffic.resources import Resources
from orchestrator.views import Views
from orchestrator.wakeups import Wakeups
from orchestrator.world import World

__all__ = ["Orchestrator"]

Check = Callable[[Any], Any]
Apply = Callable[[Any, Any], None]


def _nothing(_event: object) -> None:
    return None


def _event_table(
    intake: Intake,
    movement: Movement,
    jobs: Jobs,
    customs: CustomsSteps,
    lanes: LaneEvents,
    faults: Faults,
) -> dict[type, tuple[Check, Apply]]:
    """Which part checks and which applies each inbound event."""
    return {
        VehicleJoined: (intake.check_join, intake.apply_join),
        OrderArrived: (intake.check_order, intake.apply_order),
        VehicleAtNode: (movement.check_arrival, movement.apply_arrival),
        ActionDone: (jobs.check_action_done, jobs.apply_action_done),
        ScanCompleted: (customs.check_scan, customs.apply_scan),
        VerdictIssued: (customs.check_verdict, customs.apply_verdict),
        HoldReleased: (customs.check_release, customs.apply_release),
        SealChecked: (customs.check_seal, customs.apply_seal),
        LaneClosed: (lanes.check, lanes.apply_closed),
        LaneOpened: (lanes.check, lanes.apply_opened),
        Tick: (_nothing, lanes.apply_tick),
        VehicleFaulted: (faults.check_fault, faults.apply_fault),
        VehicleRecovered: (faults.check_recovery, faults.apply_recovery),
    }


_INF = math.inf
_WITH_BATTERY = frozenset({VehicleJoined, VehicleAtNode, ActionDone, VehicleRecovered})


def _check_numbers(event: Event) -> None:
    """Time and battery charge must be real numbers (a NaN would poison every comparison).

    Chained comparisons are False for NaN: one test per number, on every event."""
    if not -_INF < event.t_s < _INF:
        raise UnexpectedEventError(
            f"{type(event).__name__}: t_s is {event.t_s}; send the time in seconds as a number"
        )
    if type(event) in _WITH_BATTERY and not 0.0 <= event.battery_kwh < _INF:  # type: ignore[union-attr]
        raise UnexpectedEventError(
            f"{type(event).__name__} for vehicle {getattr(event, 'vehicle_id', '?')}: "
            f"battery_kwh is {getattr(event, 'battery_kwh', None)}; it must be a number >= 0"
        )


class Orchestrator:
    """One crossing's orchestrator. Single-threaded: callers serialise ``handle`` calls."""

    def __init__(
        self,
        graph: LaneGraph,
        config: OrchestratorConfig,
        *,
        clock: Clock,
        sink: EventSink,
        ledger: LedgerPort | None = None,
    ) -> None:
        # What it was given, by name: left out of a frozen copy (orchestrator/fork.py)
        self._ports: dict[str, object] = {"graph": graph, "clock": clock, "sink": sink,
                                          "ledger": ledger}  # fmt: skip
        # State and bookkeeping
        world = self._world = World(graph, config)
        energy = EnergyRule.of(config)
        journal = Journal(world, sink, ledger)
        outbox = self._outbox = Outbox()
        agenda = self._agenda = Agenda(config.dispatch_interval_s)
        # Lanes, places and routes
        closures = Closures(graph)
        router = Router(graph, standard_profiles(config.exclusive_penalty_s), closures.blocked)
        resources = Resources(graph, config)
        alloc = self._alloc = Allocator()
        stations = StationIndex(graph, resources, alloc)
        traffic = self._traffic = TrafficManager(graph, config, router, alloc, resources)
        # Decisions
        slots = DeliverySlots(stations, closures, router, alloc)
        dispatcher = Dispatcher(world, stations, closures, router, alloc, slots, energy, agenda)
        stops = StopPolicy(world, stations, closures, router, alloc, slots, journal, agenda)
        parking = Parking(world, stations, router, alloc, stops, energy, dispatcher.memory)
        movement = Movement(world, traffic, alloc, resources, stations, stops, parking,
                            journal, outbox, agenda, energy)  # fmt: skip
        self._wakeups = Wakeups(world, alloc, stations, router, stops, movement, agenda,
                                dispatcher.memory)  # fmt: skip
        jobs = Jobs(world, stops, movement, journal, outbox, agenda)
        customs = CustomsSteps(world, jobs, journal, outbox)
        idle = IdleMoves(world, stations, closures, alloc, stops, parking, movement, journal,
                         energy, traffic.admission_limit)  # fmt: skip
        pairing = (
            Pairing(world, stations, closures, router, alloc, energy)
            if config.container_places == 2
            else None
        )
        self.rounds = DispatchRound(world, stations, alloc, dispatcher, slots, stops, idle,
                                    movement, journal, agenda, energy, pairing)  # fmt: skip
        faults = Faults(world, traffic, alloc, stations, stops, idle, jobs, journal, outbox,
                        agenda, energy)  # fmt: skip
        intake = Intake(world, traffic, alloc, stations, journal, outbox, agenda)
        lanes = LaneEvents(world, closures, router, self._wakeups, journal, agenda)
        self.views = Views(world, clock, traffic, alloc, stations, closures, jobs)
        self._journal, self._closures, self._memory = journal, closures, dispatcher.memory
        # Events in: who checks and who applies each one
        self._handlers = _event_table(intake, movement, jobs, customs, lanes, faults)
        self._broken: Exception | None = None
        for warning in map_warnings(graph):
            journal.emit(MapWarning(0.0, graph.name, warning))

    # ------------------------------------------------------------------ entry point

    def handle(self, event: Event) -> list[Command]:
        """Apply one event; return the commands it causes (for any vehicle)."""
        if self._broken is not None:
            raise CoreInconsistentError(
                f"the core refuses {type(event).__name__}: it failed applying an earlier event "
                f"({type(self._broken).__name__}: {self._broken}); restart the fleet's core"
            )
        handlers = self._handlers.get(type(event))
        if handlers is None:
            raise UnexpectedEventError(f"{type(event).__name__} is not a core event")
        t_s = event.t_s
        if not -_INF < t_s < _INF or (
            type(event) in _WITH_BATTERY and not 0.0 <= event.battery_kwh < _INF  # type: ignore[union-attr]
        ):
            _check_numbers(event)  # raises, saying which number
        checked = handlers[0](event)  # raises if the event does not fit: nothing changed
        self._world.now_s = t_s
        agenda, outbox = self._agenda, self._outbox
        try:
            handlers[1](event, checked)
            if agenda.pending or self._alloc.freed:
                self._wakeups.settle()
            if (agenda.dispatch_needed or t_s >= agenda.due_s) and agenda.round_due(t_s):
                self.rounds.run()
                self._wakeups.settle()
        except Exception as exc:
            self._broken = exc
            outbox.take()
            raise CoreInconsistentError(
                f"the core failed applying {type(event).__name__} ({type(exc).__name__}: "
                f"{exc}); it refuses further events"
            ) from exc
        out, outbox.out = outbox.out, []  # Outbox.take(), inlined: once per event
        return out

    @property
    def healthy(self) -> bool:
        """False once applying an accepted event failed (see :meth:`handle`)."""
        return self._broken is None

    # ------------------------------------------------------------------ fork

    def freeze(self, key: bytes) -> bytes:
        """This core's whole state as bytes signed with ``key``, for :meth:`thaw`."""
        return freeze(self, self._ports, key)

    @classmethod
    def thaw(
        cls,
        blob: bytes,
        key: bytes,
        *,
        graph: LaneGraph,
        clock: Clock,
        sink: EventSink,
        ledger: LedgerPort | None = None,
    ) -> Orchestrator:
        """An exact copy of a frozen core on new collaborators (the same map: a copy on
        another map would not be the same core)."""
        ports: dict[str, object] = {"graph": graph, "clock": clock, "sink": sink,
                                    "ledger": ledger}  # fmt: skip
        core = thaw(blob, ports, key)
        if not isinstance(core, cls):
            raise ForkError(f"the bytes hold a {type(core).__name__}, not a core")
        core._ports = ports
        return core

    # ------------------------------------------------------------------ snapshot

    def snapshot(self) -> dict[str, object]:
        """The whole state as plain data (caches aside): equal snapshots, equal futures."""
        world = self._world
        return {
            "now_s": world.now_s,
            "vehicles": {vid: vehicle_data(v) for vid, v in sorted(world.vehicles.items())},
            "containers": {cid: container_data(c) for cid, c in sorted(world.containers.items())},
            "orders": world.orders.snapshot(),
            "early": plain(
                {c: (str(r), world.early_causes.get(c)) for c, r in world.early_verdicts.items()}
            ),
            "lanes": self._traffic.snapshot(),
            "alloc": self._alloc.snapshot(),
            "agenda": self._agenda.snapshot(),
            "outbox": self._outbox.snapshot(),
            "journal": self._journal.snapshot(),
            "closures": self._closures.snapshot(),
            "memory": self._memory.snapshot(),
            "broken": self._broken is not None,
        }
