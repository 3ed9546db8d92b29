"""Unknown query parameters are a 422 naming them, everywhere; declared ones still work."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("method", "path", "unknown"),
    [
        ("GET", "/v1/holds?status=all", "status"),
        ("GET", "/v1/holds?active=false&authorty=CN", "authorty"),
        ("GET", "/v1/vehicles?limit=5", "limit"),
        ("GET", "/v1/events/stream?max_events=1&from=3", "from"),
        ("GET", "/healthz?x=1", "x"),
        ("POST", "/v1/verdicts?dry_run=1", "dry_run"),
    ],
)
def test_unknown_query_parameter_is_422(shared_bridge, method, path, unknown):
    headers = {**shared_bridge.headers("authority_system", "CN"), "Idempotency-Key": "k-query-01"}
    r = shared_bridge.client.request(method, path, headers=headers, json={})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert unknown in detail and "it takes" in detail


def test_declared_query_parameters_still_work(shared_bridge):
    h = shared_bridge.headers("operator")
    assert (
        shared_bridge.client.get("/v1/holds?active=false&authority=CN", headers=h).status_code
        == 200
    )
    r = shared_bridge.client.get("/v1/holds?status=all", headers=h)
    assert "active, authority" in r.json()["detail"]


def test_a_refused_query_changes_nothing(shared_bridge):
    bridge = shared_bridge
    before = len(bridge.svc.store.audit(1000))
    lane = next(
        iter(bridge.client.get("/v1/lanes", headers=bridge.headers("operator")).json()["lanes"])
    )
    r = bridge.client.post(
        f"/v1/lanes/{lane}/close?force=1",
        json={"reason": "snow"},
        headers={**bridge.headers("operator"), "Idempotency-Key": "k-query-02"},
    )
    assert r.status_code == 422
    assert len(bridge.svc.store.audit(1000)) == before


def test_pages_outside_the_api_take_any_query(shared_bridge):
    r = shared_bridge.client.get("/?utm_source=wall-screen")
    assert r.status_code == 200 and "html" in r.headers["content-type"]
