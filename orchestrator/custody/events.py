"""Custody events: what happened to a container's seal, where, by whom, when.

The core emits these at the moments they happen in a run, through a :class:`LedgerPort`; the
ledger stores them append-only in a hash chain committed by a signed Merkle tree. ``t_s`` is
the core's clock (simulated or fleet seconds); ``timestamp`` the absolute UTC time the runtime
stamps on the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

__all__ = ["CustodyEvent", "CustodyEventKind", "LedgerPort"]


class CustodyEventKind(Enum):
    SEAL_AFFIXED = "seal_affixed"
    SEAL_READ = "seal_read"  # mechanical check or ISO 18185 e-seal read at a gate / scanner
    HANDOFF_YARD_TO_AGV = "handoff_yard_to_agv"
    HANDOFF_AGV_TO_YARD = "handoff_agv_to_yard"
    BORDER_HANDOFF = "border_handoff"  # custody passes CN -> MN or MN -> CN
    INSPECTION_OPENED = "inspection_opened"  # seal broken by an officer
    RESEALED = "resealed"
    HOLD_PLACED = "hold_placed"
    HOLD_RELEASED = "hold_released"
    INSPECTION_RECOGNISED = "inspection_recognised"  # mutual recognition by the other side
    DELIVERED = "delivered"
    TAMPER_ALERT = "tamper_alert"

    # Members are singletons, so identity hashing is exact; it is the C slot instead of Enum's
    # Python-level __hash__, which matters when a million-entry ledger is replayed.
    __hash__ = object.__hash__


@dataclass(frozen=True, slots=True)
class CustodyEvent:
    kind: CustodyEventKind
    t_s: float
    container_id: str
    seal_number: str | None
    vehicle_id: str | None
    node: str | None
    zone: str | None
    side: str  # "CN" or "MN"
    actor: str  # "system", an officer id, a gate id ...
    details: Mapping[str, str] = field(default_factory=dict)
    # When it happened in UTC, canonical ISO 8601 (orchestrator.custody.timestamps). The core
    # leaves it None (it has no wall clock); the runtime stamps it before it is stored: the
    # wall clock under `serve`, the scenario's epoch + t_s in a simulation. Entries written
    # before timestamps existed have none.
    timestamp: str | None = None


class LedgerPort(Protocol):
    """Append-only custody ledger; ``append`` returns the entry's sequence number once durable.

    An event that breaks the custody rules (:mod:`orchestrator.custody.legality`: unknown
    container or seal, malformed seal number, out of order for its container) raises a
    :class:`~orchestrator.custody.errors.CustodyError` and nothing is written.
    """

    def append(self, event: CustodyEvent) -> int: ...
