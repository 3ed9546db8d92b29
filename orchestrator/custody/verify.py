"""Verify a whole ledger (stored or exported) against its signed tree head, naming the first bad
entry.

Checks, in one streaming pass: every entry is at its position (no gap, duplicate or reordering),
matches its recorded hash when one is stored, links to its predecessor's hash, decodes to a
legal event for its container (:class:`CustodyTracker`), and the leaves hash up to the signed
root of the same size. An edited entry whose hash was re-recorded breaks the *next* link only;
an entry whose own link was edited breaks two links in a row: one entry of look-ahead tells the
two apart, so the message names the entry that was changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from orchestrator.custody.encoding import GENESIS_PREV, event_from_body, split_tail
from orchestrator.custody.errors import CustodyError, LedgerIntegrityError
from orchestrator.custody.legality import CustodyTracker
from orchestrator.custody.merkle import Frontier
from orchestrator.custody.treehead import SignedTreeHead

__all__ = ["LedgerRow", "VerifyReport", "verify_ledger"]

_PREV_KEY = b',"prev":"'

# (seq recorded beside the entry or None, entry bytes, leaf hash recorded beside it or None)
LedgerRow = tuple[int | None, bytes, bytes | None]


@dataclass(frozen=True, slots=True)
class VerifyReport:
    entries: int
    containers: int
    root_hash: bytes
    tree_head: SignedTreeHead


def _fail(seq: int | None, text: str) -> LedgerIntegrityError:
    where = f"entry {seq}: " if seq is not None else ""
    return LedgerIntegrityError(f"{where}{text}", seq)


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


def verify_ledger(
    rows: Iterable[LedgerRow],
    tree_head: SignedTreeHead,
    public_key: Ed25519PublicKey,
    *,
    check_events: bool = True,
) -> VerifyReport:
    """Raise :class:`LedgerIntegrityError` at the first problem; else report what verified."""
    tree_head.verify(public_key)
    tracker = CustodyTracker()
    edge: list[bytes] = []  # the Merkle frontier, inlined (see merkle.Frontier)
    prev = GENESIS_PREV
    prev_hex = prev.hex().encode()
    pending: tuple[int, bytes] | None = None  # (i, hash of i) when the link into i was broken
    it: Iterator[LedgerRow] = iter(rows)
    i = -1
    sha256 = hashlib.sha256
    apply = tracker.apply
    # This loop is the hot path of verifying a million entries: the common case is checked
    # on the raw bytes (canonical tail: ,"prev":"<hex>","seq":<n>}); any mismatch takes the
    # slow path below, which works out what exactly is wrong.
    for i, row in enumerate(it):
        stored_seq, body, stored_hash = row
        h = sha256(b"\x00" + body).digest()
        cut = body.rfind(b'","seq":', -40)
        if (
            pending is not None
            or (stored_seq is not None and stored_seq != i)
            or (stored_hash is not None and stored_hash != h)
            or body[cut - 64 : cut] != prev_hex
            or body[cut + 8 :] != b"%d}" % i
            or body[cut - 73 : cut - 64] != _PREV_KEY
            or cut < 73
        ) and _diagnose(i, row, h, prev, pending):
            pending = (i, h)
        if check_events and pending is None:
            try:
                apply(event_from_body(body))
            except CustodyError as exc:
                raise _fail(i, f"is not a legal custody event: {exc}") from None
            except (ValueError, KeyError, TypeError) as exc:
                raise _fail(i, f"does not decode to a custody event ({exc})") from None
        index, node = i, h
        while index & 1:
            node = sha256(b"\x01" + edge.pop() + node).digest()
            index >>= 1
        edge.append(node)
        prev = h
        prev_hex = h.hex().encode()
    if pending is not None:
        j = pending[0]
        raise _fail(j - 1, f"was altered (or entry {j} was): the link between them is broken")
    count = i + 1
    if count > tree_head.tree_size:
        raise _fail(
            tree_head.tree_size,
            f"is not covered by the signed tree head (size {tree_head.tree_size}): "
            f"{count - tree_head.tree_size} entries were added after signing",
        )
    if count < tree_head.tree_size:
        raise _fail(count, f"is missing: the signed tree head covers {tree_head.tree_size} entries")
    root = Frontier(count, edge).root()
    if root != tree_head.root_hash:
        raise _fail(
            None,
            f"the {count} entries do not hash to the signed root {tree_head.root_hash.hex()}: "
            "entries were altered and re-chained",
        )
    return VerifyReport(count, len(tracker), root, tree_head)
