"""Risk warnings (GACC Order 271 style): raise the level of matching containers, or close a
lane / zone, for a validity period; withdrawal ends them early. Functions over the bridge
state that return the write's outcome (run on the writer thread).

A warning takes effect when it becomes active (at once, or at ``valid_from``; the ticker's
:func:`tick_warnings` checks every second) and lapses at ``valid_until`` or withdrawal:
raise-level warnings re-feed the effective level of every matching container, lane warnings
close and reopen the lane in the core.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from risk_bridge.domain import WarningInput, WarningRecord
from risk_bridge.errors import Conflict, Forbidden, NotFound
from risk_bridge.lanes import set_lane
from risk_bridge.outbox import Feed, Outbox, Outcome, WriteKind, Written
from risk_bridge.security import Principal
from risk_bridge.state import BridgeState
from risk_bridge.threads import assert_writer_thread

__all__ = [
    "apply_warning_change",
    "check_warning",
    "create_warning",
    "tick_warnings",
    "warning_public",
    "withdraw_warning",
]


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.astimezone(UTC).isoformat(timespec="microseconds")


def warning_public(w: WarningRecord, now: datetime) -> dict[str, Any]:
    return {
        "warning_id": w.warning_id,
        "authority": w.authority,
        "kind": w.kind,
        "level": w.level,
        "consignor": w.consignor,
        "hs_prefix": w.hs_prefix,
        "origin_country": w.origin_country,
        "target": w.target,
        "valid_from": _iso(w.valid_from),
        "valid_until": _iso(w.valid_until),
        "reason": w.reason,
        "withdrawn_at": _iso(w.withdrawn_at),
        "active": w.active(now),
    }


def apply_warning_change(state: BridgeState, out: Outbox, w: WarningRecord, active: bool) -> None:
    if w.kind == "raise_level":
        for cid in sorted(state.latest):
            if w.matches(state.cargo.get(cid)):
                out.after(Feed(cid))
    elif w.target is not None:
        set_lane(
            state,
            out,
            w.target,
            is_zone=w.kind == "close_zone",
            closer=f"warning:{w.warning_id}",
            closed=active,
            reason=w.reason,
        )


def check_warning(body: WarningInput, p: Principal) -> None:
    """Before queueing: a client issues warnings for its own authority only."""
    if body.authority.value != p.authority:
        raise Forbidden(
            f"warning {body.warning_id}: authority {body.authority.value} but this client "
            f"speaks for {p.authority} customs"
        )


def create_warning(
    state: BridgeState, p: Principal, body: WarningInput, out: Outbox
) -> Outcome[Written]:
    assert_writer_thread()
    if body.warning_id in state.warnings:
        raise Conflict(f"warning {body.warning_id} exists; withdraw it or use a new id")
    now = out.now
    rec = WarningRecord(
        body.warning_id,
        body.authority.value,
        body.kind,
        None if body.level is None else body.level.value,
        body.consignor,
        body.hs_prefix,
        body.origin_country,
        body.target,
        body.valid_from or now,
        body.valid_until,
        body.reason or "",
    )
    state.warnings[rec.warning_id] = rec
    out.batch.warnings.append(
        (
            rec.warning_id,
            rec.authority,
            rec.kind,
            rec.level,
            rec.consignor,
            rec.hs_prefix,
            rec.origin_country,
            rec.target,
            _iso(rec.valid_from),
            _iso(rec.valid_until),
            rec.reason,
            None,
            _iso(now),
            p.subject,
        )
    )
    active = rec.active(now)
    state.warning_active[rec.warning_id] = active
    if active:
        apply_warning_change(state, out, rec, True)
    out.audit(p, "warning.issue", rec.warning_id, body.audit_detail())
    public = warning_public(rec, now)
    out.event("warning.issued", None, public)
    return out.done(Written(WriteKind.CREATED, public))


def withdraw_warning(
    state: BridgeState, p: Principal, warning_id: str, reason: str, out: Outbox
) -> Outcome[Written]:
    assert_writer_thread()
    rec = state.warnings.get(warning_id)
    if rec is None:
        raise NotFound(f"no warning {warning_id!r}; GET /v1/warnings lists them")
    if rec.authority != p.authority:
        raise Forbidden(
            f"warning {warning_id} was issued by {rec.authority} customs; only "
            "its issuer may withdraw it"
        )
    if rec.withdrawn_at is not None:
        raise Conflict(f"warning {warning_id} was already withdrawn at {_iso(rec.withdrawn_at)}")
    now = out.now
    new = replace(rec, withdrawn_at=now)
    state.warnings[warning_id] = new
    out.batch.withdrawals.append((warning_id, str(_iso(now))))
    if state.warning_active.get(warning_id):
        state.warning_active[warning_id] = False
        apply_warning_change(state, out, new, False)
    out.audit(p, "warning.withdraw", warning_id, {"reason": reason})
    public = warning_public(new, now)
    out.event("warning.withdrawn", None, {**public, "reason": reason})
    return out.done(Written(WriteKind.UPDATED, public))


def tick_warnings(state: BridgeState, out: Outbox) -> Outcome[None]:
    """Warnings that became active or lapsed since the last tick take effect now."""
    assert_writer_thread()
    for wid in sorted(state.warnings):
        w = state.warnings[wid]
        active = w.active(out.now)
        if state.warning_active.get(wid) != active:
            state.warning_active[wid] = active
            apply_warning_change(state, out, w, active)
    return out.done(None)
