"""``borderflow custody containers`` and ``custody show``: what a ledger holds, and one
container's events, each checked before it is trusted.

``show`` proves every entry it prints: the entry's own bytes, with the ledger's inclusion proof,
hash up to the root of the newest signed tree head (RFC 6962); the head's Ed25519 signature is
checked with the public key (``--public-key``, else the copy beside an SQLite ledger or the
default key's, whichever signed it); the container's events are replayed through the custody
rules. An entry that fails is printed marked TAMPERED, a loud warning follows on stderr and the
exit code is 1. ``custody verify`` checks the whole ledger; ``show`` only what it prints.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.custody_common import ContainerArg, DbOption, container_number, fail, head_time

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from orchestrator.custody.events import CustodyEvent
    from orchestrator.custody.treehead import SignedTreeHead
    from risk_bridge.ledger import Ledger

__all__ = ["containers", "show"]


@dataclass(frozen=True, slots=True)
class _Entry:
    seq: int
    event: CustodyEvent
    problem: str | None  # None: proven under the signed tree head


def _where(ev: CustodyEvent) -> str:
    return ev.node or ev.zone or "-"


def _when(ev: CustodyEvent) -> str:
    """The entry's timestamp (UTC, as signed); an entry written before timestamps has none."""
    return ev.timestamp or "(no timestamp)"


def _line(seq: int, ev: CustodyEvent) -> str:
    extra = " ".join(f"{k}={v}" for k, v in sorted(ev.details.items()))
    return (
        f"#{seq:<8} {_when(ev):<27} t={ev.t_s:>10.3f}s  {ev.kind.name:<21} "
        f"seal={ev.seal_number or '-':<14} vehicle={ev.vehicle_id or '-':<8} at {_where(ev)} "
        f"({ev.side}) by {ev.actor}  {extra}"
    ).rstrip()


def containers(
    db: DbOption,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per container (JSON Lines).")
    ] = False,
    ids: Annotated[
        bool, typer.Option("--ids", help="Only the container numbers, one a line (for scripts).")
    ] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most this many (in number order).")
    ] = None,
) -> None:
    """List the containers a ledger holds, sorted by number: how many entries each has, and
    its first and last event.

    Examples:

      borderflow custody containers --db out/custody.db

      borderflow custody containers --db out/custody.db --ids --limit 1
    """
    from orchestrator.custody.errors import CustodyError
    from risk_bridge.ledger import open_ledger, redact_url

    try:
        with open_ledger(db, readonly=True) as ledger:
            found = ledger.containers()
    except CustodyError as exc:
        fail(exc)
    shown = found[:limit] if limit is not None else found
    if not found:
        typer.echo(f"ledger {redact_url(db)} holds no entries yet", err=True)
        return
    if ids or as_json:
        for s in shown:
            if ids:
                typer.echo(s.container_id)
                continue
            ends = {
                name: {"seq": seq, "kind": ev.kind.value, "t_s": ev.t_s, "timestamp": ev.timestamp}
                for name, (seq, ev) in (("first", s.first), ("last", s.last))
            }
            typer.echo(json.dumps({"container_id": s.container_id, "entries": s.entries} | ends))
        return
    rows = [
        (s.container_id, str(s.entries), *(f"#{q} {e.kind.name} {_brief_time(e)}" for q, e in ends))
        for s in shown
        for ends in [(s.first, s.last)]
    ]
    header = ("container", "entries", "first event", "last event")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for r in [header, *rows]:
        typer.echo(
            f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip()
        )
    total = sum(s.entries for s in found)
    part = f"{len(shown)} of {len(found)}" if len(shown) < len(found) else f"{len(found)}"
    typer.echo(
        f"{part} containers, {total} entries in {redact_url(db)}; `borderflow custody show "
        "NUMBER --db ...` lists one's events, each checked against the signed tree head"
    )


def _brief_time(ev: CustodyEvent) -> str:
    # One token either way: the UTC timestamp to the second, or the core's clock for an entry
    # written before timestamps.
    return f"{ev.timestamp[:19]}Z" if ev.timestamp else f"t={ev.t_s:.3f}s"


def _public_key(
    given: Path | None, db: str, head: SignedTreeHead | None
) -> tuple[Ed25519PublicKey | None, str]:
    """The key to check the head with and where it came from: ``given``; else the copy beside
    an SQLite ledger (rewritten by every writer, so a head it did not sign is suspect); else
    $BORDERFLOW_LEDGER_KEY's or the default key's public key, if it is the head's key."""
    from orchestrator.custody.treehead import key_id
    from risk_bridge.ledger import KEY_ENV, default_key_dir, load_public_key, sqlite_path
    from risk_bridge.ledger.keys import DEFAULT_KEY_NAME, KeyFileError

    if given is not None:
        try:
            return load_public_key(given), str(given)
        except KeyFileError as exc:
            fail(exc)
    path = sqlite_path(db)
    beside = Path(f"{path}.key.pub") if path is not None and path != ":memory:" else None
    if beside is not None and beside.exists():
        try:
            return load_public_key(beside), str(beside)
        except KeyFileError as exc:
            fail(exc)
    candidates = []
    if os.environ.get(KEY_ENV):
        candidates.append(Path(f"{os.environ[KEY_ENV]}.pub"))
    candidates.append(default_key_dir() / f"{DEFAULT_KEY_NAME}.pub")
    for candidate in candidates:
        try:
            key = load_public_key(candidate)
        except KeyFileError:
            continue
        if head is not None and key_id(key) == head.key_id:
            return key, str(candidate)
    return None, ""


