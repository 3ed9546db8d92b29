"""GET /healthz (open: status only) and GET /metrics (Prometheus text; authenticated)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from risk_bridge.deps import Caller, Service

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(svc: Service) -> JSONResponse:
    ok = not svc.degraded and svc.store.ping()
    body: dict[str, Any] = {"status": "ok" if ok else "degraded"}
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", response_class=Response)
async def metrics(svc: Service, caller: Caller) -> Response:
    from risk_bridge.metrics import render

    return Response(render(svc), media_type="text/plain; version=0.0.4")
