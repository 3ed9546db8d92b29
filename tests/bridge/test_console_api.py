"""The console's API on the real core and SimPy fleet: the map, vehicles (listing, one, the
stream), containers with filters, the custody timeline checked against the signed head (and
failed when an entry's bytes change), alerts raised, listed and acknowledged into the audit
trail, KPIs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.bridge.helpers import drive_until, first_arrival, held_by_core, post_verdict, verdict
from tests.bridge.test_ledger_tamper import sql


def _get(bridge: Any, url: str, role: str = "viewer") -> Any:
    r = bridge.client.get(url, headers=bridge.headers(role))
    assert r.status_code == 200, r.text
    return r.json()


def test_map_document_has_the_graph_in_metres(shared_bridge: Any) -> None:
    doc = _get(shared_bridge, "/v1/console/map")
    graph = shared_bridge.fleet.graph
    assert len(doc["lanes"]) == len(graph.edges) and len(doc["nodes"]) == len(graph.nodes)
    x0, y0, x1, y1 = doc["bbox_m"]
    for x, y in doc["nodes"].values():
        assert x0 - 1 <= x <= x1 + 1 and y0 - 1 <= y <= y1 + 1
    assert len(doc["border"]) >= 2 and all(len(z["ring"]) >= 3 for z in doc["zones"])
    kinds = {z["kind"] for z in doc["zones"]}
    assert {"hold_bay", "nii_scanner"} <= kinds
    assert any(lane["crosses_border"] for lane in doc["lanes"])
    assert shared_bridge.client.get("/v1/console/map").status_code == 401


def test_vehicles_listing_one_and_unknown(shared_bridge: Any) -> None:
    b = shared_bridge
    b.fleet.advance(b.fleet.now_s() + 1800)
    doc = _get(b, "/v1/vehicles")
    ids = [v["vehicle_id"] for v in doc["vehicles"]]
    assert ids == sorted(str(v) for v in b.fleet.views.vehicle_ids())
    loaded = [v for v in doc["vehicles"] if v["container_ids"]]
    assert loaded and all(v["display"] in ("loaded", "held", "scanning") for v in loaded)
    assert {v["display"] for v in doc["vehicles"]} <= {
        "loaded", "empty", "held", "scanning", "charging", "faulted", "idle"
    }  # fmt: skip
    one = _get(b, f"/v1/vehicles/{ids[0]}")
    assert one["vehicle_id"] == ids[0] and isinstance(one["x_m"], float)
    r = b.client.get("/v1/vehicles/AGV-999", headers=b.headers("viewer"))
    assert r.status_code == 404 and "GET /v1/vehicles" in r.json()["detail"]
    r = b.client.get("/v1/vehicles/bad%20id", headers=b.headers("viewer"))
    assert r.status_code == 422


def test_vehicle_stream_sends_complete_frames(shared_bridge: Any) -> None:
    b = shared_bridge
    frames = []
    with b.client.stream(
        "GET", "/v1/vehicles/stream?max_frames=2", headers=b.headers("viewer")
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "vehicles":
                frames.append(json.loads(line[6:]))
    assert len(frames) == 2
    n = len(b.fleet.views.vehicle_ids())
    assert all(len(f["vehicles"]) == n and f["sent_at_ms"] > 1e12 for f in frames)


def test_a_held_vehicle_shows_held_and_containers_filter(bridge: Any) -> None:
    cid = first_arrival(bridge)
    assert post_verdict(bridge, verdict(cid, "HIGH", reasons=["watch list"])).status_code == 201
    drive_until(bridge, lambda: held_by_core(bridge, cid))
    vehicles = _get(bridge, "/v1/vehicles")["vehicles"]
    carrier = [v for v in vehicles if cid in v["container_ids"]]
    if carrier:  # the core holds it on board until it reaches a hold place
        assert carrier[0]["display"] == "held" and carrier[0]["risk"] == "HIGH"
    held = _get(bridge, "/v1/containers?held=true")
    drive_until(bridge, lambda: any(c["held"] for c in _get(bridge, "/v1/containers?held=true")))
    held = _get(bridge, "/v1/containers?held=true")
    assert [c["container_id"] for c in held] == [cid] and held[0]["effective_level"] == "HIGH"
    high = _get(bridge, "/v1/containers?risk=HIGH")
    assert [c["container_id"] for c in high] == [cid]
    assert _get(bridge, f"/v1/containers?q={cid[:6]}&limit=5")[0]["container_id"].startswith(
        cid[:6]
    )
    r = bridge.client.get("/v1/containers?q=../etc", headers=bridge.headers("viewer"))
    assert r.status_code == 422
    kpis = _get(bridge, "/v1/kpis")
    assert kpis["holds_active"] == 1 and kpis["vehicles"] == len(vehicles)
    assert 0.0 <= kpis["utilisation"] <= 1.0


def test_kpis_count_deliveries_per_hour_and_direction(shared_bridge: Any) -> None:
    from orchestrator.domain.events import OrderDelivered
    from orchestrator.messages import Direction

    b = shared_bridge
    room = b.client.app.state.control_room
    before = _get(b, "/v1/kpis")
    for i, (t_s, d, took) in enumerate(
        [(100.0, Direction.CN_TO_MN, 600.0), (200.0, Direction.MN_TO_CN, 1200.0),
         (3700.0, Direction.CN_TO_MN, 1800.0)]
    ):  # fmt: skip
        room.observe(OrderDelivered(t_s, f"O{i}", f"C{i}", "AGV-1", None, d, took))
    k = _get(b, "/v1/kpis")
    assert k["delivered"] == before["delivered"] + 3
    hours = {h["hour"]: h for h in k["throughput_per_h"]}
    assert hours[0]["northbound"] >= 1 and hours[0]["southbound"] >= 1
    assert hours[1]["northbound"] >= 1
    assert k["crossing_time_s"]["p50"] <= k["crossing_time_s"]["p95"]


@pytest.fixture
def ledger_bridge(bridge_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp_path / "signing-keys"))
    return bridge_factory(ledger=True)


def test_custody_timeline_verified_then_failed_when_an_entry_changes(ledger_bridge: Any) -> None:
    b = ledger_bridge
    cid = first_arrival(b)
    drive_until(b, lambda: len(b.fleet.custody_extract(cid).events) >= 2)
    b.fleet.advance(b.fleet.now_s() + 60)  # the entries' batch is signed
    doc = _get(b, f"/v1/containers/{cid}/custody")
    assert doc["status"] == "verified", doc["why"]
    assert doc["head_verified"] is True and doc["events"][0]["kind"] == "seal_affixed"
    assert all(e["included"] for e in doc["events"] if e["seq"] < doc["tree_size"])
    assert _get(b, "/v1/alerts") == [] or all(a["kind"] != "tamper" for a in _get(b, "/v1/alerts"))

    seq = doc["events"][1]["seq"]
    url = b.fleet.custody_extract(cid).ledger_url
    import sqlite3

    from risk_bridge.ledger import sqlite_path

    db = sqlite3.connect(sqlite_path(url))
    (body,) = db.execute("SELECT body FROM entries WHERE seq = ?", (seq,)).fetchone()
    db.close()
    forged = bytes(body).replace(b'"actor":"', b'"actor":"x', 1)
    assert forged != bytes(body)
    sql(url, ("UPDATE entries SET body = ? WHERE seq = ?", (forged, seq)))
    doc = _get(b, f"/v1/containers/{cid}/custody")
    assert doc["status"] == "failed" and f"entry {seq}" in doc["why"]
    assert [e["included"] for e in doc["events"] if e["seq"] == seq] == [False]
    alerts = _get(b, "/v1/alerts?open=true")
    assert [a["alert_id"] for a in alerts if a["kind"] == "tamper"] == [f"tamper:{cid}:1"]


def test_alerts_acknowledged_by_name_into_the_audit_trail(ledger_bridge: Any) -> None:
    b = ledger_bridge
    room = b.client.app.state.control_room
    room.alerts.raise_("vehicle_silent", "AGV-001", "AGV-001: stopped reporting", "t", 1.0)
    listed = _get(b, "/v1/alerts?open=true")
    aid = "vehicle_silent:AGV-001:1"
    assert [a["alert_id"] for a in listed] == [aid] and listed[0]["severity"] == "warning"
    r = b.client.post(f"/v1/alerts/{aid}/ack", headers=b.headers("viewer"))
    assert r.status_code == 403  # viewers look, they do not acknowledge
    r = b.client.post(f"/v1/alerts/{aid}/ack", headers=b.headers("operator", sub="op-li"))
    assert r.status_code == 200, r.text
    assert r.json()["acked_by"] == "op-li" and r.json()["acked_at"]
    assert _get(b, "/v1/alerts?open=true") == []
    assert _get(b, "/v1/alerts")[0]["acked_by"] == "op-li"
    audit = _get(b, "/v1/audit", "operator")
    assert audit[-1]["action"] == "alert.ack" and audit[-1]["actor"] == "op-li"
    assert audit[-1]["subject"] == aid
    r = b.client.post("/v1/alerts/vehicle_silent:AGV-9:1/ack", headers=b.headers("operator"))
    assert r.status_code == 404
    # an ack survives a restart: read back from the audit trail
    room.alerts._acks.clear()
    room._acks_from_audit()
    assert room.alerts._acks[aid][0] == "op-li"


def test_a_carried_container_is_where_its_vehicle_is(bridge: Any) -> None:
    """The container's position has the vehicle's coordinates and the core's state value: the
    same fields the ROS fleet fills from its vehicle states (one shape whatever the fleet)."""

    def carried() -> tuple[str, dict[str, Any]] | None:
        for v in _get(bridge, "/v1/vehicles")["vehicles"]:
            if v["container_ids"]:
                return str(v["container_ids"][0]), v
        return None

    drive_until(bridge, lambda: carried() is not None)
    found = carried()
    assert found is not None
    cid, vehicle = found
    pos = _get(bridge, f"/v1/containers/{cid}")["position"]
    assert pos["state"] == "on_vehicle" and pos["vehicle_id"] == vehicle["vehicle_id"]
    assert (pos["x_m"], pos["y_m"]) == pytest.approx((vehicle["x_m"], vehicle["y_m"]))
    assert pos["node"] == vehicle["node"] and pos["next_node"] == vehicle["next_node"]
