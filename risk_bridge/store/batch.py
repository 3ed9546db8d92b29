"""Row types the store reads and writes: a write batch (one transaction) and a full snapshot.

Rows are plain tuples in table column order (see :mod:`risk_bridge.store.sql`), so batches from
many requests can be merged for group commit without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Snapshot", "WriteBatch"]

Row = tuple[object, ...]


@dataclass(slots=True)
class WriteBatch:
    containers: list[Row] = field(default_factory=list)
    verdicts: list[Row] = field(default_factory=list)
    warnings: list[Row] = field(default_factory=list)
    withdrawals: list[tuple[str, str]] = field(default_factory=list)  # (warning_id, at)
    holds: list[Row] = field(default_factory=list)
    hold_closures: list[tuple[str, str, str]] = field(default_factory=list)  # id, status, at
    releases: list[Row] = field(default_factory=list)
    audit: list[Row] = field(default_factory=list)
    idempotency: list[Row] = field(default_factory=list)
    webhooks: list[Row] = field(default_factory=list)
    orders: list[Row] = field(default_factory=list)
    order_sent: list[tuple[str, str]] = field(default_factory=list)  # (order_id, at)
    order_refused: list[tuple[str, str, str]] = field(default_factory=list)  # id, at, why
    # (order_id, at, station, vehicle)
    order_delivered: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    outbox: list[Row] = field(default_factory=list)
    meta: list[tuple[str, str]] = field(default_factory=list)

    def extend(self, other: WriteBatch) -> None:
        for name in self.__slots__:
            getattr(self, name).extend(getattr(other, name))

    def __len__(self) -> int:
        return sum(len(getattr(self, n)) for n in self.__slots__)


@dataclass(slots=True)
class Snapshot:
    """Everything the service rebuilds its state from at start-up (recovery)."""

    containers: list[Row]
    verdicts: list[Row]
    warnings: list[Row]
    holds: list[Row]
    releases: list[Row]
    idempotency: list[Row]
    webhooks: list[Row]
    orders: list[Row]
    meta: dict[str, str]
    last_event_seq: int
