"""The bridge's durable store: one port, SQLite (default) and PostgreSQL implementations.

``open_store(url)`` picks the implementation from the URL. Every write goes through
:meth:`SqlStore.commit` with a :class:`WriteBatch`: one transaction, fsynced before it returns,
so whatever the API acknowledged survives a crash.
"""

from __future__ import annotations

from risk_bridge.store.batch import Snapshot, WriteBatch
from risk_bridge.store.sql import SqlStore, open_store

__all__ = ["Snapshot", "SqlStore", "WriteBatch", "open_store"]
