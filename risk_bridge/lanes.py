"""Lane and zone closures: who keeps a lane closed (operators, customs warnings), and the
operators' close / reopen writes. Functions over the bridge state (writer thread), except
:func:`check_target`, the check made before a write is queued.

A lane is closed in the core while anyone keeps it closed: each closer (``operator``,
``warning:<id>``) is recorded, the core hears only the transitions, and each transition goes
out as ``lane.closed`` / ``lane.opened``.
"""

from __future__ import annotations

from risk_bridge.errors import NotFound
from risk_bridge.fleet_port import FleetPort
from risk_bridge.outbox import LaneInCore, Outbox, Outcome, WriteKind, Written
from risk_bridge.security import Principal
from risk_bridge.state import BridgeState
from risk_bridge.threads import assert_writer_thread

__all__ = ["change_lane", "check_target", "set_lane"]


def check_target(fleet: FleetPort | None, target: str, is_zone: bool) -> None:
    """Before queueing: the lane or zone must be on the fleet's map."""
    if fleet is None:
        return
    known = fleet.zone_ids if is_zone else fleet.lane_ids
    if target not in known:
        what = "zone" if is_zone else "lane"
        raise NotFound(f"{what} {target!r} is not on the map; GET /v1/lanes lists the {what} ids")


def set_lane(
    state: BridgeState,
    out: Outbox,
    target: str,
    *,
    is_zone: bool,
    closer: str,
    closed: bool,
    reason: str,
) -> None:
    """Record that ``closer`` keeps ``target`` closed (or no longer does)."""
    assert_writer_thread()
    closers = state.lanes_closed.setdefault(target, set())
    was_closed = bool(closers)
    if closed:
        closers.add(closer)
    else:
        closers.discard(closer)
    now_closed = bool(closers)
    if was_closed == now_closed:
        return
    out.after(LaneInCore(target, is_zone, now_closed, reason))
    out.event(
        "lane.closed" if now_closed else "lane.opened",
        None,
        {"target": target, "is_zone": is_zone, "by": closer, "reason": reason},
    )


def change_lane(
    state: BridgeState,
    out: Outbox,
    p: Principal,
    target: str,
    *,
    is_zone: bool,
    close: bool,
    reason: str,
) -> Outcome[Written]:
    """An operator closes or reopens a lane (customs warnings keep theirs until they lapse)."""
    set_lane(state, out, target, is_zone=is_zone, closer="operator", closed=close, reason=reason)
    out.audit(
        p,
        "lane.close" if close else "lane.open",
        target,
        {"reason": reason, "is_zone": is_zone},
    )
    closers = sorted(state.lanes_closed.get(target, set()))
    return out.done(
        Written(
            WriteKind.UPDATED, {"target": target, "closed": bool(closers), "closed_by": closers}
        )
    )
