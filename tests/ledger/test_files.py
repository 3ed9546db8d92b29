"""Proof files: an inclusion or consistency proof checks out with the public key alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.custody.errors import CustodyError, LedgerIntegrityError, ProofError
from risk_bridge.ledger import generate_keypair, load_public_key, open_ledger
from risk_bridge.ledger.files import (
    verify_proof_file,
    write_consistency_proof,
    write_inclusion_proof,
)
from tests.orchestrator.custody.journeys import container_id, inspected, many

C = container_id(3)


@pytest.fixture
def ledger_url(url: str, key: Path) -> str:
    with open_ledger(url, key=key) as ledger:
        ledger.append_many(many(5))
        ledger.append_many(inspected(container_id(40), "EZ-4000", "EZ-4001", t0_s=20))
    return url


def test_inclusion_proof_round_trip(ledger_url: str, key: Path, tmp_path: Path) -> None:
    out = tmp_path / "proof.json"
    with open_ledger(ledger_url, readonly=True) as ledger:
        doc = write_inclusion_proof(ledger, C, out)
    assert [e["seq"] for e in doc["entries"]] == [5, 10, 15, 20, 25, 30, 33]
    summary = verify_proof_file(out, load_public_key(Path(f"{key}.pub")))
    head = summary.pop("head")
    assert head.tree_size == 43 and head.to_obj() == doc["tree_head"]
    times = summary.pop("times")
    assert [seq for seq, _ in times] == [5, 10, 15, 20, 25, 30, 33] and all(t for _, t in times)
    assert summary == {"kind": "inclusion", "container_id": C, "entries": 7, "tree_size": 43}


def _edited(out: Path, change: object) -> Path:
    doc = json.loads(out.read_text())
    assert callable(change)
    change(doc)
    out.write_text(json.dumps(doc))
    return out


def test_altered_inclusion_proofs_fail(ledger_url: str, key: Path, tmp_path: Path) -> None:
    pub = load_public_key(Path(f"{key}.pub"))
    out = tmp_path / "proof.json"
    with open_ledger(ledger_url, readonly=True) as ledger:
        write_inclusion_proof(ledger, C, out)
    original = out.read_text()

    def edit_entry(doc: dict) -> None:  # type: ignore[type-arg]
        doc["entries"][2]["entry"] = doc["entries"][2]["entry"].replace("system", "mallory")

    def drop_hash(doc: dict) -> None:  # type: ignore[type-arg]
        doc["entries"][0]["audit_path"].pop()

    def drop_event(doc: dict) -> None:  # type: ignore[type-arg]
        del doc["entries"][2]  # the remaining story is not a legal custody sequence

    def shrink(doc: dict) -> None:  # type: ignore[type-arg]
        doc["tree_head"]["tree_size"] = 40

    for change, error, words in [
        (edit_entry, ProofError, "entry 15"),
        (drop_hash, ProofError, "entry 5"),
        (drop_event, ProofError, "entry 25: .*out of order"),
        (shrink, LedgerIntegrityError, "signature"),
    ]:
        out.write_text(original)
        with pytest.raises(error, match=words):
            verify_proof_file(_edited(out, change), pub)


def test_a_proof_checked_with_another_key_fails(ledger_url: str, key: Path, tmp_path: Path) -> None:
    out = tmp_path / "proof.json"
    with open_ledger(ledger_url, readonly=True) as ledger:
        write_inclusion_proof(ledger, C, out)
    _, other, _ = generate_keypair(tmp_path / "other")
    with pytest.raises(LedgerIntegrityError, match="not by the public key given"):
        verify_proof_file(out, load_public_key(other))


def test_consistency_proof_round_trip_and_forgery(
    ledger_url: str, key: Path, tmp_path: Path
) -> None:
    pub = load_public_key(Path(f"{key}.pub"))
    out = tmp_path / "consistency.json"
    with open_ledger(ledger_url, readonly=True) as ledger:
        write_consistency_proof(ledger, 35, out)
        with pytest.raises(CustodyError, match="no signed tree head of size 34"):
            write_consistency_proof(ledger, 34, tmp_path / "x.json")
    summary = verify_proof_file(out, pub)
    assert (summary.pop("old_head").tree_size, summary.pop("head").tree_size) == (35, 43)
    assert summary == {"kind": "consistency", "old_size": 35, "tree_size": 43}

    def other_root(doc: dict) -> None:  # type: ignore[type-arg]
        doc["consistency_path"][0] = "00" * 32

    with pytest.raises(ProofError, match="does not extend"):
        verify_proof_file(_edited(out, other_root), pub)


def test_unknown_container_has_no_proof(ledger_url: str, tmp_path: Path) -> None:
    with (
        open_ledger(ledger_url, readonly=True) as ledger,
        pytest.raises(CustodyError, match="no entries"),
    ):
        write_inclusion_proof(ledger, container_id(77), tmp_path / "p.json")
