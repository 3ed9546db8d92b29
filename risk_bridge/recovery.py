"""Fail-safe and recovery for the bridge service: replay after a restart, the health ticker,
degraded mode when the store is unavailable, and warnings taking effect or lapsing on time.

Fail-safe: when the store cannot be written, the service is *degraded*: writes answer 503,
and every container that has not crossed yet is told UNKNOWN so nothing crosses on a verdict
the bridge cannot vouch for; when the store answers again, the state is reloaded from it and
the effective levels are fed again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from orchestrator.lanegraph import Side
from orchestrator.messages import RiskLevel, VerdictIssued
from risk_bridge.committer import Prepared
from risk_bridge.errors import StoreUnavailable
from risk_bridge.state import BridgeState
from risk_bridge.store import WriteBatch

if TYPE_CHECKING:
    import threading

    from orchestrator.messages import Event
    from risk_bridge.committer import Committer
    from risk_bridge.store import SqlStore

__all__ = ["RecoveryMixin"]


log = logging.getLogger("risk_bridge")


def now_utc() -> datetime:
    return datetime.now(UTC)


class RecoveryMixin:
    """Part of :class:`risk_bridge.service.BridgeService` (split out to keep modules small)."""

    if TYPE_CHECKING:  # provided by BridgeService
        state: BridgeState
        store: SqlStore
        committer: Committer
        fleet: Any
        degraded: bool
        _stop: threading.Event

        def _deliver(self, event: Event) -> None: ...
        def _feed(self, cid: str) -> None: ...
        def _t(self) -> float: ...

    def _replay(self) -> Prepared:
        """After a restart: the core learns every stored verdict, warning, hold and release."""
        st = self.state
        now = now_utc()
        for wid in sorted(st.warnings):
            st.warning_active[wid] = False
        effects: list[Callable[[], None]] = [lambda: self._tick_warnings(now, WriteBatch(), [])]
        for cid in sorted(st.latest):
            effects.append(partial(self._feed, cid))
        for hid in sorted(st.holds):
            h = st.holds[hid]
            cid = str(h["container_id"])
            if h["status"] == "active" and st.fed.get(cid, ("",))[0] != "HIGH":
                effects.append(partial(self._enforce_stored_hold, h))
            elif h["status"] == "released":
                rel = [st.releases[r] for r in st.releases_by_container.get(cid, [])]
                if rel:
                    last = rel[-1]
                    st.pending_release[cid] = {
                        "side": str(h["authority"]),
                        "officer": str(last["officer"]),
                        "reason": f"released before restart ({last['release_id']})",
                    }
        return Prepared(WriteBatch(), None, effects)

    def _enforce_stored_hold(self, h: dict[str, Any]) -> None:
        cid = str(h["container_id"])
        self._deliver(
            VerdictIssued(
                self._t(),
                cid,
                RiskLevel.HIGH,
                Side(str(h["authority"])),
                f"hold-{h['hold_id']}",
                f"stored hold: {h['reason']}",
            )
        )
        self.state.fed[cid] = ("HIGH", str(h["authority"]), f"hold-{h['hold_id']}")

    def _store_failed(self, exc: StoreUnavailable) -> None:
        """The store refused a commit: rebuild from it if it answers, else engage fail-safe."""
        log.error("store failure: %s", exc)
        self.engage_failsafe()

    def engage_failsafe(self) -> None:
        """Nothing crosses on a verdict the bridge can no longer vouch for."""
        if self.degraded:
            return
        self.degraded = True
        if self.fleet is None:
            return
        crossed = self.fleet.crossed_or_delivered()
        st = self.state
        for cid in sorted(set(st.cargo) | set(st.latest)):
            if cid in crossed:
                continue
            self._remember_inspection(cid)
            self._deliver(
                VerdictIssued(
                    self._t(),
                    cid,
                    RiskLevel.UNKNOWN,
                    Side.CN,
                    "failsafe",
                    "bridge store unavailable",
                )
            )
            self.state.fed[cid] = ("UNKNOWN", "CN", "failsafe")

    def _remember_inspection(self, cid: str) -> None:
        """A released HIGH container will be held again when HIGH is fed after recovery (the
        core's policy: a HIGH verdict cancels earlier inspections); the stored release then
        releases it at once, so it is not inspected twice."""
        st = self.state
        if st.fed.get(cid, ("",))[0] != "HIGH" or cid in st.active_hold:
            return
        released = [h for h in st.holds.values() if h["container_id"] == cid]
        rel = st.releases_by_container.get(cid, [])
        if released and rel:
            last = st.releases[rel[-1]]
            st.pending_release[cid] = {
                "side": str(released[-1]["authority"]),
                "officer": str(last["officer"]),
                "reason": f"inspected before the store outage ({last['release_id']})",
            }

    def _failsafe_job(self) -> Prepared:
        return Prepared(WriteBatch(), None, [self.engage_failsafe])

    def recover(self) -> bool:
        """Called by the health ticker: store answers again -> reload it, re-feed the core."""
        if not self.degraded or not self.store.ping():
            return False
        self.committer.call(self._reload_and_refeed)
        return True

    def _reload_and_refeed(self) -> Prepared:
        """Writes that failed were applied to memory optimistically: the store is the truth."""
        old = self.state
        new = BridgeState.from_snapshot(self.store.snapshot())
        new.pending_release = old.pending_release
        new.lanes_closed = old.lanes_closed
        new.warning_active = {w: a for w, a in old.warning_active.items() if w in new.warnings}
        new.fed = {c: f for c, f in old.fed.items() if f[2] != "failsafe"}
        self.state = new
        self.degraded = False
        effects: list[Callable[[], None]] = [partial(self._feed, c) for c in sorted(new.latest)]
        return Prepared(WriteBatch(), None, effects)

    # ---------------------------------------------------------------------------- ticker

    def _ticker(self) -> None:
        while not self._stop.wait(1.0):
            try:
                if self.degraded:
                    self.recover()
                elif not self.store.ping():
                    self.committer.call(self._failsafe_job)
                else:
                    now = now_utc()
                    self.committer.call(partial(self._tick_job, now))
            except Exception as exc:
                log.warning("ticker: %s", exc)

    def _tick_job(self, now: datetime) -> Prepared:
        batch = WriteBatch()
        effects: list[Callable[[], None]] = []
        self._tick_warnings(now, batch, effects)
        return Prepared(batch, None, effects)

    def _tick_warnings(
        self, now: datetime, batch: WriteBatch, effects: list[Callable[[], None]]
    ) -> None:
        """Warnings that became active or lapsed since the last tick take effect now."""
        from risk_bridge.warnings import apply_warning_change

        for wid in sorted(self.state.warnings):
            w = self.state.warnings[wid]
            active = w.active(now)
            if self.state.warning_active.get(wid) != active:
                self.state.warning_active[wid] = active
                apply_warning_change(
                    self,  # type: ignore[arg-type]
                    w,
                    active,
                    batch,
                    effects,
                )
