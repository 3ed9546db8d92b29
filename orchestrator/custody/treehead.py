"""Signed tree heads: an Ed25519 signature over (tree size, Merkle root, signer key id, time).

Two versions. ``borderflow-custody-sth/2`` (signed since entries carry timestamps) signs
``{"key_id", "root_hash", "timestamp", "tree_size", "version"}``, ``timestamp`` being whole
milliseconds since 1970-01-01T00:00:00Z as in RFC 6962: the time of the newest entry the head
covers, i.e. when the ledger reached this state. ``borderflow-custody-sth/1`` heads (written
before) sign the same without ``timestamp`` and still verify. The version is in the signed
bytes, so a /2 head cannot pass as a /1 head without its time, nor its time be changed.

The signed bytes are canonical JSON, so a customs verifier re-derives them from the fields. Keys
arrive as ``cryptography`` key objects; reading and writing key files is the adapters' job.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from orchestrator.custody.encoding import canonical_json
from orchestrator.custody.errors import LedgerIntegrityError
from orchestrator.custody.timestamps import ms_text

__all__ = [
    "TREE_HEAD_V1",
    "TREE_HEAD_VERSION",
    "SignedTreeHead",
    "key_id",
    "sign_tree_head",
]

TREE_HEAD_VERSION = "borderflow-custody-sth/2"  # what is signed now: with a timestamp
TREE_HEAD_V1 = "borderflow-custody-sth/1"  # heads written before: no timestamp, still verify


def key_id(public_key: Ed25519PublicKey) -> str:
    """Short fingerprint of a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    tree_size: int
    root_hash: bytes
    key_id: str
    signature: bytes
    # ms since 1970-01-01T00:00:00Z (UTC), signed; None: a version /1 head, which has none.
    timestamp_ms: int | None = None

    @property
    def version(self) -> str:
        return TREE_HEAD_V1 if self.timestamp_ms is None else TREE_HEAD_VERSION

    def signed_bytes(self) -> bytes:
        return _signed_bytes(self.tree_size, self.root_hash, self.key_id, self.timestamp_ms)

    def time_text(self) -> str | None:
        """The head's timestamp for people (ISO 8601 UTC, ms), None for a /1 head."""
        return None if self.timestamp_ms is None else ms_text(self.timestamp_ms)

    def to_obj(self) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "version": self.version,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "key_id": self.key_id,
        }
        if self.timestamp_ms is not None:
            obj["timestamp"] = self.timestamp_ms
        obj["signature"] = self.signature.hex()
        return obj

    @classmethod
    def from_obj(cls, obj: Any) -> SignedTreeHead:
        try:
            version = obj["version"]
            if version not in (TREE_HEAD_VERSION, TREE_HEAD_V1):
                raise ValueError(
                    f"unsupported tree head version {version!r} (this borderflow reads "
                    f"{TREE_HEAD_VERSION} and {TREE_HEAD_V1})"
                )
            size = obj["tree_size"]
            if type(size) is not int or size < 0:
                raise ValueError("tree_size must be a non-negative integer")
            stamp: int | None = None
            if version == TREE_HEAD_VERSION:
                stamp = obj["timestamp"]
                if type(stamp) is not int or stamp < 0:
                    raise ValueError(
                        "timestamp must be a non-negative integer (ms since 1970-01-01 UTC)"
                    )
            elif "timestamp" in obj:
                raise ValueError(f"a {TREE_HEAD_V1} head has no timestamp")
            return cls(
                tree_size=size,
                root_hash=bytes.fromhex(obj["root_hash"]),
                key_id=str(obj["key_id"]),
                signature=bytes.fromhex(obj["signature"]),
                timestamp_ms=stamp,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LedgerIntegrityError(f"malformed signed tree head: {exc}") from None

    def verify(self, public_key: Ed25519PublicKey) -> None:
        """Raise :class:`LedgerIntegrityError` unless ``public_key`` signed this tree head."""
        expected = key_id(public_key)
        if self.key_id != expected:
            raise LedgerIntegrityError(
                f"tree head of size {self.tree_size} was signed by key {self.key_id}, "
                f"not by the public key given ({expected}); pass the ledger's public key"
            )
        try:
            public_key.verify(self.signature, self.signed_bytes())
        except InvalidSignature:
            what = "size and root" if self.timestamp_ms is None else "size, root and timestamp"
            raise LedgerIntegrityError(
                f"tree head of size {self.tree_size}: the signature does not match "
                f"its {what} (forged or altered tree head)"
            ) from None


def _signed_bytes(tree_size: int, root_hash: bytes, kid: str, timestamp_ms: int | None) -> bytes:
    obj: dict[str, Any] = {
        "version": TREE_HEAD_V1 if timestamp_ms is None else TREE_HEAD_VERSION,
        "tree_size": tree_size,
        "root_hash": root_hash.hex(),
        "key_id": kid,
    }
    if timestamp_ms is not None:
        obj["timestamp"] = timestamp_ms
    return canonical_json(obj)


def sign_tree_head(
    private_key: Ed25519PrivateKey,
    tree_size: int,
    root_hash: bytes,
    timestamp_ms: int | None = None,
) -> SignedTreeHead:
    """A /2 head stamped ``timestamp_ms`` (ms since 1970 UTC); without it a /1 head (as
    written before timestamps, for tests of old ledgers)."""
    if timestamp_ms is not None and (type(timestamp_ms) is not int or timestamp_ms < 0):
        raise ValueError(f"timestamp_ms must be a non-negative integer, got {timestamp_ms!r}")
    kid = key_id(private_key.public_key())
    signature = private_key.sign(_signed_bytes(tree_size, root_hash, kid, timestamp_ms))
    return SignedTreeHead(tree_size, root_hash, kid, signature, timestamp_ms)
