"""``borderflow custody``: keys, inspection, export, verification and proofs of the custody
ledger.

Heavy imports (cryptography, database drivers) happen inside the commands so ``--help`` is
instant. Every failure is one line on stderr: exit code 2 for what was typed wrong (a malformed
container number), 1 for what the ledger or a file says; ``verify`` names the first bad entry
and why. ``containers`` and ``show`` live in :mod:`cli.custody_show`, the shared options in
:mod:`cli.custody_common`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.custody_common import (
    ContainerArg,
    DbOption,
    PublicKeyOption,
    container_number,
    head_time,
)
from cli.custody_common import fail as _fail
from cli.custody_show import containers, show

__all__ = ["app"]

app = typer.Typer(
    name="custody",
    help=(
        "Chain of custody: a tamper-evident, signed ledger of every seal event.\n\n"
        "Typical use:\n\n"
        "  borderflow custody keygen\n\n"
        "  borderflow custody containers --db sqlite:///run/ledger.db\n\n"
        "  borderflow custody show CSQU3054383 --db sqlite:///run/ledger.db\n\n"
        "  borderflow custody export --db sqlite:///run/ledger.db --out ledger.jsonl\n\n"
        "  borderflow custody verify --export ledger.jsonl --public-key ledger.pub\n\n"
        "  borderflow custody witness --db sqlite:///run/ledger.db --dir heads/ "
        "--public-key ledger.pub\n\n"
        "  borderflow custody verify --db sqlite:///run/ledger.db --public-key ledger.pub "
        "--against heads/\n\n"
        "  borderflow custody prove CSQU3054383 --db sqlite:///run/ledger.db --out proof.json\n\n"
        "  borderflow custody verify-proof proof.json --public-key ledger.pub\n\n"
        "--db takes sqlite:///path/to/file.db (or a bare path) or "
        "postgresql://user@host:port/dbname (or $BORDERFLOW_DB). The signing key lives outside "
        "any work tree: ~/.config/borderflow/keys/ledger.key ($BORDERFLOW_LEDGER_KEY_DIR or "
        "$BORDERFLOW_LEDGER_KEY to choose)."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


@app.command()
def keygen(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Private key path; the public key goes to OUT.pub. Default: ledger.key in "
            "the key folder ($BORDERFLOW_LEDGER_KEY_DIR, else ~/.config/borderflow/keys), the "
            "key simulate and serve sign with; kept if it is already there.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing key pair.")] = False,
) -> None:
    """Create the Ed25519 key pair that signs tree heads (private key mode 0600).

    Give OUT.pub to customs: it is all they need to verify exports and proofs. Set
    $BORDERFLOW_LEDGER_KEY_PASSPHRASE to encrypt the private key. Keep private keys out of
    any work tree and away from the ledger's folder (a key beside the ledger is refused).

    Examples:

      borderflow custody keygen

      borderflow custody keygen --out /etc/borderflow/ledger.key
    """
    from orchestrator.custody.errors import CustodyError
    from orchestrator.custody.treehead import key_id
    from risk_bridge.ledger import default_key_dir, generate_keypair, load_public_key
    from risk_bridge.ledger.keys import DEFAULT_KEY_NAME

    path = out if out is not None else default_key_dir() / DEFAULT_KEY_NAME
    public = Path(f"{path}.pub")
    if out is None and not force and path.exists() and public.exists():
        # The default key already signs this account's ledgers: keeping it is the safe answer.
        try:
            kid = key_id(load_public_key(public))
        except CustodyError as exc:
            _fail(exc)
        typer.echo(
            f"kept the signing key that is already there (pass --force to replace it, which "
            f"makes earlier tree heads unverifiable with the new key)\nprivate key {path}\n"
            f"public key  {public}\nkey id      {kid}"
        )
        return
    try:
        private, public, kid = generate_keypair(path, force=force)
    except (CustodyError, OSError) as exc:
        _fail(exc)
    typer.echo(f"private key {private} (mode 600)\npublic key  {public}\nkey id      {kid}")


@app.command("public-key")
def public_key_cmd(
    key: Annotated[Path, typer.Option("--key", help="The private signing key (from keygen).")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the PEM here instead of stdout.")
    ] = None,
) -> None:
    """Export the public key of a signing key (PEM), e.g. to hand to customs again.

    Example: borderflow custody public-key --key /etc/borderflow/ledger.key --out ledger.pub
    """
    from orchestrator.custody.errors import CustodyError
    from orchestrator.custody.treehead import key_id
    from risk_bridge.ledger.keys import load_private_key, public_key_pem

    try:
        public = load_private_key(key).public_key()
    except CustodyError as exc:
        _fail(exc)
    pem = public_key_pem(public)
    if out is None:
        typer.echo(pem.decode(), nl=False)
    else:
        out.write_bytes(pem)
        typer.echo(f"public key {out} (key id {key_id(public)})")


app.command()(containers)
app.command()(show)


@app.command()
def head(
    db: DbOption,
    out: Annotated[
        Path | None, typer.Option("--out", help="Save it to this file instead of stdout.")
    ] = None,
) -> None:
    """Print or save the latest signed tree head as JSON.

    Keep it away from the ledger's machine: `verify --against FILE` later
    proves the ledger still holds, unchanged, every entry this head covers
    (a ledger cut below it or rewritten before it fails).

    Example: borderflow custody head --db sqlite:///l.db --out heads/monday.json
    """
    from orchestrator.custody.errors import CustodyError
    from risk_bridge.ledger import open_ledger
    from risk_bridge.ledger.witness import write_head_file

    try:
        with open_ledger(db, readonly=True) as ledger:
            sth = ledger.tree_head()
        if sth is not None and out is not None:
            write_head_file(sth, out)
    except (CustodyError, OSError) as exc:
        _fail(exc)
    if sth is None:
        _fail(f"ledger {db} is empty")
    saved = (
        f"saved the signed tree head of {sth.tree_size} entries (root {sth.root_hash.hex()}, "
        f"{head_time(sth)})"
    )
    typer.echo(json.dumps(sth.to_obj(), indent=1) if out is None else f"{saved} to {out}")


@app.command()
def export(
    db: DbOption,
    out: Annotated[Path, typer.Option("--out", help="JSON Lines file to write.")],
) -> None:
    """Export the ledger as JSON Lines (one canonical entry per line) plus its signed tree head.

    Example: borderflow custody export --db sqlite:///run/ledger.db --out ledger.jsonl
    """
    from orchestrator.custody.errors import CustodyError
    from risk_bridge.ledger import open_ledger
    from risk_bridge.ledger.files import export_ledger

    try:
        with open_ledger(db, readonly=True) as ledger:
            sth = export_ledger(ledger, out)
    except (CustodyError, OSError) as exc:
        _fail(exc)
    typer.echo(
        f"exported {sth.tree_size} entries to {out} (root {sth.root_hash.hex()}, {head_time(sth)})"
    )


@app.command()
def verify(
    public_key: PublicKeyOption,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Verify this stored ledger (URL)."),
    ] = None,
    export_file: Annotated[
        Path | None, typer.Option("--export", help="Verify this export file instead.")
    ] = None,
    rules: Annotated[
        bool,
        typer.Option(
            "--rules/--no-rules",
            help="Also replay every event through the custody rules (--no-rules: hashes, "
            "order and signature only, about 3x faster).",
        ),
    ] = True,
    against: Annotated[
        list[Path] | None,
        typer.Option(
            "--against",
            help="A signed tree head saved earlier (custody head --out), or a witness folder "
            "of them; repeatable. The ledger must still hold exactly the entries each covers.",
        ),
    ] = None,
) -> None:
    """Verify a whole ledger or export; exit 1 naming the first bad entry and why.

    Checks entry order, the hash chain, each event's legality for its
    container, the store's columns against the signed entries, and every
    stored tree head: its Ed25519 signature and its Merkle root over the
    entries it covers. With --against, each saved head too: signed by the key
    and the root of the ledger's first entries as they are now, so a ledger
    cut below it or rewritten before it fails. Exit 0 when all of it holds.

    Examples:

      borderflow custody verify --db sqlite:///l.db --public-key l.key.pub

      borderflow custody verify --export ledger.jsonl --public-key l.key.pub

      borderflow custody verify --db sqlite:///l.db --public-key l.key.pub
      --against heads/
    """
    from orchestrator.custody.errors import CustodyError
    from risk_bridge.ledger import load_public_key, open_ledger
    from risk_bridge.ledger.files import verify_export
    from risk_bridge.ledger.witness import consistency_note, saved_heads

    if export_file is not None and db is not None:
        _fail("give either --db or --export, not both")
    if export_file is None and db is None:
        _fail("give --db URL or --export FILE")
    what = str(export_file) if export_file is not None else str(db)
    try:
        key = load_public_key(public_key)
        saved = saved_heads(against or [])
        if export_file is not None:
            report = verify_export(export_file, key, check_events=rules, against=saved)
        else:
            with open_ledger(str(db), readonly=True) as ledger:
                report = ledger.verify(key, check_events=rules, against=saved)
    except CustodyError as exc:
        typer.secho(f"INVALID {what}: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"VALID {what}: {report.entries} entries, {report.containers} containers, "
        f"{report.heads} signed tree heads checked, root {report.root_hash.hex()} signed by "
        f"key {report.tree_head.key_id} ({head_time(report.tree_head)})"
        f"{consistency_note(saved)}"
    )


@app.command()
def witness(
    db: DbOption,
    folder: Annotated[Path, typer.Option("--dir", help="The witness's folder of heads seen.")],
    public_key: PublicKeyOption,
) -> None:
    """Add the ledger's newest signed tree head to a folder of heads seen, once
    it extends every head already there; exit 1 (INCONSISTENT) if not.

    Run it regularly, from a machine or account other than the ledger's: a
    ledger whose tail was cut, or that was rewritten, no longer extends the
    heads the witness holds. verify --against DIR checks the entries too.

    Example: borderflow custody witness --db sqlite:///l.db --dir heads/
    --public-key l.key.pub
    """
    from orchestrator.custody.errors import CustodyError
    from risk_bridge.ledger import load_public_key, open_ledger
    from risk_bridge.ledger.witness import InconsistentHead
    from risk_bridge.ledger.witness import witness as witness_head

    try:
        key = load_public_key(public_key)
        with open_ledger(db, readonly=True) as ledger:
            report = witness_head(ledger, key, folder)
    except InconsistentHead as exc:
        typer.secho(f"INCONSISTENT {db}: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    except (CustodyError, OSError) as exc:
        _fail(exc)
    typer.echo(report.describe())


@app.command()
def prove(
    container: ContainerArg,
    db: DbOption,
    out: Annotated[Path, typer.Option("--out", help="Proof file (JSON) to write.")],
) -> None:
    """Write an inclusion proof of a container's entries (check it with verify-proof).

    The file holds the signed tree head and each of the container's entries with its Merkle
    audit path; customs check it with verify-proof and the public key alone.

    Example: borderflow custody prove CSQU3054383 --db sqlite:///run/ledger.db --out proof.json
    """
    from orchestrator.custody.errors import CustodyError
    from orchestrator.custody.treehead import SignedTreeHead
    from risk_bridge.ledger import open_ledger
    from risk_bridge.ledger.files import write_inclusion_proof

    container = container_number(container, db)
    try:
        with open_ledger(db, readonly=True) as ledger:
            doc = write_inclusion_proof(ledger, container, out)
    except (CustodyError, OSError) as exc:
        _fail(exc)
    typer.echo(
        f"wrote {out}: {len(doc['entries'])} entries of {container} in a tree of "
        f"{doc['tree_head']['tree_size']} ({head_time(SignedTreeHead.from_obj(doc['tree_head']))})"
    )


@app.command("prove-consistency")
def prove_consistency(
    db: DbOption,
    old_size: Annotated[int, typer.Option("--old-size", help="Size of the earlier tree head.")],
    out: Annotated[Path, typer.Option("--out", help="Proof file (JSON) to write.")],
    new_size: Annotated[
        int | None, typer.Option("--new-size", help="Later tree head (default: latest).")
    ] = None,
) -> None:
    """Prove a later signed tree head extends an earlier one (nothing earlier was changed).

    Tree heads are signed at every commit; --old-size names one of them, --new-size another
    (default: the latest).

    Example: borderflow custody prove-consistency --db sqlite:///l.db --old-size 1000 --out c.json
    """
    from orchestrator.custody.errors import CustodyError
    from orchestrator.custody.treehead import SignedTreeHead
    from risk_bridge.ledger import open_ledger
    from risk_bridge.ledger.files import write_consistency_proof

    try:
        with open_ledger(db, readonly=True) as ledger:
            doc = write_consistency_proof(ledger, old_size, out, new_size)
    except (CustodyError, OSError) as exc:
        _fail(exc)
    typer.echo(f"wrote {out}: tree {old_size} -> {doc['tree_head']['tree_size']}")
    for name, label in (("old_tree_head", "earlier head"), ("tree_head", "later head")):
        typer.echo(f"  {label}: {head_time(SignedTreeHead.from_obj(doc[name]))}")


@app.command("verify-proof")
def verify_proof(
    proof: Annotated[Path, typer.Argument(help="Proof file from prove or prove-consistency.")],
    public_key: PublicKeyOption,
) -> None:
    """Check an inclusion or consistency proof with only the ledger's public key.

    Example: borderflow custody verify-proof proof.json --public-key ledger.key.pub
    """
    from orchestrator.custody.errors import CustodyError
    from risk_bridge.ledger import load_public_key
    from risk_bridge.ledger.files import verify_proof_file

    try:
        summary = verify_proof_file(proof, load_public_key(public_key))
    except CustodyError as exc:
        typer.secho(f"INVALID {proof}: {exc}", fg="red", err=True)
        raise typer.Exit(1) from None
    if summary["kind"] == "inclusion":
        typer.echo(
            f"VALID {proof}: {summary['entries']} entries of {summary['container_id']} are in "
            f"the signed tree of {summary['tree_size']} entries ({head_time(summary['head'])})"
        )
        for seq, when in summary["times"]:
            typer.echo(f"  #{seq} {when or '(no timestamp)'}")
    else:
        typer.echo(
            f"VALID {proof}: the signed tree of {summary['tree_size']} entries "
            f"({head_time(summary['head'])}) extends the one of {summary['old_size']} "
            f"({head_time(summary['old_head'])})"
        )
