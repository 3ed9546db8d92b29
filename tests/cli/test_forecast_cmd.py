"""``borderflow forecast`` against a live ``borderflow serve`` (the SimPy fleet at 60x on the
test crossing): the bridge process forks its running fleet, answers with the KPIs ahead, and
goes on serving; refusals are one line saying what to fix."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from cli import app
from risk_bridge.domain import Role
from risk_bridge.security import StateDir
from tests.live_server import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@dataclass
class Live:
    url: str
    keys: StateDir

    def forecast(self, *args: str, role: Role = Role.OPERATOR, url: str | None = None) -> Any:
        token = self.keys.issue(f"cli-test-{role.value}", role, None)[0]
        env = {"BORDERFLOW_TOKEN": token, "BORDERFLOW_URL": ""}
        return runner.invoke(app, ["forecast", *args, "--url", url or self.url], env=env)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp("forecast-cli")
    port = free_port()
    state = tmp / "state"
    env = {**os.environ, "BORDERFLOW_LEDGER_KEY_DIR": str(tmp / "keys")}
    cmd = [sys.executable, "-c", "from cli import main; main()", "serve", "--port", str(port),
           "--scenario", "test_small", "--speed", "60", "--state-dir", str(state),
           "--db", f"sqlite:///{tmp / 'bridge.db'}", "--log-format", "none",
           "--auto-customs"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_healthy(proc, port)
        keys = StateDir(state, issuer="borderflow-bridge", audience="borderflow", ttl_s=900)
        time.sleep(2.0)  # two simulated minutes: vehicles on the move
        yield Live(f"http://127.0.0.1:{port}", keys)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_a_what_if_forecast_with_a_plot(live: Live, tmp_path: Path) -> None:
    png = tmp_path / "what-if.png"
    r = live.forecast("--hours", "1", "--seeds", "3", "--remove-agvs", "2", "--scanner-down", "cn",
                      "--plot", str(png))  # fmt: skip
    assert r.exit_code == 0, r.output
    texts = ("Forecast from", "1 h ahead, 3 seeds", "no change", "with the what-if", "difference",
             "containers delivered", "NII scanners down: CN; remove 2 AGVs")  # fmt: skip
    for text in texts:
        assert text in r.output, text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    # the bridge goes on: healthy, and its fleet still moves
    assert httpx.get(f"{live.url}/healthz", timeout=5).status_code == 200


def test_json_answer_and_a_viewer_may_ask(live: Live) -> None:
    r = live.forecast("--hours", "0.5", "--bin-min", "5", "--json", role=Role.VIEWER)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["t_min"] == [5.0, 10.0, 15.0, 20.0, 25.0, 30.0]
    assert doc["what_if"] == [] and doc.get("with_what_if") is None
    assert doc["no_change"]["summary"]["delivered"]["mean"] is not None


def test_refusals_say_what_to_fix(live: Live) -> None:
    bad = live.forecast("--scanner-down", "RU")
    assert bad.exit_code == 2 and "scanners_down" in bad.output
    lane = live.forecast("--close-lane", "nowhere")
    assert lane.exit_code == 2 and "no lane 'nowhere'" in lane.output
    officer = live.forecast(role=Role.VIEWER, url="http://127.0.0.1:9")
    assert officer.exit_code == 1 and "cannot reach the bridge" in officer.output
