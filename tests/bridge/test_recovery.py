"""Recovery: a restart on the same store keeps every acknowledged verdict, warning, hold,
release and audit entry, and holds stay enforced. In-process restart first (fast, exact), then
``borderflow serve`` killed with SIGKILL in the middle of a live run and started again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from risk_bridge.domain import Role
from risk_bridge.security import StateDir
from tests.bridge.conftest import make_bridge
from tests.bridge.helpers import (
    _noop,
    drive_until,
    first_arrival,
    held_by_core,
    hold_row,
    iso,
    post_verdict,
    verdict,
)
from tests.live_server import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]


def test_restart_keeps_everything_and_enforces_holds(tmp_path):
    made = []
    a = make_bridge(tmp_path, made)
    kept = first_arrival(a)
    freed = first_arrival(a, "MN->CN")
    for cid, auth in ((kept, "CN"), (freed, "MN")):
        assert post_verdict(a, verdict(cid, "HIGH", auth)).status_code == 201
    drive_until(a, lambda: hold_row(a, kept) and hold_row(a, freed))
    side = hold_row(a, freed)["authority"]
    r = a.client.post(
        f"/v1/holds/{freed}/release",
        json={"reason": "inspected"},
        headers=a.headers("officer", side),
    )
    assert r.status_code == 201
    w = {
        "warning_id": "W-keep",
        "authority": "CN",
        "kind": "raise_level",
        "level": "MEDIUM",
        "origin_country": "KZ",
    }
    assert (
        a.client.post(
            "/v1/warnings", json=w, headers=a.headers("authority_system", "CN")
        ).status_code
        == 201
    )
    audit = a.svc.store.audit(10_000)
    holds = dict(a.svc.state.holds)
    made[0].__exit__(None, None, None)

    b = make_bridge(tmp_path, made)
    assert set(b.svc.state.verdict_ids) == {f"CN-{kept}-HIGH", f"MN-{freed}-HIGH"}
    assert set(b.svc.state.warnings) == {"W-keep"}
    assert b.svc.store.audit(10_000) == audit
    assert {h: r["status"] for h, r in b.svc.state.holds.items()} == {
        h: r["status"] for h, r in holds.items()
    }
    assert b.svc.state.active_hold == {kept: hold_row(b, kept)["hold_id"]}
    # The fleet starts over: the kept hold is placed again and stays; the freed one is
    # released the moment the core holds it (its inspection is already on record).
    drive_until(b, lambda: held_by_core(b, kept))
    drive_until(b, lambda: b.fleet.container_view(freed) and b.fleet.container_view(freed).cleared)
    b.fleet.advance(b.fleet.now_s() + 1800)
    assert held_by_core(b, kept) and not b.fleet.container_view(kept).crossed
    assert [h["status"] for h in b.svc.state.holds.values() if h["container_id"] == kept].count(
        "active"
    ) == 1
    for c in made[1:]:
        c.__exit__(None, None, None)


def test_hold_ids_are_not_handed_out_twice_after_a_restart(tmp_path):
    """The id counter is stored with every id the bridge makes (a hold the core placed writes
    no audit row): a hold after the restart gets a new id instead of failing the commit."""
    made = []
    a = make_bridge(tmp_path, made)
    first = first_arrival(a)
    assert post_verdict(a, verdict(first, "HIGH")).status_code == 201
    drive_until(a, lambda: hold_row(a, first))
    made[0].__exit__(None, None, None)

    b = make_bridge(tmp_path, made)
    second = first_arrival(b, "MN->CN")
    assert post_verdict(b, verdict(second, "HIGH", "MN")).status_code == 201
    drive_until(b, lambda: hold_row(b, second) or b.svc.degraded)
    assert not b.svc.degraded
    assert hold_row(b, second)["hold_id"] != hold_row(b, first)["hold_id"]
    for c in made[1:]:
        c.__exit__(None, None, None)


def test_lane_closed_by_a_warning_stays_closed_in_the_restarted_core(tmp_path):
    made = []
    a = make_bridge(tmp_path, made)
    lane = sorted(a.fleet.lane_ids)[0]
    w = {"warning_id": "W-lane", "authority": "CN", "kind": "close_lane", "target": lane}
    r = a.client.post("/v1/warnings", json=w, headers=a.headers("authority_system", "CN"))
    assert r.status_code == 201 and lane in a.fleet.views.closed_lanes()
    events = len(a.svc.store.events_after(0, 10_000))
    made[0].__exit__(None, None, None)

    b = make_bridge(tmp_path, made)
    assert lane in b.fleet.views.closed_lanes()  # the fleet started over; the warning holds
    assert b.svc.state.lanes_closed[lane] == {"warning:W-lane"}
    assert len(b.svc.store.events_after(0, 10_000)) == events  # no second lane.closed
    r = b.client.post(
        "/v1/warnings/W-lane/withdraw",
        json={"reason": "works done"},
        headers=b.headers("authority_system", "CN"),
    )
    assert r.status_code == 200 and r.json()["active"] is False
    b.svc.committer.call(_noop)
    assert lane not in b.fleet.views.closed_lanes()
    for c in made[1:]:
        c.__exit__(None, None, None)


def _serve(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    code = (
        "import sys; from cli import main; sys.argv = ['borderflow', 'serve', "
        f"'--port', '{port}', '--scenario', 'test_small', '--speed', '300', "
        f"'--no-auto-customs', '--state-dir', '{tmp / 'state'}', "
        f"'--db', 'sqlite:///{tmp / 'db' / 'bridge.db'}']; main()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    wait_healthy(proc, port)
    return proc


def _wait(cond, timeout_s=30.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        got = cond()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.mark.slow
def test_kill_9_mid_run_and_restart(tmp_path):
    port = free_port()
    proc = _serve(tmp_path, port)
    keys = StateDir(
        tmp_path / "state", issuer="borderflow-bridge", audience="borderflow", ttl_s=900
    )
    base = f"http://127.0.0.1:{port}"

    def h(role, auth=None, key=None):
        tok = keys.issue(f"{role}-{auth}", Role(role), auth)[0]
        return {"Authorization": f"Bearer {tok}", "Idempotency-Key": key or os.urandom(8).hex()}

    acked: list[str] = []
    try:
        with httpx.Client(base_url=base, timeout=10) as c:
            doc = c.get("/v1/lanes", headers=h("viewer")).json()
            assert doc["lanes"]
            cids = _manifest(tmp_path)
            high = cids[:3]
            for i, cid in enumerate(cids):
                level = "HIGH" if cid in high else "LOW"
                body = verdict(cid, level, vid=f"K-{i}", issued_at=iso())
                r = c.post("/v1/verdicts", json=body, headers=h("authority_system", "CN"))
                assert r.status_code == 201, r.text
                acked.append(body["verdict_id"])
            w = {
                "warning_id": "W-k9",
                "authority": "MN",
                "kind": "raise_level",
                "level": "MEDIUM",
                "hs_prefix": "99",
            }
            assert (
                c.post("/v1/warnings", json=w, headers=h("authority_system", "MN")).status_code
                == 201
            )
            holds = _wait(
                lambda: [
                    x
                    for x in c.get("/v1/holds", headers=h("viewer")).json()
                    if x["container_id"] in high
                ],
                60,
            )
            first = holds[0]
            r = c.post(
                f"/v1/holds/{first['container_id']}/release",
                json={"reason": "checked"},
                headers=h("officer", first["authority"]),
            )
            assert r.status_code == 201, r.text
            released = first["container_id"]
            audit_before = c.get("/v1/audit?limit=1000", headers=h("operator")).json()
        os.killpg(proc.pid, signal.SIGKILL)  # mid-run: the fleet is moving
        proc.wait(timeout=10)

        proc = _serve(tmp_path, port)
        with httpx.Client(base_url=base, timeout=10) as c:
            for vid in acked:
                assert c.get(f"/v1/verdicts/{vid}", headers=h("viewer")).status_code == 200
            ws = c.get("/v1/warnings", headers=h("viewer")).json()
            assert [x["warning_id"] for x in ws] == ["W-k9"]
            audit_after = c.get("/v1/audit?limit=1000", headers=h("operator")).json()
            assert audit_after[: len(audit_before)] == audit_before
            doc = c.get(f"/v1/containers/{released}", headers=h("viewer")).json()
            assert [r["kind"] for r in doc["releases"]] == ["release"]
            active = {x["container_id"] for x in c.get("/v1/holds", headers=h("viewer")).json()}
            assert released not in active
            # Holds still enforced: an unreleased HIGH container is held again by the new run
            # and never crosses.
            still = [cid for cid in high if cid != released]

            def held_again():
                for cid in still:
                    pos = c.get(f"/v1/containers/{cid}", headers=h("viewer")).json()["position"]
                    if pos and pos["held"]:
                        return cid
                return None

            cid = _wait(held_again, 60)
            time.sleep(2.0)  # ten simulated minutes more
            pos = c.get(f"/v1/containers/{cid}", headers=h("viewer")).json()["position"]
            assert pos["held"] and not pos["crossed"] and not pos["cleared"]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _manifest(tmp: Path) -> list[str]:
    import sqlite3

    db = sqlite3.connect(tmp / "db" / "bridge.db")
    try:
        return [r[0] for r in db.execute("SELECT container_id FROM containers ORDER BY 1")]
    finally:
        db.close()
