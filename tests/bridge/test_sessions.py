"""People's sign-in: the session cookie, CSRF on cookie writes, roles, sign-out, removal, rate
limits and the audit trail naming the person."""

from __future__ import annotations

import time
import uuid

import pytest

from risk_bridge.domain import Role
from risk_bridge.security.users import UserBook
from tests.bridge.helpers import drive_until, first_arrival, held_by_core, hold_row, post_verdict
from tests.bridge.helpers import verdict as make_verdict

PASSWORD = "correct horse battery"


def _add(bridge, name, role, authority=None):
    UserBook(bridge.keys.path).add(name, PASSWORD, Role(role), authority)


def _sign_in(bridge, name, password=PASSWORD):
    r = bridge.client.post("/v1/session", json={"username": name, "password": password})
    bridge.client.cookies.clear()  # each test passes its cookie explicitly
    return r


def _session(bridge, name, role, authority=None):
    """(cookie headers for reads, headers with CSRF for writes)."""
    _add(bridge, name, role, authority)
    r = _sign_in(bridge, name)
    assert r.status_code == 200, r.text
    cookie = {"Cookie": f"bf_session={r.cookies['bf_session']}"}
    write = {**cookie, "X-CSRF-Token": r.json()["csrf_token"], "Idempotency-Key": uuid.uuid4().hex}
    return cookie, write


def _held(bridge):
    cid = first_arrival(bridge)
    assert post_verdict(bridge, make_verdict(cid, "HIGH")).status_code == 201
    drive_until(bridge, lambda: held_by_core(bridge, cid) and hold_row(bridge, cid))
    return cid


