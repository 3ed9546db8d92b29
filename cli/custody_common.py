"""What the ``borderflow custody`` commands share: the ``--db`` and ``--public-key`` options,
the container-number argument, how a tree head's time is shown, and the two ways of failing
(exit 1: the ledger or a file says no; exit 2: what was typed is wrong).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from orchestrator.custody.treehead import SignedTreeHead

__all__ = [
    "ContainerArg",
    "DbOption",
    "PublicKeyOption",
    "container_number",
    "fail",
    "head_time",
    "usage_error",
]

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="BORDERFLOW_DB",
        help="Ledger URL: sqlite:///path/to/ledger.db (or a bare path) or "
        "postgresql://user@host:port/db.",
    ),
]
PublicKeyOption = Annotated[
    Path,
    typer.Option("--public-key", help="The ledger's Ed25519 public key (PEM, from keygen)."),
]
ContainerArg = Annotated[
    str,
    typer.Argument(
        help="ISO 6346 container number, e.g. CSQU3054383 (`custody containers` lists the "
        "ledger's).",
        show_default=False,
    ),
]


def head_time(head: SignedTreeHead) -> str:
    """When a signed tree head says the ledger reached it: its signed timestamp (version /2),
    or that a head written before timestamps has none."""
    text = head.time_text()
    return f"signed timestamp {text}" if text else "no timestamp: a version /1 head"


def fail(message: object) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def usage_error(message: object) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def container_number(raw: str, db: str | None = None) -> str:
    """The canonical number of a typed container number (spaces and lower case tolerated, as
    the bridge's API does); a malformed one is a usage error (exit 2) saying which part is
    wrong, e.g. the check digit expected."""
    from orchestrator.domain.iso6346 import parse_container_number
    from orchestrator.errors import InvalidContainerNumberError

    try:
        return str(parse_container_number(raw))
    except InvalidContainerNumberError as exc:
        listing = f"`borderflow custody containers --db {db}`" if db else "`custody containers`"
        usage_error(f"container number {exc} ({listing} lists the ledger's containers)")
