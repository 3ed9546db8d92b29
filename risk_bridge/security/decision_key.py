"""The bridge's decision key: the Ed25519 pair that signs what it sends to the ROS node.

With a ROS fleet the bridge's verdicts, releases and lane requests travel over DDS, where any
process could publish; the orchestrator node acts only on those signed with this key (its
``decision_key`` parameter names the public half). The pair lives in the bridge's state
directory beside its token keys: ``decisions.key`` (PKCS#8 PEM, mode 0600, encrypted with
``$BORDERFLOW_LEDGER_KEY_PASSPHRASE`` when that is set) and ``decisions.pub``. Made on first
use; two processes making it at once end with the same pair.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from orchestrator.custody.treehead import key_id
from risk_bridge.ledger.keys import (
    KeyFileError,
    generate_keypair,
    load_private_key,
    load_public_key,
)

__all__ = ["DecisionKey", "decision_key_paths", "ensure_decision_key"]

PRIVATE_NAME = "decisions.key"


@dataclass(frozen=True, slots=True)
class DecisionKey:
    private_key: Ed25519PrivateKey
    private_path: Path
    public_path: Path
    key_id: str
    created: bool


def decision_key_paths(state_dir: Path) -> tuple[Path, Path]:
    private = Path(state_dir) / PRIVATE_NAME
    return private, Path(f"{private}.pub")


def ensure_decision_key(state_dir: Path) -> DecisionKey:
    """The pair in ``state_dir``, created (0600) if it is not there yet."""
    private, public = decision_key_paths(state_dir)
    created = False
    if not private.exists():
        Path(state_dir).mkdir(parents=True, exist_ok=True)
        try:
            generate_keypair(private)
            created = True
        except (FileExistsError, KeyFileError):
            if not private.exists():
                raise
            # another process made it a moment ago
    deadline = time.monotonic() + 2.0
    while not public.exists() and time.monotonic() < deadline:
        time.sleep(0.02)  # the other process writes the public half just after
    key = load_private_key(private)
    if load_public_key(public) != key.public_key():
        raise ValueError(
            f"{public} does not belong to {private}: the orchestrator node would refuse every "
            f"decision; delete both to make a new pair (then restart the node with the new "
            "decision_key)"
        )
    return DecisionKey(key, private, public, key_id(key.public_key()), created)
