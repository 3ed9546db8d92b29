"""Control-room alerts: the listing and the acknowledgement (who and when, in the audit trail)."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from risk_bridge.control_room import ControlRoom
from risk_bridge.deps import Auth, Caller, Ctx, IdemKey, make_write
from risk_bridge.domain import Role
from risk_bridge.errors import NotFound
from risk_bridge.outbox import Outbox, Outcome, WriteKind, Written
from risk_bridge.routers.common import errors, reply_status
from risk_bridge.schemas_console import AlertPublic
from risk_bridge.state import BridgeState

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])
Acker = Annotated[Ctx, Depends(Auth(Role.OPERATOR, Role.OFFICER))]
AlertNo = Annotated[str, Path(max_length=120, pattern=r"^[A-Za-z_]+:[A-Za-z0-9._:>-]+$")]


@router.get("", summary="List alerts", response_model=list[AlertPublic], responses=errors(401, 422))
async def list_alerts(
    request: Request,
    caller: Caller,
    open: Annotated[bool, Query(description="only the ones nobody acknowledged")] = False,
) -> list[dict[str, Any]]:
    """What needs a person's eyes: tampered ledger entries and seal mismatches (critical),
    silent vehicles and overdue verdicts (warning), the NII scanner queue (info), the
    fail-safe (critical). Open ones first, then by when they were raised. A cleared condition
    stays listed until someone acknowledges it.

    **Who may call:** every signed-in role.
    """
    room: ControlRoom = request.app.state.control_room
    return [a.to_json() for a in room.alerts.listing(open)]


@router.post(
    "/{alert_id}/ack",
    summary="Acknowledge an alert",
    response_model=AlertPublic,
    responses=errors(
        401,
        (403, "viewers and machine clients do not acknowledge alerts"),
        (404, "no alert with this id"),
        409,
        413,
        (
            422,
            "the alert id is malformed, the Idempotency-Key is missing or malformed, or an "
            "unknown query parameter",
        ),
        503,
    ),
)
async def ack_alert(alert_id: AlertNo, ctx: Acker, key: IdemKey) -> JSONResponse:
    """Acknowledge an alert: who (the caller's subject) and when go into the audit trail, and
    the alert is no longer open. Acknowledging it again records it again. No body.

    **Who may call:** an `operator` or an `officer`.
    """
    room: ControlRoom = ctx.request.app.state.control_room
    alert = room.alerts.get(alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id!r}; GET /v1/alerts lists them")
    p = ctx.caller

    def job(st: BridgeState, out: Outbox) -> Outcome[Written]:
        out.audit(p, "alert.ack", alert_id, {"kind": alert.kind, "subject": alert.subject})
        body = {**alert.to_json(), "acked_by": p.subject, "acked_at": out.now_iso, "open": False}
        return out.done(Written(WriteKind.UPDATED, body))

    w = await make_write(ctx, key)
    fut = ctx.svc.submit(w, job)
    written = await asyncio.wrap_future(fut) if isinstance(fut, Future) else await fut
    current = room.alerts.get(alert_id)
    if current is not None and current.acked_at is None:  # durable now: the book says so too
        room.alerts.ack(alert_id, str(written.body["acked_by"]), str(written.body["acked_at"]))
    return JSONResponse(written.body, status_code=reply_status(written))
