"""The control room's work in a real browser, on a fleet that moves only when the test advances
it (so what the page shows can be compared with the API at one instant): an operator closes
the lane a vehicle is driving on and reopens it, acknowledges an alert that a viewer may not,
and the key figures' chart draws what GET /v1/kpis says."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from typing import Any

import httpx
import networkx as nx
import pytest

from risk_bridge.domain import Role
from risk_bridge.vehicle_feed import vehicle_json
from tests.console.conftest import (
    Server,
    advance_until,
    audit,
    open_console,
    sign_in,
    start_server,
)

CLOSED_STYLE = {"color": "#d62728", "dashArray": "4 4"}
LANE_STYLES_JS = """() => Object.fromEntries([...window.bfConsole.map.lanes].map(
    ([id, line]) => [id, {color: line.options.color, dashArray: line.options.dashArray}]))"""


@pytest.fixture(scope="module")
def ops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("console-ops"), realtime=False)


@pytest.fixture(scope="module")
def operator(browser: Any, ops: Server) -> Iterator[Any]:
    page = sign_in(browser, ops, "op-chen", Role.OPERATOR)
    yield page
    page.context.close()


# ---------------------------------------------------------------------------- lanes


class Lanes:
    """The map's lane graph as the console gets it (GET /v1/console/map)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.graph = nx.DiGraph()
        self.lane_of: dict[tuple[str, str], str] = {}
        self.edge_ids: dict[str, list[str]] = {}  # lane id -> the map's edge ids
        for lane in doc["lanes"]:
            a, b = lane["source"], lane["target"]
            self.graph.add_edge(a, b)
            self.lane_of[(a, b)] = lane["lane_id"]
            self.edge_ids.setdefault(lane["lane_id"], []).append(lane["id"])

    def used(self, node: str, route: list[str]) -> list[str]:
        """The lane of each edge of a route that starts at ``node``."""
        pts = [node, *route]
        return [self.lane_of[(a, b)] for a, b in pairwise(pts)]

    def must_keep(self, v: dict[str, Any], skip: set[str]) -> str | None:
        """The lane the vehicle drives on if, from the end of its grant, its target can only
        be reached along that lane again (so closing it must stop the vehicle)."""
        route, target = v["route"], v["target_node"]
        if not route or not target or route[-1] == target or v["display"] == "faulted":
            return None
        lane = self.used(v["node"], route)[-1]
        if lane in skip:
            return None
        without = self.graph.copy()
        without.remove_edges_from([e for e, lid in self.lane_of.items() if lid == lane])
        end = route[-1]
        if nx.has_path(self.graph, end, target) and not nx.has_path(without, end, target):
            return lane
        return None


def _vehicle(server: Server, vid: str) -> dict[str, Any]:
    return dict(server.get(f"/v1/vehicles/{vid}"))


def _fleet_now(server: Server) -> dict[str, dict[str, Any]]:
    """Every vehicle as the API shows it, read from the fleet (cheap enough for each step)."""
    return {v.vehicle_id: vehicle_json(v) for v in server.fleet.vehicles()}


# The nodes the selected vehicle's orange route line is drawn through (after its own position).
DRAWN_JS = """() => { const m = window.bfConsole.map, d = m.doc;
  const at = (p) => Object.keys(d.nodes).find(n => Math.abs(d.nodes[n][1] - d.bbox_m[1] - p.lat)
    < 0.01 && Math.abs(d.nodes[n][0] - d.bbox_m[0] - p.lng) < 0.01);
  return m.routeLine.getLatLngs().slice(1).map(at); }"""


def _drawn(page: Any, vid: str, route: list[str]) -> list[str]:
    """The route the page draws for ``vid`` once its frames show ``route``."""
    page.wait_for_function(
        "([id, r]) => window.bfConsole.map.vehicles.get(id).v.route.join() === r.join()",
        arg=[vid, route],
        timeout=3000,
    )
    return list(page.evaluate(DRAWN_JS))


def _lane_action(page: Any, lane: str, button: str, reason: str) -> None:
    page.select_option("#lane-pick", lane)
    page.fill("#lane-reason", reason)
    page.click(button)
    page.wait_for_selector("#lane-result [data-i18n='done']", timeout=5000)


