"""Verdicts: resolution (latest by issued_at/sequence, stricter side wins, warnings raise),
immediate effect on the core, idempotent writes, audit of every write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orchestrator.domain.records import Cargo
from risk_bridge.domain import VerdictRecord, WarningRecord, effective_level
from tests.bridge.helpers import iso, post_verdict, verdict

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _v(vid, auth, level, dt_s=0.0, seq=0):
    return VerdictRecord(
        vid, "CSQU3054383", auth, level, None, "none", (), T0 + timedelta(seconds=dt_s), seq, 0
    )


def _resolve(verdicts, warnings=(), cargo=None):
    from risk_bridge.domain import latest_per_authority

    return effective_level(latest_per_authority(verdicts), warnings, cargo, T0)


def test_latest_wins_whatever_the_arrival_order():
    a, b, c = _v("a", "CN", "HIGH", 10), _v("b", "CN", "LOW", 20), _v("c", "CN", "MEDIUM", 20, 1)
    for order in ([a, b, c], [c, b, a], [b, c, a], [c, a, b]):
        assert _resolve(order) == ("MEDIUM", "CN")  # same issued_at: sequence decides


def test_stricter_side_wins_and_missing_stays_unknown():
    assert _resolve([]) == ("UNKNOWN", None)
    assert _resolve([_v("a", "CN", "LOW"), _v("b", "MN", "MEDIUM")]) == ("MEDIUM", "MN")
    assert _resolve([_v("a", "CN", "HIGH"), _v("b", "MN", "HIGH")]) == ("HIGH", "CN")


def test_warning_raises_matching_containers_only_while_valid():
    cargo = Cargo("CSQU3054383", "Gobi Cashmere", "510211", "MN")
    w = WarningRecord(
        "w",
        "CN",
        "raise_level",
        "HIGH",
        None,
        "5102",
        "MN",
        None,
        T0 - timedelta(hours=1),
        T0 + timedelta(hours=1),
        "warning 17",
    )
    low = [_v("a", "CN", "LOW")]
    assert _resolve(low, [w], cargo) == ("HIGH", "CN")
    other = Cargo("CSQU3054383", "Gobi Cashmere", "710211", "MN")
    assert _resolve(low, [w], other) == ("LOW", "CN")
    lapsed = WarningRecord(
        "w",
        "CN",
        "raise_level",
        "HIGH",
        None,
        "5102",
        None,
        None,
        T0 - timedelta(hours=2),
        T0 - timedelta(hours=1),
        "",
    )
    assert _resolve(low, [lapsed], cargo) == ("LOW", "CN")
    # A warning never turns a missing verdict into a clearing one.
    assert _resolve([], [w], cargo) == ("UNKNOWN", None)
    # MN's warning needs an MN verdict to act on.
    mn = WarningRecord(
        "m",
        "MN",
        "raise_level",
        "HIGH",
        "gobi cashmere",
        None,
        None,
        None,
        T0 - timedelta(hours=1),
        None,
        "",
    )
    assert _resolve(low, [mn], cargo) == ("LOW", "CN")


def test_accepted_verdict_reaches_the_core_at_once(bridge):
    cid = bridge.containers()[0]
    r = post_verdict(bridge, verdict(cid, "MEDIUM", vid="v-med"))
    assert r.status_code == 201 and r.json() == {
        "accepted": 1,
        "results": [{"verdict_id": "v-med", "status": "accepted"}],
    }
    assert bridge.svc.state.fed[cid][:2] == ("MEDIUM", "CN")
    # The core keeps early verdicts for containers that have not arrived yet.
    status = bridge.fleet.views.risk_status(cid)
    assert status.level.value == "MEDIUM"
    # An older verdict arriving late is stored but does not change the level.
    old = verdict(cid, "LOW", vid="v-old", issued_at=iso(-600))
    r = post_verdict(bridge, old)
    assert r.json()["results"] == [{"verdict_id": "v-old", "status": "superseded"}]
    assert bridge.svc.state.fed[cid][0] == "MEDIUM"
    # The other authority is stricter: it decides.
    assert post_verdict(bridge, verdict(cid, "HIGH", "MN", vid="mn-high")).status_code == 201
    assert bridge.svc.state.fed[cid][:2] == ("HIGH", "MN")
    doc = bridge.client.get(f"/v1/containers/{cid}", headers=bridge.headers("viewer")).json()
    assert doc["effective_level"] == "HIGH" and doc["deciding_authority"] == "MN"
    assert [v["verdict_id"] for v in doc["verdicts"]] == ["v-old", "v-med", "mn-high"]
    assert [v["in_force"] for v in doc["verdicts"]] == [False, True, True]


def test_idempotent_replay_and_key_reuse(bridge):
    cid = bridge.containers()[1]
    h = bridge.headers("authority_system", "CN", key="key-0000001")
    body = verdict(cid, "LOW", vid="idem-1")
    first = bridge.client.post("/v1/verdicts", json=body, headers=h)
    audit = len(bridge.svc.store.audit(1000))
    again = bridge.client.post("/v1/verdicts", json=body, headers=h)
    assert again.status_code == first.status_code == 201 and again.json() == first.json()
    assert len(bridge.svc.store.audit(1000)) == audit
    other = bridge.client.post("/v1/verdicts", json={**body, "level": "HIGH"}, headers=h)
    assert other.status_code == 409 and "key-0000001" in other.json()["detail"]
    assert bridge.svc.state.verdict_ids["idem-1"].level == "LOW"
    # Same verdict id under a new key: a duplicate, nothing changes.
    dup = post_verdict(bridge, body)
    assert dup.status_code == 200 and dup.json()["results"][0]["status"] == "duplicate"
    changed = post_verdict(bridge, {**body, "level": "HIGH"})
    assert changed.status_code == 409 and "idem-1" in changed.json()["detail"]
    # Keys are per caller: another client's identical key is a different request.
    mn = bridge.headers("authority_system", "MN", key="key-0000001")
    r = bridge.client.post(
        "/v1/verdicts", json=verdict(cid, "LOW", "MN", vid="idem-mn"), headers=mn
    )
    assert r.status_code == 201


def test_batch_ingestion_and_audit(bridge):
    cids = bridge.containers()[:20]
    items = [verdict(c, "LOW", vid=f"b-{i}") for i, c in enumerate(cids)]
    r = bridge.client.post(
        "/v1/verdicts/batch",
        json={"verdicts": items},
        headers=bridge.headers("authority_system", "CN", sub="gacc"),
    )
    assert r.status_code == 201 and r.json()["accepted"] == len(cids) > 5
    last = bridge.svc.store.audit(1000)[-1]
    assert last[2] == "gacc" and last[3] == "authority_system" and last[5] == "verdicts.submit"
    assert all(bridge.svc.state.fed[c][0] == "LOW" for c in cids)
    # A MN client may not put CN verdicts in its batch.
    r = bridge.client.post(
        "/v1/verdicts/batch",
        json={"verdicts": items},
        headers=bridge.headers("authority_system", "MN"),
    )
    assert r.status_code == 403 and "speaks for MN" in r.json()["detail"]
