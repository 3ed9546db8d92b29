"""Helpers for tests that run a real ``borderflow serve`` process on loopback: a free port, and
waiting until the process answers /healthz (or failing with its stderr if it exited)."""

from __future__ import annotations

import socket
import subprocess
import time
from typing import Any

import httpx

__all__ = ["free_port", "wait_healthy"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(proc: subprocess.Popen[Any], port: int, timeout_s: float = 60.0) -> None:
    """Return once the server answers ``/healthz`` 200; kill it and fail after ``timeout_s``."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"serve exited ({proc.returncode}): {err!r}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"serve did not answer /healthz in {timeout_s:g} s")
