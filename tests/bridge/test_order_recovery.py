"""Nothing acknowledged is lost: a transport order is stored before it is answered, and after a
restart every order neither delivered nor refused is handed to the fleet again (a SimPy fleet
starts its world over and carries it; a fake fleet shows exactly what it was handed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from orchestrator.domain.events import OrderDelivered
from orchestrator.ids import ContainerId, OrderId, VehicleId
from orchestrator.lanegraph import StationId
from orchestrator.messages import Direction, Event, OrderArrived
from tests.bridge.conftest import Bridge, make_bridge
from tests.bridge.fakes import FakeFleet, fake_bridge
from tests.bridge.helpers import _noop, drive_until, post_verdict, verdict
from tests.bridge.order_helpers import get_order, order_body, post_order


def test_a_restart_hands_the_open_orders_to_the_new_fleet_and_they_are_delivered(tmp_path):
    made: list[TestClient] = []
    a = make_bridge(tmp_path, made)
    done_body, open_body = order_body(), order_body(station="cn_slot_03")
    done = post_order(a, done_body).json()["order_id"]
    assert post_verdict(a, verdict(done_body["container_id"], "LOW")).status_code == 201
    drive_until(a, lambda: get_order(a, done)["status"] == "delivered", step_s=10.0)
    pending = post_order(a, open_body)
    assert pending.status_code == 201
    kept = pending.json()
    made[0].__exit__(None, None, None)

    b = make_bridge(tmp_path, made)
    try:
        # The restarted SimPy fleet starts its world over: it was handed the open order again
        # (not the delivered one), as the order was stored before it was answered.
        assert b.fleet.container_view(open_body["container_id"]) is not None
        assert b.fleet.container_view(done_body["container_id"]) is None
        again = get_order(b, kept["order_id"])
        assert {k: again[k] for k in ("accepted_at", "seal_numbers", "origin_station")} == {
            k: kept[k] for k in ("accepted_at", "seal_numbers", "origin_station")
        }
        assert get_order(b, done)["status"] == "delivered"
        # Customs clear it on the restarted bridge: it crosses and is delivered.
        clear = verdict(open_body["container_id"], "LOW", vid="v-2")
        assert post_verdict(b, clear).status_code == 201
        drive_until(b, lambda: get_order(b, kept["order_id"])["status"] == "delivered", step_s=10.0)
    finally:
        for c in made[1:]:
            c.__exit__(None, None, None)


Refuse = Callable[[Event], bool]


@pytest.fixture
def fake(tmp_path) -> Iterator[Callable[..., tuple[Bridge, FakeFleet]]]:
    """Start a bridge on a fake fleet (the one before it stops: one process after another, on
    the same store); ``refuse``: what the new fleet refuses from the start."""
    made: list[TestClient] = []

    def build(refuse: Refuse | None = None) -> tuple[Bridge, FakeFleet]:
        while made:
            made.pop().__exit__(None, None, None)
        fleet = FakeFleet()
        if refuse is not None:
            fleet.refuse = refuse
        return fake_bridge(tmp_path, made, fleet), fleet

    yield build
    for c in made:
        c.__exit__(None, None, None)


def _handed(fleet: FakeFleet) -> list[str]:
    return [str(e.order_id) for e in fleet.accepted if isinstance(e, OrderArrived)]


def test_only_orders_neither_delivered_nor_refused_are_handed_over_again(fake):
    a, fleet = fake()
    on_manifest = [c.container_id for c in fleet.cargo]
    names = ("open", "delivered", "refused")
    bodies = {
        name: order_body(cid, order_id=f"YARD-{name}", cargo=None, station=f"cn_slot_0{i + 1}")
        for i, (name, cid) in enumerate(zip(names, on_manifest, strict=True))
    }
    fleet.refuse = lambda e: isinstance(e, OrderArrived) and e.order_id == "YARD-refused"
    for body in bodies.values():
        assert post_order(a, body).status_code == 201
    fleet.notices.put(
        OrderDelivered(
            60.0, OrderId("YARD-delivered"), ContainerId(on_manifest[1]), VehicleId("AGV-1"),
            StationId("mn_slot_02"), Direction.CN_TO_MN, 60.0,
        )
    )  # fmt: skip
    a.wait(lambda: get_order(a, "YARD-delivered")["status"] == "delivered")
    a.svc.committer.call(_noop)
    assert _handed(fleet) == ["YARD-open", "YARD-delivered"]
    refused = get_order(a, "YARD-refused")
    assert refused["status"] == "refused" and "fake core refuses" in refused["refusal"]
    assert get_order(a, "YARD-delivered")["delivery_station"] == "mn_slot_02"
    # The first bridge and its fleet stop; new ones start on the same store.
    b, again = fake()
    b.svc.committer.call(_noop)
    assert _handed(again) == ["YARD-open"]
    handed = next(e for e in again.accepted if isinstance(e, OrderArrived))
    assert (handed.container_id, handed.origin_station, handed.seal_numbers) == (
        on_manifest[0],
        "cn_slot_01",
        tuple(bodies["open"]["seal_numbers"]),
    )
    assert [get_order(b, f"YARD-{n}")["status"] for n in names] == list(names)
    # A fleet that refuses an order it was handed before (a ROS node that kept it): the order
    # stands as it was, and the refusal is raised.
    c, third = fake(refuse=lambda e: isinstance(e, OrderArrived))
    c.svc.committer.call(_noop)
    c.svc.committer.call(_noop)
    assert _handed(third) == [] and [str(e.order_id) for e in third.refused] == ["YARD-open"]
    assert get_order(c, "YARD-open")["status"] == "open"
    refusals = [r for r in c.svc.store.events_after(0, 10_000) if r[2] == "core.refused"]
    assert "it stands as it was" in refusals[-1][4]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'orders.db'}"
    return str(request.getfixturevalue("pg_url"))


def test_orders_and_what_became_of_them_are_kept_by_both_stores(tmp_path, db_url):
    made: list[TestClient] = []
    fleet = FakeFleet()
    fleet.refuse = lambda e: isinstance(e, OrderArrived) and e.order_id == "YARD-refused"
    a = fake_bridge(tmp_path, made, fleet, db_url=db_url)
    cids = [c.container_id for c in fleet.cargo]
    for name, cid in zip(("open", "delivered", "refused"), cids, strict=True):
        assert (
            post_order(a, order_body(cid, order_id=f"YARD-{name}", cargo=None)).status_code == 201
        )
    declared = order_body(seals=("ZZ-77770001", "ZZ-77770002"))
    assert post_order(a, declared).status_code == 201
    fleet.notices.put(
        OrderDelivered(
            60.0, OrderId("YARD-delivered"), ContainerId(cids[1]), VehicleId("AGV-1"),
            StationId("mn_slot_02"), Direction.CN_TO_MN, 60.0,
        )
    )  # fmt: skip
    a.wait(lambda: a.svc.state.orders["YARD-delivered"].delivered_at is not None)
    a.svc.committer.call(_noop)
    kept = dict(a.svc.state.orders)
    made.pop().__exit__(None, None, None)

    b = fake_bridge(tmp_path, made, FakeFleet(), db_url=db_url)
    try:
        assert b.svc.state.orders == kept
        assert b.svc.state.order_seq == 4
        assert b.svc.state.cargo[declared["container_id"]].consignor == "Erlian Trading Co"
        assert set(b.svc.state.seal_orders) == {s for r in kept.values() for s in r.seals}
    finally:
        for c in made:
            c.__exit__(None, None, None)
