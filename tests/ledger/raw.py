"""Direct database access for the tamper tests: what an attacker with DB access could do."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg

from risk_bridge.ledger import sqlite_path


def tamper(url: str, *statements: tuple[str, tuple[Any, ...]]) -> None:
    """Drop the append-only triggers, then run statements written for SQLite naming
    (``entries``); on PostgreSQL the tables are ``custody_*`` and placeholders ``%s``."""
    path = sqlite_path(url)
    if path is not None:
        db = sqlite3.connect(path, isolation_level=None)
        for table in ("entries", "merkle_nodes", "tree_heads"):
            for op in ("update", "delete"):
                db.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        for sql, args in statements:
            db.execute(sql, args)
        db.close()
        return
    with psycopg.connect(url, autocommit=True) as pg:
        for table in ("entries", "merkle_nodes", "tree_heads"):
            pg.execute(f"DROP TRIGGER IF EXISTS custody_{table}_append_only ON custody_{table}")
        for sql, args in statements:
            pg_sql = sql.replace("entries", "custody_entries").replace("?", "%s")
            pg.execute(pg_sql, args)  # type: ignore[arg-type]


def fetch(url: str, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    path = sqlite_path(url)
    if path is not None:
        db = sqlite3.connect(path)
        rows = db.execute(sql, args).fetchall()
        db.close()
        return rows
    with psycopg.connect(url) as pg:
        sql = sql.replace("entries", "custody_entries").replace("?", "%s")
        return [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
            for r in pg.execute(sql, args).fetchall()
        ]  # type: ignore[arg-type]
