"""Risk warnings raise matching containers' levels or close lanes, for their validity period;
withdrawal ends them. Operators close and reopen lanes too."""

from __future__ import annotations

from tests.bridge.helpers import iso, post_verdict, verdict


def _warn(b, body, authority="CN"):
    return b.client.post(
        "/v1/warnings", json=body, headers=b.headers("authority_system", authority)
    )


def test_raise_level_warning_and_withdrawal(bridge):
    cid = bridge.containers()[0]
    cargo = bridge.svc.state.cargo[cid]
    others = [c for c, g in bridge.svc.state.cargo.items() if g.hs_code[:4] != cargo.hs_code[:4]]
    for c in [cid, *others[:2]]:
        assert post_verdict(bridge, verdict(c, "LOW")).status_code == 201
    w = {
        "warning_id": "W-17",
        "authority": "CN",
        "kind": "raise_level",
        "level": "HIGH",
        "hs_prefix": cargo.hs_code[:4],
        "reason": "Order 271 warning 17",
    }
    r = _warn(bridge, w)
    assert r.status_code == 201 and r.json()["active"] is True
    assert bridge.svc.state.fed[cid][:2] == ("HIGH", "CN")
    assert all(bridge.svc.state.fed[c][0] == "LOW" for c in others[:2])
    assert _warn(bridge, w).status_code == 409  # same id again
    url = "/v1/warnings/W-17/withdraw"
    r = bridge.client.post(
        url, json={"reason": "lifted"}, headers=bridge.headers("authority_system", "MN")
    )
    assert r.status_code == 403  # only the issuer withdraws
    r = bridge.client.post(
        url, json={"reason": "lifted"}, headers=bridge.headers("authority_system", "CN")
    )
    assert r.status_code == 200 and r.json()["active"] is False
    assert bridge.svc.state.fed[cid][0] == "LOW"
    listed = bridge.client.get("/v1/warnings", headers=bridge.headers("viewer")).json()
    assert [x["warning_id"] for x in listed] == ["W-17"] and listed[0]["withdrawn_at"]


def test_warning_validity_period_lapses(bridge):
    cid = bridge.containers()[0]
    post_verdict(bridge, verdict(cid, "LOW"))
    cons = bridge.svc.state.cargo[cid].consignor
    w = {
        "warning_id": "W-short",
        "authority": "CN",
        "kind": "raise_level",
        "level": "MEDIUM",
        "consignor": cons,
        "valid_until": iso(1.5),
    }
    assert _warn(bridge, w).status_code == 201
    assert bridge.svc.state.fed[cid][0] == "MEDIUM"
    bridge.wait(lambda: bridge.svc.state.fed[cid][0] == "LOW", timeout_s=6)


def test_lane_closure_by_warning_and_by_operator(bridge):
    lane = sorted(bridge.fleet.lane_ids)[0]
    views = bridge.fleet.views
    w = {
        "warning_id": "W-lane",
        "authority": "MN",
        "kind": "close_lane",
        "target": lane,
        "reason": "sandstorm",
    }
    assert _warn(bridge, w, "MN").status_code == 201
    assert lane in views.closed_lanes()
    op = bridge.headers("operator")
    r = bridge.client.post(f"/v1/lanes/{lane}/close", json={"reason": "snow"}, headers=op)
    assert r.status_code == 200 and r.json()["closed_by"] == ["operator", "warning:W-lane"]
    r = bridge.client.post(
        "/v1/warnings/W-lane/withdraw",
        json={"reason": "over"},
        headers=bridge.headers("authority_system", "MN"),
    )
    assert r.status_code == 200
    assert lane in views.closed_lanes()  # the operator's closure still holds
    r = bridge.client.post(f"/v1/lanes/{lane}/open", json={}, headers=bridge.headers("operator"))
    assert r.status_code == 200 and r.json()["closed"] is False
    assert lane not in views.closed_lanes()
    r = bridge.client.post("/v1/lanes/no_such_lane/close", json={}, headers=op)
    assert r.status_code == 404 and "no_such_lane" in r.json()["detail"]
    kinds = [e[2] for e in bridge.svc.store.events_after(0)]
    assert kinds.count("lane.closed") == 1 and kinds.count("lane.opened") == 1
