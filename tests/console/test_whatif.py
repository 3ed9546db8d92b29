"""The what-if panel in a real browser: an operator signed in through the form asks for the
next hour with the CN scanners down and two AGVs out, and the page shows what the API answers
for the same request (the fleet stands still, so both are the same forecast); in 简体中文 the
panel's words are Chinese; an officer may not forecast."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from risk_bridge.domain import Role
from tests.console.conftest import Server, advance, sign_in, start_server

REQUEST = {"horizon_h": 1.0, "seeds": 2, "bin_min": 10,
           "what_if": {"scanners_down": ["CN"], "remove_agvs": 2, "add_agvs": 0, "surge": 1.0,
                       "close_lanes": []}}  # fmt: skip


@pytest.fixture(scope="module")
def still(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    for server in start_server(tmp_path_factory.mktemp("console-whatif"), realtime=False):
        advance(server, 1800.0, step_s=60.0)
        yield server


def _fill(page: Any) -> None:
    page.fill("#wi-hours", "1")
    page.fill("#wi-seeds", "2")
    page.check("#wi-down-CN")
    page.fill("#wi-remove", "2")


def test_the_panel_shows_the_forecast_of_the_api(browser: Any, still: Server) -> None:
    page = sign_in(browser, still, "op-wang", Role.OPERATOR)
    try:
        _fill(page)
        page.click("#wi-run")
        page.wait_for_selector("#wi-result[data-state=done]", timeout=30000)
        api = httpx.post(still.url + "/v1/forecasts", json=REQUEST,
                         headers=still.bearer("operator"), timeout=60).json()  # fmt: skip
        for field, digits in (("delivered", 0), ("crossing_p95_min", 1), ("waiting_orders_end", 0)):
            cells = page.locator(f"#wi-result tr[data-kpi={field}] td").all_text_contents()
            want = [api[k]["summary"][field]["mean"] for k in ("no_change", "with_what_if")]
            for cell, w in zip(cells[1:], want, strict=True):  # (JS rounds half up, Python even)
                assert cell == "–" if w is None else abs(float(cell) - w) <= 0.5 * 10**-digits
        assert "NII scanners down: CN; remove 2 AGVs" in page.inner_text("#wi-result")
        # the chart: bin ends on x, the no-change and what-if means and their bands
        data = page.evaluate("() => window.bfConsole.whatIfChart().data")
        assert data[0] == api["t_min"] and len(data) == 7
        assert data[4] == [b["mean"] for b in api["with_what_if"]["series"]["waiting_orders"]]
        assert page.errors == []
    finally:
        page.context.close()


def test_in_chinese_and_not_for_officers(browser: Any, still: Server) -> None:
    page = sign_in(browser, still, "viewer-li", Role.VIEWER)
    try:
        page.select_option("#lang", "zh")
        assert page.inner_text("#whatif-panel h2") == "假设推演（未来数小时）"
        page.click("#wi-run")  # a viewer may: the control room looks ahead
        page.wait_for_selector("#wi-result[data-state=done]", timeout=30000)
        assert "维持现状" in page.inner_text("#wi-result")
    finally:
        page.context.close()
    officer = sign_in(browser, still, "officer-zhao", Role.OFFICER, "CN")
    try:
        assert officer.locator("#wi-run").is_disabled()
    finally:
        officer.context.close()
