"""The custody ledger: admits events, chains and commits them, signs tree heads, proves.

:class:`Ledger` implements the core's :class:`~orchestrator.custody.events.LedgerPort` over a
:class:`~risk_bridge.ledger.store.LedgerStore`. ``append`` is one durable transaction;
``append_many`` and the :meth:`Ledger.batch` group-commit buffer write many events in one
transaction (one fsync, one signature) and acknowledge them together once it is durable.
Bad events raise before anything is written; a batch is all-or-nothing.

Single writer per ledger: the store refuses a commit if another process appended meanwhile.

Time (:mod:`risk_bridge.ledger.stamps`): an event that arrives without a ``timestamp`` is
stamped on append with the ledger's ``clock`` (default the wall clock, as under ``borderflow
serve``); each signed tree head carries the time of the newest entry it covers.

Reads take nothing outside the hashed entry on trust: a container's entries are looked up by the
container number inside each entry, and each is checked to name it. ``verify`` holds the ledger
to every stored tree head and to any heads saved elsewhere (``against``), and reports a derived
column of the store that no longer matches its entry.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from orchestrator.custody.encoding import (
    GENESIS_PREV,
    decode_entry,
    encode_entry,
    event_from_body,
)
from orchestrator.custody.errors import CustodyError, LedgerIntegrityError
from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.legality import CustodyTracker
from orchestrator.custody.merkle import (
    EMPTY_ROOT,
    Frontier,
    NodeLookup,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
)
from orchestrator.custody.treehead import SignedTreeHead, key_id, sign_tree_head
from orchestrator.custody.verify import CHUNK as VERIFY_CHUNK
from orchestrator.custody.verify import Checkpoint, VerifyReport, verify_ledger
from risk_bridge.ledger.stamps import ClockUs, head_time_ms, stamp_events, wall_clock_us
from risk_bridge.ledger.store import EntryRow, LedgerStore

__all__ = ["ContainerSummary", "Ledger"]


_HEAD_PAGE = 4096  # stored tree heads read per query while verifying


def _size(mark: Checkpoint) -> int:
    return mark.head.tree_size


class _Recorder:
    """A node look-up that records the keys it is asked for (to fetch them in one go)."""

    def __init__(self) -> None:
        self.keys: list[tuple[int, int]] = []

    def __call__(self, level: int, index: int) -> bytes:
        self.keys.append((level, index))
        return b"\x00" * 32


@dataclass(frozen=True, slots=True)
class ContainerSummary:
    """A container's entries in a ledger: how many, and its first and last ``(seq, event)``."""

    container_id: str
    entries: int
    first: tuple[int, CustodyEvent]
    last: tuple[int, CustodyEvent]


