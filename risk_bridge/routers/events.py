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
from risk_bridge.routers.common import WRITE_ERRORS, done, errors, sse
from risk_bridge.schemas import WebhookCreate, WebhookPublic
from risk_bridge.schemas_out import AuditEntry
from risk_bridge.security import Principal
from risk_bridge.webhook_targets import TargetPolicy

router = APIRouter(prefix="/v1")  # tags per route: the audit trail is its own
System = Annotated[Principal, Depends(Allow(Role.AUTHORITY_SYSTEM))]
SystemCtx = Annotated[Ctx, Depends(Auth(Role.AUTHORITY_SYSTEM))]
NotViewer = Annotated[Principal, Depends(Allow(Role.AUTHORITY_SYSTEM, Role.OFFICER, Role.OPERATOR))]


def _sse(row: tuple[Any, ...]) -> str:
    seq, _at, kind, _cid, body = row
    return f"id: {seq}\nevent: {kind}\ndata: {body}\n\n"


@router.get(
    "/events/stream",
    summary="Stream the bridge's events (server-sent events)",
    tags=["events"],
    response_class=StreamingResponse,
    responses={
        **sse(
            "one SSE event per domain event: `id:` (its sequence number), `event:` (its "
            "kind), `data:` (JSON); `: keep-alive` comments every 15 s"
        ),
        **errors(401, 422),
    },
)
async def stream(
    request: Request,
    svc: Service,
    caller: Caller,
    last_event_id: Annotated[
        int | None,
        Header(alias="Last-Event-ID", ge=0, le=2**62, description="resume after this event"),
    ] = None,
    max_events: Annotated[
        int | None, Query(ge=1, le=100_000, description="end the stream after this many")
    ] = None,
) -> StreamingResponse:
    """Server-sent events (`text/event-stream`) of what happens: holds placed and released,
    border crossings, deliveries, tamper alerts, verdicts, lane changes, alerts, signed tree
    heads. Reconnect with `Last-Event-ID` (a browser's `EventSource` does it itself) to get
    what was missed first, from the store.

    **Who may call:** every signed-in role.
    """
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


@router.post(
    "/webhooks",
    status_code=201,
    summary="Subscribe a webhook",
    tags=["events"],
    response_model=WebhookPublic,
    responses=errors(
        *(c for c in WRITE_ERRORS if c != 422),
        (
            422,
            "invalid body, or the URL is refused: it has credentials, does not resolve, or "
            "resolves to an internal address (loopback, link-local, private, metadata)",
        ),
    ),
)
async def add_webhook(body: WebhookCreate, ctx: SystemCtx, key: IdemKey) -> JSONResponse:
    """Have the events of the given `kinds` (`*`: all) POSTed to a URL. Each delivery is
    signed `X-Borderflow-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.body">` with the
    `secret` returned here, once; failed deliveries are retried with backoff.

    **Who may call:** an `authority_system` client (the webhook is its authority's).

    Internal addresses are refused unless the operator allowed them (`serve --webhook-allow`),
    and checked again at each delivery; redirects are not followed.
    """
    targets: TargetPolicy = ctx.request.app.state.webhook_targets
    await asyncio.to_thread(targets.check, body.url)  # name resolution off the event loop
    w = await make_write(ctx, key)
    return await done(ctx.svc.add_webhook(w, body.url, body.kinds))


@router.get(
    "/webhooks",
    summary="List this authority's webhooks",
    tags=["events"],
    response_model=list[WebhookPublic],
    responses=errors(401, (403, "only authority_system clients have webhooks"), 422),
)
async def list_webhooks(svc: Service, caller: System) -> list[dict[str, Any]]:
    """The caller's authority's webhook subscriptions (without their secrets).

    **Who may call:** an `authority_system` client.
    """
    return [
        {k: h[k] for k in ("webhook_id", "authority", "url", "kinds")}
        for h in (svc.state.webhooks[k] for k in sorted(svc.state.webhooks))
        if h["authority"] == caller.authority
    ]


@router.get(
    "/audit",
    summary="Read the audit trail",
    tags=["audit"],
    response_model=list[AuditEntry],
    responses=errors(
        401,
        (403, "viewers do not read the audit trail"),
        422,
        (503, "the store cannot be read now (fail-safe engaged); retry once /healthz is ok"),
    ),
)
async def audit(
    svc: Service,
    caller: NotViewer,
    after: Annotated[int, Query(ge=0, le=2**62, description="entries after this seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Every write, in order: who (subject, role, authority), what (action, subject, details)
    and when, stored in the same transaction as the write itself. Page with `after` (the last
    `seq` read).

    **Who may call:** `authority_system`, `officer` and `operator`; not viewers.
    """
    cols = ("seq", "at", "actor", "role", "authority", "action", "subject", "detail")
    return [
        {**dict(zip(cols, r, strict=True)), "detail": json.loads(str(r[7]))}
        for r in svc.store.audit(limit, after)
    ]
