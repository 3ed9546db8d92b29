"""Files customs receive: ledger exports (JSON Lines) and proof files (JSON).

Export: line 1 is a header, then one entry per line *as its exact canonical bytes* (so a
verifier hashes the line as it stands), and the last line is ``{"tree_head": {...}}``, the signed
tree head covering exactly those entries. Proof files carry a signed tree head plus either the
container's entries with their audit paths (inclusion) or two tree heads and a consistency path.
Checking either needs only the public key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from orchestrator.custody.encoding import decode_entry
from orchestrator.custody.errors import CustodyError, LedgerIntegrityError, ProofError
from orchestrator.custody.legality import CustodyTracker
from orchestrator.custody.merkle import leaf_hash, verify_consistency, verify_inclusion
from orchestrator.custody.treehead import SignedTreeHead
from orchestrator.custody.verify import Checkpoint, LedgerRow, VerifyReport, verify_ledger
from orchestrator.domain.records import CustodyProofs
from risk_bridge.ledger.ledger import Ledger

__all__ = [
    "EXPORT_FORMAT",
    "PROOF_FORMAT",
    "ProofSummary",
    "export_ledger",
    "inclusion_proof_document",
    "read_export",
    "verify_export",
    "verify_proof_file",
    "write_consistency_proof",
    "write_inclusion_proof",
]

EXPORT_FORMAT = "borderflow-custody-export/1"
PROOF_FORMAT = "borderflow-custody-proof/1"


def _write_atomic(path: Path, chunks: Iterator[bytes]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "wb") as fh:
        for chunk in chunks:
            fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def export_ledger(ledger: Ledger, out: Path) -> SignedTreeHead:
    """Write the entries covered by the latest signed tree head, and that head."""
    head = ledger.tree_head()
    if head is None:
        raise CustodyError(f"ledger {ledger.url} is empty: nothing to export")

    def lines() -> Iterator[bytes]:
        yield json.dumps({"format": EXPORT_FORMAT}).encode() + b"\n"
        batch: list[bytes] = []
        for seq, body, _ in ledger.rows():
            if seq >= head.tree_size:  # appended after the head was read: not covered
                break
            batch.append(body)
            if len(batch) >= 4096:
                yield b"\n".join(batch) + b"\n"
                batch = []
        if batch:
            yield b"\n".join(batch) + b"\n"
        yield json.dumps({"tree_head": head.to_obj()}).encode() + b"\n"

    _write_atomic(Path(out), lines())
    return head


def read_export(path: Path) -> tuple[SignedTreeHead, Iterator[LedgerRow]]:
    """The export's tree head (its last line) and a stream of its entry lines."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise CustodyError(f"cannot read export {path}: {exc.strerror}") from None
    with open(path, "rb") as fh:
        header = fh.readline()
        try:
            if json.loads(header).get("format") != EXPORT_FORMAT:
                raise ValueError
        except (ValueError, AttributeError):
            raise LedgerIntegrityError(
                f"{path} is not a custody export (first line must be the {EXPORT_FORMAT} header)"
            ) from None
        fh.seek(max(0, size - 4096))
        tail = fh.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    try:
        head = SignedTreeHead.from_obj(json.loads(tail)["tree_head"])
    except (ValueError, KeyError, TypeError):
        raise LedgerIntegrityError(
            f"{path}: the last line is not a signed tree head (truncated export?)"
        ) from None

    def rows() -> Iterator[LedgerRow]:
        with open(path, "rb") as fh:
            fh.readline()
            pending: bytes | None = None
            for line in fh:
                if pending is not None:
                    yield (None, pending, None)
                pending = line.rstrip(b"\n")
            # ``pending`` now holds the tree-head line, which is not an entry.

    return head, rows()


def verify_export(
    path: Path,
    public_key: Ed25519PublicKey,
    *,
    check_events: bool = True,
    against: Sequence[Checkpoint] = (),
) -> VerifyReport:
    """Verify an export against its own tree head and the heads ``against`` (saved earlier)."""
    head, rows = read_export(path)
    marks = sorted(against, key=lambda c: c.head.tree_size)
    return verify_ledger(rows, head, public_key, check_events=check_events, checkpoints=marks)


def write_inclusion_proof(ledger: Ledger, container_id: str, out: Path) -> dict[str, Any]:
    head = ledger.tree_head()
    entries = [(s, b) for s, b in ledger.container_entries(container_id)]
    if head is None or not entries:
        raise CustodyError(
            f"container {container_id} has no entries in ledger {ledger.url}; `borderflow "
            "custody containers --db ...` lists the containers it holds"
        )
    entries = [(s, b) for s, b in entries if s < head.tree_size]
    doc = {
        "format": PROOF_FORMAT,
        "kind": "inclusion",
        "container_id": container_id,
        "tree_head": head.to_obj(),
        "entries": [
            {
                "seq": seq,
                "entry": body.decode("utf-8"),
                "audit_path": [h.hex() for h in ledger.inclusion_proof(seq, head.tree_size)],
            }
            for seq, body in entries
        ],
    }
    _write_atomic(Path(out), iter([json.dumps(doc, indent=1).encode() + b"\n"]))
    return doc


