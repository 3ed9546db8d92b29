"""Idempotent writes: a request is identified by (caller, ``Idempotency-Key``) and its body's
digest; a replay gets exactly the stored answer, a reused key with another body a 409.

The idempotency row keeps the answer's status code (an integer column, as rows written by
earlier versions have it); the code comes from the outcome's kind through the routers' mapping,
handed in as ``code_of`` (:func:`risk_bridge.routers.common.status_of`), so the writer never
decides one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from risk_bridge.errors import Conflict
from risk_bridge.outbox import Outbox, Outcome, WriteKind, Written
from risk_bridge.security import Principal
from risk_bridge.state import BridgeState
from risk_bridge.threads import assert_writer_thread

__all__ = ["CodeOf", "Job", "Write", "idempotent"]

CodeOf = Callable[[WriteKind], int]
Job = Callable[[BridgeState, Outbox], Outcome[Written]]


class Write:
    """One idempotent write request: who, which key, which body."""

    __slots__ = ("body_hash", "key", "principal")

    def __init__(self, principal: Principal, key: str, body_hash: str) -> None:
        self.principal = principal
        self.key = key
        self.body_hash = body_hash


def idempotent(
    state: BridgeState, w: Write, job: Job, code_of: CodeOf, now: datetime
) -> Outcome[Written]:
    """Run ``job`` once per (caller, key); a replay answers what the first request got."""
    assert_writer_thread()
    k = (w.principal.key, w.key)
    seen = state.idem.get(k)
    if seen is not None:
        if seen[0] != w.body_hash:
            raise Conflict(
                f"Idempotency-Key {w.key!r} was already used with a different request "
                "body; use a new key for a new request"
            )
        return Outcome.nothing(Written(WriteKind.REPLAYED, json.loads(seen[2]), seen[1]))
    out = Outbox(state, now)
    outcome = job(state, out)
    code = code_of(outcome.result.kind)
    text = json.dumps(outcome.result.body, sort_keys=True, default=str)
    outcome.batch.idempotency.append((w.principal.key, w.key, w.body_hash, code, text, out.now_iso))
    state.idem[k] = (w.body_hash, code, text)
    return outcome
