"""GET /v1/containers/{id}/proof: the proof file customs check on their own, with only the
ledger's public key; the same checker as ``borderflow custody verify-proof``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.custody.errors import ProofError
from risk_bridge.ledger import load_public_key
from risk_bridge.ledger.files import verify_proof_file
from tests.bridge.helpers import drive_until


@pytest.fixture
def ledger_bridge(bridge_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp_path / "signing-keys"))
    return bridge_factory(ledger=True)


def _carried(bridge):
    """A container with signed custody entries (its seal affixed and read)."""

    def found():
        for cid in sorted(bridge.svc.state.cargo):
            proofs = bridge.svc.fleet.custody_proofs(cid)
            if (
                proofs
                and proofs.head
                and any(s < proofs.head.tree_size for s, *_ in proofs.entries)
            ):
                return cid
        return None

    drive_until(bridge, lambda: found() is not None)
    return found()


def test_the_proof_verifies_with_the_public_key_alone(ledger_bridge, tmp_path: Path):
    bridge = ledger_bridge
    cid = _carried(bridge)
    r = bridge.client.get(f"/v1/containers/{cid}/proof", headers=bridge.headers("viewer"))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["format"] == "borderflow-custody-proof/1" and doc["container_id"] == cid
    assert doc["entries"] and all(e["seq"] < doc["tree_head"]["tree_size"] for e in doc["entries"])
    path = tmp_path / "proof.json"
    path.write_text(r.text)
    key = load_public_key(Path(bridge.settings.state_dir).parent / "signing" / "ledger.key.pub")
    summary = verify_proof_file(path, key)
    assert summary["container_id"] == cid and summary["entries"] == len(doc["entries"])
    # One changed byte in an entry: the proof no longer holds.
    doc["entries"][0]["entry"] = doc["entries"][0]["entry"].replace('"seal', '"Seal', 1)
    path.write_text(json.dumps(doc))
    with pytest.raises(ProofError):
        verify_proof_file(path, key)


def test_bad_and_unknown_numbers(ledger_bridge):
    h = ledger_bridge.headers("viewer")
    r = ledger_bridge.client.get("/v1/containers/CSQU3054384/proof", headers=h)
    assert r.status_code == 422 and "expected 3" in r.text
    r = ledger_bridge.client.get("/v1/containers/CSQU3054383/proof", headers=h)
    assert r.status_code == 404 and "manifest" in r.json()["detail"]
    cid = sorted(ledger_bridge.svc.state.cargo)[0]
    assert ledger_bridge.client.get(f"/v1/containers/{cid}/proof").status_code == 401


def test_a_fleet_without_a_ledger_says_so(bridge):
    cid = sorted(bridge.svc.state.cargo)[0]
    r = bridge.client.get(f"/v1/containers/{cid}/proof", headers=bridge.headers("viewer"))
    assert r.status_code == 404 and "no custody ledger" in r.json()["detail"]
