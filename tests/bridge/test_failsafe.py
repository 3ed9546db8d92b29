"""Fail-safe: when the store is unavailable nothing is acknowledged and nothing crosses the
line on a verdict the bridge cannot vouch for; when it comes back, the fleet resumes."""

from __future__ import annotations

from pathlib import Path

from tests.bridge.helpers import post_verdict, verdict


def _crossed(bridge) -> set[str]:
    views = bridge.fleet.views
    with bridge.fleet.lock:
        return {str(c) for c in views.container_ids() if views.container_view(c).crossed}


def test_store_outage_stops_crossings_until_it_returns(bridge):
    for cid in bridge.containers():
        assert post_verdict(bridge, verdict(cid, "LOW")).status_code == 201
    bridge.fleet.advance(1500.0)
    before = _crossed(bridge)
    db_dir = Path(bridge.settings.db_url[len("sqlite:///") :]).parent
    # Pull the plug: the database directory disappears and the open connection dies.
    db_dir.rename(db_dir.with_name("db-away"))
    _pull_plug(bridge)

    cid = bridge.containers()[-1]
    r = post_verdict(bridge, verdict(cid, "MEDIUM", vid="during-outage"))
    assert r.status_code == 503 and "write failed" in r.json()["detail"]
    assert bridge.svc.degraded
    assert bridge.client.get("/healthz").status_code == 503
    waiting = [c for c in bridge.containers() if c not in before]
    assert waiting, "the scenario must leave containers to cross"
    for c in waiting:
        assert bridge.svc.state.fed[c][0] == "UNKNOWN"
        view = bridge.fleet.container_view(c)
        assert view is None or view.core_level == "UNKNOWN"
    bridge.fleet.advance(1500.0 + 3600.0)
    assert _crossed(bridge) == before, "a container crossed during the outage"
    r = post_verdict(bridge, verdict(cid, "MEDIUM", vid="during-outage"))
    assert r.status_code == 503 and "nothing was stored" in r.json()["detail"]

    db_dir.with_name("db-away").rename(db_dir)
    bridge.wait(lambda: bridge.client.get("/healthz").status_code == 200, timeout_s=6)
    assert not bridge.svc.degraded
    assert all(bridge.svc.state.fed[c][0] == "LOW" for c in waiting)
    assert "during-outage" not in bridge.svc.state.verdict_ids  # never acknowledged
    assert post_verdict(bridge, verdict(cid, "MEDIUM", vid="after")).status_code == 201
    bridge.fleet.advance(1500.0 + 3 * 3600.0)
    assert len(_crossed(bridge)) > len(before)


def test_outage_without_writes_is_detected_by_the_health_ticker(bridge):
    cid = bridge.containers()[0]
    assert post_verdict(bridge, verdict(cid, "LOW")).status_code == 201
    db_dir = Path(bridge.settings.db_url[len("sqlite:///") :]).parent
    db_dir.rename(db_dir.with_name("db-away"))
    _pull_plug(bridge)
    bridge.wait(lambda: bridge.svc.degraded, timeout_s=5)
    assert bridge.svc.state.fed[cid][0] == "UNKNOWN"
    db_dir.with_name("db-away").rename(db_dir)
    bridge.wait(lambda: not bridge.svc.degraded, timeout_s=5)
    assert bridge.svc.state.fed[cid][0] == "LOW"


def _pull_plug(bridge) -> None:
    """Kill the open connection too (under the store's lock: sqlite3 must not close a
    connection another thread is using)."""
    store = bridge.svc.store
    with store._lock:
        store._conn.close()


def test_released_container_is_not_inspected_twice_after_an_outage(bridge):
    from tests.bridge.helpers import drive_until, first_arrival, held_by_core, hold_row

    cid = first_arrival(bridge)
    assert post_verdict(bridge, verdict(cid, "HIGH")).status_code == 201
    drive_until(bridge, lambda: held_by_core(bridge, cid) and hold_row(bridge, cid))
    side = hold_row(bridge, cid)["authority"]
    r = bridge.client.post(f"/v1/holds/{cid}/release", json={"reason": "inspected"},
                           headers=bridge.headers("officer", side))  # fmt: skip
    assert r.status_code == 201 and bridge.fleet.container_view(cid).cleared
    db_dir = Path(bridge.settings.db_url[len("sqlite:///") :]).parent
    db_dir.rename(db_dir.with_name("db-away"))
    _pull_plug(bridge)
    bridge.wait(lambda: bridge.svc.degraded, timeout_s=5)
    assert not bridge.fleet.container_view(cid).cleared  # UNKNOWN while the store is away
    db_dir.with_name("db-away").rename(db_dir)
    bridge.wait(lambda: not bridge.svc.degraded, timeout_s=5)
    # HIGH is fed again; the core holds it again, and the stored release frees it at once.
    drive_until(bridge, lambda: bridge.fleet.container_view(cid).cleared)
    assert len(bridge.svc.state.releases_by_container[cid]) == 1  # no second inspection