class Ledger:
    def __init__(
        self,
        store: LedgerStore,
        signer: Ed25519PrivateKey | None = None,
        *,
        clock: ClockUs = wall_clock_us,
    ) -> None:
        self._store = store
        self._signer = signer
        self._clock_us = clock  # stamps events that arrive without a timestamp
        self._tracker: CustodyTracker | None = None  # built on first append (replays the log)
        self._staged: list[CustodyEvent] | None = None
        # Told of every head once it is durable (the bridge pushes heads to customs).
        self._head_listeners: list[Callable[[SignedTreeHead], None]] = []
        size = store.size()
        if signer is not None:
            stored = store.get_meta("key_id")
            mine = key_id(signer.public_key())
            if stored is not None and stored != mine:
                raise CustodyError(
                    f"ledger {store.url} is signed with key {stored}, but the key given is "
                    f"{mine}; open it with the ledger's own signing key"
                )
        edge = self._lookup_all(Frontier.edge_keys(size))
        self._frontier = Frontier(size, edge)
        self._prev = self._lookup_all([(0, size - 1)])[0] if size else GENESIS_PREV
        self._head_ms: int | None = None  # the newest head's timestamp (None: none, or /1)
        if signer is not None:
            self._check_head()

    def _check_head(self) -> None:
        # Cheap (O(log n)) guard before writing: the stored entries still hash to the last
        # signed head. A full check is ``verify``; this stops an appender from extending a
        # ledger someone has cut or edited, which would re-sign the damage.
        head = self._store.latest_tree_head()
        size = self._frontier.size
        if (head is None and size) or (
            head is not None and (head.tree_size != size or head.root_hash != self.root_hash())
        ):
            signed = 0 if head is None else head.tree_size
            raise LedgerIntegrityError(
                f"ledger {self.url} holds {size} entries that do not match its last signed tree "
                f"head (size {signed}); it was changed outside borderflow. Run `borderflow "
                "custody verify` to find the entry; appending is refused",
                min(size, signed),
            )
        self._head_ms = None if head is None else head.timestamp_ms

    # ------------------------------------------------------------------ reading

    @property
    def url(self) -> str:
        return self._store.url

    @property
    def public_key_raw(self) -> bytes | None:
        """The raw Ed25519 public key that signs this ledger's tree heads (None: unsigned)."""
        if self._signer is None:
            return None
        from cryptography.hazmat.primitives import serialization

        return self._signer.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def size(self) -> int:
        """Entries committed (staged entries of an open batch not included)."""
        return self._frontier.size

    def root_hash(self) -> bytes:
        return self._frontier.root() if self._frontier.size else EMPTY_ROOT

    def tree_head(self) -> SignedTreeHead | None:
        return self._store.latest_tree_head()

    def tree_head_at(self, tree_size: int) -> SignedTreeHead | None:
        return self._store.tree_head_at(tree_size)

    def rows(self, start: int = 0) -> Iterator[tuple[int, bytes, bytes]]:
        """``(seq, canonical bytes, leaf hash)`` in order."""
        return self._store.iter_rows(start)

    def container_events(self, container_id: str) -> list[tuple[int, CustodyEvent]]:
        """The container's ``(seq, event)`` in order, as the hashed entries state them."""
        return [(seq, event) for seq, _, event in self._container(container_id)]

    def container_entries(self, container_id: str) -> list[tuple[int, bytes]]:
        """The container's ``(seq, entry bytes)`` in order."""
        return [(seq, body) for seq, body, _ in self._container(container_id)]

    def containers(self) -> list[ContainerSummary]:
        """Every container the entries name, sorted by number, with its count of entries and
        its first and last event, as the entries state them (``verify`` checks the ledger)."""
        out = []
        for cid, count, *ends in self._store.container_counts():
            try:
                (s1, _, first), (s2, _, last) = (decode_entry(body) for body in ends)
            except LedgerIntegrityError as exc:
                raise LedgerIntegrityError(
                    f"ledger {self.url}: an entry of {cid} is damaged ({exc}); run `borderflow "
                    "custody verify` to find it",
                    exc.seq,
                ) from None
            out.append(ContainerSummary(first.container_id, count, (s1, first), (s2, last)))
        return sorted(out, key=lambda s: s.container_id)

    def _container(self, container_id: str) -> list[tuple[int, bytes, CustodyEvent]]:
        out = []
        for seq, body in self._store.container_rows(container_id):
            inner, _, event = decode_entry(body)
            if inner != seq or event.container_id != container_id:
                raise LedgerIntegrityError(
                    f"ledger {self.url}: the row stored as entry {seq} of {container_id} holds "
                    f"entry {inner} of {event.container_id}; the database was changed outside "
                    "borderflow. Run `borderflow custody verify`",
                    seq,
                )
            out.append((seq, body, event))
        return out

    def tree_heads(self, up_to: int | None = None) -> Iterator[SignedTreeHead]:
        """Every stored signed tree head (of size <= ``up_to``), smallest first."""
        after = -1
        while page := self._store.tree_heads(after, _HEAD_PAGE):
            for head in page:
                if up_to is not None and head.tree_size > up_to:
                    return
                yield head
            after = page[-1].tree_size

    def inclusion_proof(self, seq: int, tree_size: int | None = None) -> list[bytes]:
        size = self.size if tree_size is None else tree_size
        return self._proof(lambda lookup: inclusion_proof(lookup, seq, size))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        size = self.size if new_size is None else new_size
        return self._proof(lambda lookup: consistency_proof(lookup, old_size, size))

    def verify(
        self,
        public_key: Ed25519PublicKey,
        *,
        check_events: bool = True,
        against: Sequence[Checkpoint] = (),
    ) -> VerifyReport:
        """Verify every entry against the latest signed tree head, every other stored head
        against the entries it covers, the ledger against the heads ``against`` (saved
        elsewhere earlier), and the store's derived columns against the entries."""
        head = self._store.latest_tree_head()
        if head is None:
            raise LedgerIntegrityError(f"ledger {self.url} has no signed tree head (empty?)")
        stored = (Checkpoint(h, "stored tree head") for h in self.tree_heads(head.tree_size))
        saved = sorted(against, key=_size)
        try:
            report = verify_ledger(
                (),
                head,
                public_key,
                check_events=check_events,
                rule_bodies=self._store.body_source(head.tree_size) if check_events else None,
                chunked=self._store.iter_chunks(VERIFY_CHUNK),
                checkpoints=heapq.merge(stored, saved, key=_size),
            )
        except LedgerIntegrityError as exc:
            # A column changed before the first bad entry found is the first bad entry.
            if exc.seq is not None:
                self._check_derived(exc.seq)
            raise
        self._check_derived(report.entries)
        return report

    def _check_derived(self, before: int) -> None:
        found = self._store.derived_mismatch(before)
        if found is not None:
            seq, column, stored, stated = found
            raise LedgerIntegrityError(
                f"entry {seq}: the database's {column} says {stored!r}, but the signed entry "
                f"says {stated!r}: a column outside the hash was changed in the database (the "
                "signed entry is intact and is what borderflow reads; restore the column from a "
                "backup)",
                seq,
            )

    # ------------------------------------------------------------------ writing

    def append(self, event: CustodyEvent) -> int:
        """Admit, chain and durably commit one event; returns its sequence number."""
        if self._staged is not None:
            return self._stage([event])[0]
        return self.append_many([event])[0]

    def append_many(self, events: Iterable[CustodyEvent]) -> list[int]:
        """Admit all events or none; one durable transaction; returns their sequence numbers."""
        batch = list(events)
        if self._staged is not None:
            return self._stage(batch)
        seqs = self._stage(batch, staging=[])
        self._flush()
        return seqs

    @contextmanager
    def batch(self) -> Iterator[Ledger]:
        """Group commit: appends inside the block are admitted at once (errors raise at once)
        and written in one durable transaction when the block exits; they are acknowledged
        only then. If the block raises, nothing staged is written."""
        if self._staged is not None:
            yield self
            return
        self._staged = []
        try:
            yield self
        except BaseException:
            self._staged = None
            self._tracker = None  # staged events were admitted: rebuild from the store
            raise
        self._flush()

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _lookup_all(self, keys: Sequence[tuple[int, int]]) -> list[bytes]:
        found = self._store.nodes(keys)
        missing = [k for k in keys if k not in found]
        if missing:
            raise LedgerIntegrityError(
                f"ledger {self.url} lacks Merkle nodes {missing[:3]}; run "
                "`borderflow custody verify` and restore it from an export"
            )
        return [found[k] for k in keys]

    def _proof(self, build: Callable[[NodeLookup], list[bytes]]) -> list[bytes]:
        # Run the pure algorithm twice: once to learn which nodes it needs, then on those
        # nodes fetched in one go (a proof is O(log n) look-ups, one round trip per kind).
        recorder = _Recorder()
        build(recorder)
        hashes = dict(zip(recorder.keys, self._lookup_all(recorder.keys), strict=True))
        return build(lambda level, index: hashes[(level, index)])

    def _ensure_tracker(self) -> CustodyTracker:
        if self._tracker is None:
            tracker = CustodyTracker()
            for _, body, _ in self._store.iter_rows():
                tracker.apply(event_from_body(body))
            self._tracker = tracker
        return self._tracker

    def _stage(
        self, events: list[CustodyEvent], staging: list[CustodyEvent] | None = None
    ) -> list[int]:
        if self._signer is None:
            raise CustodyError(f"ledger {self.url} was opened read-only; pass a signing key")
        events = stamp_events(events, self._clock_us)
        self._ensure_tracker().apply_all(events)  # validates fields too; all-or-nothing
        target = self._staged if staging is None else staging
        assert target is not None
        first = self.size + len(target)
        target.extend(events)
        if staging is not None:
            self._staged = staging
        return list(range(first, first + len(events)))

    def _flush(self) -> None:
        staged, self._staged = self._staged, None
        if not staged:
            return
        assert self._signer is not None
        frontier = self._frontier.copy()
        prev = self._prev
        rows: list[EntryRow] = []
        nodes: list[tuple[int, int, bytes]] = []
        try:
            for event in staged:
                seq = frontier.size
                body = encode_entry(seq, prev, event)
                prev = leaf_hash(body)
                nodes.extend(frontier.append(prev))
                rows.append(
                    EntryRow(
                        seq, event.container_id, event.kind.value, event.seal_number, prev, body
                    )
                )
            stamp_ms = head_time_ms(staged, self._clock_us, self._head_ms)
            head = sign_tree_head(self._signer, frontier.size, frontier.root(), stamp_ms)
            self._store.commit(self._frontier.size, rows, nodes, head, {"key_id": head.key_id})
        except BaseException:
            self._tracker = None
            raise
        self._frontier, self._prev, self._head_ms = frontier, prev, stamp_ms
        for listener in self._head_listeners:
            listener(head)

    def on_tree_head(self, listener: Callable[[SignedTreeHead], None]) -> None:
        """Call ``listener`` with each tree head signed from now on, once it is committed."""
        self._head_listeners.append(listener)
