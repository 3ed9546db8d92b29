"""The SimPy fleet as a live fleet: the real core driving the simulated AGVs in real time,
behind the customs bridge's fleet port (``risk_bridge.fleet_port.FleetPort``, matched
structurally: this module does not import the bridge).

:class:`SimFleet` owns one :class:`sim.runner.Simulation`, built through its public hooks, and
the lock that serialises every call into the single-threaded core: the pacing thread advances
simulated time (``speed`` simulated seconds per wall second) and the bridge delivers its events
between steps. The simulated customs authorities do not decide here: their verdicts and
officers' releases are handed to the bridge (``customs_to``; queued in auto-customs mode, else
dropped), so every verdict the core sees went through the bridge. The core's customs notices
(holds, crossings, deliveries, tamper alerts) are queued for the bridge and read outside the
lock.

Transport orders come from the scenario's arrivals and from the bridge (``deliver`` an
``OrderArrived``: an integrator's order, ``POST /v1/orders``), which go into the same core, so a
vehicle picks the container up and carries it across once customs clear it. An order from the
bridge is customs' business through the bridge only: the simulated authorities neither grade
nor release it, and the gate readers do not read its seals. It may not name a container, an
order id or a seal of the scenario's own arrivals (those arrive by themselves, maybe later):
:meth:`deliver` refuses it before the core sees it, so a duplicate never stops the run.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from dataclasses import replace
from typing import Any

from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.reads import LedgerReads, LiveLedger
from orchestrator.custody.treehead import SignedTreeHead
from orchestrator.domain.eventlog import CUSTOMS_NOTICE_TYPES, CustomsNotice, DomainEvent
from orchestrator.domain.forecast import ForecastRequest
from orchestrator.domain.records import (
    Cargo,
    ContainerView,
    CustodyExtract,
    CustodyProofs,
    LedgerProof,
)
from orchestrator.errors import DuplicateIdError
from orchestrator.ids import VehicleId
from orchestrator.messages import Command, Event, OrderArrived, Stop
from orchestrator.vehicle_status import VehicleStatus, vehicle_status
from orchestrator.views import Views
from sim.runner import Simulation
from sim.scenario import Scenario

log = logging.getLogger("sim.live")

__all__ = ["LiveLedger", "SimFleet"]

_CONSIGNORS = (
    "Erlian Trading Co",
    "Inner Mongolia Grain",
    "Ulaanbaatar Mining",
    "Gobi Cashmere",
    "Tianjin Machinery",
    "Darkhan Metals",
)
_HS = ("8429", "2603", "1001", "5102", "8471", "7208", "2701", "6110")
_ORIGINS = ("CN", "MN", "RU", "KZ", "DE")


class SimFleet:
    def __init__(
        self,
        scenario: Scenario,
        *,
        speed: float = 1.0,
        ledger: LiveLedger | None = None,
        auto_customs: bool = False,
        realtime: bool = True,
    ) -> None:
        self.speed = speed
        self.realtime = realtime  # False: the caller advances time (tests, benchmarks)
        self.auto_customs = auto_customs
        self.lock = threading.RLock()
        self.notices: queue.Queue[CustomsNotice] = queue.Queue()
        self.customs_queue: queue.Queue[Event] = queue.Queue()
        # Tree heads as the ledger signs them: the bridge pushes them to customs (witnesses).
        self.tree_heads: queue.Queue[SignedTreeHead] = queue.Queue()
        self.ledger = ledger  # the custody ledger the core appends to (None: none kept)
        self._custody = LedgerReads(ledger, self.lock)
        subscribe = getattr(ledger, "on_tree_head", None)
        if subscribe is not None:
            subscribe(self.tree_heads.put)
        self.sim = Simulation(
            scenario,
            ledger=ledger,
            keep_log=False,
            extra_listeners=(self._on_event,),
            customs_to=self._customs,
            stamp_custody=False,  # live: the ledger stamps custody events with the wall clock
        )
        assert self.sim.views is not None  # the real core
        self._views: Views = self.sim.views
        self.graph = self.sim.graph
        self.lane_ids = frozenset(self._views.lane_ids)
        self.zone_ids = frozenset(str(z) for z in self.graph.zones)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: str | None = None
        self.commands_sent = 0
        self.last_stop_t: dict[VehicleId, float] = {}  # vehicle -> perf_counter of last Stop
        # The scenario's own orders (id -> container) and seals (-> container), which an order
        # from outside may not name.
        self._own_orders = {str(a.order_id): a.container_id for a in self.sim.arrivals}
        self._own_containers = {c: oid for oid, c in self._own_orders.items()}
        self._own_seals = {s: a.container_id for a in self.sim.arrivals for s in a.seals}

    def _on_event(self, event: DomainEvent) -> None:
        # Only what customs hear about crosses threads (a wake-up per event costs the GIL).
        if type(event) in CUSTOMS_NOTICE_TYPES:
            self.notices.put(event)  # type: ignore[arg-type]

    def _customs(self, event: Event) -> None:
        if self.auto_customs:
            self.customs_queue.put(event)

    # ------------------------------------------------------------------------------ manifest

    def manifest(self) -> list[Cargo]:
        """The pre-arrival declarations of the scenario's containers, with cargo drawn from the
        scenario's seed (the arrivals model has no cargo), so a run is reproducible."""
        rng = random.Random(f"{self.sim.scenario.seed}:manifest")
        return [
            Cargo(
                a.container_id,
                rng.choice(_CONSIGNORS),
                rng.choice(_HS) + f"{rng.randrange(100):02d}",
                rng.choice(_ORIGINS),
            )
            for a in sorted(self.sim.arrivals, key=lambda a: a.order_id)
        ]

    # ------------------------------------------------------------------------------ the core

    def now_s(self) -> float:
        return self.sim.now_s

    def deliver(self, event: Event) -> list[Command]:
        """Hand an event to the core (raises if it refuses); the commands go to the AGVs."""
        if isinstance(event, OrderArrived):
            self._check_not_the_scenarios(event)
        with self.lock:
            commands = self.sim.deliver(event)
        self.commands_sent += len(commands)
        now = time.perf_counter()
        for c in commands:
            if isinstance(c, Stop):
                self.last_stop_t[c.vehicle_id] = now
        return commands

    def _check_not_the_scenarios(self, order: OrderArrived) -> None:
        """An order from outside must not collide with one the scenario will send itself (the
        core would refuse the scenario's, and the run would stop)."""
        own = self._own_containers.get(order.container_id)
        if own is not None:
            raise DuplicateIdError(
                f"order {order.order_id}: container {order.container_id} is one of the "
                f"scenario's own arrivals (its order {own}); order a container the scenario "
                "does not bring"
            )
        if str(order.order_id) in self._own_orders:
            raise DuplicateIdError(
                f"order id {order.order_id} is one of the scenario's own orders (for "
                f"{self._own_orders[str(order.order_id)]}); give the order another id"
            )
        for seal in order.seal_numbers:
            if seal in self._own_seals:
                raise DuplicateIdError(
                    f"order {order.order_id}: seal {seal} is on the scenario's container "
                    f"{self._own_seals[seal]}; seals are single-use"
                )

    @property
    def views(self) -> Views:
        """The core's read-only views (take :attr:`lock` around several reads)."""
        return self._views

    def vehicles(self) -> list[VehicleStatus]:
        """Every vehicle now: the runtime's position joined with the core's summary."""
        views = self._views
        with self.lock:
            snaps = self.sim.vehicle_snapshots()
            summaries = {v.vehicle_id: v for v in views.vehicles()}
            out = []
            for snap in snaps:
                s = summaries[VehicleId(snap.vehicle_id)]
                out.append(
                    vehicle_status(
                        snap,
                        state=s.state,
                        route=[str(n) for n in s.path],
                        purpose=s.purpose,
                        target_node=s.target_node,
                        waiting_for=s.waiting_for,
                        fault=s.fault,
                        risk_of=views.risk_level,
                        held=views.is_held,
                    )
                )
        return out

    def container_view(self, container_id: str) -> ContainerView | None:
        """The core's view, with the carrier's position from the runtime (the same fields the
        ROS fleet fills from its vehicle states: one shape whatever the fleet)."""
        with self.lock:
            view = self._views.container_view(container_id)
            if view is None or view.vehicle_id is None:
                return view
            snap = self.sim.vehicle_snapshot(view.vehicle_id)
        if snap is None:
            return view
        return replace(view, node=snap.node, next_node=snap.next_node, x_m=snap.x_m, y_m=snap.y_m)

    def container_node(self, container_id: str) -> str | None:
        with self.lock:
            node = self._views.container_node(container_id)
        return None if node is None else str(node)

    def crossed_or_delivered(self) -> set[str]:
        with self.lock:
            return {str(c) for c in self._views.crossed_or_delivered()}

    # ------------------------------------------------------------------------------ custody

    @property
    def has_ledger(self) -> bool:
        return self._custody.has_ledger

    def append_custody(self, event: CustodyEvent) -> int | None:
        return self._custody.append_custody(event)

    def custody_extract(self, container_id: str) -> CustodyExtract | None:
        return self._custody.custody_extract(container_id)

    def custody_proofs(self, container_id: str) -> CustodyProofs | None:
        return self._custody.custody_proofs(container_id)

    def ledger_proof(self, from_size: int) -> LedgerProof | None:
        return self._custody.ledger_proof(from_size)

    # ------------------------------------------------------------------------------ real time

    def start(self) -> None:
        """Start pacing simulated time (a fleet made with ``realtime=False`` is advanced by
        its caller instead, and this does nothing)."""
        if not self.realtime or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="fleet", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def advance(self, until_s: float) -> None:
        with self.lock:
            self.sim.advance(until_s)

    def forecast(self, request: ForecastRequest) -> dict[str, Any]:
        """Fork the live run and play it ahead (sim/forecast/): the lock is held only while
        the copies are made, so the fleet goes on at once."""
        from sim.forecast.run import forecast

        return forecast(self.sim, request, self.lock)

    def failure(self) -> str | None:
        """Why the pacing thread died (None while it runs, or before it started)."""
        return self._failure

    def _run(self) -> None:
        try:
            self._pace()
        except Exception as exc:
            # The run cannot go on (a core error, a ledger that refused an event): say so, so
            # the bridge degrades visibly instead of answering verdicts for a frozen fleet.
            self._failure = f"fleet thread stopped: {type(exc).__name__}: {exc}"
            log.exception("simulated fleet stopped")

    def _pace(self) -> None:
        wall0 = time.monotonic()
        sim0 = self.sim.now_s
        while not self._stop.is_set() and not self.sim.done:
            target = sim0 + (time.monotonic() - wall0) * self.speed
            self.advance(target)
            # Short slices keep the lock free for API deliveries most of the time.
            self._stop.wait(0.02)
