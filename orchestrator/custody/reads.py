"""What a fleet host reads of a custody ledger kept beside its core, for the customs bridge.

A fleet that hosts the core in its own process (the SimPy fleet, the VDA 5050 fleet) keeps the
ledger the core appends to; the bridge appends officers' custody events to it and reads a
container's extract, its inclusion proofs and the ledger's consistency proofs.
:class:`LedgerReads` is that one piece, given the ledger and the lock its host serialises the
core with (a read never sees half an append). Pure: the ledger is a port; its store does the
I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from orchestrator.custody.events import CustodyEvent, LedgerPort
from orchestrator.custody.treehead import SignedTreeHead
from orchestrator.domain.records import CustodyExtract, CustodyProofs, LedgerProof

__all__ = ["LedgerReads", "LiveLedger"]


class LiveLedger(LedgerPort, Protocol):
    """What a live fleet needs of a custody ledger store (SQLite or PostgreSQL)."""

    @property
    def url(self) -> str: ...

    def container_events(self, container_id: str) -> Sequence[tuple[int, CustodyEvent]]: ...

    def tree_head(self) -> SignedTreeHead | None: ...

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]: ...

    def container_entries(self, container_id: str) -> Sequence[tuple[int, bytes]]: ...

    def inclusion_proof(self, seq: int, tree_size: int | None = None) -> list[bytes]: ...

    @property
    def public_key_raw(self) -> bytes | None: ...


class LedgerReads:
    """The fleet port's custody methods over one ledger (or none: every read is None)."""

    def __init__(self, ledger: LiveLedger | None, lock: AbstractContextManager[object]) -> None:
        self._ledger = ledger
        self._lock = lock

    @property
    def has_ledger(self) -> bool:
        return self._ledger is not None

    def append_custody(self, event: CustodyEvent) -> int | None:
        if self._ledger is None:
            return None
        with self._lock:
            return int(self._ledger.append(event))

    def custody_extract(self, container_id: str) -> CustodyExtract | None:
        if self._ledger is None:
            return None
        with self._lock:
            events = tuple(self._ledger.container_events(container_id))
            head = self._ledger.tree_head()
        return CustodyExtract(self._ledger.url, events, None if head is None else head.tree_size)

    def custody_proofs(self, container_id: str) -> CustodyProofs | None:
        if self._ledger is None:
            return None
        with self._lock:
            head = self._ledger.tree_head()
            size = 0 if head is None else head.tree_size
            entries = tuple(
                (seq, body, tuple(self._ledger.inclusion_proof(seq, size)) if seq < size else ())
                for seq, body in self._ledger.container_entries(container_id)
            )
            key = self._ledger.public_key_raw
        return CustodyProofs(self._ledger.url, head, key, entries)

    def ledger_proof(self, from_size: int) -> LedgerProof | None:
        if self._ledger is None:
            return None
        with self._lock:
            head = self._ledger.tree_head()
            size = 0 if head is None else head.tree_size
            proof = self._ledger.consistency_proof(from_size, size) if 0 < from_size < size else []
        return LedgerProof(self._ledger.url, head, from_size, tuple(proof))
