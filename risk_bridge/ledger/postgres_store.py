"""PostgreSQL storage for the custody ledger (psycopg 3), selected by a ``postgresql://`` URL.

Durability: each commit is one transaction with the server's default ``synchronous_commit=on``
(the session forces it on), so COMMIT returns after the WAL is flushed. Large batches go in with
COPY. A transaction-scoped advisory lock serialises writers, and the commit is refused if the
ledger grew since this process read it. Triggers refuse UPDATE / DELETE / TRUNCATE.

As in the SQLite store, reads by container go by the container number inside the hashed entry
(an index on ``custody_entry_container(body)``), never by the ``container_id`` column, and
:meth:`PostgresStore.derived_mismatch` compares the derived columns with the entries for
``verify`` (and that function with the entries, should someone have replaced it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import islice

import psycopg

from orchestrator.custody.errors import CustodyError
from orchestrator.custody.treehead import SignedTreeHead
from risk_bridge.ledger.pg_errors import connect_error, schema_error
from risk_bridge.ledger.store import (
    DERIVED_COLUMNS,
    EntryRow,
    StoreConflict,
    first_difference,
    redact_url,
)

__all__ = ["PostgresStore"]

_LOCK_KEY = 0x62666C6564676572  # "bfledger": one advisory lock id for the custody writer
_SCHEMA = """
CREATE TABLE IF NOT EXISTS custody_entries (
    seq BIGINT PRIMARY KEY,
    container_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    seal_number TEXT,
    leaf_hash BYTEA NOT NULL,
    body BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS custody_merkle_nodes (
    level SMALLINT NOT NULL,
    idx BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS custody_tree_heads (
    tree_size BIGINT PRIMARY KEY,
    root_hash BYTEA NOT NULL,
    key_id TEXT NOT NULL,
    signature BYTEA NOT NULL,
    timestamp_ms BIGINT
);
-- Ledgers made before tree heads carried a time: their /1 heads keep NULL here.
ALTER TABLE custody_tree_heads ADD COLUMN IF NOT EXISTS timestamp_ms BIGINT;
CREATE TABLE IF NOT EXISTS custody_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE OR REPLACE FUNCTION custody_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the custody ledger is append-only'; END $$;
CREATE OR REPLACE FUNCTION custody_entry_container(body bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT %s $$;
DROP INDEX IF EXISTS custody_entries_container;
CREATE INDEX IF NOT EXISTS custody_entries_body_container
    ON custody_entries (custody_entry_container(body), seq);
"""
# The entry's event, parsed from its bytes (valid UTF-8 JSON: the canonical encoding).
_EVENT = "(convert_from(body, 'UTF8')::jsonb -> 'event')"
# The container number as the entry states it. convert_from is only STABLE (it depends on the
# database's encoding, which never changes under a database), so the index goes through an
# IMMUTABLE wrapper, custody_entry_container(body).
_SCHEMA = _SCHEMA.replace("%s", f"{_EVENT} ->> 'container_id'")
_TABLES = ("custody_entries", "custody_merkle_nodes", "custody_tree_heads")
_COPY_FROM = 64  # rows: below this, one pipelined INSERT ... unnest is as fast as COPY


def _entry_tuples(rows: Sequence[EntryRow]) -> list[tuple[object, ...]]:
    return [(r.seq, r.container_id, r.kind, r.seal_number, r.leaf_hash, r.body) for r in rows]


class PostgresStore:
    def __init__(self, url: str, *, readonly: bool = False) -> None:
        self.url = redact_url(url)  # for messages and the API: never the password
        try:
            self._db = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise connect_error(url, exc) from None
        try:
            self._db.execute("SET synchronous_commit = on")
            if not readonly:
                self._create_schema()
        except psycopg.Error as exc:
            self._db.close()
            raise schema_error(url, exc) from None

    def _create_schema(self) -> None:
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            self._db.execute(_SCHEMA)
            for table in _TABLES:
                self._db.execute(
                    f"CREATE OR REPLACE TRIGGER {table}_append_only "
                    f"BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION custody_append_only()"
                )

    def _one(self, sql: str, args: tuple[object, ...] = ()) -> tuple[object, ...] | None:
        try:
            return self._db.execute(sql, args).fetchone()
        except psycopg.errors.UndefinedTable:
            raise CustodyError(f"{self.url} holds no custody ledger (no tables)") from None

    def size(self) -> int:
        row = self._one("SELECT max(seq) FROM custody_entries")
        return 0 if row is None or row[0] is None else int(str(row[0])) + 1

    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM custody_meta WHERE key = %s", (key,))
        return None if row is None else str(row[0])

    def nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        out: dict[tuple[int, int], bytes] = {}
        leaves = [idx for level, idx in keys if level == 0]
        levels = [level for level, _ in keys if level > 0]
        idxs = [idx for level, idx in keys if level > 0]
        if leaves:
            for seq, h in self._db.execute(
                "SELECT seq, leaf_hash FROM custody_entries WHERE seq = ANY(%s)", (leaves,)
            ):
                out[(0, int(seq))] = bytes(h)
        if levels:
            for level, idx, h in self._db.execute(
                "SELECT n.level, n.idx, n.hash FROM custody_merkle_nodes n "
                "JOIN unnest(%s::smallint[], %s::bigint[]) AS k(level, idx) "
                "ON n.level = k.level AND n.idx = k.idx",
                (levels, idxs),
            ):
                out[(int(level), int(idx))] = bytes(h)
        return out

    def commit(
        self,
        expected_size: int,
        rows: Sequence[EntryRow],
        nodes: Sequence[tuple[int, int, bytes]],
        tree_head: SignedTreeHead,
        meta: dict[str, str],
    ) -> None:
        # Round trips, not bytes, bound a batch on a busy machine (each one waits for the
        # scheduler on both sides), so the transaction takes three or four: BEGIN + lock +
        # size check pipelined; the entries by binary COPY when there are many; the rest and
        # COMMIT pipelined, returning once COMMIT has flushed the WAL.
        db = self._db
        with db.cursor() as cur:
            try:
                with db.pipeline():
                    cur.execute("BEGIN")
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
                    cur.execute("SELECT max(seq) FROM custody_entries")
                found = cur.fetchone()
                size = 0 if found is None or found[0] is None else int(found[0]) + 1
                if size != expected_size:
                    raise StoreConflict(f"ledger {self.url} was appended to by another process")
                if len(rows) >= _COPY_FROM:
                    with cur.copy(
                        "COPY custody_entries (seq, container_id, kind, seal_number, leaf_hash,"
                        " body) FROM STDIN (FORMAT BINARY)"
                    ) as copy:
                        copy.set_types(["int8", "text", "text", "text", "bytea", "bytea"])
                        for r in rows:
                            copy.write_row(
                                (r.seq, r.container_id, r.kind, r.seal_number, r.leaf_hash, r.body)
                            )
                with db.pipeline():
                    if len(rows) < _COPY_FROM:
                        cur.execute(
                            "INSERT INTO custody_entries SELECT * FROM unnest(%s::int8[], "
                            "%s::text[], %s::text[], %s::text[], %b::bytea[], %b::bytea[])",
                            [list(column) for column in zip(*_entry_tuples(rows), strict=True)],
                        )
                    if nodes:
                        cur.execute(
                            "INSERT INTO custody_merkle_nodes "
                            "SELECT * FROM unnest(%s::int2[], %s::int8[], %b::bytea[])",
                            [list(column) for column in zip(*nodes, strict=True)],
                        )
                    cur.execute(
                        "INSERT INTO custody_tree_heads (tree_size, root_hash, key_id, "
                        "signature, timestamp_ms) VALUES (%s, %s, %s, %s, %s)",
                        (
                            tree_head.tree_size,
                            tree_head.root_hash,
                            tree_head.key_id,
                            tree_head.signature,
                            tree_head.timestamp_ms,
                        ),
                    )
                    for key, value in meta.items():
                        cur.execute(
                            "INSERT INTO custody_meta VALUES (%s, %s) "
                            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                            (key, value),
                        )
                    cur.execute("COMMIT")
            except BaseException:
                if db.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    db.execute("ROLLBACK")
                raise

    def iter_rows(self, start: int = 0) -> Iterator[tuple[int, bytes, bytes]]:
        # A server-side cursor streams a large ledger without loading it whole.
        with self._db.transaction(), self._db.cursor(name="custody_rows") as cur:
            cur.itersize = 20000
            cur.execute(
                "SELECT seq, body, leaf_hash FROM custody_entries WHERE seq >= %s ORDER BY seq",
                (start,),
            )
            for seq, body, h in cur:
                yield int(seq), bytes(body), bytes(h)

    def iter_chunks(self, size: int) -> Iterator[list[tuple[int, bytes, bytes]]]:
        """The rows of :meth:`iter_rows`, in lists of ``size`` (the last may be shorter)."""
        rows = self.iter_rows()
        while chunk := list(islice(rows, size)):
            yield chunk

    def container_rows(self, container_id: str) -> list[tuple[int, bytes]]:
        # A ledger made before the index existed and opened read-only has no function: the
        # same expression inline (a full scan).
        for where in ("custody_entry_container(body)", f"({_EVENT} ->> 'container_id')"):
            try:
                rows = self._db.execute(
                    f"SELECT seq, body FROM custody_entries WHERE {where} = %s ORDER BY seq",
                    (container_id,),
                ).fetchall()
            except psycopg.errors.UndefinedFunction:
                continue
            except psycopg.Error as exc:  # e.g. a body that is no longer JSON
                raise CustodyError(
                    f"cannot read the entries of {container_id} from {self.url} ({exc}); run "
                    "`borderflow custody verify` to find the damaged entry"
                ) from None
            return [(int(seq), bytes(body)) for seq, body in rows]
        raise AssertionError("unreachable")

    def container_counts(self) -> list[tuple[str | None, int, bytes, bytes]]:
        for where in ("custody_entry_container(body)", f"({_EVENT} ->> 'container_id')"):
            try:
                rows = self._db.execute(
                    "SELECT c, n, (SELECT body FROM custody_entries WHERE seq = f), "
                    "(SELECT body FROM custody_entries WHERE seq = l) FROM ("
                    f"SELECT {where} AS c, count(*) AS n, min(seq) AS f, max(seq) AS l "
                    "FROM custody_entries GROUP BY 1) AS per_container"
                ).fetchall()
            except psycopg.errors.UndefinedFunction:
                continue  # a ledger made before the index and opened read-only: inline
            except psycopg.errors.UndefinedTable:
                raise CustodyError(f"{self.url} holds no custody ledger (no tables)") from None
            except psycopg.Error as exc:  # e.g. a body that is no longer JSON
                raise CustodyError(
                    f"cannot list the containers of {self.url} ({exc}); run `borderflow "
                    "custody verify` to find the damaged entry"
                ) from None
            return [(c, int(n), bytes(first), bytes(last)) for c, n, first, last in rows]
        raise AssertionError("unreachable")

    def derived_mismatch(self, before: int) -> tuple[int, str, object, object] | None:
        """As :meth:`SqliteStore.derived_mismatch`; the read index's function is compared too
        (as the ``container_id`` it yields), when it exists."""
        columns = [*DERIVED_COLUMNS]
        if self._one("SELECT to_regprocedure('custody_entry_container(bytea)')") != (None,):
            columns.append("custody_entry_container(body)")
        stated = [f"e ->> '{c}'" for c in DERIVED_COLUMNS]
        stated += stated[:1] * (len(columns) - len(stated))
        try:
            row = self._db.execute(
                f"SELECT seq, {', '.join(columns)}, {', '.join(stated)} FROM ("
                f"SELECT *, {_EVENT} AS e FROM custody_entries WHERE seq < %s) AS t "
                f"WHERE ({', '.join(columns)}) IS DISTINCT FROM ({', '.join(stated)}) "
                "ORDER BY seq LIMIT 1",
                (before,),
            ).fetchone()
        except psycopg.Error as exc:
            raise CustodyError(f"cannot compare the columns of {self.url} ({exc})") from None
        if row is None:
            return None
        return first_difference(row, columns)

    def body_source(self, tree_size: int) -> Callable[[], Iterator[list[bytes]]] | None:
        """None: the rules get the entries from the verifier (a second connection would also
        need the server's snapshot exported to see the same entries)."""
        return None

    def _head(self, row: tuple[object, ...] | None) -> SignedTreeHead | None:
        if row is None:
            return None
        # A ledger made before heads carried a time and opened read-only has four columns.
        size, root, kid, sig = row[:4]
        stamp = row[4] if len(row) > 4 else None
        return SignedTreeHead(
            int(str(size)),
            bytes(root),  # type: ignore[call-overload]
            str(kid),
            bytes(sig),  # type: ignore[call-overload]
            None if stamp is None else int(str(stamp)),
        )

    def latest_tree_head(self) -> SignedTreeHead | None:
        return self._head(
            self._one("SELECT * FROM custody_tree_heads ORDER BY tree_size DESC LIMIT 1")
        )

    def tree_head_at(self, tree_size: int) -> SignedTreeHead | None:
        return self._head(
            self._one("SELECT * FROM custody_tree_heads WHERE tree_size = %s", (tree_size,))
        )

    def tree_heads(self, after: int, limit: int) -> list[SignedTreeHead]:
        try:
            rows = self._db.execute(
                "SELECT * FROM custody_tree_heads WHERE tree_size > %s ORDER BY tree_size LIMIT %s",
                (after, limit),
            ).fetchall()
        except psycopg.errors.UndefinedTable:
            raise CustodyError(f"{self.url} holds no custody ledger (no tables)") from None
        return [h for h in map(self._head, rows) if h is not None]

    def close(self) -> None:
        self._db.close()
