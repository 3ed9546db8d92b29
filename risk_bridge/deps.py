"""Request dependencies as ``Annotated`` aliases: the service, the caller, the write context.

Dependencies are ``async`` on purpose: FastAPI runs sync dependencies in a worker thread, a
thread hop per dependency per request. Authentication is a bearer JWT (see
:mod:`risk_bridge.security.state`) or, without an Authorization header, a person's session
cookie (``bf_session``, :mod:`risk_bridge.routers.session`); a cookie-authenticated request that
is not GET/HEAD/OPTIONS must also send ``X-CSRF-Token``. A request without a valid token gets
401 and nothing else.
``Auth(...)`` / ``Allow(...)`` check the role; jurisdiction checks (which authority) need the
stored record and happen in the service. The rules themselves (bearer parsing, roles, the
Idempotency-Key pattern, the request digest) are :mod:`risk_bridge.request_rules`, which the
fast path uses too.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request

from risk_bridge.domain import Role
from risk_bridge.errors import AuthError, Forbidden
from risk_bridge.idempotency import Write
from risk_bridge.request_rules import (
    IDEMPOTENCY_KEY_MAX,
    IDEMPOTENCY_KEY_MIN,
    IDEMPOTENCY_KEY_PATTERN,
    bearer_token,
    body_digest,
    require_role,
)
from risk_bridge.security import Principal, StateDir
from risk_bridge.security.users import SESSION_COOKIE, csrf_token
from risk_bridge.service import BridgeService

__all__ = ["Allow", "Auth", "Caller", "Ctx", "IdemKey", "Service", "make_write"]


async def _service(request: Request) -> BridgeService:
    svc: BridgeService = request.app.state.service
    return svc


Service = Annotated[BridgeService, Depends(_service)]


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_REFUSED = "CSRF token missing or wrong: send X-CSRF-Token from POST/GET /v1/session"


def _verify(request: Request) -> Principal:
    # The header is parsed here rather than through fastapi.security.HTTPBearer: one dependency
    # level less per request (the scheme is declared for OpenAPI in create_app).
    keys: StateDir = request.app.state.keys
    authorization = request.headers.get("authorization")
    if authorization is None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            return _verify_session(request, keys, cookie)
    token = bearer_token(authorization or "")
    if token is None:
        raise AuthError(
            "not authenticated: send Authorization: Bearer <token> or sign in at /v1/session"
        )
    return keys.verify(token)


def _verify_session(request: Request, keys: StateDir, cookie: str) -> Principal:
    caller = keys.verify(cookie)  # a user session token: refused once the account is gone
    # Browsers send the cookie with cross-site form posts too; a page of ours can read the
    # CSRF token from /v1/session, another site cannot.
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent.encode(), csrf_token(cookie).encode()):
            raise Forbidden(CSRF_REFUSED)
    return caller


async def _caller(request: Request) -> Principal:
    return _verify(request)


Caller = Annotated[Principal, Depends(_caller)]


class Allow:
    """Dependency: the caller must have one of ``roles``."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    async def __call__(self, caller: Caller) -> Principal:
        require_role(caller, self.roles)
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
        require_role(caller, self.roles)
        return Ctx(request.app.state.service, caller, request)


IdemKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=IDEMPOTENCY_KEY_MIN,
        max_length=IDEMPOTENCY_KEY_MAX,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="unique per logical write; a replay returns the stored response",
    ),
]


async def make_write(ctx: Ctx, key: str) -> Write:
    body = await ctx.request.body()
    return Write(ctx.caller, key, body_digest(ctx.request.url.path, body))
