"""Browser fixtures: a real bridge on 127.0.0.1 (uvicorn in a thread, a SimPy fleet paced in real
time) and Debian's chromium driven by Playwright. Chromium or the console's assets missing is a
test failure with the fix, never a skip (``make test`` runs ``make browser console`` first)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from risk_bridge.app import create_app
from risk_bridge.console.web import VENDOR_DIR
from risk_bridge.domain import Role
from risk_bridge.security import StateDir
from risk_bridge.security.users import UserBook
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
    readers: dict[str, dict[str, str]] = field(default_factory=dict)

    def token(self, role: str, authority: str | None = None, sub: str | None = None) -> str:
        return self.keys.issue(sub or f"{role}-{authority or 'x'}", Role(role), authority)[0]

    def bearer(
        self, role: str, authority: str | None = None, sub: str | None = None
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, authority, sub)}"}

    def get(self, path: str, role: str = "viewer") -> Any:
        if role not in self.readers:  # one token per role: tests poll, signing costs
            self.readers[role] = self.bearer(role)
        r = httpx.get(self.url + path, headers=self.readers[role], timeout=10)
        r.raise_for_status()
        return r.json()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    tmp: Path, *, ledger: bool = False, speed: float = 60.0, realtime: bool = True,
    hours: float | None = None,
) -> Iterator[Server]:  # fmt: skip
    """A bridge with the ``test_small`` fleet on a free port; ``realtime=False``: the fleet
    stands still until the test advances it (:func:`advance`); ``hours``: the scenario's
    length instead of its own 2 h."""
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
        load_scenario("test_small").with_overrides(hours=hours),
        speed=speed,
        realtime=realtime,
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The console tests on the shared ``server`` first: its fleet's day is 2 simulated hours,
    2 minutes at 60x from the first test that uses it, so the tests with a server of their own
    must not use up that time. Only the console's tests change places, among themselves."""
    here = Path(__file__).parent
    slots = [i for i, it in enumerate(items) if here in Path(str(it.path)).parents]
    mine = sorted(
        (items[i] for i in slots),
        key=lambda it: "server" not in getattr(it, "fixturenames", ()),
    )
    for i, it in zip(slots, mine, strict=True):
        items[i] = it


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # 24 simulated hours: at 60x the scenario's own 2 h are over in 2 minutes, and a test late
    # in a long run found the fleet stopped and no container left to hold (failed in make test).
    yield from start_server(tmp_path_factory.mktemp("console"), hours=24.0)


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
    page = _watched(ctx.new_page())
    page.goto(server.url + "/")
    page.wait_for_function("() => window.bfConsole && window.bfConsole.ready", timeout=15000)
    return page


def _watched(page: Any) -> Any:
    """The page with ``page.errors``: its uncaught errors and console errors."""
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
    return page


PASSWORD = "correct horse battery staple 7"


def sign_in(
    browser: Any, server: Server, name: str, role: Role, authority: str | None = None
) -> Any:
    """A page of the console with ``name`` signed in through the form (an account made here
    if need be): the people's way in, with the session cookie and its CSRF token."""
    book = UserBook(server.keys.path)
    if book.get(name) is None:
        book.add(name, PASSWORD, role, authority)
    page = _watched(browser.new_context(viewport={"width": 1600, "height": 900}).new_page())
    page.goto(server.url + "/")
    page.wait_for_selector("#sign-in:not([hidden])", timeout=15000)
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("#sign-in button[type=submit]")
    page.wait_for_selector(f"#who:has-text('{name}')", timeout=15000)
    page.wait_for_selector("#lane-pick option", state="attached", timeout=15000)
    return page


def advance(server: Server, until_s: float, step_s: float = 5.0) -> None:
    """Advance a fleet made with ``realtime=False`` to ``until_s`` in small steps, pausing
    between them so the bridge's threads keep up as they would in real time."""
    fleet = server.fleet
    while fleet.now_s() < min(until_s, fleet.sim.duration_s):
        fleet.advance(min(until_s, fleet.now_s() + step_s))
        time.sleep(0.005)


def advance_until(
    server: Server, cond: Callable[[], Any], limit_s: float, what: str, step_s: float = 5.0
) -> Any:
    """Advance the fleet step by step until ``cond()`` is true (its value), at most ``limit_s``
    of simulated time."""
    fleet = server.fleet
    end = min(fleet.now_s() + limit_s, fleet.sim.duration_s)
    while True:
        got = cond()
        if got:
            return got
        if fleet.now_s() >= end:
            raise AssertionError(f"{what}: not within {limit_s:.0f} s of simulated time")
        advance(server, fleet.now_s() + step_s, step_s)


def audit(server: Server, action: str) -> list[dict[str, Any]]:
    """Every audit entry of ``action`` (all pages of GET /v1/audit), oldest first."""
    rows: list[dict[str, Any]] = []
    after = 0
    while True:
        page = server.get(f"/v1/audit?after={after}&limit=1000", role="operator")
        if not page:
            return [r for r in rows if r["action"] == action]
        rows += page
        after = page[-1]["seq"]
