"""GET /healthz (open: status, and counts only) and GET /metrics (Prometheus text;
authenticated).

``/healthz`` answers 503 ``degraded`` while the bridge-wide fail-safe is engaged (with
``"cause": "core"`` when the core refused even a container's UNKNOWN, ``"fleet"`` with the
``"reason"`` when the fleet stopped working: those last until a restart), ``"committer"`` when
the store's writer thread is gone, and names how many containers are in the core-refusal
fail-safe, if any."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from risk_bridge.deps import Caller, Service
from risk_bridge.failsafe import Cause
from risk_bridge.routers.common import errors
from risk_bridge.schemas_out import Health

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    summary="Check the bridge's health",
    response_model=Health,
    responses={
        200: {"description": "ok: the store answers and every part of the bridge works"},
        503: {
            "model": Health,
            "description": "degraded: the store is unavailable (writes answer 503, nothing "
            "crosses), or `cause` says what failed",
        },
        **errors(422),
    },
)
async def healthz(svc: Service) -> JSONResponse:
    """For load balancers and monitors: `ok`, or `degraded` while the bridge-wide fail-safe
    is engaged — the store is unavailable (it recovers by itself when the store answers
    again), the fleet's core refused even the fail-safe (`cause: core`), the fleet stopped
    (`cause: fleet`, with the `reason`) or the store's writer thread is gone
    (`cause: committer`); those last three need a restart. Counts only, no ids.

    **Who may call:** anyone, without a token.
    """
    committer = svc.committer.alive
    ok = not svc.degraded and committer and svc.store.ping()
    body: dict[str, Any] = {"status": "ok" if ok else "degraded"}
    if svc.failsafe_cause in (Cause.CORE, Cause.FLEET):
        body["cause"] = svc.failsafe_cause.value
    if svc.failsafe_cause is Cause.FLEET:
        body["reason"] = svc.failure_reason
    if not committer:
        body["cause"] = "committer"
        body["reason"] = "the store's writer thread stopped: nothing can be acknowledged"
    held_back = len(svc.state.core_failsafe)
    if held_back:
        body["containers_in_failsafe"] = held_back
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get(
    "/metrics",
    summary="Read the Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text format 0.0.4",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        **errors(401, 422),
    },
)
async def metrics(svc: Service, caller: Caller) -> Response:
    """Counters and gauges in the Prometheus text format: verdicts accepted, group commits,
    writes, active holds and warnings, the fail-safe, core refusals, containers held back,
    open event streams.

    **Who may call:** every signed-in role (scrapers use a viewer token).
    """
    from risk_bridge.metrics import render

    return Response(render(svc), media_type="text/plain; version=0.0.4")
