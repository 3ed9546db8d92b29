"""Transport orders through the bridge (POST/GET /v1/orders) on the real core with the SimPy fleet,
advanced by hand: an order goes open -> assigned -> picked_up -> delivered once customs clear it;
bad input is refused and changes nothing; writes are idempotent on the Idempotency-Key and on
the order id; a container is ordered once and its seals are single-use; the fleet's own
containers, ids and seals are not ordered again; lists page and filter."""

from __future__ import annotations

import json
from typing import Any

from orchestrator.lanegraph import Side, StationRole
from tests.bridge.conftest import Bridge
from tests.bridge.helpers import _noop, drive_until, first_arrival, post_verdict, verdict
from tests.bridge.order_helpers import CARGO, fresh_seal, get_order, order_body, post_order


def _events(b: Bridge, kind: str) -> list[dict[str, Any]]:
    return [json.loads(r[4]) for r in b.svc.store.events_after(0, 100_000) if r[2] == kind]


def _orders_in_store(b: Bridge) -> list[tuple[object, ...]]:
    return b.svc.store._all("SELECT order_id, sent_at, refusal, delivered_at FROM orders")


def test_an_order_crosses_once_customs_clear_it_and_is_delivered(bridge_factory):
    b = bridge_factory(ledger=True)
    body = order_body(seals=(fresh_seal(), fresh_seal()))
    cid = body["container_id"]
    r = post_order(b, body)
    assert r.status_code == 201, r.text
    got = r.json()
    oid = got["order_id"]
    assert oid == f"ORD-{cid}-1" and got["order_id_generated"] is True
    assert (got["status"], got["node"], got["accepted_by"]) == ("open", "cn_slot_02", "operator-x")
    assert got["accepted_at"].endswith("+00:00") and got["seal_numbers"] == body["seal_numbers"]
    assert get_order(b, oid)["sent_to_fleet_at"] is not None  # the fleet took it
    # On the manifest now, with the declared cargo (so customs can decide on it).
    c = b.client.get(f"/v1/containers/{cid}", headers=b.headers("viewer")).json()
    assert c["cargo"] == CARGO and c["effective_level"] == "UNKNOWN"

    seen: list[str] = []

    def status() -> str:
        s = str(get_order(b, oid)["status"])
        if not seen or seen[-1] != s:
            seen.append(s)
        return s

    # No verdict: the vehicle may take it, but it never crosses the line.
    drive_until(b, lambda: status() == "picked_up", step_s=10.0)
    b.fleet.advance(b.fleet.now_s() + 900)
    b.svc.committer.call(_noop)
    assert get_order(b, oid)["crossed"] is False and status() == "picked_up"
    assert post_verdict(b, verdict(cid, "LOW", "CN")).status_code == 201
    drive_until(b, lambda: status() == "delivered", step_s=10.0)
    assert seen == ["open", "assigned", "picked_up", "delivered"]

    done = get_order(b, oid)
    yard = {s.id for s in b.fleet.graph.stations_with(StationRole.YARD_SLOT, Side.MN)}
    assert done["delivery_station"] in yard and done["node"] == done["delivery_station"]
    assert done["crossed"] is True and done["vehicle_id"] and done["delivered_at"]
    assert [e["data"]["order_id"] for e in _events(b, "order.accepted")] == [oid]
    delivered = [e for e in _events(b, "container.delivered") if e["container_id"] == cid]
    assert delivered[0]["data"]["station"] == done["delivery_station"]
    audit = [row for row in b.svc.store.audit(10_000) if row[5] == "order.submit"]
    assert [(row[2], row[6]) for row in audit] == [("operator-x", oid)]
    # The order's seals were affixed in the custody ledger when the core took it.
    kinds = [e.kind.value for _, e in b.fleet.custody_extract(cid).events]
    assert kinds.count("seal_affixed") == 2
    listed = b.client.get("/v1/orders", params={"status": "delivered"}, headers=b.headers("viewer"))
    assert [o["order_id"] for o in listed.json()] == [oid]


