"""A refused event is a fail-safe, not a warning: when the core refuses an event the bridge has
acknowledged, the container concerned is fed UNKNOWN and kept there until a later verdict in
force is delivered; the refusal is counted, logged and raised as ``core.refused``; if even the
UNKNOWN is refused, the whole bridge goes into its fail-safe. Driven by a fake fleet that
refuses chosen events with the core's own error."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from orchestrator.messages import Event, HoldReleased, LaneClosed, RiskLevel, VerdictIssued
from tests.bridge.conftest import Bridge
from tests.bridge.fakes import LANE, FakeFleet, fake_bridge
from tests.bridge.helpers import _noop, iso, post_verdict, verdict


@pytest.fixture
def fake(tmp_path) -> Iterator[Callable[[], tuple[Bridge, FakeFleet]]]:
    made: list[TestClient] = []

    def build() -> tuple[Bridge, FakeFleet]:
        fleet = FakeFleet()
        return fake_bridge(tmp_path, made, fleet), fleet

    yield build
    for c in made:
        c.__exit__(None, None, None)


def _settle(b: Bridge) -> None:
    """Let queued jobs land (the alert is a job queued by the refused job's effects)."""
    b.svc.committer.call(_noop)
    b.svc.committer.call(_noop)


def _alerts(b: Bridge) -> list[dict]:
    return [json.loads(r[4]) for r in b.svc.store.events_after(0, 10_000) if r[2] == "core.refused"]


def _refuse_level(cid: str, level: RiskLevel) -> Callable[[Event], bool]:
    return lambda e: isinstance(e, VerdictIssued) and e.container_id == cid and e.level is level


def test_refused_verdict_puts_the_container_in_the_fail_safe(fake, caplog):
    b, fleet = fake()
    cid = fleet.cargo[0].container_id
    fleet.refuse = _refuse_level(cid, RiskLevel.LOW)
    hooked = b.client.post(
        "/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "kinds": ["core.refused"]},
        headers=b.headers("authority_system", "CN"),
    )
    assert hooked.status_code == 201
    with caplog.at_level("ERROR", logger="risk_bridge"):
        r = post_verdict(b, verdict(cid, "LOW"))
        _settle(b)
    assert r.status_code == 201  # acknowledged: the verdict is stored
    assert "CN-" + cid + "-LOW" in b.svc.state.verdict_ids
    assert fleet.levels(cid) == ["UNKNOWN"]  # never across the line
    assert b.svc.state.fed[cid][0] == "UNKNOWN" and cid in b.svc.state.core_failsafe
    assert any("core refused" in rec.message and rec.levelname == "ERROR" for rec in caplog.records)
    (alert,) = _alerts(b)
    assert alert["container_id"] == cid
    assert alert["data"]["refused"] == "VerdictIssued" and alert["data"]["level"] == "LOW"
    assert alert["data"]["fail_safe"] == "container"
    assert "fake core refuses VerdictIssued" in alert["data"]["error"]
    assert [row[1] for row in b.svc.store.outbox_rows()] == [hooked.json()["webhook_id"]]
    metrics = b.client.get("/metrics", headers=b.headers("viewer")).text
    assert "bridge_core_refusals_total 1.0" in metrics
    assert "bridge_containers_failsafe 1.0" in metrics
    health = b.client.get("/healthz")
    assert health.status_code == 200 and health.json() == {
        "status": "ok",
        "containers_in_failsafe": 1,
    }


def test_the_normal_level_waits_for_a_later_verdict_delivered(fake):
    b, fleet = fake()
    cid = fleet.cargo[0].container_id
    fleet.refuse = _refuse_level(cid, RiskLevel.LOW)
    assert post_verdict(b, verdict(cid, "LOW")).status_code == 201
    _settle(b)
    # A warning lifting the container's level re-feeds nothing while it is in the fail-safe.
    w = {
        "warning_id": "W-1",
        "authority": "CN",
        "kind": "raise_level",
        "level": "MEDIUM",
        "consignor": "Gobi Cashmere",
    }
    assert (
        b.client.post(
            "/v1/warnings", json=w, headers=b.headers("authority_system", "CN")
        ).status_code
        == 201
    )
    _settle(b)
    assert fleet.levels(cid) == ["UNKNOWN"]
    # A later verdict in force the core accepts ends the fail-safe.
    fleet.refuse = lambda e: False
    r = post_verdict(b, verdict(cid, "HIGH", vid="CN-later"))
    assert r.status_code == 201
    _settle(b)
    assert fleet.levels(cid) == ["UNKNOWN", "HIGH"]
    assert cid not in b.svc.state.core_failsafe and b.svc.state.fed[cid][0] == "HIGH"
    assert b.client.get("/healthz").json() == {"status": "ok"}


def test_a_superseded_verdict_does_not_lift_the_fail_safe(fake):
    b, fleet = fake()
    cid = fleet.cargo[0].container_id
    fleet.refuse = _refuse_level(cid, RiskLevel.MEDIUM)
    assert post_verdict(b, verdict(cid, "MEDIUM", issued_at=iso())).status_code == 201
    _settle(b)
    fleet.refuse = lambda e: False
    r = post_verdict(b, verdict(cid, "LOW", vid="CN-older", issued_at=iso(-60)))
    assert r.status_code == 201 and r.json()["results"][0]["status"] == "superseded"
    _settle(b)
    assert fleet.levels(cid) == ["UNKNOWN"] and cid in b.svc.state.core_failsafe


def test_refused_release_puts_the_container_in_the_fail_safe(fake):
    b, fleet = fake()
    cid = fleet.cargo[1].container_id
    assert post_verdict(b, verdict(cid, "HIGH", "MN")).status_code == 201
    fleet.hold(cid, "MN")
    b.wait(lambda: b.svc.state.active_hold.get(cid))
    fleet.refuse = lambda e: isinstance(e, HoldReleased)
    r = b.client.post(
        f"/v1/holds/{cid}/release",
        json={"reason": "inspected"},
        headers=b.headers("officer", "MN"),
    )
    assert r.status_code == 201
    _settle(b)
    assert fleet.levels(cid) == ["HIGH", "UNKNOWN"] and fleet.held == {cid: "MN"}
    (alert,) = _alerts(b)
    assert alert["data"]["refused"] == "HoldReleased" and alert["data"]["fail_safe"] == "container"
    assert alert["data"]["officer"] == "officer-MN"
    # The core still holds it: an officer can release it again (a new hold row for it).
    fleet.refuse = lambda e: False
    r = b.client.post(
        f"/v1/holds/{cid}/release",
        json={"reason": "inspected again"},
        headers=b.headers("officer", "MN"),
    )
    assert r.status_code == 201 and fleet.held == {}
    _settle(b)
    assert fleet.levels(cid) == ["HIGH", "UNKNOWN"]  # still UNKNOWN: no later verdict yet
    assert cid in b.svc.state.core_failsafe


def test_unknown_refused_too_engages_the_bridge_wide_fail_safe(fake, caplog):
    b, fleet = fake()
    cid = fleet.cargo[0].container_id
    fleet.refuse = lambda e: isinstance(e, VerdictIssued) and e.container_id == cid
    with caplog.at_level("CRITICAL", logger="risk_bridge"):
        assert post_verdict(b, verdict(cid, "LOW")).status_code == 201
        _settle(b)
    assert b.svc.degraded
    assert any(rec.levelname == "CRITICAL" for rec in caplog.records)
    others = [c.container_id for c in fleet.cargo[1:]]
    for other in others:  # everything not across is told UNKNOWN
        assert fleet.levels(other) == ["UNKNOWN"]
    (alert,) = _alerts(b)
    assert alert["data"]["fail_safe"] == "bridge"
    health = b.client.get("/healthz")
    assert health.status_code == 503 and health.json()["cause"] == "core"
    r = post_verdict(b, verdict(others[0], "LOW"))
    assert r.status_code == 503 and "restarted" in r.json()["detail"]
    # The store answers, but a lost core is not a store outage: the ticker does not lift it.
    assert not b.svc.recover() and b.svc.degraded


def test_refused_lane_closure_is_raised_and_names_no_container(fake):
    b, fleet = fake()
    fleet.refuse = lambda e: isinstance(e, LaneClosed)
    r = b.client.post(
        f"/v1/lanes/{LANE}/close", json={"reason": "works"}, headers=b.headers("operator")
    )
    assert r.status_code == 200 and r.json()["closed"] is True
    _settle(b)
    (alert,) = _alerts(b)
    assert alert["container_id"] is None
    assert alert["data"] == {
        "refused": "LaneClosed",
        "error": "fake core refuses LaneClosed",
        "target": LANE,
        "is_zone": False,
        "fail_safe": "none",
    }
    assert not b.svc.degraded and b.svc.state.core_failsafe == {}
