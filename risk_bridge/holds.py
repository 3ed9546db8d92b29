"""Holds: recording the core's holds, officers' releases and mutual recognition.

A hold row is made when the core places a hold (its log entry) and closed by a release. Only
an officer of the authority owning the hold may release it. Mutual recognition: an officer of
authority B accepts an inspection (release) recorded by authority A, if B's settings allow it,
so the container is not inspected twice; it is written to the custody ledger as
INSPECTION_RECOGNISED. A release or recognition recorded before the core holds the container
(e.g. after a restart, when the fleet has not reached the hold bay yet) is kept pending and
applied the moment the core places the hold.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from orchestrator.lanegraph import Side
from orchestrator.messages import HoldReleased
from orchestrator.ports import LogEntry
from risk_bridge.errors import Conflict, Forbidden, NotFound
from risk_bridge.store import WriteBatch

if TYPE_CHECKING:
    from risk_bridge.service import BridgeService, Pending, Response, Write

__all__ = ["on_hold_placed", "on_hold_released", "recognise", "release"]

Effects = list[Callable[[], None]]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _new_hold(  # noqa: PLR0917 (one internal call shape per caller)
    svc: BridgeService,
    batch: WriteBatch,
    cid: str,
    side: str,
    reason: str,
    vehicle: str | None,
    station: str | None,
) -> dict[str, Any]:
    hid = svc._next_id("H")
    row = {
        "hold_id": hid,
        "container_id": cid,
        "authority": side,
        "reason": reason,
        "placed_at": _now(),
        "vehicle_id": vehicle,
        "station": station,
        "status": "active",
        "closed_at": None,
    }
    svc.state.holds[hid] = row
    svc.state.active_hold[cid] = hid
    batch.holds.append(tuple(row.values()))
    return row


def on_hold_placed(  # noqa: PLR0917 (one internal call shape per caller)
    svc: BridgeService,
    batch: WriteBatch,
    effects: Effects,
    cid: str,
    entry: LogEntry,
    data: dict[str, Any],
) -> None:
    st = svc.state
    side = str(data.get("side", ""))
    hid = st.active_hold.get(cid)
    if hid is None or st.holds[hid]["authority"] != side:
        row = _new_hold(
            svc,
            batch,
            cid,
            side,
            str(data.get("reason", "")),
            data.get("vehicle_id"),
            data.get("station") or None,
        )
        hid = row["hold_id"]
    data["hold_id"] = hid
    pending = st.pending_release.get(cid)
    if pending is not None and pending["side"] == side:
        del st.pending_release[cid]
        _close(svc, batch, hid)
        t = entry.t_s
        effects.append(
            lambda: svc._deliver(
                HoldReleased(t, cid, pending["officer"], Side(side), pending["reason"])
            )
        )


def on_hold_released(svc: BridgeService, batch: WriteBatch, cid: str, data: dict[str, Any]) -> None:
    hid = svc.state.active_hold.get(cid)
    if hid is not None:
        _close(svc, batch, hid)
        data["hold_id"] = hid


def _close(svc: BridgeService, batch: WriteBatch, hid: str) -> None:
    row = svc.state.holds[hid]
    row["status"] = "released"
    row["closed_at"] = _now()
    batch.hold_closures.append((hid, "released", row["closed_at"]))
    if svc.state.active_hold.get(str(row["container_id"])) == hid:
        del svc.state.active_hold[str(row["container_id"])]


def _active_hold(svc: BridgeService, batch: WriteBatch, cid: str) -> dict[str, Any]:
    if cid not in svc.state.cargo:
        raise NotFound(f"container {cid} is not on the manifest of this crossing")
    hid = svc.state.active_hold.get(cid)
    if hid is not None:
        return svc.state.holds[hid]
    view = svc.fleet.container_view(cid) if svc.fleet is not None else None
    if view is not None and view["held"]:
        # The core holds it but its log entry is still on the way: record the hold now.
        return _new_hold(
            svc, batch, cid, str(view["hold_side"]), "held by the core", view["vehicle_id"], None
        )
    raise Conflict(f"container {cid} has no active hold; GET /v1/holds lists the held containers")


def _apply_release(  # noqa: PLR0917 (one internal call shape per caller)
    svc: BridgeService,
    batch: WriteBatch,
    effects: Effects,
    hold: dict[str, Any],
    officer: str,
    reason: str,
) -> None:
    cid, side = str(hold["container_id"]), str(hold["authority"])
    _close(svc, batch, str(hold["hold_id"]))
    view = svc.fleet.container_view(cid) if svc.fleet is not None else None
    if view is not None and view["held"] and view["hold_side"] == side:
        effects.append(
            lambda: svc._deliver(HoldReleased(svc._t(), cid, officer, Side(side), reason))
        )
    else:
        svc.state.pending_release[cid] = {"side": side, "officer": officer, "reason": reason}


def release(svc: BridgeService, w: Write, cid: str, reason: str) -> Pending:
    p = w.principal

    def build(batch: WriteBatch, effects: Effects) -> Response:
        hold = _active_hold(svc, batch, cid)
        if hold["authority"] != p.authority:
            raise Forbidden(
                f"container {cid} is held by {hold['authority']} customs (hold "
                f"{hold['hold_id']}); only {hold['authority']} officers may release it"
            )
        rid = svc._next_id("R")
        row = {
            "release_id": rid,
            "kind": "release",
            "container_id": cid,
            "authority": p.authority,
            "officer": p.subject,
            "reason": reason,
            "recognised_authority": None,
            "at": _now(),
        }
        svc.state.add_release(row)
        batch.releases.append(tuple(row.values()))
        _apply_release(svc, batch, effects, hold, p.subject, reason)
        svc._audit(
            batch,
            p,
            "hold.release",
            cid,
            {"hold_id": hold["hold_id"], "reason": reason, "release_id": rid},
        )
        svc._event(
            batch,
            effects,
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
        return 201, {**row, "hold_id": hold["hold_id"]}

    return svc.submit(w, build)


def recognise(svc: BridgeService, w: Write, cid: str, inspection_id: str, reason: str) -> Pending:
    p = w.principal

    def build(batch: WriteBatch, effects: Effects) -> Response:
        st = svc.state
        if cid not in st.cargo:
            raise NotFound(f"container {cid} is not on the manifest of this crossing")
        insp = st.releases.get(inspection_id)
        if insp is None or insp["container_id"] != cid or insp["kind"] != "release":
            raise NotFound(
                f"no inspection result {inspection_id!r} for container {cid}; GET "
                f"/v1/containers/{cid} lists its releases (inspection results)"
            )
        other = str(insp["authority"])
        if other == p.authority:
            raise Conflict(f"inspection {inspection_id} is {other}'s own: nothing to recognise")
        if other not in svc.settings.recognises.get(str(p.authority), ()):
            raise Forbidden(
                f"{p.authority} customs is configured not to recognise {other} inspection "
                "results (settings.recognises); inspect the container instead"
            )
        rid = svc._next_id("M")
        row = {
            "release_id": rid,
            "kind": "recognition",
            "container_id": cid,
            "authority": p.authority,
            "officer": p.subject,
            "reason": reason,
            "recognised_authority": other,
            "at": _now(),
        }
        _write_ledger(svc, cid, str(p.authority), p.subject, other, inspection_id, reason)
        st.add_release(row)
        batch.releases.append(tuple(row.values()))
        why = f"mutual recognition of {other} inspection {inspection_id}: {reason}"
        hid = st.active_hold.get(cid)
        if hid is not None and st.holds[hid]["authority"] == p.authority:
            _apply_release(svc, batch, effects, st.holds[hid], p.subject, why)
        else:
            st.pending_release[cid] = {
                "side": str(p.authority),
                "officer": p.subject,
                "reason": why,
            }
        svc._audit(
            batch,
            p,
            "inspection.recognise",
            cid,
            {"inspection": inspection_id, "recognition_id": rid},
        )
        svc._event(
            batch,
            effects,
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
        return 201, row

    return svc.submit(w, build)


def _write_ledger(  # noqa: PLR0917 (one internal call shape per caller)
    svc: BridgeService,
    cid: str,
    side: str,
    officer: str,
    other: str,
    inspection_id: str,
    reason: str,
) -> None:
    """INSPECTION_RECOGNISED into the custody ledger, before the store commit: a recognition
    the ledger refuses is not recorded at all."""
    fleet = svc.fleet
    if fleet is None or fleet.ledger is None:
        return
    from orchestrator.custody.errors import CustodyError
    from orchestrator.custody.events import CustodyEvent, CustodyEventKind

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
        side,
        officer,
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