def test_bad_orders_are_refused_and_change_nothing(bridge):
    b = bridge
    graph = b.fleet.graph
    not_a_slot = next(
        s.id for s in sorted(graph.stations.values(), key=lambda s: s.id)
        if s.role is not StationRole.YARD_SLOT and s.side is Side.CN
    )  # fmt: skip
    scenario_cid = sorted(b.fleet.sim.arrivals, key=lambda a: a.t_s)[-1].container_id
    before = (len(b.svc.state.cargo), len(b.svc.store.audit(10_000)), b.svc.state.next_event_seq)
    cases: list[tuple[dict[str, Any], int, list[str]]] = [
        (order_body(station="cn_slot_99"), 422, ["cn_slot_99", "cn_slot_01, cn_slot_02"]),
        (order_body(station="mn_slot_01"), 422, ["MN side", "direction MN->CN", "cn_slot_04"]),
        (order_body(station=not_a_slot), 422, [not_a_slot, "not a yard slot", "cn_slot_01"]),
        (order_body(direction="MN->CN"), 422, ["cn_slot_02", "mn_slot_01"]),
        (order_body("CSQU3054384"), 422, ["check digit"]),
        (order_body(seals=("x",)), 422, ["seal number 'x'"]),
        (order_body(seals=("EZ-20260001", "EZ-20260001")), 422, ["listed twice"]),
        (order_body(seals=("BF-CN0000001",)), 422, ["after an inspection"]),
        (order_body(cargo=None), 422, ["not on the manifest", "cargo"]),
        (order_body(direction="CN-MN"), 422, ["direction"]),
        (order_body(urgent=True), 422, ["urgent"]),
        (order_body(scenario_cid, cargo={**CARGO, "consignor": "Someone Else"}), 409,
         ["on the manifest as", "Someone Else"]),
    ]  # fmt: skip
    for body, code, words in cases:
        r = post_order(b, body)
        assert r.status_code == code, (body, r.text)
        for word in words:
            assert word in r.json()["detail"], (word, r.json())
    for role, authority in (("viewer", None), ("authority_system", "CN"), ("officer", "MN")):
        r = b.client.post("/v1/orders", json=order_body(), headers=b.headers(role, authority))
        assert r.status_code == 403 and "operator" in r.json()["detail"], r.text
    r = b.client.post("/v1/orders", json=order_body())  # no token
    assert r.status_code == 401
    after = (len(b.svc.state.cargo), len(b.svc.store.audit(10_000)), b.svc.state.next_event_seq)
    assert after == before and b.svc.state.orders == {} and _orders_in_store(b) == []


def test_orders_are_idempotent_on_the_key_and_on_the_order_id(bridge):
    b = bridge
    body = order_body(order_id="YARD-0001")
    first = post_order(b, body, key="k-order-0001")
    assert first.status_code == 201, first.text
    again = post_order(b, body, key="k-order-0001")
    assert (again.status_code, again.json()) == (201, first.json())
    other = post_order(b, order_body(), key="k-order-0001")
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["detail"]
    # The same order under a new key: the order as it stands, nothing new.
    same = post_order(b, body)
    assert same.status_code == 200 and same.json()["order_id"] == "YARD-0001"
    changed = post_order(b, {**body, "origin_station": "cn_slot_03"})
    assert changed.status_code == 409 and "already received" in changed.json()["detail"]
    # Another order for a container with an open one: refused, naming it.
    twice = post_order(b, {**body, "order_id": "YARD-0002", "origin_station": "cn_slot_03"})
    assert twice.status_code == 409 and "open order YARD-0001" in twice.json()["detail"]
    # Without an order id, the same request gets the same (generated) order.
    mn_cargo = {**CARGO, "origin_country": "MN"}
    loose = order_body(direction="MN->CN", station="mn_slot_01", cargo=mn_cargo)
    a, c = post_order(b, loose), post_order(b, loose)
    assert (a.status_code, c.status_code) == (201, 200)
    assert a.json()["order_id"] == c.json()["order_id"] == f"ORD-{loose['container_id']}-1"
    # Seals are single-use: another container with a seal of an order is refused.
    reused = post_order(b, order_body(seals=tuple(body["seal_numbers"])))
    assert reused.status_code == 409 and "on order YARD-0001" in reused.json()["detail"]
    assert sorted(b.svc.state.orders) == sorted(["YARD-0001", a.json()["order_id"]])
    assert len([r for r in b.svc.store.audit(10_000) if r[5] == "order.submit"]) == 2


