"""Hold rows: opened when the core places a hold, closed by a release; functions over the
bridge state, run on the writer thread.

A hold row is made when the core places a hold (its log entry, :mod:`risk_bridge.fleet_log`)
and closed by a release (:mod:`risk_bridge.releases`). A release or recognition recorded before
the core holds the container (e.g. after a restart, when the fleet has not reached the hold bay
yet) is kept pending in ``state.pending_release`` and applied the moment the core places the
hold.
"""

from __future__ import annotations

from typing import Any

from orchestrator.lanegraph import Side
from risk_bridge.errors import Conflict, NotFound
from risk_bridge.fleet_port import FleetPort
from risk_bridge.outbox import Outbox, ReleaseInCore
from risk_bridge.state import BridgeState
from risk_bridge.threads import assert_writer_thread

__all__ = [
    "active_hold",
    "apply_release",
    "close_hold",
    "hold_placed",
    "hold_released",
    "new_hold",
]

HoldRow = dict[str, Any]


def new_hold(
    state: BridgeState,
    out: Outbox,
    cid: str,
    *,
    side: str,
    reason: str,
    vehicle: str | None,
    station: str | None,
) -> HoldRow:
    hid = out.new_id("H")
    row = {
        "hold_id": hid,
        "container_id": cid,
        "authority": side,
        "reason": reason,
        "placed_at": out.now_iso,
        "vehicle_id": vehicle,
        "station": station,
        "status": "active",
        "closed_at": None,
    }
    state.holds[hid] = row
    state.active_hold[cid] = hid
    out.batch.holds.append(tuple(row.values()))
    return row


def hold_placed(
    state: BridgeState, out: Outbox, cid: str, t_s: float, data: dict[str, Any]
) -> None:
    """The core held ``cid`` (its log entry's ``data``, which gets the ``hold_id``)."""
    assert_writer_thread()
    side = str(data.get("side", ""))
    hid = state.active_hold.get(cid)
    if hid is None or state.holds[hid]["authority"] != side:
        row = new_hold(
            state,
            out,
            cid,
            side=side,
            reason=str(data.get("reason", "")),
            vehicle=data.get("vehicle_id"),
            station=data.get("station") or None,
        )
        hid = row["hold_id"]
    data["hold_id"] = hid
    pending = state.pending_release.get(cid)
    if pending is not None and pending["side"] == side:
        del state.pending_release[cid]
        close_hold(state, out, hid)
        out.after(ReleaseInCore(cid, pending["officer"], Side(side), pending["reason"], t_s))


def hold_released(state: BridgeState, out: Outbox, cid: str, data: dict[str, Any]) -> None:
    """The core released ``cid``: its hold row is closed (``data`` gets the ``hold_id``)."""
    assert_writer_thread()
    hid = state.active_hold.get(cid)
    if hid is not None:
        close_hold(state, out, hid)
        data["hold_id"] = hid


def close_hold(state: BridgeState, out: Outbox, hid: str) -> None:
    row = state.holds[hid]
    row["status"] = "released"
    row["closed_at"] = out.now_iso
    out.batch.hold_closures.append((hid, "released", row["closed_at"]))
    if state.active_hold.get(str(row["container_id"])) == hid:
        del state.active_hold[str(row["container_id"])]


def active_hold(state: BridgeState, fleet: FleetPort | None, out: Outbox, cid: str) -> HoldRow:
    """The container's active hold; recorded now if the core holds it but its log entry is
    still on the way."""
    if cid not in state.cargo:
        raise NotFound(f"container {cid} is not on the manifest of this crossing")
    hid = state.active_hold.get(cid)
    if hid is not None:
        return state.holds[hid]
    view = fleet.container_view(cid) if fleet is not None else None
    if view is not None and view.held:
        return new_hold(
            state,
            out,
            cid,
            side=str(view.hold_side),
            reason="held by the core",
            vehicle=view.vehicle_id,
            station=None,
        )
    raise Conflict(f"container {cid} has no active hold; GET /v1/holds lists the held containers")


def apply_release(
    state: BridgeState,
    fleet: FleetPort | None,
    out: Outbox,
    hold: HoldRow,
    *,
    officer: str,
    reason: str,
) -> None:
    """Close the hold row; release the core's hold now if it holds the container for that
    side, else keep the release pending until it does."""
    cid, side = str(hold["container_id"]), str(hold["authority"])
    close_hold(state, out, str(hold["hold_id"]))
    view = fleet.container_view(cid) if fleet is not None else None
    if view is not None and view.held and view.hold_side == side:
        out.after(ReleaseInCore(cid, officer, Side(side), reason))
    else:
        state.pending_release[cid] = {"side": side, "officer": officer, "reason": reason}
