"""Signed tree heads: only the holder of the private key can produce one that verifies."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from orchestrator.custody.errors import LedgerIntegrityError
from orchestrator.custody.treehead import SignedTreeHead, key_id, sign_tree_head

KEY = Ed25519PrivateKey.generate()
ROOT = bytes(range(32))


def test_a_signed_head_verifies_and_round_trips_through_json() -> None:
    head = sign_tree_head(KEY, 42, ROOT)
    head.verify(KEY.public_key())
    assert SignedTreeHead.from_obj(head.to_obj()) == head
    assert head.key_id == key_id(KEY.public_key()) and len(head.key_id) == 16


@pytest.mark.parametrize("field", ["tree_size", "root_hash"])
def test_changing_size_or_root_breaks_the_signature(field: str) -> None:
    head = sign_tree_head(KEY, 42, ROOT)
    value = 43 if field == "tree_size" else bytes(32)
    forged = dataclasses.replace(head, **{field: value})
    with pytest.raises(LedgerIntegrityError, match="signature does not match"):
        forged.verify(KEY.public_key())


def test_another_key_is_named_as_the_wrong_key() -> None:
    other = Ed25519PrivateKey.generate()
    with pytest.raises(LedgerIntegrityError, match="not by the public key given"):
        sign_tree_head(other, 1, ROOT).verify(KEY.public_key())
    forged = dataclasses.replace(sign_tree_head(other, 1, ROOT), key_id=key_id(KEY.public_key()))
    with pytest.raises(LedgerIntegrityError, match="signature"):
        forged.verify(KEY.public_key())


def test_malformed_heads_are_refused() -> None:
    obj = sign_tree_head(KEY, 1, ROOT).to_obj()
    for bad in ({**obj, "version": "x"}, {**obj, "tree_size": -1}, {**obj, "root_hash": "zz"}):
        with pytest.raises(LedgerIntegrityError, match="malformed"):
            SignedTreeHead.from_obj(bad)
