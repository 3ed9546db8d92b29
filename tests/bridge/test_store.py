"""The store port on both implementations: SQLite (WAL, FULL) and PostgreSQL (a real server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from risk_bridge.errors import BadInput, StoreUnavailable
from risk_bridge.store import WriteBatch, open_store
from tests.bridge.conftest import make_bridge
from tests.bridge.helpers import post_verdict, verdict

NOW = "2026-11-23T08:00:00.000000+00:00"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_url"))


def _batch(n: int) -> WriteBatch:
    b = WriteBatch()
    b.containers.append((f"C{n}", "Gobi Cashmere", "510211", "MN", NOW))
    b.verdicts.append((f"V{n}", f"C{n}", "CN", "HIGH", "red", "physical_inspection",
                       json.dumps(["x"]), NOW, 3, NOW, "gacc"))  # fmt: skip
    b.warnings.append((f"W{n}", "CN", "raise_level", "HIGH", None, "51", None, None, NOW, None,
                       "r", None, NOW, "gacc"))  # fmt: skip
    b.holds.append((f"H{n}", f"C{n}", "CN", "HIGH", NOW, "AGV-1", "cn_hold_a", "active", None))
    b.releases.append((f"R{n}", "release", f"C{n}", "CN", "o1", "ok", None, NOW))
    b.audit.append((NOW, "gacc", "authority_system", "CN", "verdicts.submit", f"C{n}", "{}"))
    b.idempotency.append(("p", f"k{n}", "hash", 201, '{"ok": true}', NOW))
    b.webhooks.append((f"WH{n}", "CN", "http://x/y", "s", '["*"]', NOW))
    b.events.append((n, NOW, "hold.placed", f"C{n}", json.dumps({"seq": n})))
    b.outbox.append((f"WH{n}", n, '{"seq": 1}', 0, NOW, "pending", ""))
    b.meta.append(("counter", str(n)))
    return b


def test_roundtrip_and_all_or_nothing(store_url: str) -> None:
    store = open_store(store_url)
    try:
        store.commit(_batch(1))
        b2 = _batch(2)
        b2.withdrawals.append(("W1", NOW))
        b2.hold_closures.append(("H1", "released", NOW))
        store.commit(b2)
        bad = _batch(3)
        bad.verdicts.append(bad.verdicts[0])  # duplicate verdict id inside one transaction
        with pytest.raises(BadInput, match="duplicate id"):
            store.commit(bad)
        snap = store.snapshot()
        assert [r[0] for r in snap.verdicts] == ["V1", "V2"]  # nothing of batch 3
        assert [r[0] for r in snap.containers] == ["C1", "C2"]
        assert snap.warnings[0][11] == NOW and snap.warnings[1][11] is None
        assert [(r[0], r[7]) for r in snap.holds] == [("H1", "released"), ("H2", "active")]
        assert snap.idempotency[0][:4] == ("p", "k1", "hash", 201)
        assert snap.meta == {"counter": "2"} and snap.last_event_seq == 2
        assert [r[0] for r in store.events_after(1)] == [2]
        assert len(store.audit(10)) == 2 and store.audit(10, after_seq=1)[0][0] == 2
        due = store.outbox_due("9999")
        assert [r[1] for r in due] == ["WH1", "WH2"]
        store.outbox_update(int(str(due[0][0])), 1, NOW, "delivered", "")
        assert [r[4] for r in store.outbox_rows()] == ["delivered", "pending"]
        assert store.ping()
    finally:
        store.close()
    again = open_store(store_url)  # a new connection sees what was committed
    try:
        assert [r[0] for r in again.snapshot().verdicts] == ["V1", "V2"]
    finally:
        again.close()


def test_unreachable_postgres_is_a_clear_error() -> None:
    with pytest.raises(StoreUnavailable, match="cannot connect to the store"):
        open_store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(BadInput, match="unsupported store URL"):
        open_store("mysql://x/y")


@pytest.mark.postgres
def test_bridge_on_postgres_survives_restart(tmp_path: Path, pg_url: str) -> None:
    made: list = []
    a = make_bridge(tmp_path, made, db_url=pg_url)
    cid = a.containers()[0]
    assert post_verdict(a, verdict(cid, "HIGH", vid="pg-1")).status_code == 201
    made[0].__exit__(None, None, None)
    b = make_bridge(tmp_path, made, db_url=pg_url)
    assert b.svc.state.verdict_ids["pg-1"].level == "HIGH"
    assert b.svc.state.fed[cid][0] == "HIGH"
    for c in made[1:]:
        c.__exit__(None, None, None)
