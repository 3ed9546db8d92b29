"""The fleet port: exactly what the bridge uses of a fleet runtime.

Implemented by the SimPy fleet (:class:`sim.live.SimFleet`), the ROS 2 fleet
(``borderflow_ros.bridge_link.RosBridgeFleet``) and the tests' fakes. The bridge never reaches
past it: no fleet locks, no ledger internals, no core attributes.

Threads (see :mod:`risk_bridge.threads`): ``deliver``, ``container_view``, ``container_node``,
``crossed_or_delivered``, ``append_custody`` and ``now_s`` are called from the writer thread;
``container_view``, ``custody_extract``, ``lane_ids``, ``zone_ids``, ``graph`` and ``vehicles``
also from the event loop (GET routes, the console's stream); ``ledger_proof``,
``custody_proofs`` and ``vehicles`` from the thread pool, ``vehicles`` and ``container_node``
also from the control room's watch thread; the queues are read by the fleet pump. An
implementation serialises access to its core itself.
"""

from __future__ import annotations

import queue
from collections.abc import Sequence, Set
from typing import Any, Protocol

from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.treehead import SignedTreeHead
from orchestrator.domain.eventlog import CustomsNotice
from orchestrator.domain.forecast import ForecastRequest
from orchestrator.domain.records import (
    Cargo,
    ContainerView,
    CustodyExtract,
    CustodyProofs,
    LedgerProof,
)
from orchestrator.lanegraph import LaneGraph
from orchestrator.messages import Command, Event
from orchestrator.vehicle_status import VehicleStatus

__all__ = ["CustodyExtract", "FleetPort", "LedgerProof"]


class FleetPort(Protocol):
    @property
    def lane_ids(self) -> Set[str]:
        """The map's lane ids (what lanes may be closed)."""
        ...

    @property
    def zone_ids(self) -> Set[str]: ...

    @property
    def graph(self) -> LaneGraph:
        """The crossing's lane graph (the console draws it; read-only)."""
        ...

    @property
    def notices(self) -> queue.Queue[CustomsNotice]:
        """The core's notices customs hear about (holds, crossings, deliveries, tamper)."""
        ...

    @property
    def customs_queue(self) -> queue.Queue[Event]:
        """Simulated customs decisions (auto-customs mode), to be stored like any client's."""
        ...

    @property
    def tree_heads(self) -> queue.Queue[SignedTreeHead]:
        """Custody tree heads as the fleet's ledger signs them (pushed to customs)."""
        ...

    @property
    def commands_sent(self) -> int:
        """Commands the bridge's events caused (for the metrics)."""
        ...

    @property
    def has_ledger(self) -> bool:
        """Whether this fleet keeps a custody ledger the bridge appends to and reads."""
        ...

    def deliver(self, event: Event) -> Sequence[Command]:
        """Hand an event to the core; raises if the core refuses it."""
        ...

    def now_s(self) -> float: ...

    def manifest(self) -> Sequence[Cargo]: ...

    def vehicles(self) -> Sequence[VehicleStatus]:
        """Every vehicle now, by id: position, what is on board, what the map shows it as."""
        ...

    def container_view(self, container_id: str) -> ContainerView | None: ...

    def container_node(self, container_id: str) -> str | None:
        """Where the container is in custody (None: not at the crossing yet)."""
        ...

    def crossed_or_delivered(self) -> Set[str]:
        """Containers past the line or delivered: the fail-safe leaves them alone."""
        ...

    def append_custody(self, event: CustodyEvent) -> int | None:
        """Append to the custody ledger (its sequence number; None without a ledger)."""
        ...

    def custody_extract(self, container_id: str) -> CustodyExtract | None:
        """The container's custody events and the ledger's head (None without a ledger)."""
        ...

    def custody_proofs(self, container_id: str) -> CustodyProofs | None:
        """The container's stored custody entries with inclusion proofs under the newest signed
        head, and the signing key (None without a ledger kept here)."""
        ...

    def ledger_proof(self, from_size: int) -> LedgerProof | None:
        """The ledger's newest signed head and the consistency proof from ``from_size`` to it
        (None without a ledger kept here)."""
        ...

    def forecast(self, request: ForecastRequest) -> dict[str, Any] | None:
        """A look-ahead forecast from the fleet's state now under the request's what-if
        (KPIs over time with bands; sim/forecast/run.py documents the answer); None when this
        fleet cannot forecast. Raises ``ValueError`` for a request the fleet refuses (an
        unknown lane or container), naming it; the live fleet never changes."""
        ...

    def start(self) -> None:
        """Start pacing itself if it does (a fleet its caller advances does nothing)."""
        ...

    def failure(self) -> str | None:
        """Why the fleet stopped working (its thread died, its link is gone); None while it
        works. The bridge degrades visibly on it (``/healthz`` 503 with the reason)."""
        ...

    def stop(self) -> None: ...
