"""The orchestrator node's ``freeze_core`` service: its core, frozen, for a look-ahead forecast.

The risk bridge plays the live crossing ahead in a simulated world built around a copy of the
core (sim/forecast/world.py, on the bridge's side). The copy travels over DDS, where anyone on
the domain can listen, call and answer, so both directions are signed:

- a request counts only when the bridge signed it (its decision key, channel ``forecast``,
  replay-proof like every decision): nobody else makes the node spend time freezing;
- the answer is :meth:`~orchestrator.core.Orchestrator.freeze` bytes, HMAC-SHA256 with the
  fork key the node and the bridge share (``fork_key``: a file in the bridge's state
  directory, ``borderflow bridge fork-key``). The bridge thaws, and so unpickles, only bytes
  with that MAC: an answer forged by another participant is refused before it is read.

Without a fork key the node answers every request with why not, and the bridge's forecasts
say 501. Freezing runs on the node's executor thread like every core call.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from borderflow_ros.decision_auth import Channel, forecast_fields
from borderflow_ros.errors import ParameterError

__all__ = ["MIN_FORK_KEY_BYTES", "CoreFreezer", "load_fork_key"]

MIN_FORK_KEY_BYTES = 32


def load_fork_key(path: str) -> bytes | None:
    """The shared fork key from its file (hex), None when no file is given; ParameterError
    naming the file and the fix when it is unreadable, too short or readable by others."""
    if not path:
        return None
    p = Path(path)
    fix = "make it with `borderflow bridge fork-key` (the bridge's state directory)"
    try:
        mode = p.stat().st_mode
        text = p.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"fork_key {path}: cannot read it ({exc}); {fix}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ParameterError(f"fork_key {path}: readable by others (mode {mode & 0o777:o}); "
                             f"chmod 600 it, or {fix}")  # fmt: skip
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise ParameterError(f"fork_key {path}: not hex; {fix}") from None
    if len(key) < MIN_FORK_KEY_BYTES:
        raise ParameterError(f"fork_key {path}: {len(key)} bytes, at least "
                             f"{MIN_FORK_KEY_BYTES} needed; {fix}")  # fmt: skip
    return key


class CoreFreezer:
    """Answers ``freeze_core`` (``refusal``: the node's signature check, "" when genuine)."""

    def __init__(self, freeze: Callable[[bytes], bytes], now_s: Callable[[], float],
                 key: bytes | None, refusal: Callable[[Channel, dict[str, Any], Any], str],
                 info: Callable[[str], object]) -> None:  # fmt: skip
        self._freeze, self._now_s, self._key = freeze, now_s, key
        self._refusal, self._info = refusal, info
        self.served = 0

    def on_request(self, req: Any, res: Any) -> Any:
        import array

        refused = self._refusal(Channel.FORECAST, forecast_fields(req), req.signature)
        if refused:
            res.accepted, res.message = False, refused
            return res
        if self._key is None:
            res.accepted = False
            res.message = ("this orchestrator node has no fork_key parameter, so it cannot hand "
                           "out its core for forecasts; restart it with fork_key:=$(borderflow "
                           "bridge fork-key)")  # fmt: skip
            return res
        now_s = self._now_s()
        blob = self._freeze(self._key)
        res.core = array.array("B", blob)
        res.now_s = now_s
        res.accepted = True
        res.message = f"core frozen at t={now_s:.1f} s ({len(blob)} bytes)"
        self.served += 1
        self._info(f"freeze_core {req.request_id!r}: {res.message}")
        return res
