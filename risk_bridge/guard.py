"""A pure ASGI middleware refusing oversized bodies (413), non-JSON writes (415) and JSON with
duplicate keys, bytes that are not UTF-8 or nesting too deep (422) before any routing, parsing
or authentication work is done. (Pure ASGI rather than Starlette's BaseHTTPMiddleware, which
costs a task group and memory streams per request.)

A JSON write's body is read here in full, whatever its framing: a chunked body (no
Content-Length) past the limit is refused with 413 like a declared one. JSON objects with a
key given twice are refused: parsers disagree on which one counts (``"level": "HIGH", ...,
"level": "LOW"`` was stored LOW), so a customs decision must not depend on it. The API's writes
are all POST; another method on a write path goes on to the router, which answers 405."""

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
        too_big = f"request body larger than {self.max_bytes} bytes; split it"
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _reply(send, 413, too_big)
            return
        if scope["method"] == "POST" and scope["path"].startswith(self.json_prefixes):
            ctype = (
                headers.get(b"content-type", b"").split(b";")[0].strip().lower().decode("latin-1")
            )
            if ctype != "application/json":
                await _reply(
                    send, 415, f"Content-Type must be application/json, got {ctype or 'none'}"
                )
                return
            body = await _read_all(receive, self.max_bytes)
            if body is None:
                await _reply(send, 413, too_big)
                return
            problem = _json_problem(body)
            if problem is not None:
                await _reply(send, 422, problem)
                return
            await self.app(scope, _Replay(body, receive), send)
            return
        if length is None:
            receive = _Limited(receive, self.max_bytes)
        await self.app(scope, receive, send)


async def _read_all(receive: Any, max_bytes: int) -> bytes | None:
    """The whole body (None: longer than ``max_bytes``); a disconnect ends it early."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


class _DuplicateKey(Exception):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _json_problem(body: bytes) -> str | None:
    """Why ``body`` is refused here: a key given twice in one JSON object, bytes that are not
    UTF-8 text, or nesting too deep to parse (None: fine, or malformed JSON, which the route
    answers itself with where it broke). The last two used to reach FastAPI's body parser,
    which answers them with a bare 400 "There was an error parsing the body"."""
    try:
        json.loads(body, object_pairs_hook=_pairs)
    except _DuplicateKey as exc:
        return f"JSON object has the key {exc.args[0]!r} twice; give each key once"
    except UnicodeDecodeError as exc:
        return f"body: Invalid JSON: not UTF-8 text ({exc.reason} at byte {exc.start}); send UTF-8"
    except RecursionError:
        return "body: Invalid JSON: nested too deeply to parse"
    except ValueError:
        return None
    return None


class _Replay:
    """The body read by the guard, handed on as one message; then the real channel."""

    def __init__(self, body: bytes, receive: Any) -> None:
        self.body: bytes | None = body
        self.receive = receive

    async def __call__(self) -> dict[str, Any]:
        if self.body is not None:
            body, self.body = self.body, None
            return {"type": "http.request", "body": body, "more_body": False}
        message: dict[str, Any] = await self.receive()
        return message


class _Limited:
    """Other bodies without Content-Length: stop reading past the limit."""

    def __init__(self, receive: Any, max_bytes: int) -> None:
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
