"""SQLite storage for the custody ledger: WAL journal, ``synchronous=FULL``.

Durability: a commit is one ``BEGIN IMMEDIATE ... COMMIT``; with WAL and synchronous=FULL SQLite
fsyncs the write-ahead log before COMMIT returns, so an acknowledged entry survives kill -9 and
power loss. Triggers refuse UPDATE and DELETE on every table (append-only in the database too;
someone with file access can still drop them, which ``verify`` then detects).

Nothing outside the hashed entry is trusted on read: a container's entries are found through an
index on the container number *inside* the entry bytes (``json_extract`` of ``body``), not on the
``container_id`` column, and :meth:`SqliteStore.derived_mismatch` lets ``verify`` report a
``container_id``, ``kind`` or ``seal_number`` column that no longer matches its entry.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from pathlib import Path

from orchestrator.custody.errors import CustodyError
from orchestrator.custody.treehead import SignedTreeHead
from risk_bridge.ledger.store import (
    DERIVED_COLUMNS,
    EntryRow,
    StoreConflict,
    StoreUnavailable,
    first_difference,
)

__all__ = ["SqliteStore"]

_first = itemgetter(0)

# The container number as the hashed entry states it; reads by container use exactly this
# expression, so they go through its index (a ledger opened only read-only before this index
# existed is scanned instead, with the same result).
_BODY_CONTAINER = "json_extract(CAST(body AS TEXT), '$.event.container_id')"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    container_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    seal_number TEXT,
    leaf_hash BLOB NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS merkle_nodes (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tree_heads (
    tree_size INTEGER PRIMARY KEY,
    root_hash BLOB NOT NULL,
    key_id TEXT NOT NULL,
    signature BLOB NOT NULL,
    timestamp_ms INTEGER
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
DROP INDEX IF EXISTS entries_container;
CREATE INDEX IF NOT EXISTS entries_body_container ON entries ({_BODY_CONTAINER}, seq);
"""
_TRIGGERS = "".join(
    f"""
CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table}
BEGIN SELECT RAISE(ABORT, 'the custody ledger is append-only'); END;"""
    for table in ("entries", "merkle_nodes", "tree_heads")
    for op in ("UPDATE", "DELETE")
)


def _prepare(path: str, readonly: bool) -> None:
    """Refuse, saying how to fix it, a path that is no ledger file or whose folder cannot be
    made; make the folder of a new ledger."""
    file = Path(path)
    if file.is_dir():
        raise StoreUnavailable(
            f"the SQLite ledger path {path} is a folder: name a file in it, e.g. "
            f"{file / 'custody.db'}"
        )
    if readonly and not file.exists():
        raise CustodyError(f"no ledger at {path}; check --db (sqlite:///path/to/file)")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in file.parents if p.exists() and not p.is_dir()), None)
        why = f"{blocker} is a file, not a folder" if blocker else f"{exc.strerror}"
        raise StoreUnavailable(
            f"cannot create the folder {file.parent} of the SQLite ledger {path}: {why}. Give "
            "--db a path in a folder you can write to"
        ) from None


def _open_error(path: str, exc: sqlite3.DatabaseError) -> StoreUnavailable:
    if "not a database" in str(exc):
        why = "it is not an SQLite database. Point --db at a custody ledger or at a new file"
    elif "readonly" in str(exc) or "unable to open" in str(exc):
        why = (
            "the file or its folder cannot be written. Give --db a path you can write to, or "
            f"fix the permissions (`ls -ld {Path(path).resolve().parent}`)"
        )
    else:
        why = "the file may be damaged or locked"
    return StoreUnavailable(f"cannot open the SQLite ledger {path} ({exc}): {why}")


def _tree_head(row: Sequence[object]) -> SignedTreeHead:
    # A ledger made before heads carried a time and opened read-only has four columns.
    stamp = row[4] if len(row) > 4 else None
    return SignedTreeHead(
        int(str(row[0])),
        bytes(row[1]),  # type: ignore[call-overload]
        str(row[2]),
        bytes(row[3]),  # type: ignore[call-overload]
        None if stamp is None else int(str(stamp)),
    )


