"""Request dependencies as ``Annotated`` aliases: the service, the caller, the write context.

Dependencies are ``async`` on purpose: FastAPI runs sync dependencies in a worker thread, a
thread hop per dependency per request. Authentication is a bearer JWT (see
:mod:`risk_bridge.security.state`); a request without a valid token gets 401 and nothing else.
``Auth(...)`` / ``Allow(...)`` check the role; jurisdiction checks (which authority) need the
stored record and happen in the service.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Depends, Header, Request

from risk_bridge.domain import Role
from risk_bridge.errors import AuthError, Forbidden
from risk_bridge.security import Principal, StateDir
from risk_bridge.service import BridgeService, Write

__all__ = ["Allow", "Auth", "Caller", "Ctx", "IdemKey", "Service", "make_write"]


async def _service(request: Request) -> BridgeService:
    svc: BridgeService = request.app.state.service
    return svc


Service = Annotated[BridgeService, Depends(_service)]


def _verify(request: Request) -> Principal:
    # The header is parsed here rather than through fastapi.security.HTTPBearer: one dependency
    # level less per request (the scheme is declared for OpenAPI in create_app).
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("not authenticated: send Authorization: Bearer <token>")
    keys: StateDir = request.app.state.keys
    return keys.verify(token.strip())


async def _caller(request: Request) -> Principal:
    return _verify(request)


Caller = Annotated[Principal, Depends(_caller)]


class Allow:
    """Dependency: the caller must have one of ``roles``."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    async def __call__(self, caller: Caller) -> Principal:
        if caller.role not in self.roles:
            allowed = ", ".join(r.value for r in self.roles)
            raise Forbidden(f"role {caller.role.value} may not do this (allowed: {allowed})")
        return caller


class Ctx:
    """What a write route needs, resolved by ONE dependency (FastAPI's dependency solving costs
    more per level than the rest of a verdict's request path): service, caller, request."""

    __slots__ = ("caller", "request", "svc")

    def __init__(self, svc: BridgeService, caller: Principal, request: Request) -> None:
        self.svc = svc
        self.caller = caller
        self.request = request


class Auth:
    """Dependency: authenticate, check the role, hand the route its :class:`Ctx`."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    async def __call__(self, request: Request) -> Ctx:
        caller = _verify(request)
        if caller.role not in self.roles:
            allowed = ", ".join(r.value for r in self.roles)
            raise Forbidden(f"role {caller.role.value} may not do this (allowed: {allowed})")
        return Ctx(request.app.state.service, caller, request)


IdemKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="unique per logical write; a replay returns the stored response",
    ),
]


async def make_write(ctx: Ctx, key: str) -> Write:
    body = await ctx.request.body()
    digest = hashlib.sha256(ctx.request.url.path.encode() + b"\n" + body).hexdigest()
    return Write(ctx.caller, key, digest)
