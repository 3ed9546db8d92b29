"""Events out: the SSE stream (with Last-Event-ID resume from the store), webhooks, audit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from risk_bridge.deps import Allow, Auth, Caller, Ctx, IdemKey, Service, make_write
from risk_bridge.domain import Role
from risk_bridge.routers.common import ERRORS, done
from risk_bridge.schemas import WebhookCreate, WebhookPublic
from risk_bridge.security import Principal
from risk_bridge.webhook_targets import TargetPolicy

router = APIRouter(prefix="/v1", tags=["events"], responses=ERRORS)
System = Annotated[Principal, Depends(Allow(Role.AUTHORITY_SYSTEM))]
SystemCtx = Annotated[Ctx, Depends(Auth(Role.AUTHORITY_SYSTEM))]
NotViewer = Annotated[Principal, Depends(Allow(Role.AUTHORITY_SYSTEM, Role.OFFICER, Role.OPERATOR))]


def _sse(row: tuple[Any, ...]) -> str:
    seq, _at, kind, _cid, body = row
    return f"id: {seq}\nevent: {kind}\ndata: {body}\n\n"


@router.get("/events/stream", response_class=StreamingResponse)
async def stream(
    request: Request,
    svc: Service,
    caller: Caller,
    last_event_id: Annotated[int | None, Header(alias="Last-Event-ID", ge=0, le=2**62)] = None,
    max_events: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> StreamingResponse:
    """Server-sent events: holds, crossings, tamper alerts, deliveries, verdict and lane changes.
    Reconnect with ``Last-Event-ID`` to receive what you missed (from the store)."""
    queue = svc.broker.subscribe()

    async def gen() -> AsyncIterator[str]:
        sent = 0
        last = last_event_id or 0
        try:
            if last_event_id is not None:
                for row in svc.store.events_after(last, 1000):
                    last = int(str(row[0]))
                    yield _sse(row)
                    sent += 1
                    if max_events and sent >= max_events:
                        return
            yield ": connected\n\n"
            while True:
                try:
                    row = await asyncio.wait_for(queue.get(), timeout=15.0)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield ": keep-alive\n\n"
                    continue
                if int(str(row[0])) <= last:
                    continue
                last = int(str(row[0]))
                yield _sse(row)
                sent += 1
                if max_events and sent >= max_events:
                    return
        finally:
            svc.broker.unsubscribe(queue)

    return StreamingResponse(
        gen(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


@router.post("/webhooks", status_code=201, response_model=WebhookPublic)
async def add_webhook(body: WebhookCreate, ctx: SystemCtx, key: IdemKey) -> JSONResponse:
    """Subscribe a URL; payloads are signed ``X-Borderflow-Signature: t=..,v1=HMAC-SHA256``.
    Internal addresses (loopback, link-local, private, metadata) are refused unless allowed."""
    targets: TargetPolicy = ctx.request.app.state.webhook_targets
    await asyncio.to_thread(targets.check, body.url)  # name resolution off the event loop
    w = await make_write(ctx, key)
    return await done(ctx.svc.add_webhook(w, body.url, body.kinds))


@router.get("/webhooks", response_model=list[WebhookPublic])
async def list_webhooks(svc: Service, caller: System) -> list[dict[str, Any]]:
    return [
        {k: h[k] for k in ("webhook_id", "authority", "url", "kinds")}
        for h in (svc.state.webhooks[k] for k in sorted(svc.state.webhooks))
        if h["authority"] == caller.authority
    ]


@router.get("/audit")
async def audit(
    svc: Service,
    caller: NotViewer,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """The audit trail of every write: who (subject, role, authority), what, when."""
    cols = ("seq", "at", "actor", "role", "authority", "action", "subject", "detail")
    return [
        {**dict(zip(cols, r, strict=True)), "detail": json.loads(str(r[7]))}
        for r in svc.store.audit(limit, after)
    ]
