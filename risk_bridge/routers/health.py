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

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(svc: Service) -> JSONResponse:
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


@router.get("/metrics", response_class=Response)
async def metrics(svc: Service, caller: Caller) -> Response:
    from risk_bridge.metrics import render

    return Response(render(svc), media_type="text/plain; version=0.0.4")
