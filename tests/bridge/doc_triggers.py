"""What tests/bridge/test_openapi_doc.py drives the bridge with: a request as data (``Req``), the
bridges it runs on (``World``: one with a held container, an inspection result and a custody
ledger; one without a ledger; one whose store is gone), and the generic triggers that turn a
request an endpoint accepts into each documented error (no token -> 401, a role that may not ->
403, an unknown query parameter -> 422, a reused Idempotency-Key -> 409, a body over the limit
-> 413, a wrong Content-Type -> 415, the store away -> 503); and the transport orders' rows of
the table (``ORDER_TRIGGERS``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestrator.domain.iso6346 import container_number
from tests.bridge.conftest import Bridge, make_bridge
from tests.bridge.helpers import drive_until, held_by_core, hold_row, iso, verdict
from tests.bridge.order_helpers import order_body

MAX_BODY = 64 * 1024  # the test bridges' body limit: a 413 needs no 8 MB upload
SUB = "openapi-doc"  # one subject per role, so a seeded Idempotency-Key is the caller's own
UNKNOWN_CONTAINER = str(container_number("ZZZ", 4242))  # valid ISO 6346, on no manifest


@dataclass(frozen=True)
class Req:
    method: str
    url: str
    role: str | None = "viewer"  # None: no bearer token
    authority: str | None = None
    json: Any = None
    data: dict[str, str] | None = None
    content: bytes | None = None
    content_type: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    key: str | None = None  # Idempotency-Key (a fresh one when None)

    def but(self, **kw: Any) -> Req:
        return replace(self, **kw)


@dataclass
class World:
    b: Bridge  # the SimPy fleet with a custody ledger, frozen after the set-up
    bare: Bridge  # no custody ledger
    down: Bridge  # the store is gone: degraded
    held: str  # a container held by `held_by`
    held_by: str
    inspected: str  # a container released by an officer of `inspected_by` ...
    inspected_by: str
    inspection_id: str  # ... with this release id
    spare: str  # a container nobody holds or inspects
    lane: str
    vehicle: str
    _n: int = 0

    def other(self, side: str) -> str:
        return "MN" if side == "CN" else "CN"

    def alert(self, b: Bridge | None = None) -> str:
        """A fresh open alert on ``b`` (the main bridge by default): its id."""
        self._n += 1
        room = (b or self.b).client.app.state.control_room
        alert = room.alerts.raise_("vehicle_silent", f"AGV-doc-{self._n}", "doc", iso(), 1.0)
        assert alert is not None
        return str(alert.alert_id)


def send(b: Bridge, r: Req) -> httpx.Response:
    headers: dict[str, str] = {"Idempotency-Key": r.key or uuid.uuid4().hex}
    if r.role is not None:
        headers.update(b.headers(r.role, r.authority, key=headers["Idempotency-Key"], sub=SUB))
    if r.content_type is not None:
        headers["Content-Type"] = r.content_type
    headers.update(r.headers)
    kw: dict[str, Any] = {"params": r.params, "headers": headers}
    if r.content is not None:
        kw["content"] = r.content
    elif r.json is not None:
        kw["json"] = r.json
    elif r.data is not None:
        kw["data"] = r.data
    try:
        return b.client.request(r.method, r.url, **kw)
    finally:
        b.client.cookies.clear()  # a session cookie must not authenticate the next request


Trigger = Callable[[World], httpx.Response]
Ok = Callable[[World], Req]


# ------------------------------------------------------------------------ generic triggers


def ok(build: Ok) -> Trigger:
    return lambda w: send(w.b, build(w))


def no_token(build: Ok) -> Trigger:
    return lambda w: send(w.b, build(w).but(role=None))


def as_role(build: Ok, role: str = "viewer", authority: str | None = None) -> Trigger:
    return lambda w: send(w.b, build(w).but(role=role, authority=authority))


def unknown_query(build: Ok) -> Trigger:
    return lambda w: send(w.b, build(w).but(params={"no_such_parameter": "1"}))


def huge_body(build: Ok) -> Trigger:
    pad = b'{"pad": "' + b"x" * MAX_BODY + b'"}'
    return lambda w: send(w.b, build(w).but(content=pad, content_type="application/json"))


def wrong_type(build: Ok) -> Trigger:
    def t(w: World) -> httpx.Response:
        r = build(w)
        body = httpx.Request("POST", "http://x", json=r.json).content
        return send(w.b, r.but(content=body, content_type="text/plain"))

    return t


def key_reused(build: Ok) -> Trigger:
    """The caller's Idempotency-Key of an earlier, successful write sent with another request."""

    def t(w: World) -> httpx.Response:
        r = build(w)
        key = uuid.uuid4().hex
        seed(w, r.role, r.authority, key)
        return send(w.b, r.but(key=key))

    return t


