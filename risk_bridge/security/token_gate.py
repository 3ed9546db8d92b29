"""The token endpoint's gate: client-secret hashing off the event loop, bounded and rate-limited.

The same gate guards people's sign-in (``POST /v1/session``, an argon2id check per attempt):
per source address and per username, the check in the same pool.

Checking a client secret costs a scrypt hash (~30 ms of CPU, on purpose: a stolen
``clients.json`` must be slow to brute-force). Run on the event loop, a handful of clients
posting made-up ids stalled every other request of the bridge. :class:`TokenGate` owns that
work:

- the hash runs in a small thread pool of its own (``hashlib.scrypt`` releases the GIL), so the
  event loop keeps serving verdicts and health checks;
- at most ``max_pending`` checks wait for the pool; beyond that the endpoint answers 429 at once
  instead of queueing without bound;
- each source address and each client id has a token bucket (``per_source_per_min``,
  ``per_client_per_min`` attempts a minute, with a burst of a fifth of that): a flood from one
  address or against one id is refused with 429 and ``Retry-After`` before any hashing;
- the source check runs in :class:`TokenGuard`, a pure ASGI middleware, before any routing or
  form parsing, and an over-limit source waits ``tarpit_s`` (an asyncio sleep: no CPU) before
  its 429, so a flooding connection costs the bridge almost nothing and sends far fewer
  requests: measured, a 4-connection flood fell from ~2,500 refused requests a second, which
  took three quarters of the verdict throughput, to a few.

The clock is injected (monotonic seconds), so tests drive it.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from risk_bridge.errors import BridgeError

__all__ = ["RateLimited", "TokenGate", "TokenGuard"]

T = TypeVar("T")

# Buckets kept per key kind: the least recently used are dropped beyond this (memory bound).
_MAX_KEYS = 10_000


class RateLimited(BridgeError):
    """Too many attempts from this source or for this client: try again later (429)."""

    status = 429

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class _Buckets:
    """Token buckets by key: ``rate_per_s`` refill, ``burst`` capacity."""

    def __init__(self, rate_per_s: float, burst: float) -> None:
        self._rate = rate_per_s
        self._burst = burst
        self._state: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (level, t)

    def take(self, key: str, now: float) -> float:
        """Take one token; 0.0 when granted, else the seconds until one is available."""
        level, t = self._state.pop(key, (self._burst, now))
        level = min(self._burst, level + (now - t) * self._rate)
        if level >= 1.0:
            self._state[key] = (level - 1.0, now)
            wait = 0.0
        else:
            self._state[key] = (level, now)
            wait = (1.0 - level) / self._rate
        while len(self._state) > _MAX_KEYS:
            self._state.popitem(last=False)
        return wait


class TokenGate:
    def __init__(
        self,
        *,
        per_source_per_min: float = 60.0,
        per_client_per_min: float = 30.0,
        workers: int = 2,
        max_pending: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sources = _Buckets(per_source_per_min / 60.0, max(1.0, per_source_per_min / 5))
        self._clients = _Buckets(per_client_per_min / 60.0, max(1.0, per_client_per_min / 5))
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="token-hash")
        self._max_pending = max_pending
        self._pending = 0
        self._lock = threading.Lock()
        self._clock = clock

    def source_wait_s(self, source: str) -> float:
        """Take an attempt for ``source``: 0.0 when allowed, else the seconds until it is."""
        with self._lock:
            return self._sources.take(f"src:{source}", self._clock())

    def admit(self, source: str, client_id: str) -> None:
        """Raise :class:`RateLimited` if this source or client id is over its rate."""
        wait = self.source_wait_s(source)
        if wait > 0.0:
            raise RateLimited(
                f"too many token requests from {source}; retry in {math.ceil(wait)} s", wait
            )
        self.admit_client(client_id)

    def admit_client(self, client_id: str) -> None:
        """Raise :class:`RateLimited` if this client id is over its rate."""
        with self._lock:
            wait = self._clients.take(f"cid:{client_id}", self._clock())
            if wait > 0.0:
                raise RateLimited(
                    f"too many token requests for client {client_id!r}; retry in "
                    f"{math.ceil(wait)} s",
                    wait,
                )

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` (the secret check) in the gate's pool; 429 when the pool is saturated."""
        with self._lock:
            if self._pending >= self._max_pending:
                raise RateLimited("the token endpoint is busy; retry in 1 s", 1.0)
            self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, fn)
        finally:
            with self._lock:
                self._pending -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class TokenGuard:
    """Pure ASGI: a POST to ``path`` (the token endpoint, people's sign-in) from a source over
    its rate gets a delayed 429. Both paths share the source's bucket."""

    def __init__(
        self, app: Any, *, gate: TokenGate, path: str | tuple[str, ...], tarpit_s: float = 1.0
    ) -> None:
        self.app = app
        self.gate = gate
        self.paths = (path,) if isinstance(path, str) else path
        self.tarpit_s = tarpit_s

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        source = str(client[0]) if client else "unknown"
        wait = self.gate.source_wait_s(source)
        if wait <= 0.0:
            await self.app(scope, receive, send)
            return
        await asyncio.sleep(min(wait, self.tarpit_s))
        body = json.dumps(
            {"detail": f"too many token requests from {source}; retry in {math.ceil(wait)} s"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(max(1, math.ceil(wait))).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
