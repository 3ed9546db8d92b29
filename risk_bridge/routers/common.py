"""Shared helpers for the routers: the status code of a write's outcome, awaiting a committer
future, shaping JSON responses."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any

from fastapi.responses import JSONResponse

from risk_bridge.outbox import WriteKind, Written

__all__ = ["ERRORS", "container_or_422", "done", "reply_status", "status_of"]

# What each kind of write outcome answers with. The idempotency rows store this code (the
# service is handed status_of), so a replay answers with the first answer's status.
_STATUS = {WriteKind.CREATED: 201, WriteKind.UPDATED: 200, WriteKind.UNCHANGED: 200}

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "not authenticated"},
    403: {"description": "role or jurisdiction does not allow this"},
    409: {"description": "conflicts with the stored state (e.g. Idempotency-Key reuse)"},
    413: {"description": "request or batch too large"},
    415: {"description": "Content-Type must be application/json"},
    422: {"description": "invalid content; the message names the field and the fix"},
    503: {"description": "store unavailable: nothing was stored (fail-safe engaged)"},
}


def status_of(kind: WriteKind) -> int:
    """The HTTP status of a fresh write's outcome (a replay answers its stored one)."""
    return _STATUS[kind]


def reply_status(w: Written) -> int:
    if w.stored_code is not None:
        return w.stored_code
    return _STATUS[w.kind]


async def done(fut: Future[Written] | asyncio.Future[Written]) -> JSONResponse:
    w = await asyncio.wrap_future(fut) if isinstance(fut, Future) else await fut
    return JSONResponse(w.body, status_code=reply_status(w))


def container_or_422(raw: str) -> str:
    """A path's container number, validated (ISO 6346) or a precise 422."""
    from risk_bridge.errors import BadInput
    from risk_bridge.schemas import check_container

    try:
        return check_container(raw)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
