"""Verify a whole ledger (stored or exported) against its signed tree head, naming the first bad
entry.

Checks, in one streaming pass: every entry is at its position (no gap, duplicate or reordering),
matches its recorded hash when one is stored, links to its predecessor's hash, decodes to a
legal event for its container (:class:`CustodyTracker`), and the leaves hash up to the signed
root of the same size. An edited entry whose hash was re-recorded breaks the *next* link only;
an entry whose own link was edited breaks two links in a row: one entry of look-ahead tells the
two apart, so the message names the entry that was changed.

Speed: rows are checked 4,096 at a time with bulk operations (``_Verifier._fast``); a chunk in
which anything differs from the intact case is checked again entry by entry (``_Verifier._row``)
to name the problem. A store can hand the rows over already in such lists (``chunked``). The
cyclic garbage collector is paused for the call (:func:`_collector_paused`). The custody rules
go to a :mod:`~orchestrator.custody.rulesink`, which on a large ledger replays them in a second
process; either way the first bad entry is named.
Given a ``rule_bodies`` source (a SQLite ledger's file), that process reads the entries itself
(:class:`~orchestrator.custody.rulesink.RuleReader`) and the two sides only meet at the end: the
earliest bad entry wins, and on a tie the integrity failure's message (the rules never replay an
entry the verifier has not cleared).

Checkpoints: every other signed tree head to hold the ledger to (each stored head, a head saved
earlier outside the database), in order of size. When the stream reaches a checkpoint's size the
Merkle root of the entries so far must be its root, and its signature must be the public key's;
a checkpoint larger than the ledger means entries were cut from its end.
"""

from __future__ import annotations

import gc
import hashlib
from binascii import hexlify
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from operator import itemgetter

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from orchestrator.custody.encoding import GENESIS_PREV, split_tail
from orchestrator.custody.errors import LedgerIntegrityError
from orchestrator.custody.merkle import EMPTY_ROOT, Frontier
from orchestrator.custody.rulesink import BodySource, RuleSink, rule_reader, rule_sink
from orchestrator.custody.treehead import SignedTreeHead

__all__ = ["CHUNK", "Checkpoint", "LedgerRow", "VerifyReport", "verify_ledger"]

_PREV_KEY = b',"prev":"'
_TAIL = b',"prev":"%s","seq":%d}'
CHUNK = 4096  # entries checked together; a power of two, so a chunk is a Merkle subtree
_SEQ, _BODY, _HASH = itemgetter(0), itemgetter(1), itemgetter(2)

# (seq recorded beside the entry or None, entry bytes, leaf hash recorded beside it or None)
LedgerRow = tuple[int | None, bytes, bytes | None]


