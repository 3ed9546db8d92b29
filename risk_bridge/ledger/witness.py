"""Signed tree heads kept outside the ledger: head files, and a witness folder of heads seen.

Every head a ledger signs lives in the same database as its entries, so deleting the last
entries together with their newer heads leaves a shorter ledger that verifies on its own. A head
saved elsewhere earlier catches that: ``borderflow custody head --out`` writes one (the JSON of
:meth:`SignedTreeHead.to_obj`), ``verify --against`` holds the ledger to it, and a *witness*
folder keeps every head it has been shown, one file per size (``head-<size, 12 digits>.json``).
:func:`witness` adds the ledger's newest head to the folder only if it is signed by the public
key and extends every head already held: not smaller, the same root at the same size, and
otherwise a consistency proof from the ledger (RFC 6962) that checks out against both signed
roots; anything else raises :class:`InconsistentHead` and adds nothing. The witness checks
heads, not entries: ``verify --against FOLDER`` checks the entries against every held head.
"""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from orchestrator.custody.errors import CustodyError, LedgerIntegrityError, ProofError
from orchestrator.custody.merkle import verify_consistency
from orchestrator.custody.treehead import SignedTreeHead
from orchestrator.custody.verify import Checkpoint
from risk_bridge.ledger.ledger import Ledger

__all__ = [
    "InconsistentHead",
    "WitnessOutcome",
    "WitnessReport",
    "consistency_note",
    "read_head_file",
    "saved_heads",
    "witness",
    "witness_file",
    "write_head_file",
]


class InconsistentHead(LedgerIntegrityError):
    """The ledger's newest head does not extend a head saved earlier: cut or rewritten."""


class WitnessOutcome(enum.Enum):
    FIRST = "first"  # the folder held no head yet
    ADDED = "added"  # a newer head, consistent with every one held
    UNCHANGED = "unchanged"  # the newest head is already held


@dataclass(frozen=True, slots=True)
class WitnessReport:
    outcome: WitnessOutcome
    head: SignedTreeHead
    held: int  # heads the folder held before, each checked against ``head``
    path: Path  # the head's file in the folder

    def describe(self) -> str:
        size, root = self.head.tree_size, self.head.root_hash.hex()
        if self.outcome is WitnessOutcome.UNCHANGED:
            return f"unchanged: the ledger's newest head (size {size}) is held in {self.path}"
        held = (
            "the first head"
            if self.outcome is WitnessOutcome.FIRST
            else f"consistent with {self.held} head{'s' if self.held != 1 else ''} held"
        )
        when = self.head.time_text()
        signed = f"signed timestamp {when}" if when else "no timestamp: a version /1 head"
        return (
            f"witnessed the tree head of size {size} (root {root}, {signed}), {held}; saved "
            f"{self.path}"
        )


def read_head_file(path: Path) -> SignedTreeHead:
    """A signed tree head from a file: as ``custody head`` writes it, or any JSON object with
    it under ``tree_head`` (an export's last line, a proof) or ``custody_ledger.tree_head``
    (the KPI file of ``borderflow simulate --db``)."""
    try:
        obj: Any = json.loads(Path(path).read_bytes())
        if isinstance(obj, dict) and "custody_ledger" in obj:
            obj = obj["custody_ledger"]
        if isinstance(obj, dict) and "tree_head" in obj:
            obj = obj["tree_head"]
        return SignedTreeHead.from_obj(obj)
    except OSError as exc:
        raise CustodyError(f"cannot read tree head file {path}: {exc.strerror}") from None
    except (ValueError, TypeError, LedgerIntegrityError) as exc:
        raise LedgerIntegrityError(
            f"{path} is not a signed tree head ({exc}); save one with `borderflow custody head "
            "--db URL --out FILE`"
        ) from None


def write_head_file(head: SignedTreeHead, path: Path) -> None:
    """Write ``head`` as JSON, atomically and durably (the folder entry fsynced too)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(json.dumps(head.to_obj(), indent=1).encode() + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def saved_heads(paths: Iterable[Path]) -> list[Checkpoint]:
    """The heads in these files, and in the ``*.json`` files of these folders (a witness
    folder), as checkpoints for ``verify``, smallest first."""
    found: list[Checkpoint] = []
    for path in paths:
        files = sorted(Path(path).glob("*.json")) if Path(path).is_dir() else [Path(path)]
        if not files:
            raise CustodyError(f"{path} holds no tree head files (*.json)")
        found += [Checkpoint(read_head_file(f), f"saved tree head {f}") for f in files]
    return sorted(found, key=lambda c: c.head.tree_size)


def consistency_note(saved: list[Checkpoint]) -> str:
    """What ``verify`` adds to VALID for the saved heads it held the ledger to."""
    if not saved:
        return ""
    if len(saved) == 1:
        return f"; consistent with the saved tree head of size {saved[0].head.tree_size}"
    sizes = f"{saved[0].head.tree_size}..{saved[-1].head.tree_size}"
    return f"; consistent with {len(saved)} saved tree heads (sizes {sizes})"


def witness_file(folder: Path, tree_size: int) -> Path:
    return Path(folder) / f"head-{tree_size:012d}.json"


def witness(ledger: Ledger, public_key: Ed25519PublicKey, folder: Path) -> WitnessReport:
    """Check the ledger's newest head against every head in ``folder``, then add it there."""
    folder = Path(folder)
    newest = ledger.tree_head()
    if newest is None:
        raise CustodyError(f"ledger {ledger.url} is empty: no signed tree head to witness")
    newest.verify(public_key)
    held = [c.head for c in saved_heads([folder])] if any(folder.glob("*.json")) else []
    for old in held:
        _check_extends(ledger, public_key, old, newest, witness_file(folder, old.tree_size))
    path = witness_file(folder, newest.tree_size)
    if any(old.tree_size == newest.tree_size for old in held):
        return WitnessReport(WitnessOutcome.UNCHANGED, newest, len(held), path)
    write_head_file(newest, path)
    outcome = WitnessOutcome.ADDED if held else WitnessOutcome.FIRST
    return WitnessReport(outcome, newest, len(held), path)


def _check_extends(
    ledger: Ledger,
    public_key: Ed25519PublicKey,
    old: SignedTreeHead,
    new: SignedTreeHead,
    where: Path,
) -> None:
    try:
        old.verify(public_key)
    except LedgerIntegrityError as exc:
        raise CustodyError(f"the witness's own {where} does not verify: {exc}") from None
    m, n = old.tree_size, new.tree_size
    if m > n:
        raise InconsistentHead(
            f"the ledger's newest signed tree head has size {n}, but the witness holds one of "
            f"size {m} ({where}): entries {n}..{m - 1} were cut from the ledger (with their "
            "tree heads), or this is another ledger"
        )
    try:
        proof = [] if m == n else ledger.consistency_proof(m, n)
        verify_consistency(m, n, old.root_hash, new.root_hash, proof)
    except (ProofError, LedgerIntegrityError) as exc:
        raise InconsistentHead(
            f"the ledger's newest signed tree head (size {n}, root {new.root_hash.hex()}) does "
            f"not extend the head of size {m} the witness holds ({where}): the first {m} "
            f"entries were rewritten since ({exc})"
        ) from None