def store_down(build: Ok) -> Trigger:
    return lambda w: send(w.down, build(w))


def seed(w: World, role: str | None, authority: str | None, key: str) -> None:
    """A successful write by (role, authority, SUB) under ``key``."""
    if role == "authority_system":
        vid = f"seed-{uuid.uuid4().hex[:12]}"
        body = verdict(w.spare, "LOW", str(authority), vid=vid)
        r = send(w.b, Req("POST", "/v1/verdicts", role, authority, json=body, key=key))
    else:
        r = send(w.b, Req("POST", f"/v1/alerts/{w.alert()}/ack", role, authority, key=key))
    assert r.status_code in (200, 201), r.text


# ------------------------------------------------------------------------------ the worlds


def _held(b: Bridge, cids: list[str]) -> None:
    for cid in cids:
        r = b.client.post(
            "/v1/verdicts",
            json=verdict(cid, "HIGH", reasons=["openapi doc"]),
            headers=b.headers("authority_system", "CN"),
        )
        assert r.status_code == 201, r.text
    drive_until(b, lambda: all(held_by_core(b, c) and hold_row(b, c) for c in cids))


def _pull_plug(b: Bridge) -> Path:
    db_dir = Path(b.settings.db_url[len("sqlite:///") :]).parent
    db_dir.rename(db_dir.with_name("db-away"))
    store = b.svc.store
    with store._lock:
        store._conn.close()
    b.wait(lambda: b.svc.degraded, timeout_s=10)
    return db_dir


def make_world(tmp: Path) -> Iterator[World]:
    made: list[Any] = []
    mp = pytest.MonkeyPatch()
    mp.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp / "signing-keys"))
    kw: dict[str, Any] = {
        "max_body_bytes": MAX_BODY,
        "token_per_source_per_min": 1e6,  # the source's bucket is not what these rows test
        "token_per_client_per_min": 5.0,  # a burst of one: the second attempt is a 429
        "token_tarpit_s": 0.01,
    }
    parts = {}
    for name in ("main", "bare", "down"):
        (tmp / name).mkdir()
        parts[name] = make_bridge(tmp / name, made, ledger=name == "main", **kw)
    b = parts["main"]
    arrivals = sorted(
        (a for a in b.fleet.sim.arrivals if a.direction.value == "CN->MN"), key=lambda a: a.t_s
    )
    held, inspected = arrivals[0].container_id, arrivals[1].container_id
    _held(b, [held, inspected])
    side = str(hold_row(b, inspected)["authority"])
    r = b.client.post(
        f"/v1/holds/{inspected}/release",
        json={"reason": "inspected, no findings"},
        headers=b.headers("officer", side),
    )
    assert r.status_code == 201, r.text
    b.fleet.advance(b.fleet.now_s() + 120)  # the ledger's entries get a signed tree head
    b.svc.committer.call(_nothing)
    taken = {held, inspected}
    spare = next(c for c in reversed(b.containers()) if c not in taken)
    lanes = sorted(b.fleet.lane_ids)
    vehicle = sorted(str(v) for v in b.fleet.views.vehicle_ids())[0]
    db_dir = _pull_plug(parts["down"])
    world = World(
        b,
        parts["bare"],
        parts["down"],
        held=held,
        held_by=str(hold_row(b, held)["authority"]),
        inspected=inspected,
        inspected_by=side,
        inspection_id=str(r.json()["release_id"]),
        spare=spare,
        lane=lanes[0],
        vehicle=vehicle,
    )
    try:
        yield world
    finally:
        db_dir.with_name("db-away").rename(db_dir)
        for c in made:
            c.__exit__(None, None, None)
        mp.undo()


