"""The control-room console at fleet scale: 500 AGVs on the Erenhot day, the vehicle stream at
2 frames a second, drawn by the real page in headless Chromium (Debian's, through Playwright).

Figures: the lag from the server reading the fleet's state (``sent_at_ms`` in each frame) to the
page having drawn it, p95 (goal <= 1 s); the page's drawing time per frame, p95 (goal <= 50 ms);
the server CPU the stream costs, as a share of one core (goal <= 0.2): the bridge process's CPU
time while one screen watches minus the same span with nobody watching (the simulated fleet runs
in both), plus the measured cost of building a frame.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path

from bench.figures import Figure

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))] if s else float("nan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(quick: bool) -> list[Figure]:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from risk_bridge.app import create_app
    from risk_bridge.domain import Role
    from risk_bridge.security import StateDir
    from risk_bridge.settings import BridgeSettings
    from risk_bridge.vehicle_feed import frame_json
    from sim.live import SimFleet
    from sim.scenario import load_scenario

    agvs = 100 if quick else 500
    watch_s = 8.0 if quick else 30.0
    tmp = Path(tempfile.mkdtemp(prefix="bench-console-"))
    settings = BridgeSettings(db_url=f"sqlite:///{tmp / 'bridge.db'}", state_dir=tmp / "state")
    keys = StateDir(settings.state_dir, issuer=settings.issuer, audience=settings.audience,
                    ttl_s=3600)  # fmt: skip
    keys.init()
    scenario = load_scenario("erenhot_day").with_overrides(agvs=agvs)
    fleet = SimFleet(scenario, speed=10.0, realtime=True, auto_customs=True)
    app = create_app(settings, fleet=fleet)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not server.started and time.monotonic() < end:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    try:
        time.sleep(3.0)  # the fleet leaves its depots
        # Idle: the fleet and the bridge, nobody watching.
        c0, w0 = time.process_time(), time.monotonic()
        time.sleep(watch_s / 2)
        idle_core = (time.process_time() - c0) / (time.monotonic() - w0)
        builds = []
        for _ in range(10):
            t = time.process_time()
            frame_json(fleet.now_s(), fleet.vehicles())
            builds.append(time.process_time() - t)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            token = keys.issue("bench-viewer", Role.VIEWER, None)[0]
            auth = {"Authorization": f"Bearer {token}"}
            ctx = browser.new_context(viewport={"width": 1600, "height": 900},
                                      extra_http_headers=auth)  # fmt: skip
            page = ctx.new_page()
            page.goto(url + "/")
            page.wait_for_function("() => window.bfConsole && window.bfConsole.ready",
                                   timeout=30000)  # fmt: skip
            time.sleep(2.0)
            page.evaluate("() => { bfStats.lag_ms.length = 0; bfStats.frame_ms.length = 0; }")
            c0, w0 = time.process_time(), time.monotonic()
            time.sleep(watch_s / 2)
            watched_core = (time.process_time() - c0) / (time.monotonic() - w0)
            stats = page.evaluate("() => bfStats")
            drawn = page.evaluate("() => window.bfConsole.map.vehicles.size")
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        fleet.stop()
    lags, frames = stats["lag_ms"], stats["frame_ms"]
    lag_p95, frame_p95 = _pct(lags, 0.95), _pct(frames, 0.95)
    stream_core = max(0.0, watched_core - idle_core)
    build_ms = _pct(builds, 0.5) * 1000
    notes = (f"{agvs} AGVs ({drawn} drawn), erenhot_day at 10x, {len(lags)} frames in "
             f"{watch_s / 2:.0f} s, headless Chromium {CHROMIUM}")  # fmt: skip
    return [
        Figure("console", f"lag state -> drawn, p95 ({agvs} AGVs, 2 frames/s)", lag_p95, "ms",
               "<= 1000 ms", lag_p95 <= 1000, f"p50 {_pct(lags, 0.5):.0f} ms; {notes}"),
        Figure("console", f"frame drawing time, p95 ({agvs} AGVs)", frame_p95, "ms", "<= 50 ms",
               frame_p95 <= 50, f"p50 {_pct(frames, 0.5):.1f} ms; {notes}"),
        Figure("console", "server CPU of the vehicle stream, one screen", stream_core, "cores",
               "<= 0.2", stream_core <= 0.2,
               f"process CPU watched {watched_core:.3f} - unwatched {idle_core:.3f} cores (the "
               f"fleet runs in both); one frame built in {build_ms:.1f} ms = "
               f"{2 * build_ms / 1000:.3f} cores at 2/s, shared by every screen"),
    ]  # fmt: skip
