"""The writer thread's line to the fleet's core: it feeds effective levels, carries out
releases, lane changes, stored holds and transport orders, and owns what happens when the
core refuses.

Feeding follows :mod:`risk_bridge.domain`: the core is told the effective level (and the
deciding authority) whenever it changes, and a fresh HIGH verdict is always passed on.

A refusal is a fail-safe, not a warning. When the fleet refuses an event the bridge has
already acknowledged (a verdict's level, a hold release), the container concerned is fed
UNKNOWN (never across the line) and remembered in ``state.core_failsafe``: its normal level is
not fed again until a later verdict in force is delivered. Every refusal is counted, logged as
an error and raised as a ``core.refused`` event (stream and webhooks). If even the UNKNOWN
feed is refused, the bridge-wide fail-safe is engaged (``on_core_lost``). A refused lane event
names no container: it is counted, logged and raised, and the lane keeps the state the bridge
recorded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orchestrator.lanegraph import Side
from orchestrator.messages import (
    Event,
    HoldReleased,
    LaneClosed,
    LaneOpened,
    OrderArrived,
    RiskLevel,
    VerdictIssued,
)
from risk_bridge.domain import effective_level
from risk_bridge.fleet_port import FleetPort
from risk_bridge.outbox import EnforceHold, LaneInCore, Outbox, Outcome, ReleaseInCore
from risk_bridge.state import BridgeState
from risk_bridge.threads import assert_writer_thread

__all__ = ["CoreLink", "Refusal", "record_refusal"]

log = logging.getLogger("risk_bridge")

REFUSED_MARK = "core-refused"  # third item of state.fed for a container in this fail-safe


@dataclass(frozen=True, slots=True)
class Refusal:
    """The core refused an acknowledged event; what the bridge did about it."""

    container_id: str | None
    fail_safe: str  # "container": fed UNKNOWN; "bridge": bridge-wide; "none": a lane event
    data: dict[str, Any]


class CoreLink:
    def __init__(
        self,
        fleet: FleetPort | None,
        on_refusal: Callable[[Refusal], None],
        on_core_lost: Callable[[str], None],
    ) -> None:
        self.fleet = fleet
        self._on_refusal = on_refusal
        self._on_core_lost = on_core_lost
        self.refusals = 0  # metric core_refusals
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
        fresh: bool = False,
    ) -> None:
        """Tell the core the effective level if it changed (always for a fresh HIGH)."""
        assert_writer_thread()
        if not fresh and cid in state.core_failsafe:
            return  # stays UNKNOWN until a later verdict in force is delivered
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
        if not self._deliver(state, event, cid):
            return
        if state.core_failsafe.pop(cid, None) is not None:
            log.warning("container %s out of the core-refusal fail-safe: %s delivered", cid, vid)
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

    def order(self, event: OrderArrived) -> str | None:
        """Hand a transport order to the fleet: None, or why the fleet refused it. A refused
        order names a container the core has no order for: there is nothing to fail safe."""
        fleet = self.fleet
        if fleet is None:
            return "this bridge runs without a fleet"
        try:
            fleet.deliver(event)
        except Exception as exc:  # the core's BorderflowError; a fleet's own refusal
            self.refusals += 1
            log.error("fleet refused order %s (%s): %s", event.order_id, event.container_id, exc)
            return str(exc) or type(exc).__name__
        return None

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
        """Bridge-wide fail-safe: UNKNOWN for each of ``cids`` (refusals only logged here:
        there is no stricter state to fall back to)."""
        assert_writer_thread()
        fleet = self.fleet
        if fleet is None:
            return
        for cid in cids:
            try:
                fleet.deliver(VerdictIssued(self.t_s(), cid, RiskLevel.UNKNOWN, Side.CN, mark, why))
            except Exception as exc:
                self.refusals += 1
                log.error("core refused the fail-safe UNKNOWN for %s: %s", cid, exc)
            state.fed[cid] = ("UNKNOWN", "CN", mark)

    # ------------------------------------------------------------------------------ refusals

    def _deliver(self, state: BridgeState, event: Event, cid: str | None) -> bool:
        fleet = self.fleet
        if fleet is None:
            return True
        try:
            fleet.deliver(event)
        except Exception as exc:  # the core's BorderflowError; the ROS link's ValueError
            self._refused(state, fleet, event, cid, exc)
            return False
        return True

    def _refused(
        self,
        state: BridgeState,
        fleet: FleetPort,
        event: Event,
        cid: str | None,
        exc: Exception,
    ) -> None:
        self.refusals += 1
        data = {"refused": type(event).__name__, "error": str(exc), **_describe(event)}
        if cid is None:
            log.error("core refused %s: %s (the lane keeps its recorded state)", data, exc)
            self._on_refusal(Refusal(None, "none", {**data, "fail_safe": "none"}))
            return
        side = getattr(event, "authority", Side.CN)
        state.core_failsafe[cid] = f"{type(event).__name__} refused: {exc}"
        state.fed[cid] = ("UNKNOWN", side.value, REFUSED_MARK)
        why = f"the core refused {type(event).__name__}: {exc}"
        try:
            fleet.deliver(
                VerdictIssued(self.t_s(), cid, RiskLevel.UNKNOWN, side, REFUSED_MARK, why)
            )
            fail_safe = "container"
            log.error("core refused %s for %s: %s; %s is fed UNKNOWN", data, cid, exc, cid)
        except Exception as exc2:
            fail_safe = "bridge"
            log.critical(
                "core refused %s for %s (%s) and then UNKNOWN (%s): bridge-wide fail-safe",
                data["refused"],
                cid,
                exc,
                exc2,
            )
            self._on_core_lost(f"the core refused even UNKNOWN for {cid}: {exc2}")
        self._on_refusal(Refusal(cid, fail_safe, {**data, "fail_safe": fail_safe}))


def _describe(event: Event) -> dict[str, Any]:
    if isinstance(event, VerdictIssued):
        return {
            "level": event.level.value,
            "authority": event.authority.value,
            "verdict_id": event.verdict_id,
        }
    if isinstance(event, HoldReleased):
        return {"officer": event.officer_id, "authority": event.authority.value}
    if isinstance(event, LaneClosed | LaneOpened):
        return {"target": event.lane_id, "is_zone": event.is_zone}
    return {}


def record_refusal(state: BridgeState, out: Outbox, refusal: Refusal) -> Outcome[None]:
    """The ``core.refused`` alert, stored and sent like any outgoing event."""
    assert_writer_thread()
    out.event("core.refused", refusal.container_id, refusal.data)
    return out.done(None)