@dataclass(frozen=True, slots=True)
class VerifyReport:
    entries: int
    containers: int
    root_hash: bytes
    tree_head: SignedTreeHead
    heads: int = 1  # signed tree heads checked: the one verified against plus the checkpoints


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed tree head the ledger must be consistent with; ``source`` names it in messages
    (``"stored tree head"``, ``"saved tree head head.json"``)."""

    head: SignedTreeHead
    source: str


def _fail(seq: int | None, text: str) -> LedgerIntegrityError:
    where = f"entry {seq}: " if seq is not None else ""
    return LedgerIntegrityError(f"{where}{text}", seq)


def _signed(mark: Checkpoint, public_key: Ed25519PublicKey) -> None:
    try:
        mark.head.verify(public_key)
    except LedgerIntegrityError as exc:
        raise _fail(None, f"{mark.source}: {exc}") from None


def _diagnose(
    i: int, row: LedgerRow, h: bytes, prev: bytes, pending: tuple[int, bytes] | None
) -> bool:
    """Raise naming what is wrong with entry ``i``; return True when only its link into it is
    broken (decided by looking at the next entry)."""
    stored_seq, body, stored_hash = row
    if pending is not None:
        j, hj = pending
        # Link into j broke. If the link into j+1 holds, j is intact and j-1 was altered
        # (its hash re-recorded); otherwise j's own link was edited.
        try:
            _, link = split_tail(body)
        except ValueError:
            link = b""
        bad = j - 1 if link == hj else j
        raise _fail(bad, f"was altered: entry {j} no longer links to entry {j - 1}")
    if stored_seq is not None and stored_seq != i:
        if stored_seq > i:
            raise _fail(i, f"is missing (deleted): the stored entries jump to {stored_seq}")
        raise _fail(stored_seq, f"is stored twice (again at position {i})")
    if stored_hash is not None and stored_hash != h:
        raise _fail(i, "was edited: its content does not match its recorded hash")
    try:
        seq, link = split_tail(body)
    except ValueError as exc:
        raise _fail(i, f"is not a well-formed ledger entry ({exc})") from None
    if seq != i:
        if seq > i:
            raise _fail(i, f"is missing (deleted or reordered): position {i} holds {seq}")
        raise _fail(i, f"position {i} holds entry {seq}: entries inserted or reordered")
    if link != prev:
        return True
    raise _fail(i, "is not in canonical form")


class _Verifier:
    """The streaming state: entries seen, last leaf hash, Merkle frontier, a broken link."""

    def __init__(
        self,
        rules: RuleSink | None,
        public_key: Ed25519PublicKey,
        checkpoints: Iterable[Checkpoint] = (),
    ) -> None:
        self.rules = rules
        self.count = 0
        self.prev = GENESIS_PREV
        self.edge: list[bytes] = []  # the Merkle frontier, inlined (see merkle.Frontier)
        self.pending: tuple[int, bytes] | None = None  # (i, hash of i): link into i broken
        self.public_key = public_key
        self.marks = iter(checkpoints)
        self.mark: Checkpoint | None = next(self.marks, None)
        self.heads = 0

    def chunk(self, chunk: Sequence[LedgerRow]) -> None:
        # A chunk is split where a checkpoint falls inside it, to take the root there.
        while self.mark is not None and self.mark.head.tree_size <= self.count + len(chunk):
            cut = self.mark.head.tree_size - self.count
            self._part(chunk[:cut])
            chunk = chunk[cut:]
            self.check_mark()
        self._part(chunk)

    def _part(self, rows: Sequence[LedgerRow]) -> None:
        if rows and not self._fast(rows):
            for row in rows:
                self._row(row)

    def check_mark(self) -> None:
        """The checkpoint at the current size: signed by the key, over the root so far."""
        mark = self.mark
        assert mark is not None
        head, self.mark = mark.head, next(self.marks, None)
        if head.tree_size < self.count:
            raise _fail(None, f"{mark.source} of size {head.tree_size}: out of order")
        _signed(mark, self.public_key)
        self.heads += 1
        if self.pending is not None:
            return  # the broken link is named next: the root here is no news
        root = Frontier(self.count, self.edge).root() if self.count else EMPTY_ROOT
        if root != head.root_hash:
            raise _fail(
                None,
                f"{mark.source} of size {head.tree_size}: its root {head.root_hash.hex()} is "
                f"not the Merkle root of the first {head.tree_size} entries ({root.hex()}): "
                f"entries before {head.tree_size} were rewritten after it was signed; restore "
                "the ledger from a backup or an export",
            )

    def beyond(self) -> None:
        """Checkpoints left when the stream has ended: larger than the ledger."""
        while self.mark is not None:
            if self.mark.head.tree_size <= self.count:  # e.g. size 0 of an empty stream
                self.check_mark()
                continue
            mark, self.mark = self.mark, next(self.marks, None)
            _signed(mark, self.public_key)
            size = mark.head.tree_size
            raise _fail(
                self.count,
                f"is missing: the {mark.source} of size {size} covers entries "
                f"{self.count}..{size - 1}, but the ledger holds only {self.count} entries: "
                "entries were cut from its end (or it is another ledger); restore them from a "
                "backup or an export",
            )

    def _fast(self, chunk: Sequence[LedgerRow]) -> bool:
        """Check a whole chunk with bulk operations (C loops over the rows); return False,
        changing nothing, if anything differs from the intact case, for :meth:`_row` to name."""
        n, i0 = len(chunk), self.count
        if self.pending is not None:
            return False
        seqs: tuple[int | None, ...] = tuple(map(_SEQ, chunk))
        if seqs != tuple(range(i0, i0 + n)) and seqs.count(None) != n:
            return False
        bodies: list[bytes] = list(map(_BODY, chunk))
        sha256 = hashlib.sha256
        hashes = [sha256(b"\x00" + body).digest() for body in bodies]
        recorded: tuple[bytes | None, ...] = tuple(map(_HASH, chunk))
        if recorded != tuple(hashes) and recorded.count(None) != n:
            return False
        # Each entry ends ,"prev":"<hex of the previous leaf hash>","seq":<position>}, whose
        # length only changes where the position gains a digit.
        cuts: list[bytes] = []
        start = i0
        while start < i0 + n:
            digits = len(str(start))
            stop = min(i0 + n, 10**digits)
            cut = -82 - digits
            cuts += [body[cut:] for body in bodies[start - i0 : stop - i0]]
            start = stop
        tails = b"".join(cuts)
        links = map(hexlify, [self.prev, *hashes[:-1]])
        if tails != b"".join(map(_TAIL.__mod__, zip(links, range(i0, i0 + n), strict=True))):
            return False
        if self.rules is not None:
            self.rules.apply(bodies, i0)
        edge = self.edge
        if n == CHUNK and i0 % CHUNK == 0:
            # A perfect subtree: hash it level by level, then add it to the frontier whole
            # (no frontier entry is below its level, as i0 is a multiple of its size).
            level = hashes
            while len(level) > 1:
                level = [
                    sha256(b"\x01" + a + b).digest()
                    for a, b in zip(level[::2], level[1::2], strict=True)
                ]
            index, node = i0 // CHUNK, level[0]
            while index & 1:
                node = sha256(b"\x01" + edge.pop() + node).digest()
                index >>= 1
            edge.append(node)
        else:
            for i, h in enumerate(hashes, i0):
                index, node = i, h
                while index & 1:
                    node = sha256(b"\x01" + edge.pop() + node).digest()
                    index >>= 1
                edge.append(node)
        self.count, self.prev = i0 + n, hashes[-1]
        return True

    def _row(self, row: LedgerRow) -> None:
        """One entry, every check in order; names what is wrong (see :func:`_diagnose`)."""
        i, prev, sha256 = self.count, self.prev, hashlib.sha256
        stored_seq, body, stored_hash = row
        h = sha256(b"\x00" + body).digest()
        cut = body.rfind(b'","seq":', -40)
        if (
            self.pending is not None
            or (stored_seq is not None and stored_seq != i)
            or (stored_hash is not None and stored_hash != h)
            or body[cut - 64 : cut] != prev.hex().encode()
            or body[cut + 8 :] != b"%d}" % i
            or body[cut - 73 : cut - 64] != _PREV_KEY
            or cut < 73
        ) and _diagnose(i, row, h, prev, self.pending):
            self.pending = (i, h)
        if self.rules is not None and self.pending is None:
            self.rules.apply((body,), i)
        index, node, edge = i, h, self.edge
        while index & 1:
            node = sha256(b"\x01" + edge.pop() + node).digest()
            index >>= 1
        edge.append(node)
        self.count, self.prev = i + 1, h

    def cleared(self) -> int:
        """Entries before this one passed every integrity check (the rules may replay them)."""
        return self.count if self.pending is None else self.pending[0]


def _chunks(rows: Iterable[LedgerRow]) -> Iterator[list[LedgerRow]]:
    it = iter(rows)
    while chunk := list(islice(it, CHUNK)):
        yield chunk


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Verification makes millions of short-lived objects, none of them in a reference cycle
    (rows, hashes, slices): reference counting frees them all, and the cyclic collector, which
    would otherwise run every few hundred rows (and now and then over the whole heap), only
    costs time. Paused for the call, then restored as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def verify_ledger(
    rows: Iterable[LedgerRow],
    tree_head: SignedTreeHead,
    public_key: Ed25519PublicKey,
    *,
    check_events: bool = True,
    rule_bodies: BodySource | None = None,
    chunked: Iterable[Sequence[LedgerRow]] | None = None,
    checkpoints: Iterable[Checkpoint] = (),
) -> VerifyReport:
    """Raise :class:`LedgerIntegrityError` at the first problem; else report what verified.

    ``rule_bodies``, if given, reads the bodies of entries ``0 .. tree_size - 1`` afresh (in a
    forked worker, from a snapshot holding the same entries as ``rows``) for the rules.
    ``chunked``, if given, replaces ``rows``: the same rows already in lists, best of 4,096
    rows each (any sizes are checked correctly; full aligned chunks take the bulk Merkle path).
    ``checkpoints``, in order of tree size, are further signed heads the ledger must be
    consistent with (see the module's docstring)."""
    tree_head.verify(public_key)
    with _collector_paused():
        # The head verified against is checked in full at the end: not again as a checkpoint.
        marks = (c for c in checkpoints if c.head != tree_head)
        state = _Verifier(None, public_key, marks)
        return _verify(rows, tree_head, check_events, rule_bodies, chunked, state)


def _verify(
    rows: Iterable[LedgerRow],
    tree_head: SignedTreeHead,
    check_events: bool,
    rule_bodies: BodySource | None,
    chunked: Iterable[Sequence[LedgerRow]] | None,
    state: _Verifier,
) -> VerifyReport:
    reader = rule_reader(tree_head.tree_size, rule_bodies) if check_events else None
    rules = rule_sink(tree_head.tree_size) if check_events and reader is None else None
    state.rules = rules
    containers = 0
    try:
        try:
            for chunk in _chunks(rows) if chunked is None else chunked:
                state.chunk(chunk)
                if reader is not None:
                    reader.check(state.cleared())  # stop early at an earlier illegal entry
        except LedgerIntegrityError:
            # An illegal entry before this one is the first bad entry.
            if rules is not None:
                rules.finish()
            if reader is not None:
                reader.finish(state.cleared())
            raise
        if rules is not None:
            containers = rules.finish()
        if reader is not None:
            containers = reader.finish(state.cleared())
    finally:
        if rules is not None:
            rules.close()
        if reader is not None:
            reader.close()
    if state.pending is not None:
        j = state.pending[0]
        raise _fail(j - 1, f"was altered (or entry {j} was): the link between them is broken")
    count = state.count
    if count > tree_head.tree_size:
        raise _fail(
            tree_head.tree_size,
            f"is not covered by the signed tree head (size {tree_head.tree_size}): "
            f"{count - tree_head.tree_size} entries were added after signing",
        )
    if count < tree_head.tree_size:
        raise _fail(count, f"is missing: the signed tree head covers {tree_head.tree_size} entries")
    root = Frontier(count, state.edge).root()
    if root != tree_head.root_hash:
        raise _fail(
            None,
            f"the {count} entries do not hash to the signed root {tree_head.root_hash.hex()}: "
            "entries were altered and re-chained",
        )
    state.beyond()
    return VerifyReport(count, containers, root, tree_head, state.heads + 1)
