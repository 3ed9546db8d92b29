"""A pure ASGI fast path for the hottest endpoint, ``POST /v1/verdicts``, when the request is
well-formed.

FastAPI's routing, dependency solving and header validation cost more per request than the
verdict itself (profiled: about two thirds of the event loop's time per verdict). This
middleware answers a *well-formed* single verdict directly, doing exactly what the FastAPI route
does: bearer JWT verified (the same cached :meth:`StateDir.verify`), role ``authority_system``,
``Idempotency-Key`` of the same pattern, the same request digest (all from
:mod:`risk_bridge.request_rules`), the body validated by the same pydantic model, the same
service call (durable group commit, audit, idempotency) and the same JSON response, with the
status the routers give the outcome (:func:`risk_bridge.routers.common.reply_status`).

Anything else — no or bad token, wrong role, bad key, invalid body, a verdict the service
refuses before queueing it — is handed to the FastAPI route untouched (the body is replayed),
so every error answer, its status and its message come from one place. Errors found on the
writer thread (conflicts, unknown containers, store unavailable) are answered as
``create_app``'s handler does: ``{"detail": message}`` with the error's status.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import Future
from typing import Any

from pydantic import ValidationError

from risk_bridge.errors import BridgeError
from risk_bridge.idempotency import Write
from risk_bridge.request_rules import bearer_token, body_digest, is_idempotency_key, require_role
from risk_bridge.routers.common import reply_status
from risk_bridge.routers.verdicts import VERDICT_ROLES
from risk_bridge.schemas import VerdictCreate
from risk_bridge.security import StateDir
from risk_bridge.service import BridgeService, Pending

__all__ = ["VerdictFastPath"]

_PATH = "/v1/verdicts"
_JSON = (b"content-type", b"application/json")


class VerdictFastPath:
    def __init__(self, app: Any, *, service: BridgeService, keys: StateDir) -> None:
        self.app = app
        self.service = service
        self.keys = keys

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # A query string (which this endpoint does not take) goes to the full stack's 422.
        if (
            scope["type"] != "http"
            or scope["path"] != _PATH
            or scope["method"] != "POST"
            or scope.get("query_string")
        ):
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive)
        if more is not None:  # disconnected or truncated: let the full stack deal with it
            await self.app(scope, _Replay(body, more, receive), send)
            return
        fut = self._try_submit(scope, body)
        if fut is None:
            await self.app(scope, _Replay(body, None, receive), send)
            return
        try:
            # From inside the event loop the committer hands back an asyncio future.
            written = await (asyncio.wrap_future(fut) if isinstance(fut, Future) else fut)
            status, out = reply_status(written), written.body
        except BridgeError as exc:
            status, out = exc.status, {"detail": str(exc)}
        await _send_json(send, status, out)

    def _try_submit(self, scope: dict[str, Any], body: bytes) -> Pending | None:
        """The queued write, or None if the request is not the well-formed case."""
        auth = key = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                auth = auth or value
            elif name == b"idempotency-key":
                key = key or value
        if auth is None or key is None:
            return None
        token = bearer_token(auth.decode("latin-1"))
        key_s = key.decode("latin-1")
        if token is None or not is_idempotency_key(key_s):
            return None
        try:
            caller = self.keys.verify(token)
            require_role(caller, VERDICT_ROLES)
            verdict = VerdictCreate.model_validate_json(body).to_input()
            w = Write(caller, key_s, body_digest(_PATH, body))
            return self.service.submit_verdicts(w, [verdict])
        except (BridgeError, ValidationError, UnicodeDecodeError):
            return None


async def _read_body(receive: Any) -> tuple[bytes, dict[str, Any] | None]:
    """The whole body; the second item is a non-body message that cut it short, if any."""
    chunks: list[bytes] = []
    while True:
        message: dict[str, Any] = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


class _Replay:
    """Hands the already-read body to the next app, then the rest of the connection's messages."""

    def __init__(self, body: bytes, cut: dict[str, Any] | None, receive: Any) -> None:
        # A body cut short by a disconnect is not worth replaying: pass the disconnect on.
        self.pending: list[dict[str, Any]] = (
            [cut] if cut is not None else [{"type": "http.request", "body": body}]
        )
        self.receive = receive

    async def __call__(self) -> dict[str, Any]:
        if self.pending:
            return self.pending.pop(0)
        message: dict[str, Any] = await self.receive()
        return message


async def _send_json(send: Any, status: int, content: Any) -> None:
    # Byte for byte what fastapi.responses.JSONResponse renders.
    raw = json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-length", str(len(raw)).encode()), _JSON],
        }
    )
    await send({"type": "http.response.body", "body": raw})