def test_sign_in_sets_a_strict_http_only_cookie(bridge):
    _add(bridge, "cn.officer-1", "officer", "CN")
    r = _sign_in(bridge, "cn.officer-1")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["subject"], body["role"], body["authority"]) == ("cn.officer-1", "officer", "CN")
    assert len(body["csrf_token"]) == 64 and body["expires_in"] > 0
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("bf_session=")
    flags = {f.strip().lower() for f in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/"} <= flags and "secure" not in flags
    me = bridge.client.get(
        "/v1/session", headers={"Cookie": f"bf_session={r.cookies['bf_session']}"}
    )
    assert me.status_code == 200 and me.json()["csrf_token"] == body["csrf_token"]


def test_secure_cookie_with_the_setting(bridge_factory):
    bridge = bridge_factory(secure_cookies=True)
    _add(bridge, "op1", "operator")
    r = _sign_in(bridge, "op1")
    assert "secure" in {f.strip().lower() for f in r.headers["set-cookie"].split(";")}


@pytest.mark.parametrize(("name", "password"), [("nobody", PASSWORD), ("op1", "wrong password!")])
def test_wrong_username_or_password_is_one_401(bridge, name, password):
    _add(bridge, "op1", "operator")
    r = _sign_in(bridge, name, password)
    assert r.status_code == 401 and r.json()["detail"] == "invalid username or password"
    assert "set-cookie" not in r.headers


def test_no_cookie_no_session(bridge):
    assert bridge.client.get("/v1/session").status_code == 401
    bad = {"Cookie": "bf_session=not-a-token"}
    assert bridge.client.get("/v1/session", headers=bad).status_code == 401
    assert bridge.client.get("/v1/holds", headers=bad).status_code == 401


def test_csrf_missing_or_wrong_is_refused_and_changes_nothing(bridge):
    cookie, write = _session(bridge, "ops.lead", "operator")
    lane = next(iter(bridge.client.get("/v1/lanes", headers=cookie).json()["lanes"]))
    before = len(bridge.svc.store.audit(1000))
    url = f"/v1/lanes/{lane}/close"
    for csrf in (None, "00" * 32):
        h = {**cookie, "Idempotency-Key": uuid.uuid4().hex}
        if csrf:
            h["X-CSRF-Token"] = csrf
        r = bridge.client.post(url, json={"reason": "snow"}, headers=h)
        assert r.status_code == 403 and "X-CSRF-Token" in r.json()["detail"]
    assert len(bridge.svc.store.audit(1000)) == before
    r = bridge.client.post(url, json={"reason": "snow"}, headers=write)
    assert r.status_code in (200, 201), r.text
    audit = bridge.client.get("/v1/audit", headers=cookie).json()
    assert audit[-1]["actor"] == "ops.lead"


def test_cookie_verdict_post_gets_a_clear_403(bridge):
    cookie, write = _session(bridge, "ops.lead", "operator")
    cid = first_arrival(bridge)
    body = make_verdict(cid, "LOW")
    r = bridge.client.post(
        "/v1/verdicts", json=body, headers={**cookie, "Idempotency-Key": "k" * 10}
    )
    assert r.status_code == 403 and "X-CSRF-Token" in r.json()["detail"]
    r = bridge.client.post("/v1/verdicts", json=body, headers=write)
    assert r.status_code == 403 and "authority_system" in r.json()["detail"]
    assert not bridge.svc.state.verdict_ids


def test_release_by_officers_of_the_owner_only_and_audit_names_them(bridge):
    cid = _held(bridge)
    url = f"/v1/holds/{cid}/release"
    body = {"reason": "inspected, no findings"}
    _, mn = _session(bridge, "mn.officer", "officer", "MN")
    _, op = _session(bridge, "ops.lead", "operator")
    assert bridge.client.post(url, json=body, headers=mn).status_code == 403
    assert bridge.client.post(url, json=body, headers=op).status_code == 403
    assert held_by_core(bridge, cid)
    _, cn = _session(bridge, "cn.officer", "officer", "CN")
    r = bridge.client.post(url, json=body, headers=cn)
    assert r.status_code == 201, r.text
    assert r.json()["officer"] == "cn.officer"
    audit = bridge.client.get("/v1/audit", headers=bridge.headers("operator")).json()
    assert audit[-1]["action"] == "hold.release" and audit[-1]["actor"] == "cn.officer"


def test_removed_user_is_refused_within_a_second(bridge):
    cookie, _ = _session(bridge, "temp.viewer", "viewer")
    assert bridge.client.get("/v1/holds", headers=cookie).status_code == 200
    UserBook(bridge.keys.path).remove("temp.viewer")
    time.sleep(1.1)
    assert bridge.client.get("/v1/holds", headers=cookie).status_code == 401
    assert bridge.client.get("/v1/session", headers=cookie).status_code == 401


def test_sign_out_refuses_the_token_afterwards(bridge):
    cookie, _ = _session(bridge, "viewer1", "viewer")
    r = bridge.client.delete("/v1/session", headers=cookie)
    assert r.status_code == 204 and 'bf_session=""' in r.headers["set-cookie"]
    assert bridge.client.get("/v1/session", headers=cookie).status_code == 401
    assert bridge.client.get("/v1/holds", headers=cookie).status_code == 401


def test_sign_in_is_rate_limited_per_username(bridge_factory):
    bridge = bridge_factory(token_per_client_per_min=5.0, token_per_source_per_min=600.0)
    _add(bridge, "op1", "operator")
    codes = [_sign_in(bridge, "op1", "wrong password!").status_code for _ in range(3)]
    assert codes[0] == 401 and codes[-1] == 429
    r = _sign_in(bridge, "op1")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_sign_in_is_rate_limited_per_source(bridge_factory):
    bridge = bridge_factory(token_per_source_per_min=5.0, token_tarpit_s=0.0)
    codes = [_sign_in(bridge, "nobody", "wrong password!").status_code for _ in range(3)]
    assert codes[0] == 401 and codes[-1] == 429


def test_event_stream_by_cookie_resumes_after_the_last_event_id(bridge):
    """The console's SSE stream of domain events, for a person signed in by cookie: the events
    after Last-Event-ID, in order, then the stream ends at max_events."""
    cookie, write = _session(bridge, "ops.watch", "operator")
    lanes = list(bridge.client.get("/v1/lanes", headers=cookie).json()["lanes"])[:2]
    for lane in lanes:
        h = {**write, "Idempotency-Key": uuid.uuid4().hex}
        r = bridge.client.post(f"/v1/lanes/{lane}/close", json={"reason": "snow"}, headers=h)
        assert r.status_code in (200, 201), r.text
    r = bridge.client.get(
        "/v1/events/stream?max_events=2", headers={**cookie, "Last-Event-ID": "0"}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    ids = [int(x.split(":", 1)[1]) for x in r.text.splitlines() if x.startswith("id:")]
    assert len(ids) == 2 and ids[0] < ids[1]
    assert r.text.count("event: lane.closed") == 2
    r = bridge.client.get(
        "/v1/events/stream?max_events=1", headers={**cookie, "Last-Event-ID": str(ids[0])}
    )
    assert [int(x.split(":", 1)[1]) for x in r.text.splitlines() if x.startswith("id:")] == [ids[1]]
    bad = {"Cookie": "bf_session=forged", "Last-Event-ID": "0"}
    assert bridge.client.get("/v1/events/stream?max_events=1", headers=bad).status_code == 401
