"""Custody ledger storage: open a ledger by URL, key files, exports, proof files, tree-head files
and the witness (:mod:`risk_bridge.ledger.witness`).

``open_ledger("sqlite:///run/ledger.db")`` (the default) or
``open_ledger("postgresql://user@host/db")`` returns a :class:`Ledger` that implements the core's
``LedgerPort``. The pure parts (encoding, hash chain, Merkle tree, proofs, legality) live in
``orchestrator.custody``; this package adds databases and files.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from orchestrator.custody.errors import CustodyError
from risk_bridge.ledger.keys import (
    DEFAULT_KEY_NAME,
    KEY_DIR_ENV,
    KeyFileError,
    check_key_location,
    default_key_dir,
    generate_keypair,
    load_private_key,
    load_public_key,
    public_key_pem,
)
from risk_bridge.ledger.ledger import ContainerSummary, Ledger
from risk_bridge.ledger.stamps import ClockUs, wall_clock_us
from risk_bridge.ledger.store import LedgerStore, StoreUnavailable, redact_url

__all__ = [
    "KEY_ENV",
    "ContainerSummary",
    "KeyFileError",
    "Ledger",
    "StoreUnavailable",
    "default_key_dir",
    "default_key_path",
    "generate_keypair",
    "load_public_key",
    "open_ledger",
    "redact_url",
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
    """The signing key used when none is given: ``$BORDERFLOW_LEDGER_KEY``, else, for an
    SQLite ledger, ``ledger.key`` in :func:`default_key_dir` (never beside the database); a
    PostgreSQL ledger names its key."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    path = sqlite_path(url)
    if path is None or path == ":memory:":
        return None
    return default_key_dir() / DEFAULT_KEY_NAME


def _refuse_legacy_key(db_path: str) -> None:
    """Earlier versions created the key as ``<db>.key`` beside the database: refuse to go on
    signing with a key there, and refuse to sign with another one without saying so."""
    legacy = Path(f"{db_path}.key")
    if legacy.exists():
        raise KeyFileError(
            f"signing key {legacy} lies beside the ledger {db_path} (where earlier versions of "
            "borderflow created it): whoever can change the database could re-sign it. Move it "
            f"out of that folder, e.g. `mkdir -p {default_key_dir()} && mv {legacy} "
            f"{default_key_dir() / DEFAULT_KEY_NAME}` (if no key is there yet), or pass its new "
            f"path with --key or ${KEY_ENV}"
        )


def _export_public_key(db_path: str, public_key: Ed25519PublicKey) -> None:
    """Keep ``<db>.key.pub`` beside an SQLite ledger: the public key that verifies it (for
    local checks; customs keep the copy the operator handed them)."""
    pub = Path(f"{db_path}.key.pub")
    pem = public_key_pem(public_key)
    if not pub.exists() or pub.read_bytes() != pem:
        pub.write_bytes(pem)


def _unsupported(url: str) -> StoreUnavailable:
    scheme = urlsplit(url).scheme
    return StoreUnavailable(
        f"unsupported ledger URL {redact_url(url)!r}: a custody ledger is SQLite "
        "(sqlite:///path/to/ledger.db, or a bare file path) or PostgreSQL "
        f"(postgresql://user@host:port/dbname), not {scheme or 'this'}"
    )


def _store(url: str, readonly: bool) -> LedgerStore:
    path = sqlite_path(url)
    if path is not None:
        from risk_bridge.ledger.sqlite_store import SqliteStore

        return SqliteStore(path, readonly=readonly)
    scheme = urlsplit(url).scheme
    if scheme in ("postgresql", "postgres"):
        from risk_bridge.ledger.postgres_store import PostgresStore

        return PostgresStore(url, readonly=readonly)
    raise _unsupported(url)


def open_ledger(
    url: str,
    *,
    key: str | Path | None = None,
    readonly: bool = False,
    create_key: bool = True,
    clock: ClockUs = wall_clock_us,
) -> Ledger:
    """Open (creating if needed) the custody ledger at ``url``.

    ``key`` is the Ed25519 signing key file for tree heads. When omitted:
    ``$BORDERFLOW_LEDGER_KEY``, else (SQLite) ``ledger.key`` in the key folder
    (``$BORDERFLOW_LEDGER_KEY_DIR``, else ``$XDG_CONFIG_HOME/borderflow/keys``, else
    ``~/.config/borderflow/keys``), generated (mode 0600) on first use when ``create_key``. A
    PostgreSQL ledger needs an explicit key or the environment variable. A private key in the
    same folder as an SQLite ledger is refused. Opened for writing, an SQLite ledger gets its
    public key beside it as ``<db file>.key.pub``. ``readonly`` opens without a key, for show /
    export / prove / verify. ``clock`` (microseconds since 1970 UTC) stamps events appended
    without a ``timestamp``: the wall clock unless the runtime keeps another time.
    """
    if sqlite_path(url) is None and urlsplit(url).scheme not in ("postgresql", "postgres"):
        raise _unsupported(url)
    if readonly:
        return Ledger(_store(url, readonly=True))
    path = sqlite_path(url)
    db_file = path if path is not None and path != ":memory:" else None
    if key is None and not os.environ.get(KEY_ENV) and db_file is not None:
        _refuse_legacy_key(db_file)
    key_path = Path(key) if key is not None else default_key_path(url)
    if key_path is None:
        raise KeyFileError(
            f"ledger {redact_url(url)} needs a signing key: pass --key PATH (from code: "
            f"key=...), or set ${KEY_ENV}; `borderflow custody keygen` creates one (in "
            f"{default_key_dir() / DEFAULT_KEY_NAME})"
        )
    if db_file is not None:
        check_key_location(key_path, db_file)
    if not key_path.exists() and key is None and create_key:
        try:
            generate_keypair(key_path)
        except OSError as exc:
            raise KeyFileError(
                f"cannot create the signing key {key_path}: {exc.strerror}; choose a folder you "
                f"can write with ${KEY_DIR_ENV}, or pass --key PATH"
            ) from None
    signer = load_private_key(key_path)
    store = _store(url, readonly=False)
    try:
        ledger = Ledger(store, signer, clock=clock)
        if db_file is not None:
            _export_public_key(db_file, signer.public_key())
        return ledger
    except BaseException:
        store.close()
        raise
