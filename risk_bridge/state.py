"""The bridge's in-memory view of its store, rebuilt from a snapshot at start-up, and what the
core was told.

Only the writer (committer) thread mutates it (see :mod:`risk_bridge.threads`), so it needs no
lock; readers on other threads see whole records (dict assignment is atomic in CPython).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orchestrator.domain.records import Cargo
from risk_bridge.domain import OrderRecord, VerdictRecord, WarningRecord
from risk_bridge.store import Snapshot

__all__ = ["BridgeState", "parse_ts"]


def parse_ts(text: object) -> datetime:
    return datetime.fromisoformat(str(text))


def _opt_ts(text: object) -> datetime | None:
    return None if text in (None, "") else parse_ts(text)


@dataclass(slots=True)
class BridgeState:
    cargo: dict[str, Cargo] = field(default_factory=dict)
    verdicts: dict[str, list[VerdictRecord]] = field(default_factory=dict)
    verdict_ids: dict[str, VerdictRecord] = field(default_factory=dict)
    latest: dict[str, dict[str, VerdictRecord]] = field(default_factory=dict)
    warnings: dict[str, WarningRecord] = field(default_factory=dict)
    warning_active: dict[str, bool] = field(default_factory=dict)
    holds: dict[str, dict[str, Any]] = field(default_factory=dict)
    active_hold: dict[str, str] = field(default_factory=dict)  # container -> hold id
    releases: dict[str, dict[str, Any]] = field(default_factory=dict)
    releases_by_container: dict[str, list[str]] = field(default_factory=dict)
    idem: dict[tuple[str, str], tuple[str, int, str]] = field(default_factory=dict)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, OrderRecord] = field(default_factory=dict)  # transport orders, by id
    orders_by_container: dict[str, list[str]] = field(default_factory=dict)  # oldest first
    seal_orders: dict[str, list[str]] = field(default_factory=dict)  # seal -> orders naming it
    order_seq: int = 0  # the last order's seq
    fed: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # what the core was told
    pending_release: dict[str, dict[str, str]] = field(default_factory=dict)
    lanes_closed: dict[str, set[str]] = field(default_factory=dict)  # target -> closers
    # Containers whose acknowledged event the core refused: fed UNKNOWN until a later verdict
    # in force is delivered (container -> why). In memory: a restart feeds the core afresh.
    core_failsafe: dict[str, str] = field(default_factory=dict)
    next_event_seq: int = 1
    counter: int = 0  # id tie-breaker for ids the bridge makes itself

    def add_verdict(self, v: VerdictRecord) -> None:
        self.verdicts.setdefault(v.container_id, []).append(v)
        self.verdict_ids[v.verdict_id] = v
        cur = self.latest.setdefault(v.container_id, {})
        old = cur.get(v.authority)
        if old is None or v.order_key > old.order_key:
            cur[v.authority] = v

    def add_order(self, o: OrderRecord) -> None:
        """A new order (or, with the same id, the same order's newer record)."""
        if o.order_id not in self.orders:
            self.orders_by_container.setdefault(o.container_id, []).append(o.order_id)
            for seal in o.seals:
                self.seal_orders.setdefault(seal, []).append(o.order_id)
        self.orders[o.order_id] = o
        self.order_seq = max(self.order_seq, o.seq)

    def add_release(self, row: dict[str, Any]) -> None:
        self.releases[row["release_id"]] = row
        self.releases_by_container.setdefault(row["container_id"], []).append(row["release_id"])

    @classmethod
    def from_snapshot(cls, snap: Snapshot) -> BridgeState:
        st = cls()
        for cid, consignor, hs, origin, _at in snap.containers:
            st.cargo[str(cid)] = Cargo(str(cid), str(consignor), str(hs), str(origin))
        for i, r in enumerate(snap.verdicts):
            st.add_verdict(_verdict(r, i))
        for r in snap.warnings:
            w = _warning(r)
            st.warnings[w.warning_id] = w
        for r in snap.holds:
            hid, cid, auth, reason, placed, vehicle, station, status, closed = r
            st.holds[str(hid)] = {
                "hold_id": hid,
                "container_id": cid,
                "authority": auth,
                "reason": reason,
                "placed_at": placed,
                "vehicle_id": vehicle,
                "station": station,
                "status": status,
                "closed_at": closed,
            }
            if status == "active":
                st.active_hold[str(cid)] = str(hid)
        for r in snap.releases:
            st.add_release(dict(zip(_RELEASE_COLUMNS, r, strict=True)))
        for principal, key, h, status, body, _at in snap.idempotency:
            # The status column holds the code of the first answer (routers.common.status_of).
            st.idem[(str(principal), str(key))] = (str(h), int(str(status)), str(body))
        for wid, auth, url, secret, kinds, created in snap.webhooks:
            st.webhooks[str(wid)] = {
                "webhook_id": wid,
                "authority": auth,
                "url": url,
                "secret": secret,
                "kinds": json.loads(str(kinds)),
                "created_at": created,
            }
        for r in snap.orders:
            st.add_order(_order(r))
        st.next_event_seq = snap.last_event_seq + 1
        st.counter = int(snap.meta.get("counter", "0"))
        return st


_RELEASE_COLUMNS = (
    "release_id",
    "kind",
    "container_id",
    "authority",
    "officer",
    "reason",
    "recognised_authority",
    "at",
)


def _verdict(r: tuple[object, ...], received_seq: int) -> VerdictRecord:
    vid, cid, auth, level, channel, treat, reasons, issued, seq, _recv, _actor = r
    return VerdictRecord(
        str(vid),
        str(cid),
        str(auth),
        str(level),
        None if channel is None else str(channel),
        str(treat),
        tuple(json.loads(str(reasons))),
        parse_ts(issued),
        int(str(seq)),
        received_seq,
    )


def _order(r: tuple[object, ...]) -> OrderRecord:
    oid, seq, cid, direction, station, seals, generated, accepted, actor, *rest = r
    sent, refused_at, refusal, delivered, d_station, d_by = (_opt_str(v) for v in rest)
    return OrderRecord(
        str(oid),
        int(str(seq)),
        str(cid),
        str(direction),
        str(station),
        tuple(json.loads(str(seals))),
        bool(int(str(generated))),
        str(accepted),
        str(actor),
        sent,
        refused_at,
        refusal,
        delivered,
        d_station,
        d_by,
    )


def _opt_str(v: object) -> str | None:
    return None if v is None else str(v)


def _warning(r: tuple[object, ...]) -> WarningRecord:
    wid, auth, kind, level, cons, hs, origin, target, vf, vu, reason, wd, _c, _a = r
    return WarningRecord(
        str(wid),
        str(auth),
        str(kind),
        None if level is None else str(level),
        None if cons is None else str(cons),
        None if hs is None else str(hs),
        None if origin is None else str(origin),
        None if target is None else str(target),
        parse_ts(vf),
        _opt_ts(vu),
        str(reason),
        _opt_ts(wd),
    )
