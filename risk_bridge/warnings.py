"""Risk warnings (GACC Order 271 style): raise the level of matching containers, or close a
lane / zone, for a validity period; withdrawal ends them early.

A warning takes effect when it becomes active (at once, or at ``valid_from``; the service's
ticker checks every second) and lapses at ``valid_until`` or withdrawal: raise-level warnings
re-feed the effective level of every matching container, lane warnings close and reopen the
lane in the core.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from risk_bridge.domain import WarningRecord
from risk_bridge.errors import Conflict, Forbidden, NotFound
from risk_bridge.store import WriteBatch

if TYPE_CHECKING:
    from risk_bridge.service import BridgeService, Pending, Response, Write

__all__ = ["apply_warning_change", "create_warning", "warning_public", "withdraw_warning"]

Effects = list[Callable[[], None]]


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


def apply_warning_change(
    svc: BridgeService, w: WarningRecord, active: bool, batch: WriteBatch, effects: Effects
) -> None:
    if w.kind == "raise_level":
        for cid in sorted(svc.state.latest):
            if w.matches(svc.state.cargo.get(cid)):
                effects.append(partial(svc._feed, cid))
    elif w.target is not None:
        svc.set_lane(
            w.target,
            w.kind == "close_zone",
            f"warning:{w.warning_id}",
            active,
            w.reason,
            batch,
            effects,
        )


def create_warning(svc: BridgeService, w: Write, body: dict[str, Any]) -> Pending:
    p = w.principal
    if body["authority"] != p.authority:
        raise Forbidden(
            f"warning {body['warning_id']}: authority {body['authority']} but this client speaks "
            f"for {p.authority} customs"
        )
    if body["kind"] in ("close_lane", "close_zone"):
        svc.check_target(str(body["target"]), body["kind"] == "close_zone")

    def build(batch: WriteBatch, effects: Effects) -> Response:
        st = svc.state
        if body["warning_id"] in st.warnings:
            raise Conflict(f"warning {body['warning_id']} exists; withdraw it or use a new id")
        now = datetime.now(UTC)
        rec = WarningRecord(
            body["warning_id"],
            body["authority"],
            body["kind"],
            body.get("level"),
            body.get("consignor"),
            body.get("hs_prefix"),
            body.get("origin_country"),
            body.get("target"),
            body.get("valid_from") or now,
            body.get("valid_until"),
            body.get("reason") or "",
        )
        st.warnings[rec.warning_id] = rec
        batch.warnings.append(
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
        st.warning_active[rec.warning_id] = active
        if active:
            apply_warning_change(svc, rec, True, batch, effects)
        svc._audit(batch, p, "warning.issue", rec.warning_id, body)
        public = warning_public(rec, now)
        svc._event(batch, effects, "warning.issued", None, public)
        return 201, public

    return svc.submit(w, build)


def withdraw_warning(svc: BridgeService, w: Write, warning_id: str, reason: str) -> Pending:
    p = w.principal

    def build(batch: WriteBatch, effects: Effects) -> Response:
        st = svc.state
        rec = st.warnings.get(warning_id)
        if rec is None:
            raise NotFound(f"no warning {warning_id!r}; GET /v1/warnings lists them")
        if rec.authority != p.authority:
            raise Forbidden(
                f"warning {warning_id} was issued by {rec.authority} customs; only "
                "its issuer may withdraw it"
            )
        if rec.withdrawn_at is not None:
            raise Conflict(
                f"warning {warning_id} was already withdrawn at {_iso(rec.withdrawn_at)}"
            )
        now = datetime.now(UTC)
        from dataclasses import replace

        new = replace(rec, withdrawn_at=now)
        st.warnings[warning_id] = new
        batch.withdrawals.append((warning_id, str(_iso(now))))
        if st.warning_active.get(warning_id):
            st.warning_active[warning_id] = False
            apply_warning_change(svc, new, False, batch, effects)
        svc._audit(batch, p, "warning.withdraw", warning_id, {"reason": reason})
        public = warning_public(new, now)
        svc._event(batch, effects, "warning.withdrawn", None, {**public, "reason": reason})
        return 200, public

    return svc.submit(w, build)
