"""Events out: the in-process fan-out for the SSE stream and the webhook dispatcher.

Webhook payloads are signed with HMAC-SHA256 over ``"{t}.{body}"`` and sent as
``X-Borderflow-Signature: t=<unix seconds>,v1=<hex>`` (receivers check the time window and
compare in constant time: :func:`verify_signature`). Deliveries come from the persisted outbox
and are retried with exponential backoff up to a bound, then marked ``dead``; a restart resumes
the pending ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from risk_bridge.errors import BadInput
from risk_bridge.webhook_targets import TargetPolicy

__all__ = ["EventBroker", "WebhookDispatcher", "sign", "verify_signature"]

SIGNATURE_HEADER = "X-Borderflow-Signature"


def sign(secret: str, body: bytes, t: int | None = None) -> str:
    ts = int(time.time()) if t is None else t
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def verify_signature(secret: str, body: bytes, header: str, tolerance_s: int = 300) -> bool:
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        ts = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - ts) > tolerance_s:
        return False
    expected = sign(secret, body, ts).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


class EventBroker:
    """Fan-out of committed events to SSE subscribers (each an asyncio queue on the loop)."""

    def __init__(self) -> None:
        self._subs: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Any]]] = set()
        self._lock = threading.Lock()
        # Synchronous listeners on the writer thread (the server's event log): they must only
        # hand the row on, never block.
        self.taps: list[Callable[[tuple[int, str, str, str, str]], None]] = []

    def subscribe(self) -> asyncio.Queue[Any]:
        q: asyncio.Queue[Any] = asyncio.Queue(maxsize=10_000)
        with self._lock:
            self._subs.add((asyncio.get_running_loop(), q))
        return q

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def unsubscribe(self, q: asyncio.Queue[Any]) -> None:
        with self._lock:
            self._subs = {s for s in self._subs if s[1] is not q}

    def publish(self, event: tuple[int, str, str, str, str]) -> None:
        for tap in self.taps:
            tap(event)
        with self._lock:
            subs = list(self._subs)
        for loop, q in subs:
            # A closed loop or a reader 10,000 events behind: drop (it resumes by Last-Event-ID).
            with contextlib.suppress(RuntimeError, asyncio.QueueFull):
                loop.call_soon_threadsafe(q.put_nowait, event)


class WebhookDispatcher:
    """Delivers due outbox rows; one thread, bounded retries with exponential backoff."""

    def __init__(
        self,
        store: Any,
        secrets: dict[str, tuple[str, str]],
        *,
        retries: int,
        backoff_s: float,
        targets: TargetPolicy | None = None,
    ) -> None:
        self._store = store
        self._targets = targets if targets is not None else TargetPolicy()
        self.secrets = secrets  # webhook_id -> (url, secret), shared with the service
        self._retries = retries
        self._backoff_s = backoff_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        import httpx

        # Redirects are never followed: a target could send the signed event anywhere.
        with httpx.Client(timeout=5.0, follow_redirects=False) as client:
            while not self._stop.is_set():
                with contextlib.suppress(Exception):  # store down: try again later
                    self.deliver_due(client)
                self._wake.wait(0.25)
                self._wake.clear()

    def deliver_due(self, client: Any) -> int:
        now = datetime.now(UTC)
        sent = 0
        for seq, webhook_id, _event_seq, body, tried in self._store.outbox_due(now.isoformat()):
            target = self.secrets.get(str(webhook_id))
            if target is None:
                self._store.outbox_update(seq, tried, now.isoformat(), "dead", "unsubscribed")
                continue
            url, secret = target
            try:
                # Again at delivery: a name may resolve to an internal address by now.
                self._targets.check(url)
            except BadInput as exc:
                self._store.outbox_update(seq, tried, now.isoformat(), "dead", str(exc))
                continue
            raw = str(body).encode()
            error = ""
            try:
                r = client.post(
                    url,
                    content=raw,
                    headers={
                        "Content-Type": "application/json",
                        SIGNATURE_HEADER: sign(secret, raw),
                    },
                )
                ok = 200 <= r.status_code < 300
                error = "" if ok else f"HTTP {r.status_code}"
            except Exception as exc:
                ok, error = False, f"{type(exc).__name__}: {exc}"
            attempts = int(tried) + 1
            if ok:
                self._store.outbox_update(seq, attempts, now.isoformat(), "delivered", "")
                sent += 1
            elif attempts >= self._retries:
                self._store.outbox_update(seq, attempts, now.isoformat(), "dead", error)
            else:
                delay = self._backoff_s * 2 ** (attempts - 1)
                nxt = (now + timedelta(seconds=delay)).isoformat()
                self._store.outbox_update(seq, attempts, nxt, "pending", error)
        return sent
