"""The bridge-wide fail-safe: nothing crosses on a verdict the bridge can no longer vouch for.

Engaged when the store cannot be written (cause ``store``: the ticker lifts it once the store
answers again, see :mod:`risk_bridge.recovery`) or when the core refused even the UNKNOWN of a
container's fail-safe (cause ``core``: it stays until the bridge is restarted, as the core's
state cannot be trusted). While engaged, the service is *degraded*: writes answer 503 and every
container that has not crossed yet is told UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Set
from enum import Enum

from risk_bridge.state import BridgeState
from risk_bridge.threads import assert_writer_thread

__all__ = ["Cause", "failsafe_targets", "remember_inspection"]


class Cause(Enum):
    STORE = "store"
    CORE = "core"
    FLEET = "fleet"  # the fleet stopped working (its thread died): until a restart


def failsafe_targets(state: BridgeState, crossed: Set[str]) -> list[str]:
    """The containers to tell UNKNOWN (sorted), their inspections remembered first."""
    assert_writer_thread()
    out = []
    for cid in sorted(set(state.cargo) | set(state.latest)):
        if cid in crossed:
            continue
        remember_inspection(state, cid)
        out.append(cid)
    return out


def remember_inspection(state: BridgeState, cid: str) -> None:
    """A released HIGH container will be held again when HIGH is fed after recovery (the
    core's policy: a HIGH verdict cancels earlier inspections); the stored release then
    releases it at once, so it is not inspected twice."""
    st = state
    if st.fed.get(cid, ("",))[0] != "HIGH" or cid in st.active_hold:
        return
    released = [h for h in st.holds.values() if h["container_id"] == cid]
    rel = st.releases_by_container.get(cid, [])
    if released and rel:
        last = st.releases[rel[-1]]
        st.pending_release[cid] = {
            "side": str(released[-1]["authority"]),
            "officer": str(last["officer"]),
            "reason": f"inspected before the store outage ({last['release_id']})",
        }
