"""Signed customs decisions: who may tell the orchestrator node to hold, release, close or move.

Owns the signed form of what travels over DDS from the risk bridge to the orchestrator node — a
verdict (``/borderflow/verdicts``), an officer's release (the ``release_hold`` service), a lane
request (``/borderflow/lanes_requests``) and a transport order the bridge accepted
(``/borderflow/orders``), and a request for the frozen core (the ``freeze_core`` service, for
a forecast) — and the two ends of it: :class:`DecisionSigner` (the bridge's side,
holding its Ed25519 private key) and :class:`DecisionVerifier` (the node's side, holding the
bridge's public key).

Why: anyone on a DDS domain can publish on any topic and call any service, so without this a
process of its own could send a HIGH verdict, release a hold with a made-up officer (bypassing
the bridge's release records and audit trail) or send vehicles after containers nobody ordered.
Signed, a decision or order reaches the core only if the bridge (which authenticated the
officer, customs system or terminal, checked its authority and recorded it) signed it.

What is signed: ``borderflow/decision/v1`` + newline + the canonical JSON (keys sorted, no
whitespace, UTF-8) of ``{"channel", "counter", "key_id", **fields}`` with the decision's fields
(:func:`verdict_fields`, :func:`release_fields`, :func:`lane_fields`, :func:`order_fields`).
The channel name keeps a signature of one kind from being used as another. Replays: the counter
of each channel must rise strictly; the signer takes ``max(last + 1, wall clock in ns)`` so that
a restarted bridge keeps counting up. The verifier keeps the last accepted counter per channel
(after a restart of the node the transient-local history arrives in order, so it is accepted
again, in order).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from borderflow_ros.errors import DecisionRefusedError, ParameterError
from orchestrator.custody.encoding import canonical_json
from orchestrator.custody.treehead import key_id as public_key_id

__all__ = [
    "Channel",
    "DecisionSigner",
    "DecisionVerifier",
    "Signed",
    "forecast_fields",
    "lane_fields",
    "load_decision_key",
    "order_fields",
    "read_signature",
    "release_fields",
    "signed_bytes",
    "verdict_fields",
    "write_signature",
]

_DOMAIN = b"borderflow/decision/v1\n"
_UINT64_MAX = 2**64 - 1
Fields = Mapping[str, str | int | bool | list[str]]


class Channel(StrEnum):
    VERDICT = "verdict"
    RELEASE = "release"
    LANE = "lane"
    ORDER = "order"
    FORECAST = "forecast"  # a request for the frozen core (``freeze_core``)


@dataclass(frozen=True, slots=True)
class Signed:
    """The signature part of a decision (``borderflow_interfaces/DecisionSignature``)."""

    counter: int
    key_id: str
    signature: bytes


def signed_bytes(channel: Channel, counter: int, key_id: str, fields: Fields) -> bytes:
    body = {**fields, "channel": channel.value, "counter": counter, "key_id": key_id}
    return _DOMAIN + canonical_json(body)


def verdict_fields(msg: Any) -> dict[str, str | int | bool | list[str]]:
    """The signed fields of a ``RiskVerdict`` (its header is not: the counter dates it)."""
    return {"verdict_id": msg.verdict_id, "container_id": msg.container_id,
            "level": int(msg.level), "authority": msg.authority, "reason": msg.reason}  # fmt: skip


def release_fields(req: Any) -> dict[str, str | int | bool | list[str]]:
    """The signed fields of a ``ReleaseHold`` request."""
    return {"container_id": req.container_id, "officer_id": req.officer_id,
            "authority": req.authority, "reason": req.reason}  # fmt: skip


def lane_fields(msg: Any) -> dict[str, str | int | bool | list[str]]:
    """The signed fields of a ``LaneStatus`` lane request."""
    return {"lane_id": msg.lane_id, "is_zone": bool(msg.is_zone), "closed": bool(msg.closed),
            "reason": msg.reason}  # fmt: skip


def order_fields(msg: Any) -> dict[str, str | int | bool | list[str]]:
    """The signed fields of a ``TransportOrder`` (the seals in their order)."""
    return {"order_id": msg.order_id, "container_id": msg.container_id,
            "direction": msg.direction, "origin_station": msg.origin_station,
            "seal_numbers": [str(s) for s in msg.seal_numbers]}  # fmt: skip


def forecast_fields(req: Any) -> dict[str, str | int | bool | list[str]]:
    return {"request_id": req.request_id}


def write_signature(target: Any, signed: Signed) -> None:
    """Fill a ``DecisionSignature`` message."""
    target.counter, target.key_id = signed.counter, signed.key_id
    target.signature = list(signed.signature)


def read_signature(source: Any) -> Signed:
    return Signed(int(source.counter), str(source.key_id), bytes(source.signature))


class DecisionSigner:
    """The bridge's side: signs decisions with its private key; thread-safe. Sign and send
    under one lock (the caller's) when order matters: a later counter overtaken on the wire by
    an earlier one makes the earlier one a refused replay."""

    def __init__(
        self, private_key: Ed25519PrivateKey, now_ns: Callable[[], int] = time.time_ns
    ) -> None:
        self._key = private_key
        self._now_ns = now_ns
        self.key_id = public_key_id(private_key.public_key())
        self._last: dict[Channel, int] = {}
        self._lock = threading.Lock()

    def sign(self, channel: Channel, fields: Fields) -> Signed:
        with self._lock:
            counter = max(self._last.get(channel, 0) + 1, self._now_ns())
            self._last[channel] = counter
        signature = self._key.sign(signed_bytes(channel, counter, self.key_id, fields))
        return Signed(counter, self.key_id, signature)


class DecisionVerifier:
    """The node's side: a decision counts only if the trusted key signed exactly these fields
    and its counter is above the last accepted one on its channel. Single-threaded (the node's
    executor)."""

    def __init__(self, public_key: Ed25519PublicKey) -> None:
        self._key = public_key
        self.key_id = public_key_id(public_key)
        self.last: dict[Channel, int] = {}

    def check(self, channel: Channel, fields: Fields, signed: Signed) -> None:
        """Raise :class:`DecisionRefusedError` (and remember nothing) unless it is genuine."""
        what = f"{channel.value} {_name(channel, fields)}"
        if not signed.signature and not signed.key_id:
            raise DecisionRefusedError(
                f"unsigned {what} refused: only the risk bridge's signed decisions count "
                f"(this node trusts key {self.key_id})"
            )
        if signed.key_id != self.key_id:
            raise DecisionRefusedError(
                f"{what} refused: signed by key {signed.key_id!r}, this node trusts only "
                f"{self.key_id} (its decision_key parameter)"
            )
        if not 0 < signed.counter <= _UINT64_MAX:
            raise DecisionRefusedError(f"{what} refused: counter {signed.counter} out of range")
        try:
            self._key.verify(
                signed.signature, signed_bytes(channel, signed.counter, signed.key_id, fields)
            )
        except InvalidSignature:
            raise DecisionRefusedError(
                f"{what} refused: the signature does not match (forged or altered)"
            ) from None
        last = self.last.get(channel, 0)
        if signed.counter <= last:
            raise DecisionRefusedError(
                f"{what} refused as a replay: counter {signed.counter} is not above the last "
                f"accepted {last}"
            )
        self.last[channel] = signed.counter


def _name(channel: Channel, fields: Fields) -> str:
    key = {"verdict": "verdict_id", "release": "container_id", "lane": "lane_id",
           "order": "order_id", "forecast": "request_id"}[channel.value]  # fmt: skip
    return repr(fields.get(key, ""))


def load_decision_key(path: str) -> Ed25519PublicKey:
    """The bridge's public decision key from a PEM file (a parameter's value)."""
    hint = (
        "give the risk bridge's public decision key: the decisions.pub file in its state "
        "directory (`borderflow bridge decision-key` creates the pair and prints the path)"
    )
    if not path:
        raise ParameterError(
            "borderflow_orchestrator: parameter 'decision_key' is empty, so the node could "
            f"not tell the bridge's verdicts and releases from anyone else's; {hint}"
        )
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ParameterError(
            f"borderflow_orchestrator: decision_key {path!r}: {exc.strerror}; {hint}"
        ) from None
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise ParameterError(
            f"borderflow_orchestrator: decision_key {path!r} is not a PEM public key; {hint}"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise ParameterError(
            f"borderflow_orchestrator: decision_key {path!r} is not an Ed25519 key; {hint}"
        )
    return key
