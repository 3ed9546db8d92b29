"""The writer thread's line to the fleet's core: it feeds effective levels and carries out
releases, lane changes and stored holds.

Feeding follows :mod:`risk_bridge.domain`: the core is told the effective level (and the
deciding authority) whenever it changes, and a fresh HIGH verdict is always passed on. An event
the core rejects is logged.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from orchestrator.lanegraph import Side
from orchestrator.messages import (
    Event,
    HoldReleased,
    LaneClosed,
    LaneOpened,
    RiskLevel,
    VerdictIssued,
)
from risk_bridge.domain import effective_level
from risk_bridge.fleet_port import FleetPort
from risk_bridge.outbox import EnforceHold, LaneInCore, ReleaseInCore
from risk_bridge.state import BridgeState
from risk_bridge.threads import assert_writer_thread

__all__ = ["CoreLink"]

log = logging.getLogger("risk_bridge")


class CoreLink:
    def __init__(self, fleet: FleetPort | None) -> None:
        self.fleet = fleet
        self.hold_latency_s: list[float] = []  # accepted HIGH -> hold decision (same thread)

    def t_s(self) -> float:
        return float(self.fleet.now_s()) if self.fleet is not None else 0.0

    # ------------------------------------------------------------------------------ feeding

    def feed(
        self,
        state: BridgeState,
        cid: str,
        now: datetime,
        *,
        timed: bool = False,
    ) -> None:
        """Tell the core the effective level if it changed (always for a fresh HIGH)."""
        assert_writer_thread()
        t0 = time.perf_counter() if timed else 0.0
        latest = state.latest.get(cid, {})
        level, who = effective_level(latest, state.warnings.values(), state.cargo.get(cid), now)
        if who is None:
            return
        vid = latest[who].verdict_id if who in latest else ""
        if level == "HIGH" and latest.get(who) is not None and latest[who].level != "HIGH":
            vid = f"warning:{vid}"  # raised by a warning, not a fresh verdict
        key = (level, who, vid if level == "HIGH" else "")
        if state.fed.get(cid) == key:
            return
        state.fed[cid] = key
        reason = "; ".join(latest[who].reasons) if who in latest else ""
        event = VerdictIssued(self.t_s(), cid, RiskLevel(level), Side(who), vid, reason)
        self._deliver(state, event, cid)
        if timed and level == "HIGH":
            self.hold_latency_s.append(time.perf_counter() - t0)

    def release(self, state: BridgeState, eff: ReleaseInCore) -> None:
        t = self.t_s() if eff.t_s is None else eff.t_s
        event = HoldReleased(t, eff.container_id, eff.officer, eff.side, eff.reason)
        self._deliver(state, event, eff.container_id)

    def lane(self, state: BridgeState, eff: LaneInCore) -> None:
        event: Event = (
            LaneClosed(self.t_s(), eff.target, eff.is_zone, eff.reason)
            if eff.closed
            else LaneOpened(self.t_s(), eff.target, eff.is_zone)
        )
        self._deliver(state, event, None)

    def enforce_hold(self, state: BridgeState, eff: EnforceHold) -> None:
        vid = f"hold-{eff.hold_id}"
        event = VerdictIssued(
            self.t_s(),
            eff.container_id,
            RiskLevel.HIGH,
            eff.side,
            vid,
            f"stored hold: {eff.reason}",
        )
        if self._deliver(state, event, eff.container_id):
            state.fed[eff.container_id] = ("HIGH", eff.side.value, vid)

    def unknown_for_all(self, state: BridgeState, cids: list[str], mark: str, why: str) -> None:
        """Bridge-wide fail-safe: UNKNOWN for each of ``cids``."""
        assert_writer_thread()
        fleet = self.fleet
        if fleet is None:
            return
        for cid in cids:
            try:
                fleet.deliver(VerdictIssued(self.t_s(), cid, RiskLevel.UNKNOWN, Side.CN, mark, why))
            except Exception as exc:
                log.warning("core rejected VerdictIssued: %s", exc)
            state.fed[cid] = ("UNKNOWN", "CN", mark)

    # ------------------------------------------------------------------------------ delivery

    def _deliver(self, state: BridgeState, event: Event, cid: str | None) -> bool:
        fleet = self.fleet
        if fleet is None:
            return True
        try:
            fleet.deliver(event)
        except Exception as exc:
            log.warning("core rejected %s: %s", type(event).__name__, exc)
            return False
        return True
