"""Shared helpers for the routers: the status code of a write's outcome, awaiting a committer
future, shaping JSON responses, and what the OpenAPI document says of errors, streams and tags."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Any

from fastapi.responses import JSONResponse

from risk_bridge.outbox import WriteKind, Written

__all__ = [
    "OPENAPI_TAGS",
    "WRITE_ERRORS",
    "container_or_422",
    "done",
    "errors",
    "reply_status",
    "sse",
    "status_of",
]

# What each kind of write outcome answers with. The idempotency rows store this code (the
# service is handed status_of), so a replay answers with the first answer's status.
_STATUS = {WriteKind.CREATED: 201, WriteKind.UPDATED: 200, WriteKind.UNCHANGED: 200}

# What each error status means when an endpoint does not say more (errors() takes overrides).
_ERROR_TEXT: dict[int, str] = {
    400: "the body cannot be parsed at all",
    401: "not authenticated: no valid bearer token (or session cookie)",
    403: "the caller's role or jurisdiction does not allow this; the message says who may",
    404: "no such resource; the message names the id",
    409: "conflicts with the stored state, or the Idempotency-Key was used with another body",
    413: "request body over the size limit (8 MB by default)",
    415: "Content-Type must be application/json",
    422: "invalid parameters or body (unknown query parameters included); the message names "
    "the field and the fix",
    429: "too many attempts; retry after Retry-After seconds",
    503: "store unavailable, fail-safe engaged: nothing was stored; retry with the same "
    "Idempotency-Key once /healthz reports ok",
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    429: {
        "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}},
    },
}
# The status codes a write may answer besides its own 404s (and 429, which writes never get).
WRITE_ERRORS = (401, 403, 409, 413, 415, 422, 503)

# The tags, in the order /docs shows them (for FastAPI(openapi_tags=...)).
OPENAPI_TAGS: list[dict[str, Any]] = [
    {"name": "auth", "description": "Tokens for machines (OAuth2 client credentials) and "
     "sign-in for people (the console's session cookie)."},
    {"name": "verdicts", "description": "Customs risk verdicts: stored, then obeyed at once."},
    {"name": "warnings", "description": "Risk warnings that raise levels or close lanes."},
    {"name": "holds", "description": "Held containers, officers' releases, mutual recognition."},
    {"name": "containers", "description": "The crossing's containers and their custody."},
    {"name": "lanes", "description": "Lanes and zones, closed and reopened by operators."},
    {"name": "orders", "description": "Transport orders: a container to carry across, from "
     "its yard slot to the other side, followed to delivery."},
    {"name": "custody ledger", "description": "Hold the custody ledger to a saved tree head."},
    {"name": "forecasts", "description": "Look ahead from now: KPIs over the next hours, with "
     "and without a what-if (lanes closed, scanners down, AGVs added or removed, a surge)."},
    {"name": "live view", "description": "The control room's map, vehicles and KPIs."},
    {"name": "alerts", "description": "What needs a person's eyes, and who acknowledged it."},
    {"name": "events", "description": "Server-sent events and webhooks."},
    {"name": "audit", "description": "Who wrote what, when."},
    {"name": "health", "description": "Liveness for load balancers; Prometheus metrics."},
]  # fmt: skip


def errors(*codes: int | tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of an endpoint's errors: each code with its body schema and meaning,
    ``(code, "what it means here")`` to say it for this endpoint (``(404, "no such hold")``)."""
    from risk_bridge.schemas_out import ErrorBody, ValidationErrorBody

    out: dict[int | str, dict[str, Any]] = {}
    for item in sorted(codes, key=lambda c: c if isinstance(c, int) else c[0]):
        code, text = item if isinstance(item, tuple) else (item, _ERROR_TEXT[item])
        entry: dict[str, Any] = {
            "description": text,
            "model": ValidationErrorBody if code == 422 else ErrorBody,
        }
        if code in _HEADERS:
            entry["headers"] = _HEADERS[code]
        out[code] = entry
    return out


def sse(description: str) -> dict[int | str, dict[str, Any]]:
    """The 200 of a server-sent events stream."""
    schema = {"type": "string", "description": "`event:`, `id:` and `data:` lines (SSE)"}
    return {200: {"description": description, "content": {"text/event-stream": {"schema": schema}}}}


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