class SqliteStore:
    def __init__(self, path: str, *, readonly: bool = False) -> None:
        self.url = f"sqlite:///{path}"
        self._path = path
        if path != ":memory:":
            _prepare(path, readonly)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.DatabaseError as exc:
            raise _open_error(path, exc) from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=10000")
            if not readonly:
                self._db.executescript(_SCHEMA + _TRIGGERS)
                self._add_timestamp_column()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise _open_error(path, exc) from None

    def _add_timestamp_column(self) -> None:
        # Ledgers made before tree heads carried a time (version /1 heads) get the column; their
        # old heads keep NULL there and verify as /1.
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(tree_heads)")}
        if "timestamp_ms" not in columns:
            self._db.execute("ALTER TABLE tree_heads ADD COLUMN timestamp_ms INTEGER")

    def size(self) -> int:
        try:
            row = self._db.execute("SELECT max(seq) FROM entries").fetchone()
        except sqlite3.OperationalError as exc:
            raise CustodyError(f"{self._path} is not a custody ledger ({exc})") from None
        return 0 if row[0] is None else int(row[0]) + 1

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        out: dict[tuple[int, int], bytes] = {}
        leaves = [idx for level, idx in keys if level == 0]
        inner = [(level, idx) for level, idx in keys if level > 0]
        cur = self._db.cursor()
        for idx in leaves:
            row = cur.execute("SELECT leaf_hash FROM entries WHERE seq = ?", (idx,)).fetchone()
            if row is not None:
                out[(0, idx)] = bytes(row[0])
        for key in inner:
            row = cur.execute(
                "SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?", key
            ).fetchone()
            if row is not None:
                out[key] = bytes(row[0])
        return out

    def commit(
        self,
        expected_size: int,
        rows: Sequence[EntryRow],
        nodes: Sequence[tuple[int, int, bytes]],
        tree_head: SignedTreeHead,
        meta: dict[str, str],
    ) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            if self.size() != expected_size:
                raise StoreConflict(
                    f"ledger {self._path} was appended to by another process; reopen it"
                )
            db.executemany(
                "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)",
                [(r.seq, r.container_id, r.kind, r.seal_number, r.leaf_hash, r.body) for r in rows],
            )
            db.executemany("INSERT INTO merkle_nodes VALUES (?, ?, ?)", nodes)
            db.execute(
                "INSERT INTO tree_heads (tree_size, root_hash, key_id, signature, timestamp_ms) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    tree_head.tree_size,
                    tree_head.root_hash,
                    tree_head.key_id,
                    tree_head.signature,
                    tree_head.timestamp_ms,
                ),
            )
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def iter_rows(self, start: int = 0) -> Iterator[tuple[int, bytes, bytes]]:
        cur = self._db.execute(
            "SELECT seq, body, leaf_hash FROM entries WHERE seq >= ? ORDER BY seq", (start,)
        )
        while batch := cur.fetchmany(4096):
            yield from batch

    def iter_chunks(self, size: int) -> Iterator[list[tuple[int, bytes, bytes]]]:
        """The rows of :meth:`iter_rows`, in lists of ``size`` (the last may be shorter)."""
        cur = self._db.execute("SELECT seq, body, leaf_hash FROM entries ORDER BY seq")
        while batch := cur.fetchmany(size):
            yield batch

    def body_source(self, tree_size: int) -> Callable[[], Iterator[list[bytes]]] | None:
        """Bodies of entries ``0 .. tree_size - 1`` in batches, read through a new read-only
        connection (made by the caller, e.g. in a forked process: a connection must not cross
        a fork) inside one read transaction, so all come from one snapshot."""
        if self._path == ":memory:":
            return None
        path = self._path

        def read() -> Iterator[list[bytes]]:
            db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
            try:
                db.execute("BEGIN")
                cur = db.execute(
                    "SELECT body FROM entries WHERE seq < ? ORDER BY seq", (tree_size,)
                )
                while batch := cur.fetchmany(4096):
                    yield list(map(_first, batch))
            finally:
                db.close()

        return read

    def container_rows(self, container_id: str) -> list[tuple[int, bytes]]:
        try:
            rows = self._db.execute(
                f"SELECT seq, body FROM entries WHERE {_BODY_CONTAINER} = ? ORDER BY seq",
                (container_id,),
            ).fetchall()
        except sqlite3.OperationalError as exc:  # e.g. "malformed JSON": a body was changed
            raise CustodyError(
                f"cannot read the entries of {container_id} from {self._path} ({exc}); run "
                "`borderflow custody verify` to find the damaged entry"
            ) from None
        return [(int(seq), bytes(body)) for seq, body in rows]

    def container_counts(self) -> list[tuple[str | None, int, bytes, bytes]]:
        try:
            rows = self._db.execute(
                "SELECT c, n, (SELECT body FROM entries WHERE seq = f), "
                "(SELECT body FROM entries WHERE seq = l) FROM ("
                f"SELECT {_BODY_CONTAINER} AS c, count(*) AS n, min(seq) AS f, max(seq) AS l "
                "FROM entries GROUP BY c)"
            ).fetchall()
        except sqlite3.OperationalError as exc:  # "malformed JSON", or not a ledger at all
            raise CustodyError(
                f"cannot list the containers of {self._path} ({exc}); run `borderflow custody "
                "verify` to find the damaged entry"
            ) from None
        return [(c, int(n), bytes(first), bytes(last)) for c, n, first, last in rows]

    def derived_mismatch(self, before: int) -> tuple[int, str, object, object] | None:
        """The first entry below ``before`` whose ``container_id``, ``kind`` or
        ``seal_number`` column differs from its entry: (seq, column, column value, entry's)."""
        stated = [f"json_extract(CAST(body AS TEXT), '$.event.{c}')" for c in DERIVED_COLUMNS]
        differs = " OR ".join(
            f"{c} IS NOT {e}" for c, e in zip(DERIVED_COLUMNS, stated, strict=True)
        )
        try:
            row = self._db.execute(
                f"SELECT seq, {', '.join(DERIVED_COLUMNS)}, {', '.join(stated)} FROM entries "
                f"WHERE seq < ? AND ({differs}) ORDER BY seq LIMIT 1",
                (before,),
            ).fetchone()
        except sqlite3.OperationalError as exc:
            raise CustodyError(f"cannot compare the columns of {self._path} ({exc})") from None
        if row is None:
            return None
        return first_difference(row)

    def _head(self, sql: str, args: tuple[int, ...] = ()) -> SignedTreeHead | None:
        try:
            row = self._db.execute(sql, args).fetchone()
        except sqlite3.OperationalError as exc:
            raise CustodyError(f"{self._path} is not a custody ledger ({exc})") from None
        return None if row is None else _tree_head(row)

    def latest_tree_head(self) -> SignedTreeHead | None:
        return self._head("SELECT * FROM tree_heads ORDER BY tree_size DESC LIMIT 1")

    def tree_head_at(self, tree_size: int) -> SignedTreeHead | None:
        return self._head("SELECT * FROM tree_heads WHERE tree_size = ?", (tree_size,))

    def tree_heads(self, after: int, limit: int) -> list[SignedTreeHead]:
        try:
            rows = self._db.execute(
                "SELECT * FROM tree_heads WHERE tree_size > ? ORDER BY tree_size LIMIT ?",
                (after, limit),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            raise CustodyError(f"{self._path} is not a custody ledger ({exc})") from None
        return [_tree_head(r) for r in rows]

    def close(self) -> None:
        self._db.close()
