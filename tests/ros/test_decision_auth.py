"""Signed decisions (borderflow_ros.decision_auth), on their own: what the node's verifier takes
and what it refuses, and that a refusal leaves it as it was."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from risk_bridge.ledger.keys import public_key_pem

FIELDS: dict[str, str | int | bool] = {
    "verdict_id": "v-1", "container_id": "CSQU3054383", "level": 3, "authority": "CN",
    "reason": "manifest mismatch"}  # fmt: skip


@pytest.fixture()
def auth(ros_env: dict[str, str]) -> Any:
    from borderflow_ros import decision_auth

    return decision_auth


def _pair(auth: Any, clock: list[int] | None = None) -> tuple[Any, Any]:
    key = Ed25519PrivateKey.generate()
    now = (lambda: clock[0]) if clock is not None else None
    signer = auth.DecisionSigner(key, now) if now else auth.DecisionSigner(key)
    return signer, auth.DecisionVerifier(key.public_key())


def test_a_signed_decision_is_taken_once(auth: Any) -> None:
    from borderflow_ros.errors import DecisionRefusedError

    signer, verifier = _pair(auth)
    signed = signer.sign(auth.Channel.VERDICT, FIELDS)
    verifier.check(auth.Channel.VERDICT, FIELDS, signed)
    with pytest.raises(DecisionRefusedError, match="replay"):
        verifier.check(auth.Channel.VERDICT, FIELDS, signed)


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_any_altered_field_breaks_the_signature(auth: Any, field: str) -> None:
    from borderflow_ros.errors import DecisionRefusedError

    signer, verifier = _pair(auth)
    signed = signer.sign(auth.Channel.VERDICT, FIELDS)
    value = FIELDS[field]
    altered = {**FIELDS, field: value + 1 if isinstance(value, int) else f"{value}x"}
    with pytest.raises(DecisionRefusedError, match="does not match"):
        verifier.check(auth.Channel.VERDICT, altered, signed)
    verifier.check(auth.Channel.VERDICT, FIELDS, signed)  # the refusal left no trace


def test_unsigned_other_key_other_channel_and_bad_counter_are_refused(auth: Any) -> None:
    from borderflow_ros.errors import DecisionRefusedError

    signer, verifier = _pair(auth)
    outsider, _ = _pair(auth)
    with pytest.raises(DecisionRefusedError, match="unsigned"):
        verifier.check(auth.Channel.VERDICT, FIELDS, auth.Signed(0, "", b""))
    with pytest.raises(DecisionRefusedError, match="trusts only"):
        verifier.check(auth.Channel.VERDICT, FIELDS, outsider.sign(auth.Channel.VERDICT, FIELDS))
    # The outsider's signature under the trusted key's id is still the wrong signature.
    forged = outsider.sign(auth.Channel.VERDICT, FIELDS)
    with pytest.raises(DecisionRefusedError, match="does not match"):
        verifier.check(auth.Channel.VERDICT, FIELDS,
                       auth.Signed(forged.counter, verifier.key_id, forged.signature))  # fmt: skip
    # A verdict's signature does not make a release (the channel is signed).
    as_verdict = signer.sign(auth.Channel.VERDICT, FIELDS)
    with pytest.raises(DecisionRefusedError, match="does not match"):
        verifier.check(auth.Channel.RELEASE, FIELDS, as_verdict)
    # A counter changed after signing breaks the signature; zero is refused outright.
    with pytest.raises(DecisionRefusedError, match="does not match"):
        verifier.check(auth.Channel.VERDICT, FIELDS,
                       auth.Signed(as_verdict.counter + 10, as_verdict.key_id,
                                   as_verdict.signature))  # fmt: skip
    with pytest.raises(DecisionRefusedError, match="out of range"):
        verifier.check(auth.Channel.VERDICT, FIELDS, auth.Signed(0, verifier.key_id, b"x" * 64))
    assert verifier.last == {}  # nothing was accepted
    verifier.check(auth.Channel.VERDICT, FIELDS, as_verdict)


def test_counters_rise_per_channel_even_when_the_clock_steps_back(auth: Any) -> None:
    from borderflow_ros.errors import DecisionRefusedError

    clock = [1_000]
    signer, verifier = _pair(auth, clock)
    first = signer.sign(auth.Channel.VERDICT, FIELDS)
    clock[0] = 10  # the wall clock stepped back
    second = signer.sign(auth.Channel.VERDICT, FIELDS)
    release = signer.sign(auth.Channel.RELEASE, FIELDS)
    assert (first.counter, second.counter, release.counter) == (1_000, 1_001, 10)
    verifier.check(auth.Channel.VERDICT, FIELDS, second)
    verifier.check(auth.Channel.RELEASE, FIELDS, release)  # its own channel, its own counter
    with pytest.raises(DecisionRefusedError, match="not above the last accepted 1001"):
        verifier.check(auth.Channel.VERDICT, FIELDS, first)  # older, arriving late


def test_the_node_parameter_names_a_readable_ed25519_public_key(auth: Any, tmp_path: Any) -> None:
    from borderflow_ros.errors import ParameterError
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

    good = tmp_path / "decisions.pub"
    key = Ed25519PrivateKey.generate()
    good.write_bytes(public_key_pem(key.public_key()))
    assert auth.load_decision_key(str(good)) == key.public_key()
    with pytest.raises(ParameterError, match="'decision_key' is empty"):
        auth.load_decision_key("")
    with pytest.raises(ParameterError, match="No such file"):
        auth.load_decision_key(str(tmp_path / "missing.pub"))
    junk = tmp_path / "junk.pub"
    junk.write_text("not a key")
    with pytest.raises(ParameterError, match="not a PEM public key"):
        auth.load_decision_key(str(junk))
    ec = tmp_path / "ec.pub"
    ec.write_bytes(generate_private_key(SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))  # fmt: skip
    with pytest.raises(ParameterError, match="not an Ed25519 key"):
        auth.load_decision_key(str(ec))


def test_an_order_is_signed_over_every_field_and_its_seals_in_order(auth: Any) -> None:
    from borderflow_interfaces.msg import TransportOrder
    from borderflow_ros.errors import DecisionRefusedError

    signer, verifier = _pair(auth)
    order = TransportOrder(order_id="o-7", container_id="CSQU3054383", direction="CN->MN",
                           origin_station="cn_slot_01", seal_numbers=["CN1", "CN2"])  # fmt: skip
    signed = signer.sign(auth.Channel.ORDER, auth.order_fields(order))
    changes: list[tuple[str, Any]] = [("order_id", "o-8"), ("container_id", "MSKU0301587"),
               ("direction", "MN->CN"), ("origin_station", "cn_slot_02"),
               ("seal_numbers", ["CN2", "CN1"]), ("seal_numbers", ["CN1"])]  # fmt: skip
    for field, value in changes:
        altered = TransportOrder(order_id=order.order_id, container_id=order.container_id,
                                 direction=order.direction, origin_station=order.origin_station,
                                 seal_numbers=list(order.seal_numbers))  # fmt: skip
        setattr(altered, field, value)
        with pytest.raises(DecisionRefusedError, match="does not match"):
            verifier.check(auth.Channel.ORDER, auth.order_fields(altered), signed)
    # An order's signature is no verdict's, and the order itself is taken once.
    with pytest.raises(DecisionRefusedError, match="does not match"):
        verifier.check(auth.Channel.VERDICT, auth.order_fields(order), signed)
    verifier.check(auth.Channel.ORDER, auth.order_fields(order), signed)
    with pytest.raises(DecisionRefusedError, match="order 'o-7' refused as a replay"):
        verifier.check(auth.Channel.ORDER, auth.order_fields(order), signed)