def _nothing() -> Any:
    from risk_bridge.outbox import Outcome

    return Outcome.nothing(None)


# ------------------------------------------------------------------------ transport orders


def _order(w: World) -> Req:
    """A new transport order for a container no scenario brings (declared with its cargo)."""
    return Req("POST", "/v1/orders", "operator", json=order_body())


def _order_twice(w: World) -> httpx.Response:
    r = _order(w)
    assert send(w.b, r).status_code == 201
    return send(w.b, r)  # the same order under a new key: the order as it stands


def _stored_order(w: World) -> Req:
    got = send(w.b, _order(w))
    assert got.status_code == 201, got.text
    return Req("GET", f"/v1/orders/{got.json()['order_id']}")


def _order_list(w: World) -> Req:
    return Req("GET", "/v1/orders", params={"status": "open", "limit": 5})


# (method, path) -> status -> trigger, for tests/bridge/test_openapi_doc.py's table.
def _forecast(w: World) -> Req:
    return Req("POST", "/v1/forecasts", "operator", json={"horizon_h": 0.25, "bin_min": 5})


def _forecast_busy(w: World) -> httpx.Response:
    from risk_bridge.routers import forecasts

    assert forecasts._BUSY.acquire(blocking=False)  # as if another forecast were running
    try:
        return send(w.b, _forecast(w))
    finally:
        forecasts._BUSY.release()


def _forecast_with(answer: Callable[[Any], Any]) -> Trigger:
    """The bare bridge's fleet answering forecasts with ``answer`` for one request: a fleet
    that cannot fork (None), or one whose copies fail (raises)."""

    def t(w: World) -> httpx.Response:
        fleet = w.bare.fleet
        fleet.forecast = answer  # type: ignore[method-assign]
        try:
            return send(w.bare, _forecast(w))
        finally:
            del fleet.forecast  # the class's method again

    return t


def _copies_fail(request: Any) -> Any:
    raise RuntimeError("a forecast copy died without an answer")


ORDER_TRIGGERS: dict[tuple[str, str], dict[int, Trigger]] = {
    ("post", "/v1/forecasts"): {
        200: ok(_forecast),
        401: no_token(_forecast),
        403: as_role(_forecast, "officer", "CN"),
        413: huge_body(_forecast),
        415: wrong_type(_forecast),
        422: ok(lambda w: _forecast(w).but(json={"seeds": 99})),
        429: _forecast_busy,
        501: _forecast_with(lambda request: None),
        503: _forecast_with(_copies_fail),
    },
    ("post", "/v1/orders"): {
        201: ok(_order),
        200: _order_twice,
        401: no_token(_order),
        403: as_role(_order, "viewer"),
        409: key_reused(_order),
        413: huge_body(_order),
        415: wrong_type(_order),
        422: ok(lambda w: _order(w).but(json=order_body(station="no_such_slot"))),
        503: store_down(_order),
    },
    ("get", "/v1/orders"): {
        200: ok(_order_list),
        401: no_token(_order_list),
        422: unknown_query(_order_list),
    },
    ("get", "/v1/orders/{order_id}"): {
        200: ok(_stored_order),
        401: no_token(_stored_order),
        404: ok(lambda w: Req("GET", "/v1/orders/ORD-no-such-order")),
        422: ok(lambda w: Req("GET", "/v1/orders/no%20such%20id")),
    },
}
