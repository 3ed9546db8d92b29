"""Fixtures: a bridge app on a temp SQLite store with the real core and SimPy fleet (advanced by
hand, not in real time), a key ring in a temp state dir, and tokens for every role. The
writer-thread checks (:mod:`risk_bridge.threads`) are on for every bridge test."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from risk_bridge.app import create_app
from risk_bridge.domain import Role
from risk_bridge.security import StateDir
from risk_bridge.service import BridgeService
from risk_bridge.settings import BridgeSettings
from risk_bridge.threads import enable_checks
from sim.live import SimFleet
from sim.scenario import load_scenario


@pytest.fixture(autouse=True, scope="session")
def _writer_thread_checks() -> Iterator[None]:
    enable_checks(True)
    yield
    enable_checks(False)


@dataclass
class Bridge:
    client: TestClient
    svc: BridgeService
    fleet: SimFleet
    keys: StateDir
    settings: BridgeSettings

    def token(self, role: str, authority: str | None = None, sub: str | None = None) -> str:
        return self.keys.issue(sub or f"{role}-{authority or 'x'}", Role(role), authority)[0]

    def headers(
        self,
        role: str,
        authority: str | None = None,
        *,
        key: str | None = None,
        sub: str | None = None,
    ) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token(role, authority, sub)}",
            "Idempotency-Key": key or uuid.uuid4().hex,
        }

    def containers(self) -> list[str]:
        return sorted(self.svc.state.cargo)

    def wait(self, cond: Callable[[], Any], timeout_s: float = 5.0) -> Any:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            got = cond()
            if got:
                return got
            time.sleep(0.01)
        raise AssertionError("condition not met in time")


def make_settings(tmp: Path, **kw: Any) -> BridgeSettings:
    # The tests' webhook receivers listen on loopback (the only network here): allowed, as an
    # operator would allow an internal target; tests of the policy pass webhook_allow=().
    kw.setdefault("webhook_allow", ("127.0.0.1",))
    if "db_url" in kw:
        return BridgeSettings(state_dir=tmp / "state", **kw)
    return BridgeSettings(
        db_url=f"sqlite:///{tmp / 'db' / 'bridge.db'}", state_dir=tmp / "state", **kw
    )


def make_bridge(tmp: Path, made: list[TestClient], *, ledger: bool = False, **kw: Any) -> Bridge:
    settings = make_settings(tmp, **kw)
    keys = StateDir(
        settings.state_dir,
        issuer=settings.issuer,
        audience=settings.audience,
        ttl_s=settings.token_ttl_s,
    )
    keys.init()
    ledger_obj = None
    if ledger:
        from risk_bridge.ledger import generate_keypair, open_ledger

        n = sum(1 for _ in tmp.glob("custody-*.db"))
        key = tmp / "signing" / "ledger.key"  # the default would be in $HOME
        if not key.exists():
            generate_keypair(key)
        ledger_obj = open_ledger(f"sqlite:///{tmp / f'custody-{n}.db'}", key=key)
    fleet = SimFleet(load_scenario("test_small"), realtime=False, ledger=ledger_obj)
    app = create_app(settings, fleet=fleet)
    client = TestClient(app)
    client.__enter__()
    made.append(client)
    return Bridge(client, app.state.service, fleet, keys, settings)


@pytest.fixture
def bridge_factory(tmp_path: Path) -> Iterator[Callable[..., Bridge]]:
    made: list[TestClient] = []
    yield lambda **kw: make_bridge(tmp_path, made, **kw)
    for c in made:
        c.__exit__(None, None, None)


@pytest.fixture(scope="module")
def shared_bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bridge]:
    """One bridge for a whole module of tests that only read, or whose writes don't interfere."""
    made: list[TestClient] = []
    yield make_bridge(tmp_path_factory.mktemp("shared"), made)
    for c in made:
        c.__exit__(None, None, None)


@pytest.fixture
def bridge(bridge_factory: Callable[..., Bridge]) -> Bridge:
    return bridge_factory()
