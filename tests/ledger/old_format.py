"""A ledger exactly as borderflow wrote it before timestamps: entries without ``timestamp``,
version /1 tree heads, and a ``tree_heads`` table without the ``timestamp_ms`` column."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import psycopg

from orchestrator.custody.encoding import GENESIS_PREV, encode_entry
from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.merkle import Frontier, leaf_hash
from orchestrator.custody.treehead import sign_tree_head
from risk_bridge.ledger import open_ledger, sqlite_path
from risk_bridge.ledger.keys import load_private_key
from risk_bridge.ledger.store import EntryRow


def write_old_ledger(url: str, key: Path, commits: Sequence[Sequence[CustodyEvent]]) -> None:
    """One transaction and one /1 head per item of ``commits``, then the old table layout."""
    assert all(e.timestamp is None for batch in commits for e in batch)
    open_ledger(url, key=key).close()  # the tables (and, on SQLite, the public key beside)
    from risk_bridge.ledger import _store

    store = _store(url, readonly=False)
    signer = load_private_key(key)
    frontier, prev = Frontier(), GENESIS_PREV
    for batch in commits:
        size = frontier.size
        rows, nodes = [], []
        for event in batch:
            body = encode_entry(frontier.size, prev, event)
            prev = leaf_hash(body)
            nodes += frontier.append(prev)
            rows.append(
                EntryRow(
                    frontier.size - 1,
                    event.container_id,
                    event.kind.value,
                    event.seal_number,
                    prev,
                    body,
                )
            )
        head = sign_tree_head(signer, frontier.size, frontier.root())  # no timestamp: /1
        store.commit(size, rows, nodes, head, {"key_id": head.key_id})
    store.close()
    path = sqlite_path(url)
    if path is not None:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("ALTER TABLE tree_heads DROP COLUMN timestamp_ms")
        db.close()
    else:
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute("ALTER TABLE custody_tree_heads DROP COLUMN timestamp_ms")


def tree_head_columns(url: str) -> list[str]:
    path = sqlite_path(url)
    if path is not None:
        db = sqlite3.connect(path)
        names = [str(r[1]) for r in db.execute("PRAGMA table_info(tree_heads)")]
        db.close()
        return names
    with psycopg.connect(url) as pg:
        rows = pg.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = "
            "'custody_tree_heads' AND table_schema = current_schema() ORDER BY ordinal_position"
        ).fetchall()
    return [str(r[0]) for r in rows]
