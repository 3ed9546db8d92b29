"""The bridge's composition root: ``create_app(settings, fleet=...) -> FastAPI``.

Settings, the store, the key ring and the service are built here, not at import. The fleet is
passed in (any :class:`~risk_bridge.fleet_port.FleetPort`: ``borderflow serve`` builds the
SimPy or the ROS fleet; tests may pass one they drive by hand, or None for an API without a
fleet). This is the only place that maps the bridge's errors to HTTP status codes; the routers
map the outcomes of writes (:func:`risk_bridge.routers.common.status_of`).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from risk_bridge.errors import AuthError, BridgeError
from risk_bridge.fleet_port import FleetPort
from risk_bridge.query_rules import reject_unknown_query
from risk_bridge.routers.common import OPENAPI_TAGS
from risk_bridge.security import StateDir
from risk_bridge.security.token_gate import RateLimited, TokenGate, TokenGuard
from risk_bridge.settings import BridgeSettings
from risk_bridge.webhook_targets import TargetPolicy

__all__ = ["create_app", "tune_gc_for_serving"]

_DESCRIPTION = """
The customs risk bridge between China's GACC (Erenhot) and the Customs General Administration
of Mongolia (Zamyn-Uud) and the borderflow fleet. Customs decides; borderflow obeys at once.

* **Auth**: OAuth2 client credentials at `/v1/oauth/token` (machines) or tokens issued by
  `borderflow bridge token` (officers, operators); send `Authorization: Bearer <jwt>`.
* **Writes** need an `Idempotency-Key` header; a replay returns the stored response.
* **Events**: `/v1/events/stream` (SSE) and webhooks signed with HMAC-SHA256.
"""

_JSON_WRITES = (
    "/v1/verdicts",
    "/v1/warnings",
    "/v1/holds",
    "/v1/containers",
    "/v1/lanes",
    "/v1/orders",
    "/v1/forecasts",
    "/v1/webhooks",
    "/v1/session",
)


def create_app(
    settings: BridgeSettings, *, fleet: FleetPort | None = None, start: bool = True
) -> FastAPI:
    from risk_bridge.console.web import mount_console
    from risk_bridge.control_room import ControlRoom
    from risk_bridge.events_out import WebhookDispatcher
    from risk_bridge.routers import (
        alerts,
        auth,
        containers,
        events,
        forecasts,
        health,
        holds,
        lanes,
        ledger,
        orders,
        proofs,
        session,
        vehicles,
        verdicts,
    )
    from risk_bridge.routers import warnings as warnings_router
    from risk_bridge.routers.common import status_of
    from risk_bridge.service import BridgeService
    from risk_bridge.store import open_store

    keys = StateDir(
        settings.state_dir,
        issuer=settings.issuer,
        audience=settings.audience,
        ttl_s=settings.token_ttl_s,
    )
    gate = TokenGate(
        per_source_per_min=settings.token_per_source_per_min,
        per_client_per_min=settings.token_per_client_per_min,
    )
    store = open_store(settings.db_url)
    service = BridgeService(settings, store, fleet, code_of=status_of)
    room = ControlRoom(service, fleet)
    targets = TargetPolicy(settings.webhook_allow)
    dispatcher = WebhookDispatcher(
        store,
        service.webhook_secrets,
        retries=settings.webhook_retries,
        backoff_s=settings.webhook_backoff_s,
        targets=targets,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await room.aclose()
        dispatcher.stop()
        gate.close()
        service.close()
        if fleet is not None:
            fleet.stop()
        store.close()

    app = FastAPI(
        title="borderflow customs risk bridge",
        version="1.0.0",
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from local assets by mount_console
        redoc_url=None,
        dependencies=[Depends(reject_unknown_query)],
        openapi_tags=OPENAPI_TAGS,
    )
    app.state.settings = settings
    app.state.keys = keys
    app.state.token_gate = gate
    app.state.webhook_targets = targets
    app.state.service = service
    app.state.control_room = room
    app.state.store = store
    app.state.dispatcher = dispatcher
    routers = (auth, session, verdicts, warnings_router, holds, containers, lanes, ledger)
    for r in (*routers, orders, proofs, vehicles, alerts, events, forecasts, health):
        app.include_router(r.router)
    mount_console(app)

    from risk_bridge.fastpath import VerdictFastPath
    from risk_bridge.guard import BodyGuard

    # Added first so it runs inside BodyGuard: the 413 / 415 checks still come first.
    app.add_middleware(VerdictFastPath, service=service, keys=keys)
    app.add_middleware(BodyGuard, max_bytes=settings.max_body_bytes, json_prefixes=_JSON_WRITES)
    # Outermost: a flooding source is refused before anything else looks at its request.
    app.add_middleware(
        TokenGuard,
        gate=gate,
        path=("/v1/oauth/token", "/v1/session"),
        tarpit_s=settings.token_tarpit_s,
    )

    _map_errors(app)
    _declare_bearer(app)
    if start:
        service.start(fleet.manifest() if fleet is not None else [])
        dispatcher.start()
        room.start()
        # A fleet that paces itself starts now; one its caller advances ignores start().
        if fleet is not None:
            fleet.start()
    return app


def _map_errors(app: FastAPI) -> None:
    """The bridge's errors and request validation errors as HTTP answers (the one place)."""

    @app.exception_handler(BridgeError)
    async def bridge_error(request: Request, exc: BridgeError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthError) else None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after_s)))}
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            loc = ".".join(str(p) for p in e.get("loc", ()))
            errors.append({"loc": loc, "msg": str(e.get("msg", ""))})
        first = errors[0] if errors else {"loc": "", "msg": "invalid request"}
        return JSONResponse(
            {"detail": f"{first['loc']}: {first['msg']}", "errors": errors}, status_code=422
        )


