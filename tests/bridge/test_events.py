"""Events out: the SSE stream (live and resumed with Last-Event-ID) and signed webhooks with
retries from the persisted outbox."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

from risk_bridge.events_out import sign, verify_signature
from tests.bridge.helpers import post_verdict, verdict


def _events(lines):
    out, cur = [], {}
    for line in lines:
        if not line:
            if cur:
                out.append(cur)
            cur = {}
        elif not line.startswith(":"):
            k, _, v = line.partition(": ")
            cur[k] = v
    return out


def test_sse_resume_from_last_event_id(bridge):
    cids = bridge.containers()[:3]
    for c in cids:
        post_verdict(bridge, verdict(c, "MEDIUM"))
    h = bridge.headers("viewer")
    with bridge.client.stream(
        "GET", "/v1/events/stream?max_events=3", headers={**h, "Last-Event-ID": "0"}
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        got = _events(list(r.iter_lines()))
    assert [e["event"] for e in got] == ["verdict.effective"] * 3
    assert [json.loads(e["data"])["container_id"] for e in got] == cids
    first = int(got[0]["id"])
    with bridge.client.stream(
        "GET", "/v1/events/stream?max_events=2", headers={**h, "Last-Event-ID": str(first)}
    ) as r:
        again = _events(list(r.iter_lines()))
    assert [int(e["id"]) for e in again] == [first + 1, first + 2]


def test_signature_roundtrip():
    body = b'{"kind":"hold.placed"}'
    header = sign("s3cret", body)
    assert verify_signature("s3cret", body, header)
    assert not verify_signature("other", body, header)
    assert not verify_signature("s3cret", body + b" ", header)
    assert not verify_signature("s3cret", body, sign("s3cret", body, t=1000))  # too old


class _Receiver(BaseHTTPRequestHandler):
    fail_first = 2
    got: ClassVar[list[tuple[bytes, str]]] = []
    calls = 0

    def do_POST(self) -> None:
        n = int(self.headers["Content-Length"])
        body = self.rfile.read(n)
        type(self).calls += 1
        if type(self).calls <= type(self).fail_first:
            self.send_response(503)
        else:
            type(self).got.append((body, self.headers["X-Borderflow-Signature"]))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_webhook_signed_delivery_with_retries(bridge_factory):
    bridge = bridge_factory(webhook_backoff_s=0.05, webhook_retries=5)
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        r = bridge.client.post(
            "/v1/webhooks",
            json={"url": url, "kinds": ["verdict.effective"]},
            headers=bridge.headers("authority_system", "MN"),
        )
        assert r.status_code == 201
        secret = r.json()["secret"]
        listed = bridge.client.get(
            "/v1/webhooks", headers=bridge.headers("authority_system", "MN")
        ).json()
        assert "secret" not in listed[0] or listed[0]["secret"] is None
        cid = bridge.containers()[0]
        post_verdict(bridge, verdict(cid, "HIGH"))
        bridge.wait(lambda: _Receiver.got, timeout_s=10)
        body, header = _Receiver.got[0]
        assert verify_signature(secret, body, header)
        doc = json.loads(body)
        assert doc["kind"] == "verdict.effective" and doc["container_id"] == cid
        # The receiver has the body before the sender records the outcome: wait for the row.
        bridge.wait(
            lambda: [r[4] for r in bridge.svc.store.outbox_rows()] == ["delivered"], timeout_s=10
        )
        rows = bridge.svc.store.outbox_rows()
        assert [(r[3], r[4]) for r in rows] == [(3, "delivered")]  # two 503s, then delivered
    finally:
        server.shutdown()


def test_webhook_gives_up_after_bounded_retries(bridge_factory):
    bridge = bridge_factory(webhook_backoff_s=0.01, webhook_retries=3)
    r = bridge.client.post(
        "/v1/webhooks",
        json={"url": "http://127.0.0.1:9/closed"},
        headers=bridge.headers("authority_system", "CN"),
    )
    assert r.status_code == 201
    post_verdict(bridge, verdict(bridge.containers()[0], "LOW"))
    bridge.wait(lambda: [x for x in bridge.svc.store.outbox_rows() if x[4] == "dead"], 10)
    row = bridge.svc.store.outbox_rows()[0]
    assert row[3] == 3 and row[4] == "dead" and row[5]
