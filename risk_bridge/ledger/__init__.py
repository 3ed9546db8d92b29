"""Custody ledger storage: open a ledger by URL, key files, exports and proof files.

``open_ledger("sqlite:///run/ledger.db")`` (the default) or
``open_ledger("postgresql://user@host/db")`` returns a :class:`Ledger` that implements the core's
``LedgerPort``. The pure parts (encoding, hash chain, Merkle tree, proofs, legality) live in
``orchestrator.custody``; this package adds databases and files.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from orchestrator.custody.errors import CustodyError
from risk_bridge.ledger.keys import (
    KeyFileError,
    generate_keypair,
    load_private_key,
    load_public_key,
)
from risk_bridge.ledger.ledger import Ledger
from risk_bridge.ledger.store import LedgerStore

__all__ = [
    "KEY_ENV",
    "KeyFileError",
    "Ledger",
    "default_key_path",
    "generate_keypair",
    "load_public_key",
    "open_ledger",
    "sqlite_path",
]

KEY_ENV = "BORDERFLOW_LEDGER_KEY"


def sqlite_path(url: str) -> str | None:
    """The file path of an SQLite URL (``sqlite:///rel.db``, ``sqlite:////abs.db``, or a bare
    path), or None for another scheme."""
    if url.startswith("sqlite://"):
        rest = url[len("sqlite://") :]
        if not rest.startswith("/"):
            raise CustodyError(f"bad SQLite URL {url!r}: use sqlite:///path/to/ledger.db")
        path = rest[1:]
        if not path:
            raise CustodyError(f"SQLite URL {url!r} names no file")
        return path
    if "://" in url:
        return None
    return url


def default_key_path(url: str) -> Path | None:
    """The signing key used when none is given: $BORDERFLOW_LEDGER_KEY, else ``<db>.key`` next to
    an SQLite file."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    path = sqlite_path(url)
    if path is None or path == ":memory:":
        return None
    return Path(f"{path}.key")


def _store(url: str, readonly: bool) -> LedgerStore:
    path = sqlite_path(url)
    if path is not None:
        from risk_bridge.ledger.sqlite_store import SqliteStore

        return SqliteStore(path, readonly=readonly)
    scheme = urlsplit(url).scheme
    if scheme in ("postgresql", "postgres"):
        from risk_bridge.ledger.postgres_store import PostgresStore

        return PostgresStore(url, readonly=readonly)
    raise CustodyError(
        f"unsupported ledger URL {url!r}: use sqlite:///path/to/ledger.db or "
        "postgresql://user@host:port/dbname"
    )


def open_ledger(
    url: str,
    *,
    key: str | Path | None = None,
    readonly: bool = False,
    create_key: bool = True,
) -> Ledger:
    """Open (creating if needed) the custody ledger at ``url``.

    ``key`` is the Ed25519 signing key file for tree heads. When omitted:
    ``$BORDERFLOW_LEDGER_KEY``, else ``<db file>.key`` next to an SQLite ledger, generated (mode
    0600, public key in ``<db file>.key.pub``) on first use when ``create_key``. A PostgreSQL
    ledger needs an explicit key or the environment variable. ``readonly`` opens without a key,
    for show / export / prove / verify.
    """
    if sqlite_path(url) is None and urlsplit(url).scheme not in ("postgresql", "postgres"):
        raise CustodyError(
            f"unsupported ledger URL {url!r}: use sqlite:///path/to/ledger.db or "
            "postgresql://user@host:port/dbname"
        )
    if readonly:
        return Ledger(_store(url, readonly=True))
    key_path = Path(key) if key is not None else default_key_path(url)
    if key_path is None:
        raise CustodyError(
            f"ledger {url} needs a signing key: pass key=... (CLI: --key), or set ${KEY_ENV}; "
            "create one with `borderflow custody keygen --out PATH`"
        )
    if not key_path.exists() and key is None and create_key:
        generate_keypair(key_path)
    signer = load_private_key(key_path)
    store = _store(url, readonly=False)
    try:
        return Ledger(store, signer)
    except BaseException:
        store.close()
        raise
