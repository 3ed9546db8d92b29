"""``borderflow bridge user-add / user-list / user-remove``: console accounts from the shell,
usable at once for a sign-in."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from typer.testing import CliRunner

from cli import app
from risk_bridge.domain import Role
from risk_bridge.errors import AuthError
from risk_bridge.security.users import UserBook

runner = CliRunner()
PW = "correct horse battery staple"


def test_add_list_verify_remove(tmp_path: Path) -> None:
    st = str(tmp_path / "bridge")
    r = runner.invoke(app, ["bridge", "user-add", "li.wei", "--role", "officer",
                            "--authority", "CN", "--password-stdin", "--state-dir", st],
                      input=PW + "\n")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "li.wei created: officer of CN" in r.stdout
    users = tmp_path / "bridge" / "users.json"
    assert stat.S_IMODE(users.stat().st_mode) == 0o600 and PW not in users.read_text()
    assert json.loads(users.read_text())["li.wei"]["argon2"].startswith("$argon2id$")
    user = UserBook(tmp_path / "bridge").verify("li.wei", PW)
    assert (user.role, user.authority) == (Role.OFFICER, "CN")
    r = runner.invoke(app, ["bridge", "user-list", "--state-dir", st])
    assert r.stdout.split() == ["li.wei", "officer", "CN"]
    r = runner.invoke(app, ["bridge", "user-remove", "li.wei", "--state-dir", st])
    assert r.exit_code == 0
    try:
        UserBook(tmp_path / "bridge").verify("li.wei", PW)
        raise AssertionError("a removed user signed in")
    except AuthError:
        pass


def test_mistakes_say_how_to_fix_and_change_nothing(tmp_path: Path) -> None:
    st = str(tmp_path / "bridge")
    base = ["bridge", "user-add", "ops-1", "--password-stdin", "--state-dir", st]
    r = runner.invoke(app, [*base, "--role", "operator"], input="short\n")
    assert r.exit_code == 2 and "at least 12" in r.output
    r = runner.invoke(app, [*base, "--role", "officer"], input=PW + "\n")
    assert r.exit_code == 2 and "--authority CN or MN" in r.output
    r = runner.invoke(app, [*base, "--role", "authority_system", "--authority", "CN"], input=PW)
    assert r.exit_code == 2 and "client-add" in r.output
    r = runner.invoke(app, [*base, "--role", "chief"], input=PW + "\n")
    assert r.exit_code == 2 and "operator, officer, viewer" in r.output
    assert UserBook(tmp_path / "bridge").list() == []
    r = runner.invoke(app, ["bridge", "user-remove", "nobody", "--state-dir", st])
    assert r.exit_code == 2 and "user-list" in r.output
