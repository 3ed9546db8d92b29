"""SQL implementation of the store port for SQLite (WAL, synchronous=FULL) and PostgreSQL.

The schema and statements are shared; a dialect supplies the placeholder style and the
auto-increment column type. SQLite is opened by one writer connection guarded by a lock (the
bridge's group committer is the only writer); PostgreSQL uses psycopg 3 with
``synchronous_commit=on`` (the server default), so a returned commit is on disk.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from risk_bridge.errors import BadInput, StoreUnavailable
from risk_bridge.store.batch import Row, Snapshot, WriteBatch

__all__ = ["SqlStore", "open_store"]

_TABLES = {
    "containers": ("container_id", "consignor", "hs_code", "origin_country", "registered_at"),
    "verdicts": (
        "verdict_id",
        "container_id",
        "authority",
        "level",
        "channel",
        "treatment",
        "reasons",
        "issued_at",
        "sequence",
        "received_at",
        "actor",
    ),
    "warnings": (
        "warning_id",
        "authority",
        "kind",
        "level",
        "consignor",
        "hs_prefix",
        "origin_country",
        "target",
        "valid_from",
        "valid_until",
        "reason",
        "withdrawn_at",
        "created_at",
        "actor",
    ),
    "holds": (
        "hold_id",
        "container_id",
        "authority",
        "reason",
        "placed_at",
        "vehicle_id",
        "station",
        "status",
        "closed_at",
    ),
    "releases": (
        "release_id",
        "kind",
        "container_id",
        "authority",
        "officer",
        "reason",
        "recognised_authority",
        "at",
    ),
    "audit": ("at", "actor", "role", "authority", "action", "subject", "detail"),
    "idempotency": ("principal", "idem_key", "request_hash", "status", "body", "at"),
    "webhooks": ("webhook_id", "authority", "url", "secret", "kinds", "created_at"),
    "orders": (
        "order_id",
        "seq",
        "container_id",
        "direction",
        "origin_station",
        "seals",
        "id_generated",
        "accepted_at",
        "actor",
        "sent_at",
        "refused_at",
        "refusal",
        "delivered_at",
        "delivery_station",
        "delivered_by",
    ),
    "events": ("seq", "at", "kind", "container_id", "body"),
    "outbox": ("webhook_id", "event_seq", "body", "attempts", "next_at", "status", "last_error"),
}
_KEYS = {
    "containers": "container_id",
    "verdicts": "verdict_id",
    "warnings": "warning_id",
    "holds": "hold_id",
    "releases": "release_id",
    "idempotency": "principal, idem_key",
    "webhooks": "webhook_id",
    "orders": "order_id",
}
_SERIAL_TABLES = ("audit", "outbox")
_BIGINT = ("sequence", "attempts", "event_seq", "seq", "id_generated")


def _ddl(serial: str) -> list[str]:
    out = []
    for table, cols in _TABLES.items():
        defs = [f"{c} {'BIGINT' if c in _BIGINT else 'TEXT'}" for c in cols]
        if table == "idempotency":
            defs[cols.index("status")] = "status BIGINT"
        if table == "events":
            defs[0] = "seq BIGINT PRIMARY KEY"
        elif table in _SERIAL_TABLES:
            defs.insert(0, f"seq {serial}")
        else:
            defs.append(f"PRIMARY KEY ({_KEYS[table]})")
        out.append(f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(defs)})")
    out.append("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
    out.append("CREATE INDEX IF NOT EXISTS verdicts_container ON verdicts (container_id)")
    out.append("CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_at)")
    return out


def _insert(table: str, ph: str) -> str:
    cols = _TABLES[table]
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([ph] * len(cols))})"


class SqlStore:
    """The store port. Thread-safe: one lock serialises the writer connection."""

    def __init__(self, url: str, connect: Any, ph: str, kind: str) -> None:
        self.url = url
        self.kind = kind
        self._connect = connect  # re-opens the connection after the database came back
        self._conn = connect()
        self._ph = ph
        self._lock = threading.Lock()
        self.available = True

    # ---------------------------------------------------------------------------- writes

    def commit(self, batch: WriteBatch) -> None:
        """Write the whole batch in one durable transaction (fsynced when this returns)."""
        ph = self._ph
        with self._lock:
            if not self.available:
                raise StoreUnavailable(f"store {self.url} is marked unavailable; retry later")
            try:
                cur = self._conn.cursor()
                for table in (
                    "containers",
                    "verdicts",
                    "warnings",
                    "holds",
                    "releases",
                    "audit",
                    "idempotency",
                    "webhooks",
                    "orders",
                ):
                    rows: list[Row] = getattr(batch, table)
                    if rows:
                        cur.executemany(_insert(table, ph), rows)
                for wid, at in batch.withdrawals:
                    cur.execute(
                        f"UPDATE warnings SET withdrawn_at = {ph} WHERE warning_id = {ph}",
                        (at, wid),
                    )
                for hid, status, at in batch.hold_closures:
                    cur.execute(
                        f"UPDATE holds SET status = {ph}, closed_at = {ph} WHERE hold_id = {ph}",
                        (status, at, hid),
                    )
                for oid, at in batch.order_sent:
                    cur.execute(
                        f"UPDATE orders SET sent_at = {ph} WHERE order_id = {ph}", (at, oid)
                    )
                for oid, at, why in batch.order_refused:
                    cur.execute(
                        f"UPDATE orders SET refused_at = {ph}, refusal = {ph} "
                        f"WHERE order_id = {ph}",
                        (at, why, oid),
                    )
                for oid, at, station, vehicle in batch.order_delivered:
                    cur.execute(
                        f"UPDATE orders SET delivered_at = {ph}, delivery_station = {ph}, "
                        f"delivered_by = {ph} WHERE order_id = {ph}",
                        (at, station, vehicle, oid),
                    )
                # One row per key: a group of N requests carries N updates of the same
                # counter, and only the last one matters.
                for key, value in dict(batch.meta).items():
                    cur.execute(f"DELETE FROM meta WHERE key = {ph}", (key,))
                    cur.execute(f"INSERT INTO meta (key, value) VALUES ({ph}, {ph})", (key, value))
                if batch.events:
                    cur.executemany(_insert("events", ph), batch.events)
                if batch.outbox:
                    cur.executemany(_insert("outbox", ph), batch.outbox)
                self._conn.commit()
            except (sqlite3.IntegrityError, _pg_integrity()) as exc:
                self._conn.rollback()
                raise BadInput(f"duplicate id: {exc}; use a new id") from exc
            except (ValueError, _pg_data_error()) as exc:
                # A value the store cannot hold (e.g. NUL in PostgreSQL text): this request's
                # data, not the store, is at fault.
                with contextlib.suppress(Exception):
                    self._conn.rollback()
                raise BadInput(f"the store cannot hold this input: {exc}") from exc
            except (sqlite3.Error, _pg_error()) as exc:
                with contextlib.suppress(Exception):  # the connection may be gone
                    self._conn.rollback()
                raise StoreUnavailable(f"store {self.url} write failed: {exc}") from exc

    # ----------------------------------------------------------------------------- reads

    def _all(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        with self._lock:
            try:
                cur = self._conn.cursor()
                cur.execute(sql, tuple(params))
                rows = [tuple(r) for r in cur.fetchall()]
                if self.kind == "postgresql":
                    self._conn.commit()  # end the read transaction
                return rows
            except (sqlite3.Error, _pg_error()) as exc:
                raise StoreUnavailable(f"store {self.url} read failed: {exc}") from exc

    def snapshot(self) -> Snapshot:
        def rows(table: str, order: str) -> list[Row]:
            return self._all(f"SELECT {', '.join(_TABLES[table])} FROM {table} ORDER BY {order}")

        meta = dict((str(k), str(v)) for k, v in self._all("SELECT key, value FROM meta"))
        last = self._all("SELECT COALESCE(MAX(seq), 0) FROM events")[0][0]
        return Snapshot(
            containers=rows("containers", "container_id"),
            verdicts=rows("verdicts", "received_at, verdict_id"),
            warnings=rows("warnings", "created_at, warning_id"),
            holds=rows("holds", "placed_at, hold_id"),
            releases=rows("releases", "at, release_id"),
            idempotency=rows("idempotency", "at"),
            webhooks=rows("webhooks", "webhook_id"),
            orders=rows("orders", "seq"),
            meta=meta,
            last_event_seq=int(str(last)),
        )

    def audit(self, limit: int, after_seq: int = 0) -> list[Row]:
        cols = ", ".join(("seq", *_TABLES["audit"]))
        ph = self._ph
        return self._all(
            f"SELECT {cols} FROM audit WHERE seq > {ph} ORDER BY seq LIMIT {ph}", (after_seq, limit)
        )

    def events_after(self, seq: int, limit: int = 500) -> list[Row]:
        ph = self._ph
        return self._all(
            f"SELECT seq, at, kind, container_id, body FROM events WHERE seq > {ph} "
            f"ORDER BY seq LIMIT {ph}",
            (seq, limit),
        )

    def outbox_due(self, now_iso: str, limit: int = 100) -> list[Row]:
        ph = self._ph
        return self._all(
            f"SELECT seq, webhook_id, event_seq, body, attempts FROM outbox "
            f"WHERE status = 'pending' AND next_at <= {ph} ORDER BY seq LIMIT {ph}",
            (now_iso, limit),
        )

    def outbox_update(self, seq: int, attempts: int, next_at: str, status: str, err: str) -> None:
        ph = self._ph
        with self._lock:
            try:
                self._conn.cursor().execute(
                    f"UPDATE outbox SET attempts = {ph}, next_at = {ph}, status = {ph}, "
                    f"last_error = {ph} WHERE seq = {ph}",
                    (attempts, next_at, status, err, seq),
                )
                self._conn.commit()
            except (sqlite3.Error, _pg_error()) as exc:
                raise StoreUnavailable(f"store {self.url} write failed: {exc}") from exc

    def outbox_rows(self) -> list[Row]:
        return self._all(
            "SELECT seq, webhook_id, event_seq, attempts, status, last_error FROM outbox "
            "ORDER BY seq"
        )

    def ping(self) -> bool:
        """True when the store answers; reconnects once if the connection was lost."""
        try:
            self._all("SELECT 1")
            return self.available
        except StoreUnavailable:
            pass
        with self._lock:
            with contextlib.suppress(Exception):  # already broken
                self._conn.close()
            try:
                self._conn = self._connect()
            except (sqlite3.Error, _pg_error(), StoreUnavailable):
                return False
        try:
            self._all("SELECT 1")
        except StoreUnavailable:
            return False
        return self.available

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _pg_error() -> type[Exception]:
    try:
        import psycopg

        return psycopg.Error
    except ImportError:  # pragma: no cover (psycopg is a dependency)
        return sqlite3.Error


def _pg_integrity() -> type[Exception]:
    try:
        import psycopg

        return psycopg.IntegrityError
    except ImportError:  # pragma: no cover
        return sqlite3.IntegrityError


def _sqlite_path(url: str) -> str:
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///") :]
    if "://" in url:
        raise BadInput(f"unsupported store URL {url!r}: use sqlite:///path.db or postgresql://...")
    return url


def open_store(url: str) -> SqlStore:
    """Open (creating the schema if needed) the store at ``url``."""
    scheme = urlsplit(url).scheme
    if scheme in ("postgresql", "postgres"):
        import psycopg

        def connect_pg() -> Any:
            try:
                conn = psycopg.connect(url, connect_timeout=10)
            except psycopg.Error as exc:
                raise StoreUnavailable(f"cannot connect to the store {url}: {exc}") from exc
            with conn.cursor() as cur:
                for stmt in _ddl("BIGSERIAL PRIMARY KEY"):
                    cur.execute(stmt)
            conn.commit()
            return conn

        return SqlStore(url, connect_pg, "%s", "postgresql")
    path = _sqlite_path(url)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)

    def connect_sqlite() -> sqlite3.Connection:
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level="DEFERRED")
        # WAL + FULL: a commit returns only after the WAL is fsynced: an ack survives kill -9.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=5000")
        for stmt in _ddl("INTEGER PRIMARY KEY AUTOINCREMENT"):
            conn.execute(stmt)
        conn.commit()
        return conn

    return SqlStore(url, connect_sqlite, "?", "sqlite")


def _pg_data_error() -> type[Exception]:
    try:
        import psycopg

        return psycopg.DataError
    except ImportError:  # pragma: no cover
        return sqlite3.DataError
