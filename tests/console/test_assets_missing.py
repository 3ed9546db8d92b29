"""Without the vendored front-end libraries (``make console`` not run) the console's pages say
what to run, while the API keeps working; the real vendor directory is left alone: the app is
made while ``VENDOR_DIR`` points at an empty directory, and keeps that one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from risk_bridge.console import web
from tests.console.conftest import Server, start_server


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[Server]:
    empty = tmp_path / "vendor"
    empty.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(web, "VENDOR_DIR", empty)
        servers = start_server(tmp_path, realtime=False)
        server = next(servers)
    yield server
    servers.close()


def test_without_vendor_assets_the_pages_say_run_make_console(browser: Any, bare: Server) -> None:
    # The real assets are in place (the browser fixture checked): only this app lacks them.
    assert web.VENDOR_DIR == web.STATIC_DIR / "vendor"
    ctx = browser.new_context(extra_http_headers=bare.bearer("viewer"))
    page = ctx.new_page()
    for path, what in (("/", "The console"), ("/docs", "/docs"), ("/redoc", "/redoc")):
        r = page.goto(bare.url + path)
        assert r is not None and r.status == 503, path
        assert "assets are missing" in page.inner_text("h1")
        body = page.inner_text("body")
        assert what in body and "risk_bridge/console/static/vendor/" in body
        assert page.inner_text("p code >> nth=-1") == "make console"
        assert "script-src 'self'" in r.headers["content-security-policy"]
    # The API is unaffected, from the same page.
    got = page.evaluate(
        """() => Promise.all(["/v1/vehicles", "/v1/console/map", "/v1/kpis"].map(p =>
             fetch(p).then(async r => [r.status, await r.json()])))"""
    )
    (s1, vehicles), (s2, doc), (s3, kpis) = got
    assert (s1, s2, s3) == (200, 200, 200)
    assert len(vehicles["vehicles"]) == len(bare.fleet.vehicles()) > 0
    assert doc["name"] == bare.fleet.graph.name and doc["lanes"]
    assert kpis["vehicles"] == len(vehicles["vehicles"])
    assert httpx.get(bare.url + "/healthz", timeout=10).status_code == 200
    ctx.close()