def inclusion_proof_document(proofs: CustodyProofs, container_id: str) -> dict[str, Any]:
    """The proof file of :func:`write_inclusion_proof`, from a fleet's :class:`CustodyProofs`
    (what the bridge serves at ``GET /v1/containers/{id}/proof``): the entries under the newest
    signed tree head, each with its audit path."""
    if proofs.head is None or not any(
        seq < proofs.head.tree_size for seq, _b, _p in proofs.entries
    ):
        raise CustodyError(
            f"container {container_id} has no signed entries in ledger {proofs.ledger_url} yet "
            "(tree heads are signed at every commit: retry in a moment)"
        )
    head = proofs.head
    return {
        "format": PROOF_FORMAT,
        "kind": "inclusion",
        "container_id": container_id,
        "tree_head": head.to_obj(),
        "entries": [
            {"seq": seq, "entry": body.decode("utf-8"), "audit_path": [h.hex() for h in path]}
            for seq, body, path in proofs.entries
            if seq < head.tree_size
        ],
    }


def write_consistency_proof(
    ledger: Ledger, old_size: int, out: Path, new_size: int | None = None
) -> dict[str, Any]:
    new_head = ledger.tree_head() if new_size is None else ledger.tree_head_at(new_size)
    old_head = ledger.tree_head_at(old_size)
    for size, found in ((old_size, old_head), (new_size, new_head)):
        if found is None:
            raise CustodyError(
                f"ledger {ledger.url} has no signed tree head of size {size}; tree heads are "
                "signed at every commit (`borderflow custody head` shows the latest)"
            )
    assert old_head is not None and new_head is not None
    path = ledger.consistency_proof(old_head.tree_size, new_head.tree_size)
    doc = {
        "format": PROOF_FORMAT,
        "kind": "consistency",
        "old_tree_head": old_head.to_obj(),
        "tree_head": new_head.to_obj(),
        "consistency_path": [h.hex() for h in path],
    }
    _write_atomic(Path(out), iter([json.dumps(doc, indent=1).encode() + b"\n"]))
    return doc


class ProofSummary(dict[str, Any]):
    """What a verified proof established, for the CLI to print."""


def verify_proof_file(path: Path, public_key: Ed25519PublicKey) -> ProofSummary:
    """Check a proof file with only the public key; raises :class:`CustodyError` if it fails."""
    try:
        doc = json.loads(Path(path).read_bytes())
        if doc.get("format") != PROOF_FORMAT:
            raise ValueError(f"format is not {PROOF_FORMAT}")
        head = SignedTreeHead.from_obj(doc["tree_head"])
        kind = doc["kind"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ProofError(f"{path} is not a custody proof file ({exc})") from None
    head.verify(public_key)
    try:
        if kind == "inclusion":
            return _check_inclusion(doc, head)
        if kind == "consistency":
            old = SignedTreeHead.from_obj(doc["old_tree_head"])
            old.verify(public_key)
            proof = [bytes.fromhex(h) for h in doc["consistency_path"]]
            verify_consistency(old.tree_size, head.tree_size, old.root_hash, head.root_hash, proof)
            return ProofSummary(
                kind=kind, old_size=old.tree_size, tree_size=head.tree_size, head=head, old_head=old
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProofError(f"{path}: malformed proof ({exc})") from None
    raise ProofError(f"{path}: unknown proof kind {kind!r}")


def _check_inclusion(doc: dict[str, Any], head: SignedTreeHead) -> ProofSummary:
    container_id = doc["container_id"]
    tracker = CustodyTracker()
    last = -1
    times: list[tuple[int, str | None]] = []  # (seq, the entry's signed timestamp)
    for item in doc["entries"]:
        seq, body = item["seq"], item["entry"].encode("utf-8")
        path = [bytes.fromhex(h) for h in item["audit_path"]]
        try:
            inner_seq, _, event = decode_entry(body)
        except LedgerIntegrityError as exc:
            raise ProofError(f"entry {seq}: {exc}") from None
        if inner_seq != seq or event.container_id != container_id or seq <= last:
            raise ProofError(
                f"entry {seq}: not an entry of {container_id} at that position (says seq "
                f"{inner_seq}, container {event.container_id})"
            )
        verify_inclusion(leaf_hash(body), seq, head.tree_size, path, head.root_hash)
        try:
            tracker.apply(event)
        except CustodyError as exc:
            raise ProofError(f"entry {seq}: {exc}") from None
        last = seq
        times.append((seq, event.timestamp))
    if last < 0:
        raise ProofError(f"the proof for {container_id} holds no entries")
    return ProofSummary(
        kind="inclusion",
        container_id=container_id,
        entries=len(doc["entries"]),
        tree_size=head.tree_size,
        head=head,
        times=times,
    )