def tune_gc_for_serving() -> None:
    """Make the cyclic garbage collector cheap for a long-running server process.

    Process-wide, so servers call it (``borderflow serve``, the benchmark), not create_app.
    The bridge keeps its whole state in memory (every verdict, idempotency record, hold), and
    each request allocates thousands of short-lived objects (a 5,000-verdict batch: models,
    dicts, rows): with CPython's default threshold of 700 allocations, young collections run
    hundreds of times per batch and older ones re-traverse the growing state (profiled: a
    third of a batch's CPU). Freezing what start-up built (the replayed state) takes it out of
    every collection, and a larger young generation makes collections rare; memory is still
    freed by reference counting, only cycles wait a little longer.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _declare_bearer(app: FastAPI) -> None:
    """Put the bearer scheme in the OpenAPI document (the dependencies parse the header
    themselves, so FastAPI cannot infer it): every operation but the token endpoint and
    /healthz needs a JWT."""
    from fastapi.openapi.utils import get_openapi

    open_paths = {"/v1/oauth/token", "/healthz"}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        from risk_bridge.schemas import VerdictBatch, VerdictCreate

        components = doc.setdefault("components", {})
        # Bodies the verdict routes parse themselves (pydantic-core from JSON bytes).
        schemas = components.setdefault("schemas", {})
        for model in (VerdictCreate, VerdictBatch):
            js = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(js.pop("$defs", {}))
            schemas[model.__name__] = js
        schemes = components.setdefault("securitySchemes", {})
        schemes["bearerAuth"] = {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "from POST /v1/oauth/token, or `borderflow bridge token`",
        }
        for path, ops in doc.get("paths", {}).items():
            if path in open_paths:
                continue
            for op in ops.values():
                op["security"] = [{"bearerAuth": []}]
        _drop_core_enums(doc)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def _drop_core_enums(doc: dict[str, Any]) -> None:
    """FastAPI lists every enum class it finds in a field's annotation as a component, even
    the core's Side and RiskLevel behind the API's ``Authority`` and ``Level``
    (:mod:`risk_bridge.api_enums`), which nothing references: they are not part of the API."""
    import json

    from risk_bridge.api_enums import CORE_ENUM_NAMES

    schemas = doc.get("components", {}).get("schemas", {})
    text = json.dumps(doc)
    for name in CORE_ENUM_NAMES:
        if name in schemas and f'"#/components/schemas/{name}"' not in text:
            del schemas[name]
