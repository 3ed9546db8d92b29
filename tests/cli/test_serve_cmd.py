"""``borderflow serve`` and ``borderflow bridge``: help, credentials administration, bad input.
(The running server is tested end to end, kill -9 included, in tests/bridge/test_recovery.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest
from typer.testing import CliRunner

from cli import app
from risk_bridge.security import StateDir

runner = CliRunner()


def _keys(path: Path) -> StateDir:
    return StateDir(path, issuer="borderflow-bridge", audience="borderflow", ttl_s=60)


def test_serve_help_teaches() -> None:
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    for word in ("--port", "--db", "--scenario", "--speed", "127.0.0.1", "bridge token"):
        assert word in result.output


def test_bridge_init_client_token_rotate(tmp_path: Path) -> None:
    state = tmp_path / "state"
    r = runner.invoke(app, ["bridge", "init", "--state-dir", str(state)])
    assert r.exit_code == 0 and "active signing key" in r.output
    assert (state.stat().st_mode & 0o777) == 0o700
    r = runner.invoke(app, ["bridge", "client-add", "gacc-erenhot", "--role", "authority_system",
                            "--authority", "CN", "--state-dir", str(state)])  # fmt: skip
    assert r.exit_code == 0, r.output
    secret = r.stdout.split("client_secret=")[1].split()[0]
    principal = _keys(state).verify(_keys(state).client_token("gacc-erenhot", secret)[0])
    assert (principal.role.value, principal.authority) == ("authority_system", "CN")
    r = runner.invoke(app, ["bridge", "token", "--role", "officer", "--authority", "MN",
                            "--sub", "MN-officer-7", "--state-dir", str(state)])  # fmt: skip
    assert r.exit_code == 0
    tok = r.stdout.strip()
    assert _keys(state).verify(tok).subject == "MN-officer-7"
    old_kid = jwt.get_unverified_header(tok)["kid"]
    r = runner.invoke(app, ["bridge", "rotate-key", "--state-dir", str(state)])
    assert r.exit_code == 0 and old_kid not in r.output
    assert _keys(state).verify(tok).subject == "MN-officer-7"  # still valid until retired
    r = runner.invoke(app, ["bridge", "retire-key", old_kid, "--state-dir", str(state)])
    assert r.exit_code == 0
    r = runner.invoke(app, ["bridge", "client-remove", "gacc-erenhot", "--state-dir", str(state)])
    assert r.exit_code == 0


def test_bridge_bad_input(tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    r = runner.invoke(app, ["bridge", "token", "--role", "officer", "--sub", "x",
                            "--state-dir", state])  # fmt: skip
    assert r.exit_code == 2 and "needs --authority CN or MN" in r.output
    r = runner.invoke(app, ["bridge", "token", "--role", "admin", "--sub", "x",
                            "--state-dir", state])  # fmt: skip
    assert r.exit_code == 2
    r = runner.invoke(app, ["bridge", "retire-key", "nope", "--state-dir", state])
    assert r.exit_code == 2


def test_serve_bad_input_exits_2(tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    r = runner.invoke(app, ["serve", "--scenario", "no_such_scenario", "--state-dir", state])
    assert r.exit_code == 2 and "no_such_scenario" in r.output
    r = runner.invoke(app, ["serve", "--db", "mysql://x/y", "--state-dir", state])
    assert r.exit_code == 2 and "unsupported store URL" in r.output


def test_serve_ros_fleet_options_are_checked_before_anything_is_written(tmp_path: Path) -> None:
    state = tmp_path / "state"
    base = ["serve", "--state-dir", str(state), "--db", f"sqlite:///{tmp_path / 'b.db'}"]
    # (Without --manifest the node's own arrivals are the manifest: tests/ros/test_map_check.py.)
    r = runner.invoke(app, [*base, "--fleet", "ros", "--domain-id", "7", "--ledger", "x.db"])
    assert r.exit_code == 2 and "--ledger is for the SimPy fleet" in r.output
    bad = tmp_path / "cargo.csv"
    bad.write_text("container_id,consignor,hs_code,origin_country\nMSCU1234567,A,1,CN\n")
    r = runner.invoke(app, [*base, "--fleet", "ros", "--domain-id", "7", "--manifest", str(bad)])
    assert r.exit_code == 2 and "line 2" in r.output and "nothing loaded" in r.output
    r = runner.invoke(app, [*base, "--fleet", "ros", "--manifest", str(bad), "--speed", "5",
                            "--domain-id", "7"])  # fmt: skip
    assert r.exit_code == 2 and "--speed is for the SimPy fleet" in r.output
    # --scenario is the forecasts' model with --fleet ros: a bad one is refused up front.
    r = runner.invoke(app, [*base, "--fleet", "ros", "--scenario", "no_such_scenario",
                            "--domain-id", "7"])  # fmt: skip
    assert r.exit_code == 2 and "no_such_scenario" in r.output
    r = runner.invoke(app, [*base, "--manifest", str(bad)])
    assert r.exit_code == 2 and "goes with --fleet ros or vda5050" in r.output
    r = runner.invoke(app, [*base, "--fleet", "ros", "--manifest", str(bad), "--map", "nowhere",
                            "--domain-id", "7"])  # fmt: skip
    assert r.exit_code == 2
    # Refused before the store, the keys or a ledger were touched.
    assert not state.exists()
    assert not (tmp_path / "b.db").exists()


def _served_app(monkeypatch: Any, args: list[str]) -> Any:
    """The app ``serve`` would run, captured at uvicorn.run (nothing binds a port)."""
    import cli.serve_cmd

    seen: list[Any] = []
    monkeypatch.setattr(cli.serve_cmd, "run_server", lambda app, sock: seen.append(app))
    r = runner.invoke(app, ["serve", *args])
    assert r.exit_code == 0, r.output
    return seen[0]


@pytest.mark.parametrize("flag", [[], ["--secure-cookies"]])
def test_secure_cookies_flag_marks_the_session_cookie_secure(
    tmp_path: Path, monkeypatch: Any, flag: list[str]
) -> None:
    from fastapi.testclient import TestClient

    from risk_bridge.domain import Role
    from risk_bridge.security.users import UserBook

    state = tmp_path / "state"
    _keys(state).init()
    UserBook(state).add("op-1", "a long enough password", Role.OPERATOR, None)
    served = _served_app(
        monkeypatch,
        ["--state-dir", str(state), "--db", f"sqlite:///{tmp_path / 'b.db'}",
         "--scenario", "test_small", "--ledger", "none", *flag],
    )  # fmt: skip
    with TestClient(served, base_url="http://127.0.0.1") as client:
        r = client.post(
            "/v1/session", json={"username": "op-1", "password": "a long enough password"}
        )
        assert r.status_code == 200, r.text
        cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert ("Secure" in cookie) is bool(flag)


def test_serve_vda5050_options_are_checked_before_anything_is_written(tmp_path: Path) -> None:
    from tests.live_server import free_port

    state = tmp_path / "state"
    db = tmp_path / "b.db"
    base = ["serve", "--state-dir", str(state), "--db", f"sqlite:///{db}"]
    vda = [*base, "--fleet", "vda5050"]
    cases = [
        (vda, 2, "needs --fleet-file"),
        ([*vda, "--fleet-file", "nowhere.toml"], 2, "cannot read the fleet file"),
        ([*vda, "--fleet-file", "test_crossing", "--mqtt", "http://x"], 2, "mqtt"),
        ([*vda, "--fleet-file", "test_crossing", "--interface", "a/b"], 2, "MQTT topic level"),
        ([*vda, "--fleet-file", "test_crossing", "--auto-customs"], 2, "no simulated customs"),
        ([*vda, "--fleet-file", "test_crossing", "--domain-id", "3"], 2, "go with --fleet ros"),
        ([*base, "--mqtt", "mqtt://127.0.0.1:1883"], 2, "--mqtt go with --fleet vda5050"),
        ([*base, "--fleet", "ros", "--fleet-file", "x"], 2, "--fleet-file go with --fleet vda"),
        # nothing listens there: the broker is reached before the store is touched (exit 3)
        ([*vda, "--fleet-file", "test_crossing", "--mqtt", f"mqtt://127.0.0.1:{free_port()}",
          "--port", str(free_port())], 3, "broker"),
    ]  # fmt: skip
    for args, code, words in cases:
        r = runner.invoke(app, args)
        assert r.exit_code == code and words in r.output, (args, r.output)
    assert not db.exists() and not state.exists()


def test_a_busy_port_is_the_first_error_and_nothing_is_written(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        db = tmp_path / "b.db"
        r = runner.invoke(
            app,
            ["serve", "--port", str(port), "--state-dir", str(tmp_path / "state"),
             "--db", f"sqlite:///{db}", "--scenario", "test_small"],
        )  # fmt: skip
    assert r.exit_code == 2
    assert f"port {port} on 127.0.0.1 is in use" in r.output and "--port" in r.output
    assert "borderflow bridge on" not in r.output  # no banner before the error
    assert not db.exists() and not (tmp_path / "state").exists()


def test_serve_help_names_the_log_formats() -> None:
    r = runner.invoke(app, ["serve", "--help"])
    assert "--log-format" in r.output and "json" in r.output
