"""The full authorisation matrix: role x authority x endpoint -> allowed or 403; no token, a
forged token or an expired one -> 401 with nothing revealed.

"Allowed" means the request passed authorisation: it may still fail on content (404/409/422),
but never with 401/403. Jurisdiction: an authority submits verdicts only for its side and only
its officers release its holds (tested with a real hold in test_holds.py).
"""

from __future__ import annotations

import jwt
import pytest

from tests.bridge.helpers import iso

CID = "CSQU3054383"
ROLES = [
    ("authority_system", "CN"),
    ("authority_system", "MN"),
    ("officer", "CN"),
    ("officer", "MN"),
    ("operator", None),
    ("viewer", None),
]


def _verdict(authority: str) -> dict[str, object]:
    return {
        "verdict_id": f"AZ-{authority}",
        "container_id": CID,
        "authority": authority,
        "level": "LOW",
        "issued_at": iso(),
    }


# endpoint -> (method, path, body, who may)
ENDPOINTS = {
    "verdict CN": ("POST", "/v1/verdicts", _verdict("CN"), {("authority_system", "CN")}),
    "verdict MN": ("POST", "/v1/verdicts", _verdict("MN"), {("authority_system", "MN")}),
    "batch CN": (
        "POST",
        "/v1/verdicts/batch",
        {"verdicts": [_verdict("CN")]},
        {("authority_system", "CN")},
    ),
    "warning CN": (
        "POST",
        "/v1/warnings",
        {
            "warning_id": "W-AZ",
            "authority": "CN",
            "kind": "raise_level",
            "level": "HIGH",
            "hs_prefix": "99",
        },
        {("authority_system", "CN")},
    ),
    "withdraw": (
        "POST",
        "/v1/warnings/W-none/withdraw",
        {"reason": "done"},
        {("authority_system", "CN"), ("authority_system", "MN")},
    ),
    "release": (
        "POST",
        f"/v1/holds/{CID}/release",
        {"reason": "inspected"},
        {("officer", "CN"), ("officer", "MN")},
    ),
    "recognise": (
        "POST",
        f"/v1/containers/{CID}/recognitions",
        {"inspection_id": "R-1", "reason": "accept"},
        {("officer", "CN"), ("officer", "MN")},
    ),
    "close lane": ("POST", "/v1/lanes/nope/close", {"reason": "snow"}, {("operator", None)}),
    "open lane": ("POST", "/v1/lanes/nope/open", {}, {("operator", None)}),
    "webhook": (
        "POST",
        "/v1/webhooks",
        {"url": "http://127.0.0.1:9/x"},
        {("authority_system", "CN"), ("authority_system", "MN")},
    ),
    "list webhooks": (
        "GET",
        "/v1/webhooks",
        None,
        {("authority_system", "CN"), ("authority_system", "MN")},
    ),
    "audit": ("GET", "/v1/audit", None, set(ROLES) - {("viewer", None)}),
    "holds": ("GET", "/v1/holds", None, set(ROLES)),
    "container": ("GET", f"/v1/containers/{CID}", None, set(ROLES)),
    "warnings": ("GET", "/v1/warnings", None, set(ROLES)),
    "verdict get": ("GET", "/v1/verdicts/AZ-CN", None, set(ROLES)),
    "lanes": ("GET", "/v1/lanes", None, set(ROLES)),
    "metrics": ("GET", "/metrics", None, set(ROLES)),
    "stream": ("GET", "/v1/events/stream?max_events=1", None, set(ROLES)),
    "ledger head": ("GET", "/v1/ledger/head", None, set(ROLES)),
    "ledger consistency": (
        "GET",
        f"/v1/ledger/consistency?tree_size=1&root_hash={'00' * 32}",
        None,
        set(ROLES),
    ),
    # The control-room console's API (docs/console.md).
    "console map": ("GET", "/v1/console/map", None, set(ROLES)),
    "vehicles": ("GET", "/v1/vehicles", None, set(ROLES)),
    "vehicle": ("GET", "/v1/vehicles/AGV-01", None, set(ROLES)),
    "vehicle stream": ("GET", "/v1/vehicles/stream?max_frames=1", None, set(ROLES)),
    "kpis": ("GET", "/v1/kpis", None, set(ROLES)),
    "alerts": ("GET", "/v1/alerts", None, set(ROLES)),
    "ack alert": (
        "POST",
        "/v1/alerts/fail_safe:nobody/ack",
        {},
        {("officer", "CN"), ("officer", "MN"), ("operator", None)},
    ),
    "containers": ("GET", "/v1/containers", None, set(ROLES)),
    # Transport orders: operators (people, or the yard's systems as operator clients) submit.
    "order": (
        "POST",
        "/v1/orders",
        {
            "container_id": "ZZZU0070018",
            "direction": "CN->MN",
            "origin_station": "cn_slot_01",
            "cargo": {"consignor": "Gobi Cashmere", "hs_code": "510211", "origin_country": "MN"},
        },
        {("operator", None)},
    ),
    "orders": ("GET", "/v1/orders", None, set(ROLES)),
    "order get": ("GET", "/v1/orders/ORD-none", None, set(ROLES)),
    "custody": ("GET", f"/v1/containers/{CID}/custody", None, set(ROLES)),
}
# A person's session (GET / DELETE /v1/session) belongs to people only: machine tokens and bad
# tokens alike get 401 there (tests below); signing in needs no token at all.
SESSION_ENDPOINTS = {
    "who am i": ("GET", "/v1/session"),
    "sign out": ("DELETE", "/v1/session"),
}

