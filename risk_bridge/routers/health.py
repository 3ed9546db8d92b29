"""GET /healthz (open: status, and counts only) and GET /metrics (Prometheus text;
authenticated).

``/healthz`` answers 503 ``degraded`` while the bridge-wide fail-safe is engaged (with
``"cause": "core"`` when the core refused even a container's UNKNOWN: that one lasts until a
restart), and names how many containers are in the core-refusal fail-safe, if any."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from risk_bridge.deps import Caller, Service
from risk_bridge.failsafe import Cause

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(svc: Service) -> JSONResponse:
    ok = not svc.degraded and svc.store.ping()
    body: dict[str, Any] = {"status": "ok" if ok else "degraded"}
    if svc.failsafe_cause is Cause.CORE:
        body["cause"] = "core"
    held_back = len(svc.state.core_failsafe)
    if held_back:
        body["containers_in_failsafe"] = held_back
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", response_class=Response)
async def metrics(svc: Service, caller: Caller) -> Response:
    from risk_bridge.metrics import render

    return Response(render(svc), media_type="text/plain; version=0.0.4")
