"""A pure ASGI fast path for the hottest endpoint, ``POST /v1/verdicts``, when the request is
well-formed.

FastAPI's routing, dependency solving and header validation cost more per request than the
verdict itself (profiled: about two thirds of the event loop's time per verdict). This
middleware answers a *well-formed* single verdict directly, doing exactly what the FastAPI route
does: bearer JWT verified (the same cached :meth:`StateDir.verify`), role ``authority_system``,
``Idempotency-Key`` of the same pattern, the body validated by the same pydantic model, the same
service call (durable group commit, audit, idempotency) and the same JSON response.

Anything else — no or bad token, wrong role, bad key, invalid body, a verdict the service
refuses before queueing it — is handed to the FastAPI route untouched (the body is replayed),
so every error answer, its status and its message come from one place. Errors found on the
writer thread (conflicts, unknown containers, store unavailable) are answered as
``create_app``'s handler does: ``{"detail": message}`` with the error's status.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from pydantic import ValidationError

from risk_bridge.domain import Role
from risk_bridge.errors import BridgeError
from risk_bridge.schemas import VerdictCreate, fields
from risk_bridge.service import Write

__all__ = ["VerdictFastPath"]

_PATH = "/v1/verdicts"
_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")  # as deps.IdemKey: 8-128 chars of this pattern
_JSON = (b"content-type", b"application/json")


class VerdictFastPath:
    def __init__(self, app: Any, *, service: Any, keys: Any) -> None:
        self.app = app
        self.service = service
        self.keys = keys

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != _PATH or scope["method"] != "POST":
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
            status, out = await fut
        except BridgeError as exc:
            status, out = exc.status, {"detail": str(exc)}
        await _send_json(send, status, out)

    def _try_submit(self, scope: dict[str, Any], body: bytes) -> Any:
        """The queued write, or None if the request is not the well-formed case."""
        auth = key = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                auth = auth or value
            elif name == b"idempotency-key":
                key = key or value
        if auth is None or key is None or auth[:7].lower() != b"bearer ":
            return None
        key_s = key.decode("latin-1")
        if _KEY.match(key_s) is None:
            return None
        try:
            caller = self.keys.verify(auth[7:].decode("latin-1").strip())
            if caller.role is not Role.AUTHORITY_SYSTEM:
                return None
            verdict = VerdictCreate.model_validate_json(body)
            digest = hashlib.sha256(_PATH.encode() + b"\n" + body).hexdigest()
            return self.service.verdicts(Write(caller, key_s, digest), [fields(verdict)])
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
