"""The custody timeline in the console: verified for an intact ledger, "failed" once an entry
of the container was changed in the database behind the ledger's back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bridge.test_ledger_tamper import sql
from tests.console.conftest import Server, open_console, start_server


@pytest.fixture(scope="module")
def ledger_server(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch
) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("console-ledger")
    monkeypatch_module.setenv("BORDERFLOW_LEDGER_KEY_DIR", str(tmp / "signing-keys"))
    yield from start_server(tmp, ledger=True)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def _signed_container(server: Server, limit_s: float = 90.0) -> tuple[str, list[int]]:
    """A container with at least two custody entries under the signed tree head."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        for cid in sorted(server.app.state.service.state.cargo):
            doc = server.get(f"/v1/containers/{cid}/custody")
            signed = [e["seq"] for e in doc["events"] if e["included"]]
            if len(signed) >= 2 and doc["status"] == "verified":
                return cid, signed
        time.sleep(0.5)
    raise AssertionError(f"no container with two signed custody entries within {limit_s} s")


def _search(page: Any, cid: str) -> str:
    page.fill("#container-q", "")
    assert page.locator("#custody-status").count() == 0
    page.type("#container-q", cid)
    page.wait_for_selector("#custody-status", timeout=5000)
    return str(page.get_attribute("#custody-status", "data-status"))


def test_a_tampered_entry_shows_failed(browser: Any, ledger_server: Server, tmp_path: Path) -> None:
    cid, seqs = _signed_container(ledger_server)
    page = open_console(browser, ledger_server)
    assert _search(page, cid) == "verified"
    url = ledger_server.fleet.custody_extract(cid).ledger_url  # type: ignore[union-attr]
    # One byte of a stored entry changed by someone with write access to the database.
    change = "UPDATE entries SET body = CAST(REPLACE(CAST(body AS TEXT), 'CN', 'MN') AS BLOB)"
    sql(url, (change + " WHERE seq = ?", (seqs[1],)))
    assert ledger_server.get(f"/v1/containers/{cid}/custody")["status"] == "failed"
    assert _search(page, cid) == "failed"
    assert page.inner_text("#custody-status") in ("failed", "验证失败")
    page.context.close()
