"""The fork key: the secret the bridge shares with the ROS orchestrator node for forecasts.

A forecast from a ROS fleet thaws a copy of the node's core that came over DDS, and thawing
unpickles (runs code): the bridge thaws only bytes whose HMAC-SHA256 with this key matches, and
only the node, given the key's file as its ``fork_key`` parameter, can make one. The key is 32
random bytes, hex, in ``forks.key`` of the bridge's state directory (mode 0600), made on first
use; two processes making it at once end with the same key (the file is created exclusively).
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FORK_KEY_NAME", "ForkKey", "ensure_fork_key"]

FORK_KEY_NAME = "forks.key"
_BYTES = 32


@dataclass(frozen=True, slots=True)
class ForkKey:
    key: bytes
    path: Path
    created: bool


def ensure_fork_key(state_dir: Path) -> ForkKey:
    """The key in ``state_dir`` (made, 0600, if absent); ValueError naming the file and the
    fix when it is there but unusable."""
    path = Path(state_dir) / FORK_KEY_NAME
    created = False
    if not path.exists():
        Path(state_dir).mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it a moment ago
        else:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_hex(_BYTES) + "\n")
            created = True
    fix = f"delete {path} to make a new one (then restart the orchestrator node with it)"
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ValueError(f"{path} is readable by others (mode {mode & 0o777:o}): chmod 600 it")
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeDecodeError):
        raise ValueError(f"{path} is not a hex key: {fix}") from None
    if len(key) < _BYTES:
        raise ValueError(f"{path} holds {len(key)} bytes, {_BYTES} needed: {fix}")
    return ForkKey(key, path, created)
