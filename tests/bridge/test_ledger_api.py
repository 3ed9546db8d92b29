"""GET /v1/ledger/head and /v1/ledger/consistency: the API's `custody verify --against`.

A customs system saves a signed tree head, the ledger grows, and it asks whether the ledger
still extends the saved head; it checks the answer's proof itself with the ledger's public key.
A saved head the ledger does not extend (another root at that size, a size the ledger no longer
reaches) is answered 409 with the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrator.custody.merkle import verify_consistency
from orchestrator.custody.treehead import SignedTreeHead
from risk_bridge.ledger import load_public_key
from tests.bridge.helpers import drive_until, first_arrival


@pytest.fixture
def ledgered(bridge_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp_path / "signing-keys"))
    bridge = bridge_factory(ledger=True)
    first_arrival(bridge)
    drive_until(bridge, lambda: _head(bridge) is not None)
    return bridge


def _head(bridge: Any) -> dict[str, Any] | None:
    r = bridge.client.get("/v1/ledger/head", headers=bridge.headers("viewer"))
    return r.json()["tree_head"] if r.status_code == 200 else None


def _public_key(tmp_path: Path) -> Any:
    return load_public_key(tmp_path / "signing" / "ledger.key.pub")


def test_a_saved_head_is_extended_and_the_caller_checks_the_proof(
    ledgered: Any, tmp_path: Path
) -> None:
    saved = SignedTreeHead.from_obj(_head(ledgered))
    key = _public_key(tmp_path)
    saved.verify(key)  # a genuine head, signed by the ledger's key
    drive_until(ledgered, lambda: SignedTreeHead.from_obj(_head(ledgered)).tree_size
                > saved.tree_size + 5)  # fmt: skip
    r = ledgered.client.get(
        "/v1/ledger/consistency",
        params={"tree_size": saved.tree_size, "root_hash": saved.root_hash.hex()},
        headers=ledgered.headers("authority_system", "MN"),
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["consistent"] is True and doc["proof"]
    # What the caller does on its own: the new head is the ledger's, and it extends the saved.
    new = SignedTreeHead.from_obj(doc["tree_head"])
    new.verify(key)
    proof = [bytes.fromhex(p) for p in doc["proof"]]
    verify_consistency(saved.tree_size, new.tree_size, saved.root_hash, new.root_hash, proof)
    # The newest head against itself: consistent with an empty proof.
    r = ledgered.client.get(
        "/v1/ledger/consistency",
        params={"tree_size": new.tree_size, "root_hash": new.root_hash.hex()},
        headers=ledgered.headers("viewer"),
    )
    assert r.status_code == 200 and r.json()["consistent"] is True


def test_a_head_the_ledger_does_not_extend_is_409_with_the_reason(ledgered: Any) -> None:
    saved = SignedTreeHead.from_obj(_head(ledgered))
    drive_until(ledgered, lambda: SignedTreeHead.from_obj(_head(ledgered)).tree_size
                > saved.tree_size)  # fmt: skip
    other_root = bytes(b ^ 1 for b in saved.root_hash).hex()  # the prefix was rewritten
    r = ledgered.client.get(
        "/v1/ledger/consistency",
        params={"tree_size": saved.tree_size, "root_hash": other_root},
        headers=ledgered.headers("viewer"),
    )
    assert r.status_code == 409
    assert r.json()["consistent"] is False and "were rewritten" in r.json()["detail"]
    newest = SignedTreeHead.from_obj(_head(ledgered)).tree_size
    r = ledgered.client.get(
        "/v1/ledger/consistency",
        params={"tree_size": newest + 40, "root_hash": saved.root_hash.hex()},
        headers=ledgered.headers("viewer"),
    )
    assert r.status_code == 409 and "were cut" in r.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"tree_size": 0, "root_hash": "00" * 32},
        {"tree_size": 3, "root_hash": "0" * 63},
        {"tree_size": 3, "root_hash": "G" * 64},
        {"tree_size": 3, "root_hash": "AB" * 32},  # lowercase only, as the heads are written
        {"tree_size": "three", "root_hash": "00" * 32},
        {"root_hash": "00" * 32},
    ],
)
def test_bad_parameters_are_422(shared_bridge: Any, params: dict[str, Any]) -> None:
    r = shared_bridge.client.get(
        "/v1/ledger/consistency", params=params, headers=shared_bridge.headers("viewer")
    )
    assert r.status_code == 422, r.text


def test_without_a_ledger_both_say_so(shared_bridge: Any) -> None:
    asks: list[tuple[str, dict[str, Any]]] = [
        ("/v1/ledger/head", {}),
        ("/v1/ledger/consistency", {"tree_size": 1, "root_hash": "00" * 32}),
    ]
    for path, params in asks:
        r = shared_bridge.client.get(path, params=params, headers=shared_bridge.headers("viewer"))
        assert r.status_code == 404 and "keeps no custody ledger" in r.text
