"""People's sign-in for the control-room console: session cookies with CSRF protection.

``POST /v1/session`` checks a username and password (argon2id, in the token gate's pool off the
event loop, rate-limited per source address by ``TokenGuard`` and per username here, exactly
like the token endpoint) and sets the ``bf_session`` cookie: an EdDSA JWT from
:meth:`StateDir.issue` marked as a user session, so it stops working within a second of the
account's removal. The body carries the CSRF token that cookie-authenticated writes must echo
in ``X-CSRF-Token`` (:mod:`risk_bridge.deps`). ``DELETE`` signs out: the token is revoked in
this process's memory until it expires (a restart forgets revocations; sessions are bounded by
``session_ttl_s``).
"""

from __future__ import annotations

import time
from typing import Annotated

import jwt
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from risk_bridge.errors import AuthError
from risk_bridge.routers.common import errors
from risk_bridge.security import Principal, StateDir
from risk_bridge.security.token_gate import TokenGate
from risk_bridge.security.users import SESSION_COOKIE, UserBook, csrf_token
from risk_bridge.settings import BridgeSettings

router = APIRouter(prefix="/v1/session", tags=["auth"])

_NOBODY = "not signed in: POST /v1/session with {username, password}"


class SessionCreate(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class SessionPublic(BaseModel):
    subject: str
    role: str
    authority: str | None
    csrf_token: str
    expires_in: int


def _body(who: Principal, token: str, expires_in: float) -> SessionPublic:
    return SessionPublic(
        subject=who.subject,
        role=who.role.value,
        authority=who.authority,
        csrf_token=csrf_token(token),
        expires_in=max(0, int(expires_in)),
    )


def _current(request: Request) -> tuple[Principal, str]:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise AuthError(_NOBODY)
    keys: StateDir = request.app.state.keys
    who = keys.verify(token)
    if jwt.decode(token, options={"verify_signature": False}).get("user") is not True:
        raise AuthError(_NOBODY)
    return who, token


@router.post(
    "",
    summary="Sign a person in (session cookie)",
    response_model=SessionPublic,
    responses=errors(
        (401, "invalid username or password"),
        413,
        415,
        (422, "username or password missing, empty or too long; or a body that is not JSON"),
        (429, "too many attempts from this source address or for this username"),
    ),
)
async def sign_in(body: SessionCreate, request: Request, response: Response) -> SessionPublic:
    """Check a person's username and password and set the `bf_session` cookie (HttpOnly,
    SameSite=Strict; Secure over https or with `serve --secure-cookies`). The answer carries
    the CSRF token that cookie-authenticated writes must send as `X-CSRF-Token`.

    **Who may call:** anyone; accounts are made on the bridge's host with
    `borderflow bridge user-add NAME --role officer --authority CN --password-stdin`.

    Rate-limited per source address and per username, like the token endpoint. The session
    lasts 8 hours by default and stops working within a second of the account's removal.
    """
    keys: StateDir = request.app.state.keys
    gate: TokenGate = request.app.state.token_gate
    settings: BridgeSettings = request.app.state.settings
    # The source's rate was checked by TokenGuard before the body was read.
    gate.admit_client(f"user:{body.username}")
    book = UserBook(keys.path)
    user = await gate.run(lambda: book.verify(body.username, body.password))
    token, ttl = keys.issue(
        user.username, user.role, user.authority, settings.session_ttl_s, user=True
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ttl),
        path="/",
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies or request.url.scheme == "https",
    )
    return _body(keys.verify(token), token, ttl)


@router.get(
    "",
    summary="Show who is signed in",
    response_model=SessionPublic,
    responses=errors((401, _NOBODY), 422),
)
async def who_am_i(request: Request) -> SessionPublic:
    """The signed-in person (from the session cookie), the CSRF token again (a reloaded page
    gets it here) and the seconds the session has left.

    **Who may call:** a browser with a session cookie; bearer tokens are not sessions.
    """
    who, token = _current(request)
    exp = jwt.decode(token, options={"verify_signature": False}).get("exp", 0)
    return _body(who, token, float(exp) - time.time())


@router.delete(
    "",
    status_code=204,
    summary="Sign out",
    responses={
        204: {"description": "signed out; the cookie is deleted"},
        **errors((401, _NOBODY), 422),
    },
)
async def sign_out(request: Request) -> Response:
    """Revoke the session's token (refused from now on, until it would have expired) and
    delete the cookie.

    **Who may call:** a browser with a session cookie.

    Revocations live in the bridge process's memory: a restart forgets them, so sessions are
    also bounded by their lifetime.
    """
    _, token = _current(request)
    keys: StateDir = request.app.state.keys
    keys.revoke(token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
