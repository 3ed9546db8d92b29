"""A pure ASGI middleware refusing oversized bodies (413) and non-JSON writes (415) before any
routing, parsing or authentication work is done. (Pure ASGI rather than Starlette's
BaseHTTPMiddleware, which costs a task group and memory streams per request.)"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BodyGuard"]

Scope = dict[str, Any]


class BodyGuard:
    def __init__(self, app: Any, *, max_bytes: int, json_prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.json_prefixes = json_prefixes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _reply(send, 413, f"request body larger than {self.max_bytes} bytes; split it")
            return
        if scope["path"].startswith(self.json_prefixes):
            ctype = (
                headers.get(b"content-type", b"").split(b";")[0].strip().lower().decode("latin-1")
            )
            if ctype != "application/json":
                await _reply(
                    send, 415, f"Content-Type must be application/json, got {ctype or 'none'}"
                )
                return
        if length is None:
            receive = _Limited(receive, self.max_bytes, send)
        await self.app(scope, receive, send)


class _Limited:
    """Chunked bodies without Content-Length: stop reading past the limit."""

    def __init__(self, receive: Any, max_bytes: int, send: Any) -> None:
        self.receive = receive
        self.left = max_bytes

    async def __call__(self) -> dict[str, Any]:
        message: dict[str, Any] = await self.receive()
        if message["type"] == "http.request":
            self.left -= len(message.get("body", b""))
            if self.left < 0:
                return {"type": "http.disconnect"}
        return message


async def _reply(send: Any, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
