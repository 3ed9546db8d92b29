"""Freeze the core into bytes and thaw an exact copy: the start of a look-ahead forecast.

A frozen core is its whole object graph (state and caches: caches change speed, never a
decision) pickled with the collaborators it was *given* left out by name: the map, the clock,
the event sink and the custody ledger. :func:`thaw` wires the copy to new ones (a forecast's
SimPy clock, a throw-away log, no real ledger), so a restored core fed the same events answers
with the same commands and domain events as the original (tests/orchestrator/test_fork.py).

The bytes are an in-process hand-over, not a file format: they are signed with a key only the
runtime that froze them holds (HMAC-SHA256) and :func:`thaw` refuses any other bytes before it
unpickles anything, because unpickling runs code.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import pickle
from collections.abc import Mapping
from typing import Any

from orchestrator.errors import ForkError

__all__ = ["freeze", "thaw"]

_MAGIC = b"BFCORE1\n"
_MAC_BYTES = 32
_MIN_KEY_BYTES = 16


def _mac(key: bytes, payload: bytes) -> bytes:
    if len(key) < _MIN_KEY_BYTES:
        raise ForkError(f"the fork key must be at least {_MIN_KEY_BYTES} random bytes")
    return hmac.new(key, payload, hashlib.sha256).digest()


class _Pickler(pickle.Pickler):
    def __init__(self, buf: io.BytesIO, ports: Mapping[str, object]) -> None:
        super().__init__(buf, protocol=pickle.HIGHEST_PROTOCOL)
        self._names = {id(obj): name for name, obj in ports.items() if obj is not None}

    def persistent_id(self, obj: Any) -> str | None:
        return self._names.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, buf: io.BytesIO, ports: Mapping[str, object]) -> None:
        super().__init__(buf)
        self._ports = ports

    def persistent_load(self, pid: Any) -> object:
        if pid not in self._ports or self._ports[pid] is None:
            raise ForkError(f"the frozen core needs a {pid!r} to thaw; give one")
        return self._ports[pid]


def freeze(root: object, ports: Mapping[str, object], key: bytes) -> bytes:
    """``root`` pickled with every object in ``ports`` replaced by its name; signed."""
    buf = io.BytesIO()
    _Pickler(buf, ports).dump(root)
    payload = buf.getvalue()
    return _MAGIC + _mac(key, payload) + payload


def thaw(blob: bytes, ports: Mapping[str, object], key: bytes) -> object:
    """The object :func:`freeze` made, wired to ``ports``; :class:`ForkError` for any bytes
    not signed with ``key``."""
    head = len(_MAGIC) + _MAC_BYTES
    if len(blob) < head or not blob.startswith(_MAGIC):
        raise ForkError("not a frozen core (the header is missing)")
    payload = blob[head:]
    if not hmac.compare_digest(blob[len(_MAGIC) : head], _mac(key, payload)):
        raise ForkError("the frozen core's signature does not match: altered, or another key")
    return _Unpickler(io.BytesIO(payload), ports).load()
