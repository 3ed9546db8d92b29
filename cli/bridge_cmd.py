"""``borderflow bridge``: key, client and token administration for the customs risk bridge.

Stands in for the authorities' identity providers: creates the secret state directory
(signing keys, hashed client secrets) outside the repository, registers machine clients,
issues tokens for officers and operators, rotates and retires signing keys.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["app", "default_state_dir"]

app = typer.Typer(
    help=(
        "Administer the customs bridge's credentials.\n\n"
        "  borderflow bridge init\n\n"
        "  borderflow bridge client-add gacc-erenhot --role authority_system --authority CN\n\n"
        "  borderflow bridge token --role officer --authority MN --sub MN-officer-7\n\n"
        "Secrets live in --state-dir (default $BORDERFLOW_STATE_DIR or "
        "~/.local/share/borderflow/bridge), never in the repository."
    ),
    no_args_is_help=True,
)


def default_state_dir() -> Path:
    env = os.environ.get("BORDERFLOW_STATE_DIR")
    return Path(env) if env else Path.home() / ".local" / "share" / "borderflow" / "bridge"


StateOpt = Annotated[
    Path | None, typer.Option("--state-dir", help="Key and client directory (created 0700).")
]
RoleOpt = Annotated[
    str, typer.Option(help="authority_system | officer | operator | viewer", show_default=False)
]
AuthOpt = Annotated[
    str | None, typer.Option(help="CN (GACC, Erenhot) or MN (Zamyn-Uud); officers and systems")
]


def _keys(state_dir: Path | None):  # type: ignore[no-untyped-def]
    from risk_bridge.security import StateDir

    return StateDir(
        state_dir or default_state_dir(),
        issuer="borderflow-bridge",
        audience="borderflow",
        ttl_s=900.0,
    )


def _fail(exc: Exception) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2) from exc


@app.command()
def init(state_dir: StateOpt = None) -> None:
    """Create the state directory and a first signing key (idempotent)."""
    keys = _keys(state_dir)
    kid = keys.init()
    typer.echo(f"state directory {keys.path} ready; active signing key {kid}")


@app.command("decision-key")
def decision_key(state_dir: StateOpt = None) -> None:
    """The key pair that signs the bridge's verdicts, releases and lane requests to ROS.

    Made in the state directory on first use (decisions.key, mode 0600, and decisions.pub);
    prints the public key's path, which the orchestrator node needs:

      borderflow bridge decision-key

      ros2 run borderflow_ros orchestrator_node --ros-args -p decision_key:=PATH

    (`borderflow ros up` and `borderflow serve --fleet ros` find it themselves.)
    """
    from orchestrator.errors import BorderflowError
    from risk_bridge.security.decision_key import ensure_decision_key

    try:
        key = ensure_decision_key(state_dir or default_state_dir())
    except (BorderflowError, ValueError, OSError) as exc:
        _fail(exc)
    typer.echo(str(key.public_path))
    typer.echo(f"key id {key.key_id}{' (new)' if key.created else ''}", err=True)


@app.command("fork-key")
def fork_key(state_dir: StateOpt = None) -> None:
    """The secret that signs the core the ROS orchestrator node hands out for forecasts.

    Made in the state directory on first use (forks.key, mode 0600); prints its path, which
    the orchestrator node needs to answer the bridge's forecasts (POST /v1/forecasts):

      ros2 run borderflow_ros orchestrator_node --ros-args \\
          -p fork_key:=$(borderflow bridge fork-key)

    (`borderflow ros up` and `borderflow serve --fleet ros` find it themselves.)
    """
    from risk_bridge.security.fork_key import ensure_fork_key

    try:
        key = ensure_fork_key(state_dir or default_state_dir())
    except (ValueError, OSError) as exc:
        _fail(exc)
    typer.echo(str(key.path))
    if key.created:
        typer.echo("new fork key", err=True)


@app.command("client-add")
def client_add(
    client_id: str, role: RoleOpt, authority: AuthOpt = None, state_dir: StateOpt = None
) -> None:
    """Register a machine client (OAuth2 client credentials); prints its secret ONCE."""
    from risk_bridge.domain import Role
    from risk_bridge.errors import BridgeError

    keys = _keys(state_dir)
    keys.init()
    try:
        secret = keys.add_client(client_id, Role(role), authority)
    except (BridgeError, ValueError) as exc:
        _fail(exc)
        return
    typer.echo(f"client_id={client_id}\nclient_secret={secret}")
    typer.echo("store the secret now: only its scrypt hash is kept", err=True)


@app.command("client-remove")
def client_remove(client_id: str, state_dir: StateOpt = None) -> None:
    """Remove a machine client; its secret stops working at once."""
    from risk_bridge.errors import BridgeError

    try:
        _keys(state_dir).remove_client(client_id)
    except BridgeError as exc:
        _fail(exc)


@app.command()
def token(
    role: RoleOpt,
    sub: Annotated[str, typer.Option(help="Who: officer id, operator name.", show_default=False)],
    authority: AuthOpt = None,
    ttl: Annotated[float, typer.Option(help="Lifetime in seconds.")] = 8 * 3600.0,
    state_dir: StateOpt = None,
) -> None:
    """Issue a bearer token for a person (officer, operator, viewer); prints the JWT."""
    from risk_bridge.domain import Role
    from risk_bridge.errors import BridgeError

    try:
        jwt, _ = _keys(state_dir).issue(sub, Role(role), authority, ttl_s=ttl)
    except (BridgeError, ValueError) as exc:
        _fail(exc)
        return
    typer.echo(jwt)


@app.command("rotate-key")
def rotate_key(state_dir: StateOpt = None) -> None:
    """Make a new signing key active; tokens signed by older keys stay valid until retired."""
    kid = _keys(state_dir).rotate_key()
    typer.echo(f"active signing key is now {kid}")


@app.command("retire-key")
def retire_key(kid: str, state_dir: StateOpt = None) -> None:
    """Delete an old signing key: tokens it signed are refused from now on."""
    from risk_bridge.errors import BridgeError

    try:
        _keys(state_dir).retire_key(kid)
    except BridgeError as exc:
        _fail(exc)
