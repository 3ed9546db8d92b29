"""Signed tree heads: only the holder of the private key can produce one that verifies."""

from __future__ import annotations

import dataclasses
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from orchestrator.custody.errors import LedgerIntegrityError
from orchestrator.custody.treehead import (
    TREE_HEAD_V1,
    TREE_HEAD_VERSION,
    SignedTreeHead,
    key_id,
    sign_tree_head,
)

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


# ------------------------------------------------------------------ version /2: a timestamp

T_MS = 1_796_256_000_123  # 2026-12-03T00:00:00.123Z


def test_a_v2_head_signs_its_timestamp_and_round_trips() -> None:
    head = sign_tree_head(KEY, 42, ROOT, T_MS)
    head.verify(KEY.public_key())
    obj = head.to_obj()
    assert obj["version"] == TREE_HEAD_VERSION == "borderflow-custody-sth/2"
    assert obj["timestamp"] == T_MS and head.time_text() == "2026-12-03T00:00:00.123Z"
    assert json.loads(head.signed_bytes())["timestamp"] == T_MS  # in the signed bytes
    assert SignedTreeHead.from_obj(json.loads(json.dumps(obj))) == head


@pytest.mark.parametrize("stamp", [T_MS + 1, T_MS - 86_400_000, 0])
def test_changing_the_timestamp_breaks_the_signature(stamp: int) -> None:
    obj = sign_tree_head(KEY, 42, ROOT, T_MS).to_obj()
    forged = SignedTreeHead.from_obj({**obj, "timestamp": stamp})
    with pytest.raises(LedgerIntegrityError, match="does not match its size, root and timestamp"):
        forged.verify(KEY.public_key())


def test_a_v2_head_cannot_pass_as_a_v1_head_without_its_time() -> None:
    obj = sign_tree_head(KEY, 42, ROOT, T_MS).to_obj()
    stripped = {k: v for k, v in obj.items() if k != "timestamp"} | {"version": TREE_HEAD_V1}
    with pytest.raises(LedgerIntegrityError, match="signature does not match"):
        SignedTreeHead.from_obj(stripped).verify(KEY.public_key())


def test_a_v1_head_written_before_timestamps_still_verifies() -> None:
    # The signed bytes of a /1 head, as borderflow wrote them before /2 existed.
    kid = key_id(KEY.public_key())
    signed = (
        f'{{"key_id":"{kid}","root_hash":"{ROOT.hex()}","tree_size":42,'
        f'"version":"borderflow-custody-sth/1"}}'
    ).encode()
    obj = {"version": TREE_HEAD_V1, "tree_size": 42, "root_hash": ROOT.hex(), "key_id": kid,
           "signature": KEY.sign(signed).hex()}  # fmt: skip
    head = SignedTreeHead.from_obj(obj)
    head.verify(KEY.public_key())
    assert head.timestamp_ms is None and head.time_text() is None and head.to_obj() == obj
    assert head == sign_tree_head(KEY, 42, ROOT)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timestamp": "2026-12-03T00:00:00Z"}, "timestamp must be a non-negative integer"),
        ({"timestamp": -1}, "timestamp must be a non-negative integer"),
        ({"timestamp": 1.5}, "timestamp must be a non-negative integer"),
        ({"timestamp": True}, "timestamp must be a non-negative integer"),
        ({"version": "borderflow-custody-sth/3"}, "unsupported tree head version"),
    ],
)
def test_malformed_v2_heads_are_refused(change: dict[str, object], message: str) -> None:
    obj = sign_tree_head(KEY, 42, ROOT, T_MS).to_obj()
    with pytest.raises(LedgerIntegrityError, match=message):
        SignedTreeHead.from_obj({**obj, **change})
    without = {k: v for k, v in obj.items() if k != "timestamp"}
    with pytest.raises(LedgerIntegrityError, match="timestamp"):
        SignedTreeHead.from_obj(without)
    with pytest.raises(LedgerIntegrityError, match="a borderflow-custody-sth/1 head has no"):
        SignedTreeHead.from_obj({**obj, "version": TREE_HEAD_V1})
