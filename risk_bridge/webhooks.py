"""Webhook subscriptions: an authority's system subscribes a URL to event kinds; the secret
(the HMAC key, :mod:`risk_bridge.events_out`) is returned once, at creation. A function over
the bridge state that returns the write's outcome (writer thread)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence

from risk_bridge.outbox import Outbox, Outcome, RegisterWebhook, WriteKind, Written
from risk_bridge.security import Principal
from risk_bridge.state import BridgeState
from risk_bridge.threads import assert_writer_thread

__all__ = ["add_webhook"]


def add_webhook(
    state: BridgeState, p: Principal, url: str, kinds: Sequence[str], out: Outbox
) -> Outcome[Written]:
    assert_writer_thread()
    wid = out.new_id("W")
    secret = secrets.token_urlsafe(32)
    row = {
        "webhook_id": wid,
        "authority": p.authority,
        "url": url,
        "secret": secret,
        "kinds": list(kinds),
        "created_at": out.now.isoformat(),
    }
    state.webhooks[wid] = row
    out.batch.webhooks.append(
        (wid, p.authority, url, secret, json.dumps(list(kinds)), row["created_at"])
    )
    out.after(RegisterWebhook(wid, url, secret))
    out.audit(p, "webhook.add", wid, {"url": url, "kinds": list(kinds)})
    body = {k: row[k] for k in ("webhook_id", "authority", "url", "kinds", "secret")}
    return out.done(Written(WriteKind.CREATED, body))
