"""The bridge service: wires the committer, the store, the state and the fleet, and submits the
writer-side functions as committer jobs.

Every write is validated, stored, audited and only then applied: a job runs a function of
:mod:`risk_bridge.verdicts`, :mod:`~risk_bridge.releases`, :mod:`~risk_bridge.warnings`,
:mod:`~risk_bridge.lanes`, :mod:`~risk_bridge.orders`, :mod:`~risk_bridge.webhooks`,
:mod:`~risk_bridge.fleet_log` or :mod:`~risk_bridge.recovery` on the writer thread; the
committer commits its rows, then this service runs its effects (:meth:`BridgeService._run`):
feed the core and hand it transport orders through :class:`~risk_bridge.core_link.CoreLink`,
publish to the SSE broker. API writes are idempotent (:mod:`risk_bridge.idempotency`) and
answer a :class:`~risk_bridge.outbox.Written`: an outcome kind and a body, which the routers
turn into a status code. Threads: :mod:`risk_bridge.threads`.

Fail-safe (:mod:`risk_bridge.failsafe`): when the store cannot be written, or the core refuses
even a container's UNKNOWN, the service is *degraded*: writes answer 503 and every container
that has not crossed yet is told UNKNOWN; a store outage ends when the store answers again.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from datetime import UTC, datetime
from functools import partial
from typing import Any

from orchestrator.custody.treehead import SignedTreeHead
from orchestrator.domain.eventlog import CustomsNotice
from orchestrator.domain.records import Cargo
from orchestrator.messages import Event, HoldReleased, VerdictIssued
from risk_bridge import fleet_log, lanes, orders, recovery, releases, verdicts, warnings, webhooks
from risk_bridge.committer import Committer
from risk_bridge.core_link import CoreLink, Refusal, record_refusal
from risk_bridge.domain import OrderInput, VerdictInput, WarningInput
from risk_bridge.errors import StoreUnavailable
from risk_bridge.events_out import EventBroker
from risk_bridge.failsafe import Cause, failsafe_targets
from risk_bridge.fleet_port import FleetPort
from risk_bridge.idempotency import CodeOf, Job, Write, idempotent
from risk_bridge.outbox import (
    DeliverOrder,
    Effect,
    EnforceHold,
    EngageFailsafe,
    Feed,
    LaneInCore,
    Outbox,
    Outcome,
    Publish,
    RegisterWebhook,
    ReleaseInCore,
    Written,
)
from risk_bridge.settings import BridgeSettings
from risk_bridge.state import BridgeState
from risk_bridge.store import SqlStore, WriteBatch

__all__ = ["BridgeService", "Pending", "Write", "now_utc"]

log = logging.getLogger("risk_bridge")

# A write in flight: an asyncio future inside the event loop, else a concurrent one.
Pending = Future[Written] | asyncio.Future[Written]


def now_utc() -> datetime:
    return datetime.now(UTC)


class BridgeService:
    def __init__(
        self,
        settings: BridgeSettings,
        store: SqlStore,
        fleet: FleetPort | None,
        *,
        code_of: CodeOf,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self.settings = settings
        self.store = store
        self.fleet = fleet
        self.clock = clock
        self.broker = EventBroker()
        self.state = BridgeState.from_snapshot(store.snapshot())
        self.degraded = False
        self.failsafe_cause: Cause | None = None
        self.failure_reason = ""  # why the bridge is degraded beyond a store outage
        self.metrics: dict[str, float] = {"verdicts_accepted": 0, "writes_rejected": 0}
        self.webhook_secrets: dict[str, tuple[str, str]] = {
            w: (str(h["url"]), str(h["secret"])) for w, h in self.state.webhooks.items()
        }
        self.core = CoreLink(fleet, self._refused, self._core_lost)
        self.committer = Committer(
            store, self._store_failed, self._run, on_refused=self._reload_after_refusal
        )
        self._code_of = code_of
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # Who else hears the fleet's notices (the control room's KPIs and alerts; pump thread).
        self.observers: list[Callable[[CustomsNotice], None]] = []

    @property
    def hold_latency_s(self) -> list[float]:
        """Accepted HIGH -> hold decision, per fed HIGH (the benchmark reads it)."""
        return self.core.hold_latency_s

    # ---------------------------------------------------------------------------- lifecycle

    def start(self, manifest: Sequence[Cargo] = ()) -> None:
        """Register the manifest, replay the stored state into the core, start background work."""
        self.committer.call(lambda: self._register(list(manifest)))
        self.committer.call(lambda: recovery.replay(self.state, self.clock()))
        loops: list[tuple[Callable[[], None], str]] = [(self._ticker, "ticker")]
        if self.fleet is not None:
            pump = partial(
                fleet_log.pump,
                self.fleet,
                self._stop,
                self.on_fleet_log,
                self.on_sim_customs,
                self.on_tree_head,
            )
            loops.append((pump, "fleet-pump"))
        for target, name in loops:
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def close(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        self.committer.close()

    def _register(self, manifest: list[Cargo]) -> Outcome[int]:
        batch = WriteBatch()
        now = Outbox(self.state, self.clock()).now_iso
        for c in manifest:
            if c.container_id not in self.state.cargo:
                self.state.cargo[c.container_id] = c
                batch.containers.append(
                    (c.container_id, c.consignor, c.hs_code, c.origin_country, now)
                )
        return Outcome(batch, [], len(batch.containers))

    # ---------------------------------------------------------------------------- writes

    def submit(self, w: Write, job: Job) -> Pending:
        """Run ``job`` as one idempotent, audited, durable write."""

        def prepare() -> Outcome[Written]:
            self._refuse_if_degraded()
            return idempotent(self.state, w, job, self._code_of, self.clock())

        fut: Pending = self.committer.submit(prepare)
        return fut

    def submit_verdicts(self, w: Write, items: Sequence[VerdictInput]) -> Pending:
        verdicts.check_verdicts(items, w.principal, self.settings, self.clock())

        def job(state: BridgeState, out: Outbox) -> Outcome[Written]:
            outcome = verdicts.accept_verdicts(state, items, w.principal, out)
            self.metrics["verdicts_accepted"] += outcome.result.body["accepted"]
            return outcome

        return self.submit(w, job)

    def verdicts(self, w: Write, items: Sequence[Mapping[str, Any]]) -> Pending:
        """:meth:`submit_verdicts` for verdicts given as mappings of the API's fields (scripts,
        the benchmark)."""
        return self.submit_verdicts(w, [verdicts.verdict_input(m) for m in items])

    def release(self, w: Write, cid: str, reason: str) -> Pending:
        return self.submit(
            w,
            lambda st, out: releases.release(st, self.fleet, out, w.principal, cid, reason=reason),
        )

    def recognise(self, w: Write, cid: str, inspection_id: str, reason: str) -> Pending:
        recognises = self.settings.recognises
        p = w.principal
        return self.submit(
            w,
            lambda st, out: releases.recognise(
                st,
                self.fleet,
                out,
                p,
                cid,
                inspection_id=inspection_id,
                reason=reason,
                recognises=recognises,
            ),
        )

    def create_warning(self, w: Write, body: WarningInput) -> Pending:
        warnings.check_warning(body, w.principal)
        if body.kind in ("close_lane", "close_zone"):
            lanes.check_target(self.fleet, str(body.target), body.kind == "close_zone")
        return self.submit(w, lambda st, out: warnings.create_warning(st, w.principal, body, out))

    def withdraw_warning(self, w: Write, warning_id: str, reason: str) -> Pending:
        return self.submit(
            w, lambda st, out: warnings.withdraw_warning(st, w.principal, warning_id, reason, out)
        )

    def change_lane(
        self, w: Write, target: str, is_zone: bool, close: bool, reason: str
    ) -> Pending:
        lanes.check_target(self.fleet, target, is_zone)
        p = w.principal
        return self.submit(
            w,
            lambda st, out: lanes.change_lane(
                st, out, p, target, is_zone=is_zone, close=close, reason=reason
            ),
        )

    def submit_order(self, w: Write, o: OrderInput) -> Pending:
        orders.check_order(self.fleet, o)
        return self.submit(
            w, lambda st, out: orders.accept_order(st, self.fleet, out, w.principal, o)
        )

    def add_webhook(self, w: Write, url: str, kinds: Sequence[str]) -> Pending:
        return self.submit(
            w, lambda st, out: webhooks.add_webhook(st, w.principal, url, kinds, out)
        )

    def _refuse_if_degraded(self) -> None:
        if not self.degraded:
            return
        if self.failsafe_cause is Cause.CORE:
            raise StoreUnavailable(
                "the fleet's core refused the fail-safe; nothing was stored and nothing "
                "crosses until the bridge and its fleet are restarted"
            )
        raise StoreUnavailable(
            "the bridge store is unavailable; nothing was stored. Retry with the same "
            "Idempotency-Key once /healthz reports ok"
        )

    # ---------------------------------------------------------------------------- the fleet

    def on_fleet_log(self, entry: CustomsNotice) -> None:
        """A fleet log entry (pump thread): customs hear about it once it is stored."""
        n = fleet_log.notice(entry)
        if n is not None:
            self._job(lambda out: fleet_log.record_notice(self.state, n, out))
        for observe in self.observers:
            observe(entry)

    def publish(self, kind: str, container_id: str | None, data: dict[str, Any]) -> None:
        """An outgoing event that records no write (the control room's alerts): stored, then
        out on the stream and to the webhooks subscribed to its kind."""

        def job(out: Outbox) -> Outcome[None]:
            out.event(kind, container_id, data)
            return out.done(None)

        self._job(job)

    def on_tree_head(self, head: SignedTreeHead) -> None:
        """A tree head the fleet's ledger signed (pump thread): pushed to customs once stored."""
        self._job(lambda out: fleet_log.record_tree_head(head, out))

    def on_sim_customs(self, ev: Event) -> None:
        """Auto-customs mode: the simulated authorities submit through the bridge like others."""
        if isinstance(ev, VerdictIssued):
            w, item = fleet_log.sim_verdict(ev, self.clock())
            self.submit_verdicts(w, [item])
        elif isinstance(ev, HoldReleased):
            w, cid, reason = fleet_log.sim_release(ev)
            self.release(w, cid, reason)

    def _job(self, fn: Callable[[Outbox], Outcome[Any]]) -> None:
        """Queue a job that is not an API write (no idempotency row, nobody waits)."""
        self.committer.submit_threaded(lambda: fn(Outbox(self.state, self.clock())))

    # ---------------------------------------------------------------------------- effects

    def _run(self, effect: Effect) -> None:
        """Carry out one effect of a committed job (writer thread)."""
        if isinstance(effect, Publish):
            self.broker.publish(effect.row)
        elif isinstance(effect, Feed):
            self.core.feed(
                self.state,
                effect.container_id,
                self.clock(),
                timed=effect.timed,
                fresh=effect.fresh,
            )
        elif isinstance(effect, ReleaseInCore):
            self.core.release(self.state, effect)
        elif isinstance(effect, LaneInCore):
            self.core.lane(self.state, effect)
        elif isinstance(effect, EnforceHold):
            self.core.enforce_hold(self.state, effect)
        elif isinstance(effect, DeliverOrder):
            event = orders.arrival(self.state, effect.order_id, self.core.t_s())
            why = None if event is None else self.core.order(event)
            oid = effect.order_id
            self._job(lambda out: orders.record_handoff(self.state, oid, why, out))
        elif isinstance(effect, RegisterWebhook):
            self.webhook_secrets[effect.webhook_id] = (effect.url, effect.secret)
        elif isinstance(effect, EngageFailsafe):
            self.engage_failsafe()

    def _refused(self, refusal: Refusal) -> None:
        self._job(lambda out: record_refusal(self.state, out, refusal))

    def _core_lost(self, why: str) -> None:
        self.engage_failsafe(Cause.CORE, why)

    # ---------------------------------------------------------------------------- fail-safe

    def _store_failed(self, exc: StoreUnavailable) -> None:
        """The store refused a commit: engage the fail-safe (the ticker recovers)."""
        log.error("store failure: %s", exc)
        self.engage_failsafe()

    def engage_failsafe(self, cause: Cause = Cause.STORE, why: str = "") -> None:
        """Nothing crosses on a verdict the bridge can no longer vouch for (writer thread)."""
        if self.degraded:
            if cause in (Cause.CORE, Cause.FLEET):
                self.failsafe_cause = cause  # a store outage ends; a lost core or fleet does not
            return
        self.degraded = True
        self.failsafe_cause = cause
        if self.fleet is None:
            return
        if cause is Cause.STORE:
            mark, why = "failsafe", "bridge store unavailable"
        else:
            mark = f"failsafe:{cause.value}"
        targets = failsafe_targets(self.state, self.fleet.crossed_or_delivered())
        self.core.unknown_for_all(self.state, targets, mark, why)

    def recover(self) -> bool:
        """Called by the health ticker: store answers again -> reload it, re-feed the core."""
        lasting = (Cause.CORE, Cause.FLEET)  # end with a restart only
        if not self.degraded or self.failsafe_cause in lasting or not self.store.ping():
            return False
        self.committer.call(self._reload_and_refeed)
        return True

    def _reload_after_refusal(self) -> None:
        """A request the store refused had changed the state in memory: rebuild it from the
        store (writer thread; what the core was told is kept)."""
        self.state = recovery.reload(self.state, self.store.snapshot())

    def _reload_and_refeed(self) -> Outcome[None]:
        self.state = recovery.reload(self.state, self.store.snapshot())
        self.degraded = False
        self.failsafe_cause = None
        return recovery.refeed(self.state)

    def _fleet_failed(self, why: str) -> Outcome[None]:
        """The fleet stopped working: degrade with the reason (writer thread). Containers are
        told UNKNOWN where the fleet can still hear it; nothing is acknowledged meanwhile."""
        log.error("fleet failure: %s", why)
        self.failure_reason = why
        try:
            self.engage_failsafe(Cause.FLEET, why)
        except Exception as exc:  # a dead fleet may refuse even that; degraded all the same
            log.warning("fail-safe on a failed fleet: %s", exc)
            self.degraded = True
            self.failsafe_cause = Cause.FLEET
        return Outcome.nothing(None)

    def _ticker(self) -> None:
        while not self._stop.wait(1.0):
            try:
                failed = self.fleet.failure() if self.fleet is not None else None
                if failed is not None and self.failsafe_cause is not Cause.FLEET:
                    self.committer.call(functools.partial(self._fleet_failed, failed))
                elif self.degraded:
                    self.recover()
                elif not self.store.ping():
                    self.committer.call(lambda: Outcome(WriteBatch(), [EngageFailsafe()], None))
                else:
                    self.committer.call(
                        lambda: warnings.tick_warnings(self.state, Outbox(self.state, self.clock()))
                    )
            except Exception as exc:
                log.warning("ticker: %s", exc)
