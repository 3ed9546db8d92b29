"""Officers' releases and mutual recognition: functions over the bridge state that return the
write's outcome (run on the writer thread).

Only an officer of the authority owning the hold may release it. Mutual recognition: an officer
of authority B accepts an inspection (release) recorded by authority A, if B's settings allow
it, so the container is not inspected twice; it is written to the custody ledger as
INSPECTION_RECOGNISED before the store commit (a recognition the ledger refuses is not
recorded at all).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from orchestrator.custody.errors import CustodyError
from orchestrator.custody.events import CustodyEvent, CustodyEventKind
from risk_bridge.errors import Conflict, Forbidden, NotFound
from risk_bridge.fleet_port import FleetPort
from risk_bridge.holds import active_hold, apply_release
from risk_bridge.outbox import Outbox, Outcome, WriteKind, Written
from risk_bridge.security import Principal
from risk_bridge.state import BridgeState
from risk_bridge.threads import assert_writer_thread

__all__ = ["recognise", "release"]


def release(
    state: BridgeState,
    fleet: FleetPort | None,
    out: Outbox,
    p: Principal,
    cid: str,
    *,
    reason: str,
) -> Outcome[Written]:
    """Release the container's active hold after inspection."""
    assert_writer_thread()
    hold = active_hold(state, fleet, out, cid)
    if hold["authority"] != p.authority:
        raise Forbidden(
            f"container {cid} is held by {hold['authority']} customs (hold "
            f"{hold['hold_id']}); only {hold['authority']} officers may release it"
        )
    rid = out.new_id("R")
    row = _release_row(rid, "release", cid, p, reason=reason, recognised=None, at=out.now_iso)
    state.add_release(row)
    out.batch.releases.append(tuple(row.values()))
    apply_release(state, fleet, out, hold, officer=p.subject, reason=reason)
    out.audit(
        p, "hold.release", cid, {"hold_id": hold["hold_id"], "reason": reason, "release_id": rid}
    )
    out.event(
        "release.recorded",
        cid,
        {
            "hold_id": hold["hold_id"],
            "release_id": rid,
            "officer": p.subject,
            "authority": p.authority,
            "reason": reason,
        },
    )
    return out.done(Written(WriteKind.CREATED, {**row, "hold_id": hold["hold_id"]}))


def recognise(
    state: BridgeState,
    fleet: FleetPort | None,
    out: Outbox,
    p: Principal,
    cid: str,
    *,
    inspection_id: str,
    reason: str,
    recognises: Mapping[str, Sequence[str]],
) -> Outcome[Written]:
    """Accept the other authority's inspection result ``inspection_id`` for ``cid``."""
    assert_writer_thread()
    if cid not in state.cargo:
        raise NotFound(f"container {cid} is not on the manifest of this crossing")
    insp = state.releases.get(inspection_id)
    if insp is None or insp["container_id"] != cid or insp["kind"] != "release":
        raise NotFound(
            f"no inspection result {inspection_id!r} for container {cid}; GET "
            f"/v1/containers/{cid} lists its releases (inspection results)"
        )
    other = str(insp["authority"])
    if other == p.authority:
        raise Conflict(f"inspection {inspection_id} is {other}'s own: nothing to recognise")
    if other not in recognises.get(str(p.authority), ()):
        raise Forbidden(
            f"{p.authority} customs is configured not to recognise {other} inspection "
            "results (settings.recognises); inspect the container instead"
        )
    rid = out.new_id("M")
    row = _release_row(rid, "recognition", cid, p, reason=reason, recognised=other, at=out.now_iso)
    _write_ledger(fleet, cid, p, other=other, inspection_id=inspection_id, reason=reason)
    state.add_release(row)
    out.batch.releases.append(tuple(row.values()))
    why = f"mutual recognition of {other} inspection {inspection_id}: {reason}"
    hid = state.active_hold.get(cid)
    if hid is not None and state.holds[hid]["authority"] == p.authority:
        apply_release(state, fleet, out, state.holds[hid], officer=p.subject, reason=why)
    else:
        state.pending_release[cid] = {"side": str(p.authority), "officer": p.subject, "reason": why}
    out.audit(p, "inspection.recognise", cid, {"inspection": inspection_id, "recognition_id": rid})
    out.event(
        "recognition.recorded",
        cid,
        {
            "recognition_id": rid,
            "inspection": inspection_id,
            "authority": p.authority,
            "recognised_authority": other,
            "officer": p.subject,
        },
    )
    return out.done(Written(WriteKind.CREATED, row))


def _release_row(
    rid: str,
    kind: str,
    cid: str,
    p: Principal,
    *,
    reason: str,
    recognised: str | None,
    at: str,
) -> dict[str, Any]:
    return {
        "release_id": rid,
        "kind": kind,
        "container_id": cid,
        "authority": p.authority,
        "officer": p.subject,
        "reason": reason,
        "recognised_authority": recognised,
        "at": at,
    }


def _write_ledger(
    fleet: FleetPort | None,
    cid: str,
    p: Principal,
    *,
    other: str,
    inspection_id: str,
    reason: str,
) -> None:
    """INSPECTION_RECOGNISED into the custody ledger, before the store commit."""
    if fleet is None or not fleet.has_ledger:
        return
    node = fleet.container_node(cid)
    if node is None:
        raise Conflict(
            f"container {cid} is not in custody at the crossing yet; recognise its "
            "inspection once it has arrived"
        )
    event = CustodyEvent(
        CustodyEventKind.INSPECTION_RECOGNISED,
        fleet.now_s(),
        cid,
        None,
        None,
        node,
        None,
        str(p.authority),
        p.subject,
        {
            "recognised_authority": other,
            "inspection": inspection_id,
            "reason": reason or "mutual recognition",
        },
    )
    try:
        fleet.append_custody(event)
    except CustodyError as exc:
        raise Conflict(f"the custody ledger refused the recognition for {cid}: {exc}") from exc
