"""``borderflow serve`` prints what happens: a real server process on loopback, its stdout read
as JSON lines (``--log-format json``), and the same rows as readable text lines."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from risk_bridge.domain import Role
from risk_bridge.security import StateDir
from risk_bridge.serve_log import format_text
from tests.live_server import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]


def _lines(proc: subprocess.Popen[str], into: list[dict[str, Any]]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        into.append(json.loads(line))  # every line is one JSON object, or the test fails here


def _until(cond: Any, timeout_s: float) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("not seen in time")


def test_serve_logs_holds_releases_crossings_and_lane_closures(tmp_path: Path) -> None:
    port = free_port()
    state = tmp_path / "state"
    cmd = [sys.executable, "-c", "from cli import main; main()", "serve", "--port", str(port),
           "--scenario", "test_small", "--speed", "600", "--state-dir", str(state),
           "--db", f"sqlite:///{tmp_path / 'bridge.db'}", "--log-format", "json"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    seen: list[dict[str, Any]] = []
    reader = threading.Thread(target=_lines, args=(proc, seen), daemon=True)
    reader.start()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(proc, port)
        keys = StateDir(state, issuer="borderflow-bridge", audience="borderflow", ttl_s=900)
        tok = keys.issue("ops-1", Role.OPERATOR, None)[0]
        h = {"Authorization": f"Bearer {tok}", "Idempotency-Key": os.urandom(8).hex()}
        lane = next(iter(httpx.get(base + "/v1/lanes", headers=h, timeout=10).json()["lanes"]))
        r = httpx.post(f"{base}/v1/lanes/{lane}/close", json={"reason": "snow"}, headers=h)
        assert r.status_code in (200, 201), r.text
        kinds = lambda: {e["kind"] for e in seen}  # noqa: E731
        _until(lambda: {"lane.closed", "container.crossed", "hold.placed"} <= kinds(), 60)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    closed = next(e for e in seen if e["kind"] == "lane.closed")
    assert closed["data"]["target"] == lane and closed["data"]["by"] == "operator"
    assert [e["seq"] for e in seen] == sorted(e["seq"] for e in seen)
    held = next(e for e in seen if e["kind"] == "hold.placed")
    assert held["container_id"] and held["at"].endswith("+00:00")
    # The text form of the same rows: time, kind, container, the fields that matter first.
    row = (held["seq"], held["at"], "hold.placed", held["container_id"],
           json.dumps({"data": held["data"]}))  # fmt: skip
    line = format_text(row)
    assert line.split()[1:3] == ["hold.placed", held["container_id"]]
    assert line.split()[0].endswith("Z") and line.split()[3].startswith("side=")
    assert f"hold_id={held['data']['hold_id']}" in line
    row = (closed["seq"], closed["at"], "lane.closed", "", json.dumps({"data": closed["data"]}))
    text = format_text(row)
    assert text.split()[1:6] == ["lane.closed", "-", f"target={lane}", "by=operator", "reason=snow"]
