"""People signed in through the form: a CN officer releases a hold in the console and the audit
trail names them; an operator sees the release disabled with the reason."""

from __future__ import annotations

from typing import Any

import httpx

from risk_bridge.domain import Role
from risk_bridge.security.users import UserBook
from tests.console.conftest import Server
from tests.console.test_console import _container_to_hold, _post_high, wait_hold

PASSWORD = "correct horse battery staple 7"


def _signed_in(browser: Any, server: Server, name: str, role: Role, auth: str | None) -> Any:
    book = UserBook(server.keys.path)
    if book.get(name) is None:
        book.add(name, PASSWORD, role, auth)
    page = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    page.goto(server.url + "/")
    page.wait_for_selector("#sign-in:not([hidden])", timeout=15000)
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("#sign-in button[type=submit]")
    page.wait_for_selector(f"#who:has-text('{name}')", timeout=15000)
    page.wait_for_selector("#holds li", timeout=15000)
    return page


def test_an_officer_releases_in_the_console_and_the_audit_names_them(
    browser: Any, server: Server
) -> None:
    cid = _container_to_hold(server)
    _post_high(server, cid)
    wait_hold(server, cid)
    op = _signed_in(browser, server, "op-wang", Role.OPERATOR, None)
    row = op.locator(f'#holds li[data-container="{cid}"]')
    row.wait_for(timeout=5000)
    assert row.locator("button.release").is_disabled()
    assert "China" in (row.locator("button.release").get_attribute("title") or "")
    op.context.close()

    page = _signed_in(browser, server, "cn-officer-li", Role.OFFICER, "CN")
    row = page.locator(f'#holds li[data-container="{cid}"]')
    row.wait_for(timeout=5000)
    row.locator("input.release-reason").fill("inspected, no findings")
    row.locator("button.release").click()
    row.locator("button.confirm-release").click()
    page.wait_for_selector(
        f'#holds li[data-container="{cid}"] [data-i18n="released"]', timeout=5000
    )
    audit = httpx.get(server.url + "/v1/audit", headers=server.bearer("operator"), timeout=10)
    last = [a for a in audit.json() if a["action"] == "hold.release"][-1]
    assert last["actor"] == "cn-officer-li" and last["authority"] == "CN"
    page.context.close()
