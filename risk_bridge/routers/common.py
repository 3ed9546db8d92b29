"""Shared helpers for the routers: await a committer future, shape JSON responses."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any

from fastapi.responses import JSONResponse

__all__ = ["ERRORS", "done"]

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "not authenticated"},
    403: {"description": "role or jurisdiction does not allow this"},
    409: {"description": "conflicts with the stored state (e.g. Idempotency-Key reuse)"},
    413: {"description": "request or batch too large"},
    415: {"description": "Content-Type must be application/json"},
    422: {"description": "invalid content; the message names the field and the fix"},
    503: {"description": "store unavailable: nothing was stored (fail-safe engaged)"},
}


async def done(fut: Future[tuple[int, Any]] | asyncio.Future[tuple[int, Any]]) -> JSONResponse:
    if isinstance(fut, Future):
        status, body = await asyncio.wrap_future(fut)
    else:
        status, body = await fut
    return JSONResponse(body, status_code=status)


def container_or_422(raw: str) -> str:
    """A path's container number, validated (ISO 6346) or a precise 422."""
    from risk_bridge.errors import BadInput
    from risk_bridge.schemas import check_container

    try:
        return check_container(raw)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
