"""Replay after a restart, and recovery after a store outage: functions over the bridge state.

Replay: the core (a fleet that starts over) learns every stored transport order, verdict,
warning, hold and release: the orders neither delivered nor refused are handed over again
(:func:`risk_bridge.orders.replay`), effective levels are fed, active holds enforced as HIGH,
lanes closed by warnings in force closed again, and a release recorded before the restart is
kept pending so the hold the core places again is released at once (the container is not
inspected twice).

Recovery: writes that failed during an outage were applied to memory optimistically, so the
state is rebuilt from the store (the truth), keeping what the store does not hold (what the
core was told, lane closers, pending releases, the core-refusal fail-safe, which orders the
fleet took), and every effective level is fed again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from orchestrator.lanegraph import Side
from risk_bridge import orders
from risk_bridge.outbox import EnforceHold, Feed, LaneInCore, Outcome
from risk_bridge.state import BridgeState
from risk_bridge.store import Snapshot, WriteBatch
from risk_bridge.threads import assert_writer_thread

__all__ = ["refeed", "reload", "replay"]


def replay(state: BridgeState, now: datetime) -> Outcome[None]:
    """After a restart: what the core must learn from the stored state."""
    assert_writer_thread()
    out = Outcome.nothing(None)
    for wid in sorted(state.warnings):
        w = state.warnings[wid]
        active = w.active(now)
        state.warning_active[wid] = active
        if active and w.kind in ("close_lane", "close_zone") and w.target is not None:
            # No lane.closed event: it went out when the warning took effect.
            closers = state.lanes_closed.setdefault(w.target, set())
            if not closers:
                out.effects.append(LaneInCore(w.target, w.kind == "close_zone", True, w.reason))
            closers.add(f"warning:{wid}")
    # Orders before verdicts: the core then knows the container its verdict is for.
    out.effects.extend(orders.replay(state))
    out.effects.extend(Feed(cid) for cid in sorted(state.latest))
    for hid in sorted(state.holds):
        h = state.holds[hid]
        cid = str(h["container_id"])
        if h["status"] == "active" and state.fed.get(cid, ("",))[0] != "HIGH":
            side = Side(str(h["authority"]))
            out.effects.append(EnforceHold(cid, side, str(h["hold_id"]), str(h["reason"])))
        elif h["status"] == "released":
            rel = state.releases_by_container.get(cid, [])
            if rel:
                last = state.releases[rel[-1]]
                state.pending_release[cid] = {
                    "side": str(h["authority"]),
                    "officer": str(last["officer"]),
                    "reason": f"released before restart ({last['release_id']})",
                }
    return out


def reload(old: BridgeState, snap: Snapshot) -> BridgeState:
    """The state rebuilt from the store, with what only memory knows carried over."""
    assert_writer_thread()
    new = BridgeState.from_snapshot(snap)
    new.pending_release = old.pending_release
    new.lanes_closed = old.lanes_closed
    new.warning_active = {w: a for w, a in old.warning_active.items() if w in new.warnings}
    new.fed = {c: f for c, f in old.fed.items() if f[2] != "failsafe"}
    new.core_failsafe = old.core_failsafe
    for oid, r in old.orders.items():
        # The fleet took the order, but the store may have missed the note saying so.
        kept = new.orders.get(oid)
        if kept is not None and kept.sent_at is None and r.sent_at is not None:
            new.add_order(replace(kept, sent_at=r.sent_at))
    return new


def refeed(state: BridgeState) -> Outcome[None]:
    """Every effective level, fed again (containers in the core-refusal fail-safe excepted)."""
    return Outcome(WriteBatch(), [Feed(c) for c in sorted(state.latest)], None)
