"""A container's custody timeline, checked here on its own: every stored entry against the
ledger's signed tree head, by the entry's own bytes.

This module owns that check. For each entry: its bytes parse as a canonical ledger entry for
this container at this sequence number, and the hash of those bytes, with the inclusion proof,
hashes up to the signed root (RFC 6962); the tree head's Ed25519 signature is checked with the
ledger's key; the custody rules are replayed over the events in order. A changed byte anywhere
in an entry, a forged head or an event that breaks the rules makes the timeline ``failed``,
and ``why`` names the entry. Entries appended after the newest head are shown as not yet signed.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from orchestrator.custody.encoding import decode_entry
from orchestrator.custody.errors import CustodyError
from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.legality import CustodyTracker
from orchestrator.custody.merkle import leaf_hash, verify_inclusion
from orchestrator.domain.records import CustodyProofs

__all__ = ["timeline"]


def _event_json(seq: int, ev: CustodyEvent, included: bool | None) -> dict[str, Any]:
    return {
        "seq": seq,
        "kind": ev.kind.value,
        "t_s": ev.t_s,
        "timestamp": ev.timestamp,  # ISO 8601 UTC as signed (None: written before timestamps)
        "actor": ev.actor,
        "side": ev.side,
        "node": ev.node,
        "zone": ev.zone,
        "vehicle_id": ev.vehicle_id,
        "seal_number": ev.seal_number,
        "included": included,  # None: after the newest signed head
    }


def timeline(container_id: str, proofs: CustodyProofs | None) -> dict[str, Any]:
    if proofs is None:
        return {
            "ledger": None,
            "status": "no ledger",
            "why": "this fleet keeps no custody ledger here",
            "events": [],
            "tree_size": None,
            "head_verified": None,
        }
    head = proofs.head
    problems: list[str] = []
    head_ok: bool | None = None
    if head is not None:
        if proofs.public_key_raw is None:
            problems.append("the ledger's signing key is not known here")
            head_ok = False
        else:
            try:
                head.verify(Ed25519PublicKey.from_public_bytes(proofs.public_key_raw))
                head_ok = True
            except CustodyError as exc:
                problems.append(str(exc))
                head_ok = False
    events: list[dict[str, Any]] = []
    decoded: list[CustodyEvent] = []
    for seq, body, proof in proofs.entries:
        try:
            inner, _prev, ev = decode_entry(body)
        except CustodyError as exc:
            problems.append(f"entry {seq}: {exc}")
            events.append({"seq": seq, "kind": "unreadable", "included": False})
            continue
        if inner != seq or ev.container_id != container_id:
            problems.append(f"entry {seq} holds entry {inner} of {ev.container_id}")
        included: bool | None = None
        if head is not None and seq < head.tree_size:
            try:
                verify_inclusion(leaf_hash(body), seq, head.tree_size, proof, head.root_hash)
                included = True
            except CustodyError as exc:
                problems.append(f"entry {seq}: {exc}")
                included = False
        events.append(_event_json(seq, ev, included))
        decoded.append(ev)
    try:
        CustodyTracker().apply_all(decoded)
    except CustodyError as exc:
        problems.append(f"custody rules: {exc}")
    if problems:
        status, why = "failed", "; ".join(problems[:5])
    elif not events:
        status, why = "verified", "no custody events yet"
    else:
        signed = sum(1 for e in events if e["included"])
        status = "verified"
        why = (
            f"{signed} of {len(events)} entries proven under the signed tree head of size "
            f"{head.tree_size if head else 0}; custody rules hold"
        )
    return {
        "container_id": container_id,
        "ledger": proofs.ledger_url,
        "tree_size": None if head is None else head.tree_size,
        "root_hash": None if head is None else head.root_hash.hex(),
        "head_verified": head_ok,
        "status": status,
        "why": why,
        "events": events,
    }
