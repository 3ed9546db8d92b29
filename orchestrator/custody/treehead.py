"""Signed tree heads: an Ed25519 signature over (tree size, Merkle root, signer key id).

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

__all__ = ["TREE_HEAD_VERSION", "SignedTreeHead", "key_id", "sign_tree_head"]

TREE_HEAD_VERSION = "borderflow-custody-sth/1"


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

    def signed_bytes(self) -> bytes:
        return _signed_bytes(self.tree_size, self.root_hash, self.key_id)

    def to_obj(self) -> dict[str, Any]:
        return {
            "version": TREE_HEAD_VERSION,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "key_id": self.key_id,
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_obj(cls, obj: Any) -> SignedTreeHead:
        try:
            if obj["version"] != TREE_HEAD_VERSION:
                raise ValueError(f"unsupported tree head version {obj['version']!r}")
            size = obj["tree_size"]
            if type(size) is not int or size < 0:
                raise ValueError("tree_size must be a non-negative integer")
            return cls(
                tree_size=size,
                root_hash=bytes.fromhex(obj["root_hash"]),
                key_id=str(obj["key_id"]),
                signature=bytes.fromhex(obj["signature"]),
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
            raise LedgerIntegrityError(
                f"tree head of size {self.tree_size}: the signature does not match "
                "its size and root (forged or altered tree head)"
            ) from None


def _signed_bytes(tree_size: int, root_hash: bytes, kid: str) -> bytes:
    return canonical_json(
        {
            "version": TREE_HEAD_VERSION,
            "tree_size": tree_size,
            "root_hash": root_hash.hex(),
            "key_id": kid,
        }
    )


def sign_tree_head(
    private_key: Ed25519PrivateKey, tree_size: int, root_hash: bytes
) -> SignedTreeHead:
    kid = key_id(private_key.public_key())
    signature = private_key.sign(_signed_bytes(tree_size, root_hash, kid))
    return SignedTreeHead(tree_size, root_hash, kid, signature)
