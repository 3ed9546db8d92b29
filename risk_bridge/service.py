"""The bridge's operations: every write is validated, stored, audited and only then applied.

:class:`BridgeService` turns API requests (and the fleet's log) into committer jobs. A job runs
on the writer thread: idempotency check, validation against the current state, the rows to
write (the record, an audit row, the idempotency row, outgoing events and webhook outbox rows)
and the effects to run once the transaction is durable: feed the core, publish to the SSE
stream. Feeding follows :mod:`risk_bridge.domain`: the core is told the effective level (and
the deciding authority) whenever it changes, and a fresh HIGH verdict is always passed on.

Fail-safe: when the store cannot be written, the service is *degraded*: writes answer 503,
and every container that has not crossed yet is told UNKNOWN so nothing crosses on a verdict
the bridge cannot vouch for; when the store answers again, the effective levels are re-fed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from orchestrator.lanegraph import Side
from orchestrator.messages import (
    Event,
    RiskLevel,
    VerdictIssued,
)
from risk_bridge.committer import Committer, Prepared
from risk_bridge.domain import Cargo, VerdictRecord, effective_level
from risk_bridge.errors import BadInput, Conflict, Forbidden, NotFound, StoreUnavailable
from risk_bridge.events_out import EventBroker
from risk_bridge.fleet_link import FleetLinkMixin
from risk_bridge.recovery import RecoveryMixin, now_utc
from risk_bridge.security import Principal
from risk_bridge.settings import BridgeSettings
from risk_bridge.state import BridgeState
from risk_bridge.store import SqlStore, WriteBatch

__all__ = ["BridgeService", "Pending", "Write", "now_utc"]

log = logging.getLogger("risk_bridge")


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="microseconds")


class Write:
    """One idempotent write request: who, which key, which body."""

    __slots__ = ("body_hash", "key", "principal")

    def __init__(self, principal: Principal, key: str, body_hash: str) -> None:
        self.principal = principal
        self.key = key
        self.body_hash = body_hash


Response = tuple[int, Any]
# A write in flight: an asyncio future inside the event loop, else a concurrent one.
Pending = Future[Response] | asyncio.Future[Response]


class BridgeService(RecoveryMixin, FleetLinkMixin):
    def __init__(self, settings: BridgeSettings, store: SqlStore, fleet: Any) -> None:
        self.settings = settings
        self.store = store
        self.fleet = fleet  # SimFleet or any object with deliver/now_s/... (None: no fleet)
        self.broker = EventBroker()
        self.state = BridgeState.from_snapshot(store.snapshot())
        self.degraded = False
        self.metrics: dict[str, float] = {"verdicts_accepted": 0, "writes_rejected": 0}
        self.webhook_secrets: dict[str, tuple[str, str]] = {
            w: (str(h["url"]), str(h["secret"])) for w, h in self.state.webhooks.items()
        }
        self.committer = Committer(store, self._store_failed)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.hold_latency_s: list[float] = []  # accepted HIGH -> Stop issued (same thread)

    # ---------------------------------------------------------------------------- lifecycle

    def start(self, manifest: Sequence[Cargo] = ()) -> None:
        """Register the manifest, replay the stored state into the core, start background work."""
        self.committer.call(lambda: self._register(list(manifest)))
        self.committer.call(self._replay)
        for target, name in ((self._ticker, "ticker"), (self._fleet_pump, "fleet-pump")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        self.committer.close()

    def _register(self, manifest: list[Cargo]) -> Prepared:
        batch = WriteBatch()
        now = _iso(now_utc())
        for c in manifest:
            if c.container_id not in self.state.cargo:
                self.state.cargo[c.container_id] = c
                batch.containers.append(
                    (c.container_id, c.consignor, c.hs_code, c.origin_country, now)
                )
        return Prepared(batch, len(batch.containers))

    # ---------------------------------------------------------------------------- plumbing

    def _t(self) -> float:
        return float(self.fleet.now_s()) if self.fleet is not None else 0.0

    def _deliver(self, event: Event) -> None:
        if self.fleet is None:
            return
        try:
            self.fleet.deliver(event)
        except Exception as exc:
            log.warning("core rejected %s: %s", type(event).__name__, exc)

    def _next_id(self, prefix: str) -> str:
        self.state.counter += 1
        return f"{prefix}-{self.state.counter:08d}"

    def _event(
        self,
        batch: WriteBatch,
        effects: list[Callable[[], None]],
        kind: str,
        container_id: str | None,
        data: dict[str, Any],
    ) -> None:
        st = self.state
        seq = st.next_event_seq
        st.next_event_seq += 1
        at = _iso(now_utc())
        body = json.dumps(
            {"seq": seq, "kind": kind, "at": at, "container_id": container_id, "data": data},
            sort_keys=True,
        )
        batch.events.append((seq, at, kind, container_id, body))
        for wid in sorted(st.webhooks):
            kinds = st.webhooks[wid]["kinds"]
            if "*" in kinds or kind in kinds:
                batch.outbox.append((wid, seq, body, 0, at, "pending", ""))
        row = (seq, at, kind, container_id or "", body)
        effects.append(lambda: self.broker.publish(row))

    def _audit(
        self, batch: WriteBatch, p: Principal, action: str, subject: str, detail: dict[str, Any]
    ) -> None:
        batch.audit.append(
            (
                _iso(now_utc()),
                p.subject,
                p.role.value,
                p.authority,
                action,
                subject,
                json.dumps(detail, sort_keys=True, default=str),
            )
        )
        batch.meta.append(("counter", str(self.state.counter)))

    def _feed(self, cid: str) -> None:
        """Tell the core the effective level if it changed (always for a fresh HIGH)."""
        st = self.state
        latest = st.latest.get(cid, {})
        level, who = effective_level(latest, st.warnings.values(), st.cargo.get(cid), now_utc())
        if who is None:
            return
        vid = latest[who].verdict_id if who in latest else ""
        if level == "HIGH" and latest.get(who) is not None and latest[who].level != "HIGH":
            vid = f"warning:{vid}"  # raised by a warning, not a fresh verdict
        key = (level, who, vid if level == "HIGH" else "")
        if st.fed.get(cid) == key:
            return
        st.fed[cid] = key
        reason = "; ".join(latest[who].reasons) if who in latest else ""
        self._deliver(VerdictIssued(self._t(), cid, RiskLevel(level), Side(who), vid, reason))

    # ---------------------------------------------------------------------------- idempotent

    def submit(
        self,
        w: Write,
        build: Callable[[WriteBatch, list[Callable[[], None]]], Response],
    ) -> Pending:
        """Run ``build`` as one idempotent, audited, durable write."""

        def prepare() -> Prepared:
            if self.degraded:
                raise StoreUnavailable(
                    "the bridge store is unavailable; nothing was stored. Retry with the same "
                    "Idempotency-Key once /healthz reports ok"
                )
            k = (w.principal.key, w.key)
            seen = self.state.idem.get(k)
            if seen is not None:
                if seen[0] != w.body_hash:
                    raise Conflict(
                        f"Idempotency-Key {w.key!r} was already used with a different request "
                        "body; use a new key for a new request"
                    )
                return Prepared(WriteBatch(), (seen[1], json.loads(seen[2])))
            batch = WriteBatch()
            effects: list[Callable[[], None]] = []
            status, body = build(batch, effects)
            text = json.dumps(body, sort_keys=True, default=str)
            batch.idempotency.append(
                (w.principal.key, w.key, w.body_hash, status, text, _iso(now_utc()))
            )
            self.state.idem[k] = (w.body_hash, status, text)
            return Prepared(batch, (status, body), effects)

        return self.committer.submit(prepare)

    # ---------------------------------------------------------------------------- verdicts

    def check_time(self, what: str, t: datetime, now: datetime | None = None) -> None:
        now = now or now_utc()
        if t.tzinfo is None:
            raise BadInput(f"{what}: issued_at {t.isoformat()} has no time zone; add Z or +08:00")
        if t > now + timedelta(seconds=self.settings.future_skew_s):
            raise BadInput(
                f"{what}: issued_at {_iso(t)} is in the future (server time {_iso(now)}, "
                f"tolerance {self.settings.future_skew_s:.0f} s); check the sender's clock"
            )
        if t < now - timedelta(seconds=self.settings.max_age_s):
            raise BadInput(
                f"{what}: issued_at {_iso(t)} is older than {self.settings.max_age_s / 86400:.0f}"
                " days; a verdict that old is not accepted, issue a fresh one"
            )

    def verdicts(self, w: Write, items: list[dict[str, Any]]) -> Pending:
        p = w.principal
        now = now_utc()
        latest_ok = now + timedelta(seconds=self.settings.future_skew_s)
        earliest_ok = now - timedelta(seconds=self.settings.max_age_s)
        for i, v in enumerate(items):
            t = v["issued_at"]
            # The common case costs two comparisons; the messages are built only on failure.
            # (tzinfo first: a naive time cannot be compared with the bounds.)
            if (
                v["authority"] == p.authority
                and t.tzinfo is not None
                and earliest_ok <= t <= latest_ok
            ):
                continue
            where = f"verdict {v['verdict_id']} (item {i})"
            if v["authority"] != p.authority:
                raise Forbidden(
                    f"{where}: authority {v['authority']} but this client speaks for "
                    f"{p.authority} customs; each authority submits verdicts for its side only"
                )
            self.check_time(where, t, now)

        def build(batch: WriteBatch, effects: list[Callable[[], None]]) -> Response:
            st = self.state
            fresh: list[VerdictRecord] = []
            seen: set[str] = set()
            out = []
            for i, v in enumerate(items):
                cid = v["container_id"]
                if cid not in st.cargo:
                    raise NotFound(
                        f"verdict {v['verdict_id']} (item {i}): container {cid} is not on the "
                        "manifest of this crossing; check the number or declare it first"
                    )
                rec = VerdictRecord(
                    v["verdict_id"],
                    cid,
                    v["authority"],
                    v["level"],
                    v.get("channel"),
                    v.get("treatment") or "none",
                    tuple(v.get("reasons") or ()),
                    # Kept in UTC, as the store has it: comparing and hashing times that share
                    # the stdlib tzinfo is cheap (pydantic's parsed offsets are called per use).
                    v["issued_at"].astimezone(UTC),
                    int(v.get("sequence") or 0),
                    0,
                )
                old = st.verdict_ids.get(rec.verdict_id)
                if old is not None or rec.verdict_id in seen:
                    same = old is not None and (
                        old.container_id,
                        old.level,
                        old.issued_at,
                        old.authority,
                    ) == (cid, rec.level, rec.issued_at, rec.authority)
                    if not same:
                        raise Conflict(
                            f"verdict {rec.verdict_id} (item {i}) was already received with "
                            "different content; a new decision needs a new verdict_id"
                        )
                    out.append({"verdict_id": rec.verdict_id, "status": "duplicate"})
                    continue
                seen.add(rec.verdict_id)
                fresh.append(rec)
            recv = _iso(now_utc())
            touched: dict[str, None] = {}
            # A batch's verdicts mostly share a few issue times: format each one once.
            iso_of: dict[datetime, str] = {}
            for rec in fresh:
                issued = iso_of.get(rec.issued_at)
                if issued is None:
                    issued = iso_of[rec.issued_at] = _iso(rec.issued_at)
                st.add_verdict(rec)
                touched[rec.container_id] = None
                batch.verdicts.append(
                    (
                        rec.verdict_id,
                        rec.container_id,
                        rec.authority,
                        rec.level,
                        rec.channel,
                        rec.treatment,
                        json.dumps(rec.reasons) if rec.reasons else "[]",
                        issued,
                        rec.sequence,
                        recv,
                        p.subject,
                    )
                )
                latest = st.latest[rec.container_id][rec.authority]
                out.append(
                    {
                        "verdict_id": rec.verdict_id,
                        "status": "accepted" if latest is rec else "superseded",
                    }
                )
            self._audit(
                batch,
                p,
                "verdicts.submit",
                f"{len(fresh)} verdicts",
                {"verdict_ids": [r.verdict_id for r in fresh]},
            )
            # Big batches: no echo per container (holds, crossings etc. still go out).
            echo = len(touched) <= 100
            for cid in touched:
                if echo:
                    lv, who = effective_level(
                        st.latest[cid], st.warnings.values(), st.cargo.get(cid), now_utc()
                    )
                    self._event(
                        batch, effects, "verdict.effective", cid, {"level": lv, "authority": who}
                    )
                effects.append(partial(self._feed_timed, cid))
            self.metrics["verdicts_accepted"] += len(fresh)
            status = 201 if fresh else 200
            return status, {"results": out, "accepted": len(fresh)}

        return self.submit(w, build)

    def _feed_timed(self, cid: str) -> None:
        import time

        t0 = time.perf_counter()
        before = self.state.fed.get(cid)
        self._feed(cid)
        after = self.state.fed.get(cid)
        if after != before and after is not None and after[0] == "HIGH":
            self.hold_latency_s.append(time.perf_counter() - t0)
