"""kill -9 while appending: every acknowledged event survives and the ledger verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from risk_bridge.ledger import load_public_key, open_ledger
from tests.orchestrator.custody.journeys import container_id, crossing

ROOT = Path(__file__).resolve().parents[2]


def test_kill_9_mid_stream_loses_nothing_acknowledged(url: str, key: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.ledger.crash_child", url, str(key)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    acked: list[int] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            acked.append(int(line))
            if len(acked) >= 300:
                break
    finally:
        child.send_signal(signal.SIGKILL)
        _, err = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL, err
    assert acked == list(range(len(acked)))

    with open_ledger(url, readonly=True) as ledger:
        report = ledger.verify(load_public_key(Path(f"{key}.pub")))
        assert report.entries >= len(acked)
        stored = {seq for seq, _, _ in ledger.rows()}
        assert set(acked) <= stored
    with open_ledger(url, key=key) as ledger:  # and a restarted writer carries on
        n = ledger.size
        ledger.append(crossing(container_id(999_999), "EZ-99999999", t0_s=1e6)[0])
        assert ledger.size == n + 1