def test_an_operator_closes_the_lane_a_vehicle_drives_on_and_reopens_it(
    operator: Any, ops: Server
) -> None:
    lanes = Lanes(ops.get("/v1/console/map"))
    scripted = {c.target for c in ops.fleet.sim.scenario.closures}  # the scenario's own

    def candidate() -> tuple[str, str] | None:
        for v in _fleet_now(ops).values():
            lane = lanes.must_keep(v, scripted)
            if lane is not None:
                return v["vehicle_id"], lane
        return None

    vid, lane = advance_until(ops, candidate, 3600, "a vehicle driving on a lane it must keep")
    before = _vehicle(ops, vid)
    grant = [before["node"], *before["route"]]
    page = operator
    page.evaluate("id => window.bfConsole.map.select(id)", vid)
    drawn = _drawn(page, vid, before["route"])
    assert drawn == before["route"] and lane in lanes.used(before["node"], drawn)
    assert page.get_attribute("#vehicle-info", "data-vehicle") == vid
    assert " → ".join(before["route"]) in page.inner_text("#vehicle-info")

    # Closed in the console's lane panel: the map draws every edge of the lane closed.
    _lane_action(page, lane, "#lane-close", "debris on the lane")
    page.wait_for_selector(f'#lanes-closed li[data-lane="{lane}"]', timeout=5000)
    styles = page.evaluate(LANE_STYLES_JS)
    shut = {e for e, s in styles.items() if s == CLOSED_STYLE}
    assert shut == set(lanes.edge_ids[lane])
    assert ops.get("/v1/lanes")["closed"] == {lane: ["operator"]}
    closing = audit(ops, "lane.close")[-1]
    assert (closing["actor"], closing["subject"]) == ("op-chen", lane)
    assert closing["detail"] == {"reason": "debris on the lane", "is_zone": False}

    # The vehicle drives to the end of what it was granted and no further along the lane.
    granted = set(pairwise(grant))

    def onto_lane(api: bool = False) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        v = _vehicle(ops, vid) if api else _fleet_now(ops)[vid]
        pts = [v["node"], *v["route"]]
        edges = pairwise(pts)
        return v, [e for e in edges if lanes.lane_of[e] == lane and e not in granted]

    def stopped_for(wait_s: float) -> bool:
        v, new = onto_lane()
        assert new == [], f"{vid} was granted {new} on the closed lane {lane}"
        if v["node"] != grant[-1]:
            return False
        reached.setdefault("t_s", ops.fleet.now_s())
        return ops.fleet.now_s() >= reached["t_s"] + wait_s

    reached: dict[str, float] = {}
    advance_until(ops, lambda: stopped_for(300), 900, f"{vid} held before {lane} for 300 s")
    stopped, new = onto_lane(api=True)
    assert stopped["node"] == grant[-1] and new == []
    assert lane not in lanes.used(stopped["node"], stopped["route"])
    drawn = _drawn(page, vid, stopped["route"])
    assert drawn == stopped["route"] and lane not in lanes.used(stopped["node"], drawn)
    if not drawn:  # waiting where it stopped: the details box says it has no route
        assert "Route: –" in page.inner_text("#vehicle-info")

    # Reopened: the lane is drawn open, and the vehicle's route takes it again.
    _lane_action(page, lane, "#lane-open", "cleared")
    page.wait_for_function(
        f"() => !document.querySelector('#lanes-closed li[data-lane=\"{lane}\"]')", timeout=5000
    )
    styles = page.evaluate(LANE_STYLES_JS)
    assert [e for e, s in styles.items() if s == CLOSED_STYLE] == []
    assert ops.get("/v1/lanes")["closed"] == {}
    opening = audit(ops, "lane.open")[-1]
    assert (opening["actor"], opening["subject"]) == ("op-chen", lane)
    advance_until(ops, lambda: onto_lane()[1], 300, f"{vid} back on {lane}")
    again, new = onto_lane(api=True)
    assert new, f"{vid} is not on {lane} in GET /v1/vehicles/{vid}"
    drawn = _drawn(page, vid, again["route"])
    assert drawn == again["route"] and lane in lanes.used(again["node"], drawn)
    assert operator.errors == []


# ---------------------------------------------------------------------------- alerts