def _check(
    container_id: str,
    ledger: Ledger,
    public_key: Ed25519PublicKey | None,
) -> tuple[list[_Entry], SignedTreeHead | None, list[str]]:
    """The container's entries, each with what is wrong with it, the head they were checked
    against, and what is wrong besides (the head's signature, the custody rules)."""
    from orchestrator.custody.encoding import decode_entry
    from orchestrator.custody.errors import CustodyError
    from orchestrator.custody.legality import CustodyTracker
    from orchestrator.custody.merkle import leaf_hash, verify_inclusion

    stored = ledger.container_entries(container_id)
    # Read after the entries: every entry is committed with the head that covers it, so an
    # entry beyond this head was not written by borderflow.
    head = ledger.tree_head()
    entries: list[_Entry] = []
    for seq, body in stored:
        event = decode_entry(body)[2]
        problem = None
        if head is None or seq >= head.tree_size:
            size = 0 if head is None else head.tree_size
            problem = (
                f"entry {seq} is not covered by the signed tree head (of {size} entries): it "
                "was added to the database outside borderflow"
            )
        else:
            try:
                path = ledger.inclusion_proof(seq, head.tree_size)
                verify_inclusion(leaf_hash(body), seq, head.tree_size, path, head.root_hash)
            except CustodyError as exc:
                problem = (
                    f"entry {seq} cannot be proven under the signed tree head of "
                    f"{head.tree_size} entries ({exc}): the entry, or the ledger's stored "
                    "hashes, were changed after it was signed"
                )
        entries.append(_Entry(seq, event, problem))
    other: list[str] = []
    if head is not None and public_key is not None:
        try:
            head.verify(public_key)
        except CustodyError as exc:
            other.append(f"the signed tree head does not verify: {exc}")
    try:
        CustodyTracker().apply_all([e.event for e in entries])
    except CustodyError as exc:
        other.append(f"the events break the custody rules: {exc}")
    return entries, head, other


def show(
    container: ContainerArg,
    db: DbOption,
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key",
            help="The ledger's public key to check the signed tree head with (customs: the "
            "one you were handed). Default: <db file>.key.pub beside an SQLite ledger, else "
            "the default signing key's.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per entry.")] = False,
) -> None:
    """List a container's custody events in ledger order, each checked against the ledger's
    signed tree head (exit 1, and a warning, if any entry fails).

    Lower case and spaces in the number are accepted; a malformed number (wrong length,
    owner code, category, serial or check digit) is exit 2 saying what is wrong.

    Examples:

      borderflow custody show CSQU3054383 --db out/custody.db

      borderflow custody show CSQU3054383 --db postgresql://bf@db/bf --public-key ledger.pub
    """
    from orchestrator.custody.errors import CustodyError
    from risk_bridge.ledger import open_ledger, redact_url

    cid = container_number(container, db)
    try:
        with open_ledger(db, readonly=True) as ledger:
            head = ledger.tree_head()
            key, key_source = _public_key(public_key, db, head)
            entries, head, other = _check(cid, ledger, key)
    except CustodyError as exc:  # an entry that no longer parses, or names another container
        _loud([f"{exc}"], cid, db, "KEY.pub")
        raise typer.Exit(1) from None
    if not entries:
        fail(
            f"container {cid} has no entries in {redact_url(db)}; `borderflow custody "
            f"containers --db {redact_url(db)}` lists the containers it holds"
        )
    for e in entries:
        if as_json:
            ev = e.event
            record: dict[str, object] = {"seq": e.seq, "kind": ev.kind.value, "t_s": ev.t_s}
            record["timestamp"] = ev.timestamp
            record |= {"seal": ev.seal_number, "vehicle": ev.vehicle_id, "node": ev.node}
            record |= {"zone": ev.zone, "side": ev.side, "actor": ev.actor}
            record |= {"details": dict(ev.details), "verified": e.problem is None}
            typer.echo(json.dumps(record | {"problem": e.problem}, sort_keys=True))
        elif e.problem is None:
            typer.echo(_line(e.seq, e.event))
        else:
            typer.secho(f"TAMPERED {_line(e.seq, e.event)}", fg="red", bold=True)
    problems = [e.problem for e in entries if e.problem is not None] + other
    if problems:
        bad = sum(e.problem is not None for e in entries)
        _loud(problems, cid, db, key_source or "KEY.pub", bad=bad, of=len(entries))
        raise typer.Exit(1)
    assert head is not None  # every entry is proven under it
    signed = (
        f"signed by key {head.key_id} (checked with {key_source})"
        if key is not None
        else f"signed by key {head.key_id}, NOT checked: no public key of that id found; "
        "pass --public-key"
    )
    typer.secho(
        f"verified: the {len(entries)} entries of {cid} are in the signed tree head of "
        f"{head.tree_size} entries (root {head.root_hash.hex()[:16]}..., {head_time(head)}), "
        f"{signed}; the custody rules hold",
        fg="green" if key is not None else "yellow",
        err=as_json,
    )


def _loud(problems: list[str], cid: str, db: str, key: str, bad: int = 0, of: int = 0) -> None:
    from risk_bridge.ledger import redact_url

    what = f"{bad} of {of} entries of {cid}" if of else f"the entries of {cid}"
    typer.secho(
        f"WARNING: {what} FAILED verification: the ledger was changed outside borderflow; do "
        "not rely on this custody record",
        fg="red",
        bold=True,
        err=True,
    )
    for p in problems:
        typer.secho(f"  {p}", fg="red", err=True)
    typer.secho(
        f"  `borderflow custody verify --db {redact_url(db)} --public-key {key}` checks the "
        "whole ledger and names the first bad entry",
        fg="red",
        err=True,
    )
