"""What the ledger needs from a database, and the row type it writes.

Two implementations: :mod:`risk_bridge.ledger.sqlite_store` (the embedded default) and
:mod:`risk_bridge.ledger.postgres_store`. Both keep three append-only tables: ``entries`` (one
row per custody event: seq, container, kind, seal, leaf hash, canonical bytes), ``merkle_nodes``
(every complete perfect subtree of level >= 1, so proofs are O(log n) look-ups) and
``tree_heads`` (every signed tree head, one per commit). Level-0 nodes are the entries' leaf
hashes. A commit writes all three in one transaction and returns only once it is durable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from orchestrator.custody.errors import CustodyError
from orchestrator.custody.treehead import SignedTreeHead

__all__ = ["EntryRow", "LedgerStore", "StoreConflict"]


class StoreConflict(CustodyError):
    """Another process appended to the ledger since this one read its size."""


@dataclass(frozen=True, slots=True)
class EntryRow:
    seq: int
    container_id: str
    kind: str
    seal_number: str | None
    leaf_hash: bytes
    body: bytes


class LedgerStore(Protocol):
    url: str

    def size(self) -> int: ...

    def get_meta(self, key: str) -> str | None: ...

    def nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]: ...

    def commit(
        self,
        expected_size: int,
        rows: Sequence[EntryRow],
        nodes: Sequence[tuple[int, int, bytes]],
        tree_head: SignedTreeHead,
        meta: dict[str, str],
    ) -> None: ...

    def iter_rows(self, start: int = 0) -> Iterator[tuple[int, bytes, bytes]]: ...

    def iter_chunks(self, size: int) -> Iterator[list[tuple[int, bytes, bytes]]]:
        """All rows of :meth:`iter_rows`, in lists of ``size`` (the last may be shorter)."""

    def container_rows(self, container_id: str) -> list[tuple[int, bytes]]: ...

    def body_source(self, tree_size: int) -> Callable[[], Iterator[list[bytes]]] | None:
        """A reader of entries ``0 .. tree_size - 1``'s bodies for a forked process, or None."""

    def latest_tree_head(self) -> SignedTreeHead | None: ...

    def tree_head_at(self, tree_size: int) -> SignedTreeHead | None: ...

    def close(self) -> None: ...
