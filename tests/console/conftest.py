"""Browser fixtures: a real bridge on 127.0.0.1 (uvicorn in a thread, a SimPy fleet paced in real
time) and Debian's chromium driven by Playwright. Chromium or the console's assets missing is a
test failure with the fix, never a skip (``make test`` runs ``make browser console`` first)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from risk_bridge.app import create_app
from risk_bridge.console.web import VENDOR_DIR
from risk_bridge.domain import Role
from risk_bridge.security import StateDir
from sim.live import SimFleet
from sim.scenario import load_scenario
from tests.bridge.conftest import make_settings

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@dataclass
class Server:
    url: str
    keys: StateDir
    app: Any
    fleet: SimFleet

    def token(self, role: str, authority: str | None = None, sub: str | None = None) -> str:
        return self.keys.issue(sub or f"{role}-{authority or 'x'}", Role(role), authority)[0]

    def bearer(
        self, role: str, authority: str | None = None, sub: str | None = None
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, authority, sub)}"}

    def get(self, path: str, role: str = "viewer") -> Any:
        r = httpx.get(self.url + path, headers=self.bearer(role), timeout=10)
        r.raise_for_status()
        return r.json()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(tmp: Path, *, ledger: bool = False, speed: float = 60.0) -> Iterator[Server]:
    settings = make_settings(tmp)
    keys = StateDir(
        settings.state_dir, issuer=settings.issuer, audience=settings.audience, ttl_s=3600
    )
    keys.init()
    ledger_obj = None
    if ledger:
        from risk_bridge.ledger import generate_keypair, open_ledger

        key = tmp / "signing" / "ledger.key"
        generate_keypair(key)
        ledger_obj = open_ledger(f"sqlite:///{tmp / 'custody.db'}", key=key)
    fleet = SimFleet(
        load_scenario("test_small"),
        speed=speed,
        realtime=True,
        ledger=ledger_obj,
        auto_customs=True,
    )
    app = create_app(settings, fleet=fleet)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="console-test-server", daemon=True)
    thread.start()
    end = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > end or not thread.is_alive():
            raise AssertionError("the test server did not start within 20 s")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", keys, app, fleet)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("console"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make browser` (scripts/browser.sh)", pytrace=False)
    if not (VENDOR_DIR / ".versions").exists():
        pytest.fail("console assets missing: run `make console`", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def open_console(
    browser: Any,
    server: Server,
    role: str = "viewer",
    authority: str | None = None,
    sub: str | None = None,
    lang: str | None = None,
) -> Any:
    """A page of the console, authenticated by a bearer token on every request (the cookie
    session is the people's way in; this is the machine way, the API accepts both)."""
    ctx = browser.new_context(
        viewport={"width": 1600, "height": 900},
        extra_http_headers=server.bearer(role, authority, sub),
    )
    if lang:
        ctx.add_init_script(f"localStorage.setItem('borderflow.lang', '{lang}')")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # GET /v1/session answers 401 when no person is signed in (Chromium logs that): expected.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "(Unauthorized)" not in m.text else None
        ),
    )
    page.errors = errors
    page.goto(server.url + "/")
    page.wait_for_function("() => window.bfConsole && window.bfConsole.ready", timeout=15000)
    return page