CASES = [(name, role, auth) for name in ENDPOINTS for role, auth in ROLES]


def _call(bridge, name, headers):
    if name in SESSION_ENDPOINTS:
        return bridge.client.request(*SESSION_ENDPOINTS[name], headers=headers)
    method, path, body, _ = ENDPOINTS[name]
    if name == "stream":  # do not wait for events: authorisation is decided before streaming
        headers = {**headers, "Last-Event-ID": "0"}
        bridge.svc.committer.call(lambda: _one_event(bridge))
    return bridge.client.request(method, path, json=body, headers=headers)


def _one_event(bridge):
    from datetime import UTC, datetime

    from risk_bridge.outbox import Outbox

    out = Outbox(bridge.svc.state, datetime.now(UTC))
    out.event("lane.opened", None, {"test": True})
    return out.done(None)


@pytest.mark.parametrize(("name", "role", "authority"), CASES)
def test_matrix(shared_bridge, name, role, authority):
    bridge = shared_bridge
    allowed = (role, authority) in ENDPOINTS[name][3]
    r = _call(bridge, name, bridge.headers(role, authority))
    if allowed:
        assert r.status_code not in (401, 403), (name, role, authority, r.status_code, r.text)
    else:
        assert r.status_code == 403, (name, role, authority, r.status_code, r.text)


PASSWORD = "matrix password 1"


def _person(bridge, role, authority):
    """Cookie headers (CSRF included) of a person signed in with this role."""
    from risk_bridge.domain import Role
    from risk_bridge.security.users import UserBook

    name = f"{role}.{authority or 'x'}".replace("_", "-")
    book = UserBook(bridge.keys.path)
    if name not in {u.username for u in book.list()}:
        book.add(name, PASSWORD, Role(role), authority)
    r = bridge.client.post("/v1/session", json={"username": name, "password": PASSWORD})
    bridge.client.cookies.clear()
    assert r.status_code == 200, r.text
    return {
        "Cookie": f"bf_session={r.cookies['bf_session']}",
        "X-CSRF-Token": r.json()["csrf_token"],
        "Idempotency-Key": f"k-person-{name}",
    }


PEOPLE = [(role, auth) for role, auth in ROLES if role != "authority_system"]


@pytest.mark.parametrize(("role", "authority"), PEOPLE)
def test_matrix_for_people_signed_in_by_cookie(shared_bridge, role, authority):
    """The same rules for a person's session: every endpoint, the role decides."""
    bridge = shared_bridge
    headers = _person(bridge, role, authority)
    for name, (_m, _p, _b, who) in ENDPOINTS.items():
        r = _call(
            bridge, name, {**headers, "Idempotency-Key": f"k-{role}-{name}".replace(" ", "-")}
        )
        if (role, authority) in who:
            assert r.status_code not in (401, 403), (name, role, r.status_code, r.text)
        else:
            assert r.status_code == 403, (name, role, r.status_code, r.text)
    me = bridge.client.get("/v1/session", headers=headers)
    assert me.status_code == 200 and me.json()["role"] == role


@pytest.mark.parametrize(("role", "authority"), ROLES)
def test_a_machine_token_has_no_session(shared_bridge, role, authority):
    for name in SESSION_ENDPOINTS:
        r = _call(shared_bridge, name, shared_bridge.headers(role, authority))
        assert r.status_code == 401, (name, role, r.status_code, r.text)