def test_the_fleets_own_containers_and_order_ids_are_not_ordered_again(bridge):
    b = bridge
    moving = first_arrival(b)
    drive_until(b, lambda: b.fleet.container_view(moving) is not None)
    r = post_order(b, order_body(moving, cargo=None))
    assert r.status_code == 409 and "in the fleet's hands" in r.json()["detail"], r.text
    # One the scenario brings later: the fleet refuses it (the scenario's run goes on), and
    # the order says why.
    later = sorted(b.fleet.sim.arrivals, key=lambda a: a.t_s)[-1]
    r = post_order(b, order_body(later.container_id, cargo=None))
    assert r.status_code == 201, r.text
    refused = get_order(b, r.json()["order_id"])
    assert refused["status"] == "refused" and "scenario's own arrivals" in refused["refusal"]
    r = post_order(b, order_body(order_id=str(later.order_id)))
    assert r.status_code == 201, r.text
    assert "scenario's own orders" in str(get_order(b, str(later.order_id))["refusal"])
    r = post_order(b, order_body(seals=later.seals))
    assert r.status_code == 201, r.text
    sealed = get_order(b, r.json()["order_id"])
    assert sealed["status"] == "refused" and "single-use" in sealed["refusal"]
    alerts = [e["data"] for e in _events(b, "core.refused")]
    assert sorted(a["order_id"] for a in alerts) == sorted(
        [refused["order_id"], later.order_id, sealed["order_id"]]
    )
    assert all(a["refused"] == "OrderArrived" and a["fail_safe"] == "none" for a in alerts)
    # A refused order is closed: the container may be ordered again (and is refused again).
    r = post_order(b, order_body(later.container_id, cargo=None))
    assert r.status_code == 201 and r.json()["order_id"] == f"ORD-{later.container_id}-2"
    # A refused order's seals never reached the core: they may go on a corrected order.
    r = post_order(b, order_body(seals=tuple(refused["seal_numbers"])))
    assert r.status_code == 201, r.text
    assert get_order(b, r.json()["order_id"])["status"] == "open"
    assert not b.svc.degraded and b.fleet.failure() is None
    b.fleet.advance(b.fleet.now_s() + 600)  # the scenario's own orders still arrive


def test_the_list_pages_and_filters(bridge):
    b = bridge
    ids = [post_order(b, order_body()).json()["order_id"] for _ in range(3)]
    viewer = b.headers("viewer")

    def listed(**params: Any) -> list[str]:
        r = b.client.get("/v1/orders", params=params, headers=viewer)
        assert r.status_code == 200, r.text
        return [o["order_id"] for o in r.json()]

    assert listed() == ids
    page = b.client.get("/v1/orders", params={"limit": 2}, headers=viewer).json()
    assert [o["order_id"] for o in page] == ids[:2]
    assert listed(after=page[-1]["seq"]) == ids[2:]
    assert listed(status="open") == ids and listed(status="delivered") == []
    for params in ({"status": "lost"}, {"limit": 0}, {"page": 2}):
        r = b.client.get("/v1/orders", params=params, headers=viewer)
        assert r.status_code == 422, (params, r.text)
    r = b.client.get("/v1/orders/ORD-none", headers=viewer)
    assert r.status_code == 404 and "ORD-none" in r.json()["detail"]
    assert b.client.get("/v1/orders/bad%20id", headers=viewer).status_code == 422
    assert b.client.get(f"/v1/orders/{ids[0]}").status_code == 401


def test_a_delivered_container_is_not_ordered_again(bridge_factory):
    """Its custody record ends with the delivery (the ledger would refuse a second one, and a
    core whose ledger refuses an event stops): a container is carried once."""
    b = bridge_factory(ledger=True)
    body = order_body()
    cid = body["container_id"]
    first = post_order(b, body).json()["order_id"]
    assert post_verdict(b, verdict(cid, "LOW", "CN")).status_code == 201
    drive_until(b, lambda: get_order(b, first)["status"] == "delivered", step_s=10.0)
    back = order_body(cid, direction="MN->CN", station="mn_slot_03", cargo=None)
    r = post_order(b, back)
    assert r.status_code == 409 and f"delivered on order {first}" in r.json()["detail"]
    # A container the fleet delivered on its own order: the same (one whose seals read true
    # at the gate, so a LOW verdict is all it needs).
    own = next(
        a.container_id for a in sorted(b.fleet.sim.arrivals, key=lambda a: a.t_s)
        if a.direction.value == "CN->MN" and not a.fate.seal_mismatch
    )  # fmt: skip
    assert post_verdict(b, verdict(own, "LOW", "CN")).status_code == 201

    def delivered() -> bool:
        view = b.fleet.container_view(own)
        return view is not None and view.state == "delivered"

    drive_until(b, delivered, step_s=30.0)
    r = post_order(b, order_body(own, cargo=None))
    assert r.status_code == 409 and "in the fleet's hands" in r.json()["detail"]
    b.fleet.advance(b.fleet.now_s() + 600)
    assert not b.svc.degraded and b.fleet.failure() is None
