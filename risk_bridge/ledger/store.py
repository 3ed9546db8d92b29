"""What the ledger needs from a database, and the row type it writes.

Two implementations: :mod:`risk_bridge.ledger.sqlite_store` (the embedded default) and
:mod:`risk_bridge.ledger.postgres_store`. Both keep three append-only tables: ``entries`` (one
row per custody event: seq, container, kind, seal, leaf hash, canonical bytes), ``merkle_nodes``
(every complete perfect subtree of level >= 1, so proofs are O(log n) look-ups) and
``tree_heads`` (every signed tree head, one per commit). Level-0 nodes are the entries' leaf
hashes. A commit writes all three in one transaction and returns only once it is durable.

Only ``seq``, ``body`` and the hashes are covered by the signed tree; ``container_id``, ``kind``
and ``seal_number`` (:data:`DERIVED_COLUMNS`) are copies of fields of the entry, kept for
people querying the database. No read trusts them: a store finds a container's entries by the
container number inside ``body``, and :meth:`LedgerStore.derived_mismatch` lets ``verify``
report a copy that no longer matches its entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from orchestrator.custody.errors import CustodyError
from orchestrator.custody.treehead import SignedTreeHead

__all__ = [
    "DERIVED_COLUMNS",
    "EntryRow",
    "LedgerStore",
    "StoreConflict",
    "StoreUnavailable",
    "first_difference",
    "redact_url",
]

DERIVED_COLUMNS = ("container_id", "kind", "seal_number")  # copies of the entry's event fields


def first_difference(
    row: Sequence[object], columns: Sequence[str] = DERIVED_COLUMNS
) -> tuple[int, str, object, object]:
    """``(seq, column, column value, entry's value)`` of a row ``seq, values..., stated...``
    (values and stated values in the order of ``columns``)."""
    n = len(columns)
    pairs = zip(columns, row[1 : 1 + n], row[1 + n :], strict=True)
    column, stored, stated = next((c, a, b) for c, a, b in pairs if a != b)
    return int(str(row[0])), column, stored, stated


def redact_url(url: str) -> str:
    """``url`` with its password (``user:PASSWORD@`` or ``?password=``) replaced by ``***``,
    for messages and ``Ledger.url``."""
    parts = urlsplit(url)
    if parts.query:
        query = "&".join(
            "password=***" if q.startswith("password=") else q for q in parts.query.split("&")
        )
        parts = parts._replace(query=query)
    if parts.password is not None:
        user = parts.netloc.rpartition("@")[0].partition(":")[0]
        parts = parts._replace(netloc=f"{user}:***@{parts.netloc.rpartition('@')[2]}")
    return urlunsplit(parts) if parts != urlsplit(url) else url


class StoreConflict(CustodyError):
    """Another process appended to the ledger since this one read its size."""


class StoreUnavailable(CustodyError):
    """The ledger's database cannot be opened: the message says what failed and how to fix it
    (a path that cannot be written, a server that does not answer or refuses us)."""


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

    def container_rows(self, container_id: str) -> list[tuple[int, bytes]]:
        """``(seq, body)`` of the entries whose *body* names ``container_id``, in order."""

    def container_counts(self) -> list[tuple[str | None, int, bytes, bytes]]:
        """Per container number named inside the entries' *bodies*: ``(number, entries, body of
        its first entry, body of its last entry)``, in any order."""

    def derived_mismatch(self, before: int) -> tuple[int, str, object, object] | None:
        """The first entry below ``before`` whose derived column differs from the entry:
        ``(seq, column, column value, value in the entry)``; None when all match."""

    def body_source(self, tree_size: int) -> Callable[[], Iterator[list[bytes]]] | None:
        """A reader of entries ``0 .. tree_size - 1``'s bodies for a forked process, or None."""

    def latest_tree_head(self) -> SignedTreeHead | None: ...

    def tree_head_at(self, tree_size: int) -> SignedTreeHead | None: ...

    def tree_heads(self, after: int, limit: int) -> list[SignedTreeHead]:
        """Up to ``limit`` stored tree heads of size > ``after``, smallest first."""

    def close(self) -> None: ...
