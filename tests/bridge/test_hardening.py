"""Attacks and careless clients found by the issue-13 probe, each reproduced and refused: text
a store cannot hold, one bad item in a group commit, a fleet that dies while the bridge looks
healthy, webhooks into the bridge's own network, oversized chunked bodies, duplicate JSON keys,
loose types, Unicode look-alike container numbers, wrong methods."""

from __future__ import annotations

import json
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from risk_bridge.committer import Committer
from risk_bridge.errors import BadInput
from risk_bridge.outbox import Outcome
from risk_bridge.store import WriteBatch
from risk_bridge.webhook_targets import TargetPolicy, check_target
from tests.bridge.conftest import make_bridge
from tests.bridge.helpers import iso, post_verdict, verdict


def _warning(cid_consignor: str, reason: str, wid: str = "W-nul") -> dict[str, Any]:
    return {
        "warning_id": wid,
        "authority": "CN",
        "kind": "raise_level",
        "level": "MEDIUM",
        "consignor": cid_consignor,
        "reason": reason,
    }


def _post_warning(b: Any, body: dict[str, Any]) -> Any:
    return b.client.post("/v1/warnings", json=body, headers=b.headers("authority_system", "CN"))


# ----------------------------------------------------------------- text the store cannot hold


def _nul_is_refused_before_the_store(b: Any) -> None:
    cid = b.containers()[0]
    consignor = b.svc.state.cargo[cid].consignor
    r = _post_warning(b, _warning(consignor, "bad\u0000reason"))
    assert r.status_code == 422, r.text
    assert "control character U+0000" in r.json()["detail"]
    assert "W-nul" not in b.svc.state.warnings
    # The bridge is not degraded and other clients go on.
    assert b.client.get("/healthz").status_code == 200
    assert post_verdict(b, verdict(cid, "LOW")).status_code == 201


def test_nul_in_free_text_is_refused_with_422_sqlite(bridge: Any) -> None:
    _nul_is_refused_before_the_store(bridge)


@pytest.mark.postgres
def test_nul_in_free_text_is_refused_with_422_postgres(tmp_path: Path, pg_url: str) -> None:
    made: list[Any] = []
    b = make_bridge(tmp_path, made, db_url=pg_url)
    try:
        _nul_is_refused_before_the_store(b)
    finally:
        for c in made:
            c.__exit__(None, None, None)


class _PickyStore:
    """A store that refuses any batch holding the marker row, like PostgreSQL refuses NUL."""

    def __init__(self) -> None:
        self.committed: list[list[Any]] = []

    def commit(self, batch: WriteBatch) -> None:
        if any("poison" in str(row) for row in batch.audit):
            raise BadInput("the store cannot hold this input: NUL in text")
        self.committed.append(list(batch.audit))


def _job(tag: str) -> Any:
    def prepare() -> Outcome[str]:
        batch = WriteBatch()
        batch.audit.append((tag,))
        return Outcome(batch, [], tag)

    return prepare


def test_one_refused_item_fails_alone_in_its_group() -> None:
    store = _PickyStore()
    failures: list[Any] = []
    reloads: list[bool] = []
    gate = threading.Event()

    def hold_the_writer() -> Outcome[None]:
        gate.wait(5)  # the next three jobs queue meanwhile and are committed as one group
        return Outcome(WriteBatch(), [], None)

    committer = Committer(
        store,  # type: ignore[arg-type]
        failures.append,
        lambda effect: None,
        on_refused=lambda: reloads.append(True),
    )
    try:
        first = committer.submit_threaded(hold_the_writer)
        futs: list[Future[Any]] = [
            committer.submit_threaded(_job(t)) for t in ("ok-1", "poison", "ok-2")
        ]
        gate.set()
        first.result(5)
        assert futs[0].result(5) == "ok-1" and futs[2].result(5) == "ok-2"
        with pytest.raises(BadInput, match="cannot hold"):
            futs[1].result(5)
    finally:
        committer.close()
    assert store.committed == [[("ok-1",)], [("ok-2",)]]
    assert failures == []  # no fail-safe: the store is fine, one request was not
    assert reloads == [True]  # the refused job's in-memory changes are dropped


# ------------------------------------------------------------------ a fleet that stops


def test_a_dead_fleet_thread_makes_healthz_fail_and_the_bridge_degrade(bridge: Any) -> None:
    assert bridge.client.get("/healthz").status_code == 200

    def broken(until_s: float) -> None:
        raise RuntimeError("IllegalCustodyEvent: seal already affixed")

    bridge.fleet.advance = broken  # the next slice of the pacing thread fails
    bridge.fleet.realtime = True
    bridge.fleet.start()
    r = bridge.wait(
        lambda: (x := bridge.client.get("/healthz")).status_code == 503 and x, timeout_s=10
    )
    body = r.json()
    assert body["status"] == "degraded" and body["cause"] == "fleet"
    assert "IllegalCustodyEvent" in body["reason"]
    cid = bridge.containers()[0]
    refused = post_verdict(bridge, verdict(cid, "LOW", vid="after-death"))
    assert refused.status_code == 503  # nothing acknowledged for a frozen fleet


def test_a_dead_committer_makes_healthz_fail(bridge: Any) -> None:
    bridge.svc.committer.close()
    r = bridge.client.get("/healthz")
    assert r.status_code == 503 and r.json()["cause"] == "committer"


# ------------------------------------------------------------------ webhooks


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8750/v1/lanes/x/close",
        "http://[::1]/x",
        "http://0.0.0.0/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/x",
        "http://192.168.0.1/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://localhost:9/x",
    ],
)
def test_webhooks_to_internal_addresses_are_refused(bridge_factory: Any, url: str) -> None:
    bridge = bridge_factory(webhook_allow=())
    r = bridge.client.post(
        "/v1/webhooks", json={"url": url}, headers=bridge.headers("authority_system", "CN")
    )
    assert r.status_code == 422, r.text
    assert "internal address" in r.json()["detail"] or "resolve" in r.json()["detail"]
    assert bridge.svc.webhook_secrets == {}


