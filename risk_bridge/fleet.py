"""The live fleet behind the bridge: the real core driving the SimPy fleet in real time.

:class:`SimFleet` owns one :class:`sim.runner.Simulation` and the lock that serialises every
call into the single-threaded core: the pacing thread advances simulated time
(``speed`` simulated seconds per wall second) and the bridge delivers its events between steps.
The simulated customs model no longer decides: its verdicts and officers' releases are handed
to ``customs_hook`` (the bridge stores them like any authority's, or drops them in API-only
mode), so every verdict the core sees went through the bridge. Core log entries are queued for
the bridge (holds, crossings, tamper alerts, deliveries) and read outside the lock.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from orchestrator.custody.events import CustodyEvent
from orchestrator.domain.records import Cargo, ContainerView
from orchestrator.messages import Command, Event, HoldReleased, Stop, VerdictIssued
from orchestrator.ports import LogEntry
from risk_bridge.fleet_events import OUT_LOG_KINDS
from risk_bridge.fleet_port import CustodyExtract
from sim.runner import Simulation
from sim.scenario import Scenario

__all__ = ["SimFleet"]

CustomsHook = Callable[[Event], None]

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


class _BridgedSimulation(Simulation):
    """A Simulation whose customs decisions go to the bridge instead of straight to the core."""

    def __init__(self, *args: Any, customs_hook: CustomsHook, **kwargs: Any) -> None:
        self._customs_hook = customs_hook
        super().__init__(*args, **kwargs)

    def deliver(self, event: Event) -> None:
        if isinstance(event, VerdictIssued | HoldReleased):
            self._customs_hook(event)
            return
        super().deliver(event)

    def deliver_from_bridge(self, event: Event) -> list[Command]:
        commands = self.core.handle(event)
        for command in commands:
            self.gateway.send(command)
        return commands


class SimFleet:
    """The bridge's fleet port (:class:`risk_bridge.fleet_port.FleetPort`) over the SimPy
    runtime."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        speed: float = 1.0,
        ledger: Any = None,
        auto_customs: bool = False,
        realtime: bool = True,
    ) -> None:
        self.speed = speed
        self.realtime = realtime  # False: the caller advances time (tests, benchmarks)
        self.auto_customs = auto_customs
        self.lock = threading.RLock()
        self.log_queue: queue.Queue[LogEntry] = queue.Queue()
        self.customs_queue: queue.Queue[Event] = queue.Queue()
        self.ledger = ledger
        self.sim = _BridgedSimulation(
            scenario,
            ledger=ledger,
            keep_log=False,
            extra_listeners=(self._on_log,),
            customs_hook=self._customs,
        )
        self.graph = self.sim.graph
        # The real Orchestrator (the runtime's CorePort exposes only ``handle``).
        core: Any = self.sim.core
        self.core = core
        self.lane_ids = frozenset(core.lane_ids)
        self.zone_ids = frozenset(str(z) for z in self.graph.zones)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.commands_sent = 0
        self.last_stop_t: dict[str, float] = {}  # vehicle -> perf_counter of its last Stop

    def _on_log(self, entry: LogEntry) -> None:
        # Only what customs hear about crosses threads (a wake-up per entry costs the GIL).
        if entry.kind in OUT_LOG_KINDS:
            self.log_queue.put(entry)

    def _customs(self, event: Event) -> None:
        if self.auto_customs:
            self.customs_queue.put(event)

    # ------------------------------------------------------------------------------ manifest

    def manifest(self) -> list[Cargo]:
        """The pre-arrival declarations of the scenario's containers, with cargo drawn from the
        scenario's seed (the arrivals model has no cargo), so a run is reproducible."""
        rng = random.Random(f"{self.sim.scenario.seed}:manifest")
        out = []
        for a in sorted(self.sim.arrivals, key=lambda a: a.order_id):
            out.append(
                Cargo(
                    a.container_id,
                    rng.choice(_CONSIGNORS),
                    rng.choice(_HS) + f"{rng.randrange(100):02d}",
                    rng.choice(_ORIGINS),
                )
            )
        return out

    # ------------------------------------------------------------------------------ core access

    def now_s(self) -> float:
        return self.sim.now_s

    def deliver(self, event: Event) -> list[Command]:
        with self.lock:
            commands = self.sim.deliver_from_bridge(event)
        self.commands_sent += len(commands)
        now = time.perf_counter()
        for c in commands:
            if isinstance(c, Stop):
                self.last_stop_t[c.vehicle_id] = now
        return commands

    def container_view(self, container_id: str) -> ContainerView | None:
        with self.lock:
            c = self.core.containers.get(container_id)
            if c is None:
                return None
            node = None
            if c.vehicle_id is not None and c.loaded:
                node = str(self.core.vehicle_node(c.vehicle_id))
            return ContainerView(
                state=c.state.value,
                vehicle_id=c.vehicle_id if c.loaded else None,
                node=node,
                crossed=bool(c.crossed),
                held=bool(c.risk.held),
                hold_side=c.risk.hold_side.value if c.risk.hold_side else None,
                core_level=c.risk.level.value,
                cleared=bool(c.risk.cleared),
            )

    def container_node(self, container_id: str) -> str | None:
        with self.lock:
            c = self.core.containers.get(container_id)
            return None if c is None else str(self.core.where(c))

    def crossed_or_delivered(self) -> set[str]:
        with self.lock:
            return {
                str(cid)
                for cid, c in self.core.containers.items()
                if c.crossed or c.state.value == "delivered"
            }

    @property
    def has_ledger(self) -> bool:
        return self.ledger is not None

    def append_custody(self, event: CustodyEvent) -> int | None:
        if self.ledger is None:
            return None
        with self.lock:
            return int(self.ledger.append(event))

    def custody_extract(self, container_id: str) -> CustodyExtract | None:
        if self.ledger is None:
            return None
        with self.lock:
            events = tuple(self.ledger.container_events(container_id))
            head = self.ledger.tree_head()
        return CustodyExtract(self.ledger.url, events, None if head is None else head.tree_size)

    # ------------------------------------------------------------------------------ real time

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="fleet", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def advance(self, until_s: float) -> None:
        with self.lock:
            self.sim.advance(until_s)

    def _run(self) -> None:
        wall0 = time.monotonic()
        sim0 = self.sim.now_s
        while not self._stop.is_set() and not self.sim.done:
            target = sim0 + (time.monotonic() - wall0) * self.speed
            self.advance(target)
            # Short slices keep the lock free for API deliveries most of the time.
            self._stop.wait(0.02)