def _csrf_post(page: Any, path: str) -> list[Any]:
    """A write forced from the page with the session's own CSRF token: [status, detail]."""
    return list(
        page.evaluate(
            """path => fetch("/v1/session").then(r => r.json()).then(s => fetch(path, {
                 method: "POST", headers: {"Content-Type": "application/json",
                 "Idempotency-Key": crypto.randomUUID(), "X-CSRF-Token": s.csrf_token},
                 body: "{}"})).then(async r => [r.status, (await r.json()).detail])""",
            path,
        )
    )


def test_an_operator_acknowledges_an_alert_a_viewer_may_not(
    browser: Any, operator: Any, ops: Server
) -> None:
    vehicles = ops.get("/v1/vehicles")["vehicles"]
    idle = [v["vehicle_id"] for v in vehicles if v["display"] == "idle"]
    vid = (idle or [v["vehicle_id"] for v in vehicles])[0]
    agv = ops.fleet.sim.vehicles[vid]
    with ops.fleet.lock:  # a breakdown: it reports the fault, then nothing
        agv.fault("radio link lost")
    try:
        aid = _wait_alert(ops, "vehicle_silent", vid)
        viewer = sign_in(browser, ops, "viewer-bat", Role.VIEWER)
        row = operator.locator(f'#alerts li[data-alert="{aid}"]')
        row.wait_for(timeout=5000)
        assert "vehicle_silent" in row.inner_text() and "radio link lost" in row.inner_text()
        seen = viewer.locator(f'#alerts li[data-alert="{aid}"]')
        seen.wait_for(timeout=5000)
        # A viewer looks only: the button is disabled with why, and the server refuses anyway.
        assert seen.locator("button.ack").is_disabled()
        assert "operators and officers" in (seen.locator("button.ack").get_attribute("title") or "")
        status, detail = _csrf_post(viewer, f"/v1/alerts/{aid}/ack")
        assert status == 403 and "role" in detail.lower(), detail
        r = httpx.post(
            f"{ops.url}/v1/alerts/{aid}/ack",
            headers={**ops.bearer("viewer"), "Idempotency-Key": "viewer-ack-1"},
            timeout=10,
        )
        assert r.status_code == 403
        assert [a for a in ops.get("/v1/alerts?open=true") if a["alert_id"] == aid]
        assert audit(ops, "alert.ack") == []

        assert row.locator("button.ack").is_enabled()
        row.locator("button.ack").click()
        operator.wait_for_selector(f'#alerts li[data-alert="{aid}"] .acked', timeout=5000)
        listed = next(a for a in ops.get("/v1/alerts") if a["alert_id"] == aid)
        assert listed["acked_by"] == "op-chen" and listed["open"] is False
        assert "op-chen" in row.locator(".acked").inner_text()
        when = row.locator(".acked time").get_attribute("datetime") or ""
        assert _instant(when) == _instant(listed["acked_at"])
        (entry,) = audit(ops, "alert.ack")
        assert (entry["actor"], entry["role"], entry["subject"]) == ("op-chen", "operator", aid)
        assert [a for a in ops.get("/v1/alerts?open=true") if a["alert_id"] == aid] == []
        # The viewer's screen hears of it from the event stream.
        viewer.wait_for_selector(f'#alerts li[data-alert="{aid}"] .acked', timeout=5000)
        assert "op-chen" in viewer.inner_text(f'#alerts li[data-alert="{aid}"] .acked')
        forbidden = [e for e in viewer.errors if "403" not in e]
        assert forbidden == [] and operator.errors == []
        viewer.context.close()
    finally:
        with ops.fleet.lock:
            agv.repair()