def test_target_policy_allows_public_and_allow_listed_addresses() -> None:
    public = TargetPolicy(resolve=lambda host: ["93.184.215.14"])
    check_target("https://customs.example/hook", public)
    sneaky = TargetPolicy(resolve=lambda host: ["93.184.215.14", "127.0.0.1"])
    with pytest.raises(BadInput, match="internal address"):
        check_target("https://rebind.example/hook", sneaky)
    allowed = TargetPolicy(["10.20.0.0/16", "hooks.internal"], resolve=lambda host: ["10.9.9.9"])
    check_target("http://10.20.3.4/x", allowed)
    check_target("http://hooks.internal/x", allowed)
    with pytest.raises(BadInput, match="credentials"):
        check_target("http://user:pw@93.184.215.14/x", public)


def test_a_target_that_turns_internal_is_not_delivered_to(bridge_factory: Any) -> None:
    received: list[bytes] = []
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        bridge = bridge_factory(webhook_backoff_s=0.01)  # loopback allowed at registration
        r = bridge.client.post(
            "/v1/webhooks",
            json={"url": f"http://127.0.0.1:{server.server_port}/hook"},
            headers=bridge.headers("authority_system", "CN"),
        )
        assert r.status_code == 201
        # The operator withdraws the allowance (restart with another allow-list).
        bridge.client.app.state.dispatcher._targets = TargetPolicy()
        post_verdict(bridge, verdict(bridge.containers()[0], "LOW"))
        rows = bridge.wait(
            lambda: [x for x in bridge.svc.store.outbox_rows() if x[4] == "dead"], 10
        )
        assert "internal address" in rows[0][5]
        assert received == []
    finally:
        server.shutdown()


# ------------------------------------------------------------------ strict input


def _chunks(body: bytes, size: int = 1 << 20) -> Any:
    for i in range(0, len(body), size):
        yield body[i : i + size]


@pytest.mark.parametrize("path", ["/v1/verdicts", "/v1/verdicts/batch", "/v1/warnings"])
def test_oversized_chunked_bodies_get_413(shared_bridge: Any, path: str) -> None:
    b = shared_bridge
    body = b'{"x": "' + b"a" * 9_000_000 + b'"}'
    h = {**b.headers("authority_system", "CN"), "Content-Type": "application/json"}
    r = b.client.post(path, content=_chunks(body), headers=h)  # no Content-Length: chunked
    assert r.status_code == 413, r.text
    assert "larger than 8000000 bytes" in r.json()["detail"]


def test_duplicate_json_keys_are_refused(shared_bridge: Any) -> None:
    b = shared_bridge
    cid = b.containers()[0]
    raw = json.dumps(verdict(cid, "HIGH", vid="dup-keys"))[:-1] + ', "level": "LOW"}'
    h = {**b.headers("authority_system", "CN"), "Content-Type": "application/json"}
    r = b.client.post("/v1/verdicts", content=raw, headers=h)
    assert r.status_code == 422 and "'level' twice" in r.json()["detail"]
    assert "dup-keys" not in b.svc.state.verdict_ids


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"reason": "snow \xff"}', "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_unreadable_json_is_422_on_every_json_write(
    shared_bridge: Any, raw: bytes, words: str
) -> None:
    # FastAPI's own body parser answered these with a bare 400 on the routes it parses (lanes,
    # warnings, releases, ...) while the verdict routes said 422: the guard refuses them first.
    b = shared_bridge
    lane = sorted(b.fleet.lane_ids)[0]
    for path, role, authority in (
        (f"/v1/lanes/{lane}/close", "operator", None),
        ("/v1/verdicts", "authority_system", "CN"),
    ):
        h = {**b.headers(role, authority), "Content-Type": "application/json"}
        r = b.client.post(path, content=raw, headers=h)
        assert r.status_code == 422 and words in r.json()["detail"], (path, r.text[:200])


@pytest.mark.parametrize(
    ("sequence", "vid"), [("5", "seq-str"), (True, "seq-bool"), (1.0, "seq-f")]
)
def test_sequence_must_be_an_integer(shared_bridge: Any, sequence: object, vid: str) -> None:
    b = shared_bridge
    r = post_verdict(b, verdict(b.containers()[0], "LOW", vid=vid, sequence=sequence))
    assert r.status_code == 422, r.text
    assert "sequence" in r.json()["detail"]
    assert vid not in b.svc.state.verdict_ids


def test_unicode_look_alikes_are_not_container_numbers(shared_bridge: Any) -> None:
    b = shared_bridge
    r = post_verdict(b, verdict("C\u017fQU3054383", "LOW", vid="long-s"))  # ſ upper-cases to S
    assert r.status_code == 422 and "ASCII" in r.json()["detail"]


def test_wrong_method_on_a_path_is_405(shared_bridge: Any) -> None:
    b = shared_bridge
    h = b.headers("viewer")
    for method in ("PUT", "PATCH", "DELETE"):
        r = b.client.request(method, "/v1/holds", headers=h)
        assert r.status_code == 405, (method, r.status_code, r.text)


def test_issued_at_still_parses_from_json(shared_bridge: Any) -> None:
    # Strict sequence numbers must not make the rest strict: ISO times are strings in JSON.
    b = shared_bridge
    body = verdict(b.containers()[1], "LOW", vid="iso-ok", issued_at=iso(), sequence=3)
    assert post_verdict(b, body).status_code == 201
