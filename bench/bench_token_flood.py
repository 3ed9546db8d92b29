"""Token-endpoint flood: durable single-verdict ingestion with and without 4 connections posting
made-up client ids to ``/v1/oauth/token`` at the same time (issue 13; goal: >= 80 % of the
throughput kept).

Same server and load generator as :mod:`bench.bench_bridge` (one uvicorn worker, ``wrk`` on
loopback, durable group commit). The flood is a second ``wrk`` (1 thread, 4 connections) for
the same seconds. Measured twice: with the bridge's defaults (per-source rate limit: the flood
is refused with 429 before any hashing, after a tarpit delay) and with the rate limits lifted,
so that every flood request costs a scrypt hash: what is left then is the hashing being off the
event loop, on a 2-core machine where the hashes take CPU the server and wrk need (no goal).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from bench.bench_bridge import _LUA, _ensure_wrk, _free_port, _state, _stop, _wrk
from bench.figures import Figure

ROOT = Path(__file__).resolve().parent.parent
AREA = "bridge"

_FLOOD = r"""
counter = 0
request = function()
  counter = counter + 1
  local body = "grant_type=client_credentials&client_id=made-up-" .. counter ..
    "&client_secret=guess"
  return wrk.format("POST", "/v1/oauth/token",
    {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
"""


def _serve(port: int, tmp: Path, unlimited: bool) -> None:
    import dataclasses

    import uvicorn

    from risk_bridge.app import create_app, tune_gc_for_serving
    from sim.live import SimFleet
    from sim.scenario import load_scenario

    settings, _ = _state(tmp)
    if unlimited:
        settings = dataclasses.replace(  # type: ignore[type-var]
            settings, token_per_source_per_min=1e12, token_per_client_per_min=1e12
        )
    fleet = SimFleet(load_scenario("erenhot_day"), realtime=False)
    app = create_app(settings, fleet=fleet)  # type: ignore[arg-type]
    (tmp / "manifest.json").write_text(json.dumps(sorted(app.state.service.state.cargo)))
    tune_gc_for_serving()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _flood(wrk: str, url: str, seconds: int, script: Path, out: list[str]) -> None:
    cmd = [wrk, "-t1", "-c4", f"-d{seconds}s", "-s", str(script), url]
    out.append(
        subprocess.run(
            cmd, check=False, capture_output=True, text=True, timeout=seconds + 60
        ).stdout
    )


def _measure(tmp: Path, seconds: int, unlimited: bool) -> tuple[float, float, str]:
    from risk_bridge.domain import Role

    wrk = _ensure_wrk()
    sub = tmp / ("unlimited" if unlimited else "default")
    sub.mkdir()
    _, keys = _state(sub)
    token = keys.issue("bench-gacc", Role.AUTHORITY_SYSTEM, "CN", ttl_s=3600)[0]  # type: ignore[attr-defined]
    port = _free_port()
    args = ["serve", str(port), str(sub), "1" if unlimited else "0"]
    server = _start_self(args, port)
    try:
        cids = json.loads((sub / "manifest.json").read_text())
        issued = datetime.now(UTC).isoformat()
        url = f"http://127.0.0.1:{port}"
        quiet = sub / "verdicts.lua"
        quiet.write_text(_LUA % (",".join(f'"{c}"' for c in cids[:500]), token, issued))
        alone, _, _ = _wrk(wrk, url, seconds, quiet)
        # Fresh verdict ids for the second run (the script numbers them from 1 again).
        loud = sub / "verdicts2.lua"
        loud.write_text(
            (_LUA % (",".join(f'"{c}"' for c in cids[:500]), token, issued))
            .replace('"B" .. id', '"F" .. id')
            .replace('"bench-" .. id', '"flood-" .. id')
        )
        flood_script = sub / "flood.lua"
        flood_script.write_text(_FLOOD)
        flood_out: list[str] = []
        t = threading.Thread(target=_flood, args=(wrk, url, seconds, flood_script, flood_out))
        t.start()
        flooded, _, bad = _wrk(wrk, url, seconds, loud)
        t.join()
    finally:
        _stop(server)
    return alone, flooded, f"{bad} non-2xx verdicts; flood: {_summary(flood_out)}"


def _summary(out: list[str]) -> str:
    import re

    text = out[0] if out else ""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    total = re.search(r"(\d+) requests in", text)
    return (
        f"{total.group(1) if total else '?'} token requests "
        f"({rps.group(1) if rps else '?'}/s), {non2xx.group(1) if non2xx else '0'} refused"
    )


def _start_self(args: list[str], port: int) -> subprocess.Popen[bytes]:
    """This module's server as a subprocess (``python -m bench.bench_token_flood serve``)."""
    import os
    import socket
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_token_flood", *args],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server died: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    os.killpg(proc.pid, 15)
    raise RuntimeError(f"server did not listen on {port} within 60 s")


def run(quick: bool) -> list[Figure]:
    seconds = 3 if quick else 8
    tmp = Path(tempfile.mkdtemp(prefix="borderflow-bench-flood-", dir=ROOT / "bench"))
    figures: list[Figure] = []
    try:
        for unlimited in (False, True):
            alone, flooded, notes = _measure(tmp, seconds, unlimited)
            kept = flooded / alone if alone else 0.0
            what = "rate limits lifted (every flood request hashed)" if unlimited else "defaults"
            figures.append(
                Figure(
                    AREA,
                    f"verdicts kept under a token-endpoint flood, {what}",
                    kept * 100.0,
                    "%",
                    "" if unlimited else ">= 80 %",
                    None if unlimited else kept >= 0.8,
                    f"{alone:,.0f} verdicts/s alone, {flooded:,.0f}/s with 4 connections "
                    f"posting made-up client ids (wrk -t1 -c4, {seconds} s); {notes}; before "
                    "issue 13 (hashing on the event loop): 3,764 -> 17 accepted per 8 s",
                )
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        _serve(int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4] == "1")
    else:
        for f in run(quick="--quick" in sys.argv):
            print(f)
