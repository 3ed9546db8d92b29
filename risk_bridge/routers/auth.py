"""POST /v1/oauth/token: OAuth2 client credentials (form body or HTTP Basic) -> short JWT.

Rate-limited per source and client id, the secret check off the event loop
(:mod:`risk_bridge.security.token_gate`)."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Form, Header, Request

from risk_bridge.errors import AuthError, BadInput
from risk_bridge.routers.common import errors
from risk_bridge.schemas import TokenPublic
from risk_bridge.security import StateDir
from risk_bridge.security.token_gate import TokenGate

router = APIRouter(prefix="/v1/oauth", tags=["auth"])


@router.post(
    "/token",
    summary="Get an access token (OAuth2 client credentials)",
    response_model=TokenPublic,
    responses=errors(
        (400, "the form body cannot be parsed (e.g. multipart without its boundary)"),
        (401, "invalid client credentials"),
        413,
        (422, "grant_type is not client_credentials, or a field is missing or too long"),
        (429, "too many attempts from this source address or for this client id"),
    ),
)
async def token(
    request: Request,
    grant_type: Annotated[str, Form(max_length=64)],
    client_id: Annotated[str | None, Form(max_length=128)] = None,
    client_secret: Annotated[str | None, Form(max_length=256)] = None,
    authorization: Annotated[str | None, Header(max_length=1024)] = None,
) -> dict[str, object]:
    """Exchange a machine client's id and secret for a bearer JWT (EdDSA) that lasts 15
    minutes. Send them as the form fields `client_id` / `client_secret` or as HTTP Basic;
    `grant_type` must be `client_credentials`.

    **Who may call:** anyone; a client is made on the bridge's host with
    `borderflow bridge client-add NAME --role authority_system --authority CN`.

    Rate-limited per source address (60 a minute, checked before the form is read) and per
    client id (30 a minute); an over-limit source's 429 is held back for a second. A removed
    client's tokens stop working within a second.
    """
    if grant_type != "client_credentials":
        raise BadInput(f"grant_type {grant_type!r} is not supported; use client_credentials")
    if authorization and authorization.lower().startswith("basic "):
        try:
            raw = base64.b64decode(authorization[6:], validate=True).decode()
            client_id, _, client_secret = raw.partition(":")
        except (ValueError, UnicodeDecodeError) as exc:
            raise AuthError("invalid client credentials") from exc
    if not client_id or not client_secret:
        raise AuthError("invalid client credentials")
    keys: StateDir = request.app.state.keys
    gate: TokenGate = request.app.state.token_gate
    # The source's rate was checked by TokenGuard before the form was parsed.
    gate.admit_client(client_id)  # 429 before any hashing
    cid, secret = client_id, client_secret
    # The scrypt check runs off the event loop: other requests are served meanwhile.
    tok, ttl = await gate.run(lambda: keys.client_token(cid, secret))
    return {"access_token": tok, "token_type": "bearer", "expires_in": int(ttl)}
