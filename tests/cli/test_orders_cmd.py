"""``borderflow orders submit | list | show`` against a live ``borderflow serve`` (the SimPy fleet
at 60x on the test crossing): an order submitted from the command line is carried across once a
LOW verdict is posted for it, and every refusal is one line saying what to do."""

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
from orchestrator.domain.iso6346 import container_number
from risk_bridge.domain import Role
from risk_bridge.security import StateDir
from tests.live_server import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@dataclass
class Live:
    url: str
    keys: StateDir

    def token(self, role: Role, authority: str | None = None) -> str:
        return self.keys.issue(f"cli-test-{role.value}", role, authority)[0]

    def orders(self, *args: str, token: str | None = None, url: str | None = None) -> Any:
        env = {"BORDERFLOW_TOKEN": token or self.token(Role.OPERATOR), "BORDERFLOW_URL": ""}
        return runner.invoke(app, ["orders", *args, "--url", url or self.url], env=env)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp("orders-cli")
    port = free_port()
    state = tmp / "state"
    env = {**os.environ, "BORDERFLOW_LEDGER_KEY_DIR": str(tmp / "keys")}
    cmd = [sys.executable, "-c", "from cli import main; main()", "serve", "--port", str(port),
           "--scenario", "test_small", "--speed", "60", "--state-dir", str(state),
           "--db", f"sqlite:///{tmp / 'bridge.db'}", "--log-format", "none"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_healthy(proc, port)
        keys = StateDir(state, issuer="borderflow-bridge", audience="borderflow", ttl_s=900)
        yield Live(f"http://127.0.0.1:{port}", keys)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def _fresh(n: int) -> str:
    return str(container_number("ZZZ", 610_000 + n))


def test_an_order_submitted_from_the_command_line_crosses(live: Live) -> None:
    cid = _fresh(1)
    args = ["submit", cid, "--direction", "cn-mn", "--from", "cn_slot_02",
            "--seal", "ZZ-61000001", "--consignor", "Erlian Trading Co", "--hs-code", "842911",
            "--origin-country", "CN"]  # fmt: skip
    r = live.orders(*args)
    assert r.exit_code == 0, r.output
    oid = f"ORD-{cid}-1"
    assert r.output.splitlines() == [
        f"order {oid} accepted: {cid} CN->MN from cn_slot_02 (status open at cn_slot_02)",
        f"follow it: borderflow orders show {oid}",
    ]
    again = live.orders(*args)
    assert again.exit_code == 0 and f"order {oid} was received before" in again.output
    # Customs clear it (a CN system's LOW verdict): the fleet carries it across.
    issued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    v = {"verdict_id": f"CLI-{cid}", "container_id": cid, "authority": "CN", "level": "LOW",
         "issued_at": issued}  # fmt: skip
    headers = {"Authorization": f"Bearer {live.token(Role.AUTHORITY_SYSTEM, 'CN')}",
               "Idempotency-Key": f"cli-test-{cid}"}  # fmt: skip
    assert httpx.post(f"{live.url}/v1/verdicts", json=v, headers=headers).status_code == 201
    seen: list[str] = []
    end = time.monotonic() + 90
    while time.monotonic() < end:
        shown = live.orders("show", oid, "--json")
        assert shown.exit_code == 0, shown.output
        status = json.loads(shown.output)["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == "delivered":
            break
        time.sleep(0.2)
    assert seen[-1] == "delivered" and "picked_up" in seen, seen

    table = live.orders("show", oid)
    assert table.exit_code == 0
    lines = dict(line.split(":", 1) for line in table.output.splitlines())
    assert lines["status"].strip() == "delivered" and lines["crossed"].strip() == "yes"
    assert lines["order"].strip() == f"{oid} (made by the bridge)"
    assert lines["delivered"].strip().split(" at ")[1].startswith("mn_slot_")
    listed = live.orders("list", "--status", "delivered", token=live.token(Role.VIEWER))
    assert listed.exit_code == 0, listed.output
    header, *rows = listed.output.splitlines()
    assert header.split() == ["ORDER", "CONTAINER", "DIRECTION", "FROM", "STATUS", "VEHICLE",
                              "NODE", "ACCEPTED", "(UTC)"]  # fmt: skip
    assert [row.split()[:5] for row in rows] == [[oid, cid, "CN->MN", "cn_slot_02", "delivered"]]
    as_json = live.orders("list", "--json")
    assert [o["order_id"] for o in json.loads(as_json.output)] == [oid]
    none = live.orders("list", "--status", "refused")
    assert none.exit_code == 0 and none.output.strip() == "no refused orders"


def test_refusals_say_what_to_do(live: Live) -> None:
    cid = _fresh(2)
    submit = ["submit", cid, "--direction", "CN->MN", "--from", "cn_slot_01"]
    cargo = ["--consignor", "Gobi Cashmere", "--hs-code", "510211", "--origin-country", "MN"]
    nobody = f"http://127.0.0.1:{free_port()}"
    cases = [
        (live.orders("list", url=nobody), 1,
         f"is `borderflow serve` running on {nobody}?"),
        (runner.invoke(app, ["orders", "list", "--url", live.url], env={"BORDERFLOW_TOKEN": ""}),
         2, "no token: pass --token or set BORDERFLOW_TOKEN"),
        (live.orders("list", token="not.a.token"), 2,
         "the bridge refused the token (401"),
        (live.orders(*submit, *cargo, token=live.token(Role.VIEWER)), 2,
         "not allowed (403): role viewer may not do this (allowed: operator)"),
        (live.orders("submit", cid, "--direction", "CN->MN", "--from", "mn_slot_01", *cargo), 2,
         "origin_station mn_slot_01 is on the MN side"),
        (live.orders(*submit), 2, f"container {cid} is not on the manifest"),
        (live.orders(*submit, "--consignor", "Gobi Cashmere"), 2,
         "needs all three of --consignor, --hs-code, --origin-country (missing --hs-code, "
         "--origin-country)"),
        (live.orders("submit", "CSQU3054384", "--direction", "CN->MN", "--from", "cn_slot_01"),
         2, "check digit"),
        (live.orders(*submit[:2], "--direction", "MN-", "--from", "mn_slot_01"), 2,
         "--direction 'MN-': give CN-MN (leaves China) or MN-CN"),
        (live.orders("show", "ORD-none"), 2,
         "no order 'ORD-none'; GET /v1/orders lists them (404)"),
    ]  # fmt: skip
    for result, code, words in cases:
        assert result.exit_code == code, (words, result.output)
        assert words in result.output, (words, result.output)
        assert result.output.startswith("error: ") and "Traceback" not in result.output
    # Nothing of it was stored.
    stored = json.loads(live.orders("list", "--json").output)
    assert cid not in {o["container_id"] for o in stored}


def test_help_teaches() -> None:
    for args, words in (
        (["orders", "--help"], ["BORDERFLOW_TOKEN", "submit", "list", "show", "8750"]),
        (["orders", "submit", "--help"], ["--direction", "--from", "--seal", "--consignor",
                                          "borderflow orders submit"]),
        (["orders", "list", "--help"], ["--status", "--after", "--limit", "--json"]),
    ):  # fmt: skip
        r = runner.invoke(app, args)
        assert r.exit_code == 0
        for word in words:
            assert word in r.output, (args, word)
