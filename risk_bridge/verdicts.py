"""Verdicts in: the checks made before a write is queued, and the writer-side function that
stores a request's verdicts and says what the core must be told.

Before queueing (any thread, no state): each verdict's authority must be the caller's, and its
issue time must be aware, not in the future beyond the tolerance, not older than the limit.
On the writer thread: every container must be on the manifest; a verdict id seen before is a
duplicate if its content is the same, else a conflict; the rest are stored (one transaction),
echoed as ``verdict.effective`` (requests touching up to 100 containers) and fed to the core.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from orchestrator.lanegraph import Side
from orchestrator.messages import RiskLevel
from risk_bridge.domain import Channel, Treatment, VerdictInput, VerdictRecord, effective_level
from risk_bridge.errors import BadInput, Conflict, Forbidden, NotFound
from risk_bridge.outbox import Feed, Outbox, Outcome, WriteKind, Written, iso
from risk_bridge.security import Principal
from risk_bridge.settings import BridgeSettings
from risk_bridge.state import BridgeState
from risk_bridge.threads import assert_writer_thread

__all__ = ["ECHO_LIMIT", "accept_verdicts", "check_time", "check_verdicts", "verdict_input"]

ECHO_LIMIT = 100  # containers per request echoed as verdict.effective (big batches: none)


def check_time(what: str, t: datetime, settings: BridgeSettings, now: datetime) -> None:
    if t.tzinfo is None:
        raise BadInput(f"{what}: issued_at {t.isoformat()} has no time zone; add Z or +08:00")
    if t > now + timedelta(seconds=settings.future_skew_s):
        raise BadInput(
            f"{what}: issued_at {iso(t)} is in the future (server time {iso(now)}, "
            f"tolerance {settings.future_skew_s:.0f} s); check the sender's clock"
        )
    if t < now - timedelta(seconds=settings.max_age_s):
        raise BadInput(
            f"{what}: issued_at {iso(t)} is older than {settings.max_age_s / 86400:.0f}"
            " days; a verdict that old is not accepted, issue a fresh one"
        )


def check_verdicts(
    items: Sequence[VerdictInput], p: Principal, settings: BridgeSettings, now: datetime
) -> None:
    """Before queueing: the caller's authority, and issue times within bounds."""
    latest_ok = now + timedelta(seconds=settings.future_skew_s)
    earliest_ok = now - timedelta(seconds=settings.max_age_s)
    for i, v in enumerate(items):
        t = v.issued_at
        # The common case costs two comparisons; the messages are built only on failure.
        # (tzinfo first: a naive time cannot be compared with the bounds.)
        if (
            v.authority.value == p.authority
            and t.tzinfo is not None
            and earliest_ok <= t <= latest_ok
        ):
            continue
        where = f"verdict {v.verdict_id} (item {i})"
        if v.authority.value != p.authority:
            raise Forbidden(
                f"{where}: authority {v.authority.value} but this client speaks for "
                f"{p.authority} customs; each authority submits verdicts for its side only"
            )
        check_time(where, t, settings, now)


def accept_verdicts(
    state: BridgeState, items: Sequence[VerdictInput], p: Principal, out: Outbox
) -> Outcome[Written]:
    """Store the request's new verdicts; the outcome feeds every container they touch."""
    assert_writer_thread()
    results: list[dict[str, str]] = []
    fresh = _new_records(state, items, results)
    recv = out.now_iso
    touched: dict[str, None] = {}
    in_force: set[str] = set()
    # A batch's verdicts mostly share a few issue times: format each one once.
    iso_of: dict[datetime, str] = {}
    rows = out.batch.verdicts
    for rec in fresh:
        issued = iso_of.get(rec.issued_at)
        if issued is None:
            issued = iso_of[rec.issued_at] = iso(rec.issued_at)
        state.add_verdict(rec)
        touched[rec.container_id] = None
        rows.append(
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
        accepted = state.latest[rec.container_id][rec.authority] is rec
        if accepted:
            in_force.add(rec.container_id)
        results.append(
            {"verdict_id": rec.verdict_id, "status": "accepted" if accepted else "superseded"}
        )
    out.audit(
        p,
        "verdicts.submit",
        f"{len(fresh)} verdicts",
        {"verdict_ids": [r.verdict_id for r in fresh]},
    )
    echo = len(touched) <= ECHO_LIMIT
    for cid in touched:
        if echo:
            lv, who = effective_level(
                state.latest[cid], state.warnings.values(), state.cargo.get(cid), out.now
            )
            out.event("verdict.effective", cid, {"level": lv, "authority": who})
        out.after(Feed(cid, timed=True, fresh=cid in in_force))
    kind = WriteKind.CREATED if fresh else WriteKind.UNCHANGED
    return out.done(Written(kind, {"results": results, "accepted": len(fresh)}))


def _new_records(
    state: BridgeState, items: Sequence[VerdictInput], results: list[dict[str, Any]]
) -> list[VerdictRecord]:
    """The request's verdicts not seen before; duplicates go to ``results`` at once."""
    fresh: list[VerdictRecord] = []
    seen: set[str] = set()
    cargo, known = state.cargo, state.verdict_ids
    for i, v in enumerate(items):
        cid = v.container_id
        if cid not in cargo:
            raise NotFound(
                f"verdict {v.verdict_id} (item {i}): container {cid} is not on the "
                "manifest of this crossing; check the number or declare it first"
            )
        rec = VerdictRecord(
            v.verdict_id,
            cid,
            v.authority.value,
            v.level.value,
            v.channel,
            v.treatment,
            v.reasons,
            # Kept in UTC, as the store has it: comparing and hashing times that share the
            # stdlib tzinfo is cheap (pydantic's parsed offsets are called per use).
            v.issued_at.astimezone(UTC),
            v.sequence,
            0,
        )
        old = known.get(rec.verdict_id)
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
            results.append({"verdict_id": rec.verdict_id, "status": "duplicate"})
            continue
        seen.add(rec.verdict_id)
        fresh.append(rec)
    return fresh


def verdict_input(m: Mapping[str, Any]) -> VerdictInput:
    """A verdict given as a mapping of the API's fields (values or their strings)."""
    channel = m.get("channel")
    level = RiskLevel(m["level"])
    if level is RiskLevel.UNKNOWN:
        raise BadInput(f"verdict {m['verdict_id']}: level UNKNOWN is not a verdict")
    return VerdictInput(
        str(m["verdict_id"]),
        str(m["container_id"]),
        Side(m["authority"]),
        level,
        None if channel is None else Channel(channel),
        Treatment(m.get("treatment") or Treatment.NONE),
        tuple(m.get("reasons") or ()),
        m["issued_at"],
        int(m.get("sequence") or 0),
    )
