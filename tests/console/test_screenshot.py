"""docs/console.png: the console with moving AGVs (``make screenshot``; in the suite it writes
to a temporary file, so a test run never changes the docs)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.console.conftest import Server, open_console


def test_screenshot_of_moving_agvs(browser: Any, server: Server, tmp_path: Path) -> None:
    out = Path(os.environ.get("BORDERFLOW_SCREENSHOT") or tmp_path / "console.png")
    page = open_console(browser, server)
    page.wait_for_function(
        "() => window.bfStats.frames >= 6 && "
        "[...window.bfConsole.map.vehicles.values()].some(e => e.v.speed_mps > 0)",
        timeout=60000,
    )
    moving = page.evaluate(
        "() => [...window.bfConsole.map.vehicles.values()]"
        ".find(e => e.v.speed_mps > 0).v.vehicle_id"
    )
    page.evaluate("id => window.bfConsole.map.select(id)", moving)
    page.wait_for_selector("#vehicle-info:not([hidden])")
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out))
    assert out.stat().st_size > 20_000
    page.context.close()