@pytest.mark.parametrize("name", sorted(ENDPOINTS) + sorted(SESSION_ENDPOINTS))
@pytest.mark.parametrize("token", ["none", "garbage", "forged", "expired", "wrong-audience"])
def test_unauthenticated_sees_nothing(shared_bridge, name, token):
    bridge = shared_bridge
    headers = {"Idempotency-Key": "k-unauth-0001"}
    if token != "none":
        headers["Authorization"] = f"Bearer {_bad_token(bridge, token)}"
    r = _call(bridge, name, headers)
    assert r.status_code == 401, (name, token, r.status_code, r.text)
    assert r.headers["www-authenticate"] == "Bearer"
    assert set(r.json()) == {"detail"} and CID not in r.text and "CN" not in r.text


def test_unauthenticated_write_changes_nothing(bridge):
    before = len(bridge.svc.store.audit(1000))
    r = bridge.client.post(
        "/v1/verdicts", json=_verdict("CN"), headers={"Idempotency-Key": "k-unauth-0002"}
    )
    assert r.status_code == 401
    assert len(bridge.svc.store.audit(1000)) == before and not bridge.svc.state.verdict_ids


def _bad_token(bridge, kind):
    if kind == "garbage":
        return "not.a.jwt"
    if kind == "forged":  # right claims, signed with a key the bridge does not have
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        kid = (bridge.keys.path / "active_kid").read_text().strip()
        return jwt.encode(
            {
                "sub": "x",
                "role": "officer",
                "authority": "CN",
                "iss": bridge.settings.issuer,
                "aud": bridge.settings.audience,
                "iat": 0,
                "exp": 4102444800,
            },
            Ed25519PrivateKey.generate(),
            algorithm="EdDSA",
            headers={"kid": kid},
        )
    if kind == "expired":
        from risk_bridge.domain import Role

        return bridge.keys.issue("old", Role.OFFICER, "CN", ttl_s=-10)[0]
    from risk_bridge.security import StateDir

    other = StateDir(
        bridge.keys.path, issuer=bridge.settings.issuer, audience="elsewhere", ttl_s=60
    )
    from risk_bridge.domain import Role

    return other.issue("x", Role.OFFICER, "CN")[0]


def test_key_rotation_keeps_old_tokens_until_retired(bridge):
    old = bridge.token("viewer")
    old_kid = (bridge.keys.path / "active_kid").read_text().strip()
    new_kid = bridge.keys.rotate_key()
    new = bridge.token("viewer")
    assert jwt.get_unverified_header(new)["kid"] == new_kid
    for tok in (old, new):
        r = bridge.client.get("/v1/holds", headers={"Authorization": f"Bearer {tok}"})
        assert r.status_code == 200
    bridge.keys.retire_key(old_kid)
    # The server notices a retired key within a second (it re-reads the key directory).
    bridge.wait(
        lambda: (
            bridge.client.get("/v1/holds", headers={"Authorization": f"Bearer {old}"}).status_code
            == 401
        ),
        timeout_s=3,
    )
    assert (
        bridge.client.get("/v1/holds", headers={"Authorization": f"Bearer {new}"}).status_code
        == 200
    )


def test_client_credentials_flow(bridge):
    secret = bridge.keys.add_client(
        "gacc-erenhot", __import__("risk_bridge.domain").domain.Role.AUTHORITY_SYSTEM, "CN"
    )
    r = bridge.client.post(
        "/v1/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "gacc-erenhot",
            "client_secret": secret,
        },
    )
    assert r.status_code == 200, r.text
    tok = r.json()["access_token"]
    claims = jwt.decode(tok, options={"verify_signature": False})
    assert claims["role"] == "authority_system" and claims["authority"] == "CN"
    r = bridge.client.post(
        "/v1/oauth/token", auth=("gacc-erenhot", secret), data={"grant_type": "client_credentials"}
    )
    assert r.status_code == 200
    for cid, sec in (("gacc-erenhot", secret + "x"), ("nobody", secret)):
        r = bridge.client.post(
            "/v1/oauth/token",
            data={"grant_type": "client_credentials", "client_id": cid, "client_secret": sec},
        )
        assert r.status_code == 401 and r.json() == {"detail": "invalid client credentials"}
    stored = (bridge.keys.path / "clients.json").read_text()
    assert secret not in stored and "scrypt" in stored