def _wait_alert(server: Server, kind: str, subject: str, limit_s: float = 5.0) -> str:
    """The id of the open alert of ``kind`` about ``subject`` (the watch looks once a second)."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        for a in server.get("/v1/alerts?open=true"):
            if (a["kind"], a["subject"]) == (kind, subject):
                return str(a["alert_id"])
        time.sleep(0.1)
    raise AssertionError(f"no {kind} alert about {subject} within {limit_s} s")


def _instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).replace(microsecond=0)


# ---------------------------------------------------------------------------- KPIs

CHART_JS = """() => { const c = window.bfConsole.kpiChart(); const cv = document.querySelector(
    '#kpi-chart canvas'); const box = cv.getBoundingClientRect();
  return {data: c.data, width: box.width, height: box.height, title: document.querySelector(
    '#kpi-chart .u-title').textContent, labels: c.series.slice(1).map(s => s.label)}; }"""
# Pixels of each series' stroke colour on the chart's canvas (what was actually drawn).
INK_JS = """colours => { const cv = document.querySelector('#kpi-chart canvas');
  const px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
  return colours.map(([r, g, b]) => { let n = 0; for (let i = 0; i < px.length; i += 4)
    if (Math.abs(px[i] - r) < 24 && Math.abs(px[i + 1] - g) < 24 && Math.abs(px[i + 2] - b) < 24
        && px[i + 3] > 200) n++; return n; }); }"""
KPIS_JS = """() => Object.fromEntries([...document.querySelectorAll('#kpis dt')].map(
    dt => [dt.firstElementChild.dataset.i18n, dt.nextElementSibling.textContent]))"""


def _js_round(x: float) -> int:
    return math.floor(x + 0.5)  # Math.round, not Python's round half to even


def _shown(k: dict[str, Any]) -> dict[str, str]:
    """The key figures as the panel should show them."""
    p50, p95, util = k["crossing_time_s"]["p50"], k["crossing_time_s"]["p95"], k["utilisation"]
    return {
        "crossing_p50": "–" if p50 is None else f"{_js_round(p50)} s",
        "crossing_p95": "–" if p95 is None else f"{_js_round(p95)} s",
        "holds_active": str(k["holds_active"]),
        "utilisation": "–" if util is None else f"{_js_round(util * 100)}%",
        "delivered": str(k["delivered"]),
    }


def _series(k: dict[str, Any]) -> list[list[int]]:
    tp = k["throughput_per_h"]
    return [[r[c] for r in tp] for c in ("hour", "northbound", "southbound")]


def _settled(server: Server) -> dict[str, Any]:
    """GET /v1/kpis once it stops changing (the fleet stands still; the bridge's threads
    finish the notices of the last step within a few tenths of a second)."""
    k = server.get("/v1/kpis")
    for _ in range(30):
        time.sleep(0.1)
        k, before = server.get("/v1/kpis"), k
        if k == before:
            return dict(k)
    raise AssertionError("the KPIs kept changing with the fleet standing still")


def _panel(page: Any, k: dict[str, Any]) -> dict[str, Any]:
    """The KPI panel refreshed, once it shows ``k`` (or what it shows after 3 s)."""
    page.evaluate("() => window.bfConsole.refresh()")
    want = _series(k), _shown(k)
    end = time.monotonic() + 3.0
    while True:
        chart, figures = page.evaluate(CHART_JS), page.evaluate(KPIS_JS)
        if (chart["data"], figures) == want or time.monotonic() > end:
            return {**chart, "figures": figures}
        time.sleep(0.1)


def test_the_kpi_chart_draws_the_figures_of_the_api(browser: Any, ops: Server) -> None:
    page = open_console(browser, ops)
    chart0 = page.evaluate("() => { window.__chart = window.bfConsole.kpiChart(); return 1; }")
    assert chart0 == 1
    room = ops.app.state.control_room
    rounds = []
    for hours in (1, 2):
        advance_until(
            ops,
            lambda n=hours: len(room.kpis.snapshot()["throughput_per_h"]) >= n,
            7200,
            f"deliveries in {hours} hour(s)",
        )
        k = _settled(ops)
        drawn = _panel(page, k)
        assert drawn["data"] == _series(k)
        assert drawn["figures"] == _shown(k)
        assert drawn["width"] > 200 and drawn["height"] > 100
        assert drawn["title"] == "Throughput per hour"
        assert drawn["labels"] == ["Northbound", "Southbound"]
        assert k["delivered"] > 0 and k["crossing_time_s"]["p50"] > 0
        rounds.append(k)
    assert len(rounds[1]["throughput_per_h"]) > len(rounds[0]["throughput_per_h"])
    # One chart updated in place; both series drawn as lines on its canvas.
    assert page.evaluate("() => window.__chart === window.bfConsole.kpiChart()")
    north, south = page.evaluate(INK_JS, [[31, 111, 209], [214, 39, 40]])
    assert north > 50 and south > 50, (north, south)
    assert page.errors == []
    page.context.close()
