"""``borderflow bridge user-add / user-remove / user-list``: people's accounts for the console.

Operators, officers and viewers sign in to the control-room console with a username and a
password (argon2id-hashed in ``users.json`` of the state directory; see docs/console.md,
*Sign-in*). Machine clients keep ``client-add`` and OAuth2 client credentials.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cli.bridge_cmd import AuthOpt, RoleOpt, StateOpt, _fail, _keys, app

__all__: list[str] = []


@app.command("user-add")
def user_add(
    username: str,
    role: RoleOpt,
    authority: AuthOpt = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    state_dir: StateOpt = None,
) -> None:
    """Create a console account (operator, officer of CN or MN, viewer).

      borderflow bridge user-add li.wei --role officer --authority CN

      printf '%s' "$PW" | borderflow bridge user-add ops-1 --role operator --password-stdin

    Without --password-stdin the password is asked for twice, hidden. At least 12 characters.
    """
    from risk_bridge.domain import Role
    from risk_bridge.errors import BridgeError
    from risk_bridge.security.users import UserBook

    try:
        who = Role(role)
    except ValueError as exc:
        _fail(ValueError(f"role {role!r} is not one of operator, officer, viewer"))
        raise AssertionError from exc  # _fail exits
    if who is Role.AUTHORITY_SYSTEM:
        _fail(ValueError("authority systems are machines: use `borderflow bridge client-add`"))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    keys = _keys(state_dir)
    keys.init()
    try:
        user = UserBook(keys.path).add(username, password, who, authority)
    except (BridgeError, ValueError) as exc:
        _fail(exc)
        return
    side = f" of {user.authority}" if user.authority else ""
    typer.echo(f"user {user.username} created: {user.role.value}{side}")


@app.command("user-remove")
def user_remove(username: str, state_dir: StateOpt = None) -> None:
    """Remove a console account; its sessions stop working within a second."""
    from risk_bridge.errors import BridgeError
    from risk_bridge.security.users import UserBook

    try:
        UserBook(_keys(state_dir).path).remove(username)
    except BridgeError as exc:
        _fail(exc)
        return
    typer.echo(f"user {username} removed")


@app.command("user-list")
def user_list(state_dir: StateOpt = None) -> None:
    """The console accounts (name, role, authority; never the hashes)."""
    from risk_bridge.security.users import UserBook

    for u in UserBook(_keys(state_dir).path).list():
        typer.echo(f"{u.username}\t{u.role.value}\t{u.authority or '-'}")
