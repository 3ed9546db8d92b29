"""``make demo`` as the README gives it, in a copy of a fresh clone: the map picture, the
simulated day's KPIs, report and event log in out/, then the live console on the printed port,
where the printed demo password signs the operator in; Ctrl-C stops it without a traceback.
(The venv and the console's npm assets are the ones ``make test`` already set up: ``-o`` tells
make not to redo them.)"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.docs.doc_blocks import environment, fresh_clone
from tests.live_server import free_port


@pytest.mark.slow
def test_make_demo_runs_the_day_and_serves_the_console(tmp_path: Path) -> None:
    work = fresh_clone(tmp_path)
    port = free_port()
    env = environment(tmp_path, {"DEMO_PORT": str(port), "DEMO_SPEED": "60"})
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["make", "-o", ".venv/.installed", "-o", "console", "demo"], cwd=work, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        end = time.monotonic() + 300
        password = None
        while time.monotonic() < end and proc.poll() is None:
            m = re.search(r"with the password (\S+)", log.read_text(errors="replace"))
            if m:
                password = m.group(1)
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success:
                        break
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        text = log.read_text(errors="replace")
        assert proc.poll() is None and password, f"make demo never served the console:\n{text}"
        for name in ("erenhot_day.kpis.json", "erenhot_day.report.html",
                     "erenhot_day.events.jsonl", "erenhot_zamyn_uud.png"):  # fmt: skip
            assert (work / "out" / name).stat().st_size > 0, name
        signed = httpx.post(
            f"http://127.0.0.1:{port}/v1/session",
            json={"username": "operator", "password": password}, timeout=10,
        )  # fmt: skip
        assert signed.status_code == 200, signed.text
        assert signed.json()["role"] == "operator"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(timeout=30)
    # make itself dies of the Ctrl-C it was sent (as in a terminal); the server under it stopped.
    assert code in (0, -signal.SIGINT), log.read_text(errors="replace")[-3000:]
    assert "Traceback" not in log.read_text(errors="replace")
