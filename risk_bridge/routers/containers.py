"""Containers: the listing with filters; one container (position, vehicle, risk history, custody
summary); its custody timeline checked against the signed tree head."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request

from orchestrator.custody.errors import CustodyError
from orchestrator.custody.legality import CustodyTracker
from risk_bridge.custody_timeline import timeline
from risk_bridge.deps import Caller, Service
from risk_bridge.domain import effective_level
from risk_bridge.errors import NotFound
from risk_bridge.fleet_port import FleetPort
from risk_bridge.routers.common import container_or_422, errors
from risk_bridge.schemas import ContainerPublic
from risk_bridge.schemas_out import ContainerRow, CustodyTimeline

router = APIRouter(prefix="/v1/containers", tags=["containers"])
ContainerNo = Annotated[str, Path(max_length=20, description="ISO 6346 container number")]


Level = Literal["LOW", "MEDIUM", "HIGH", "UNKNOWN"]


_NO_CONTAINER = (404, "the container is not on this crossing's manifest")
_BAD_NUMBER = (422, "not an ISO 6346 container number (the message names the expected check "
               "digit), or an unknown query parameter")  # fmt: skip


@router.get(
    "",
    summary="List the crossing's containers",
    response_model=list[ContainerRow],
    responses=errors(401, 422),
)
async def list_containers(
    svc: Service,
    caller: Caller,
    risk: Annotated[Level | None, Query(description="only this effective level")] = None,
    held: Annotated[bool | None, Query(description="only held (true) or not held (false)")] = None,
    q: Annotated[
        str | None,
        Query(max_length=11, pattern=r"^[A-Za-z0-9]*$", description="container number prefix"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> list[dict[str, Any]]:
    """The containers on the crossing's manifest, by number: each one's effective risk level
    and the authority deciding it, whether it is held, and where it is (state, node, vehicle,
    crossed; null without a fleet). Filters combine; at most `limit` rows.

    **Who may call:** every signed-in role.
    """
    st = svc.state
    now = datetime.now(UTC)
    warnings = list(st.warnings.values())
    active = {str(h["container_id"]) for h in list(st.holds.values()) if h["status"] == "active"}
    prefix = (q or "").upper()
    out: list[dict[str, Any]] = []
    for cid in sorted(st.cargo):
        if prefix and not cid.startswith(prefix):
            continue
        if held is not None and (cid in active) != held:
            continue
        level, who = effective_level(st.latest.get(cid, {}), warnings, st.cargo[cid], now)
        if risk is not None and level != risk:
            continue
        view = svc.fleet.container_view(cid) if svc.fleet is not None else None
        out.append(
            {
                "container_id": cid,
                "effective_level": level,
                "deciding_authority": who,
                "held": cid in active,
                "state": None if view is None else view.state,
                "node": None if view is None else view.node,
                "vehicle_id": None if view is None else view.vehicle_id,
                "crossed": None if view is None else view.crossed,
            }
        )
        if len(out) >= limit:
            break
    return out


@router.get(
    "/{container_id}/custody",
    summary="Read a container's verified custody timeline",
    response_model=CustodyTimeline,
    response_model_exclude_unset=True,
    responses=errors(401, _NO_CONTAINER, _BAD_NUMBER),
)
async def custody_timeline(
    container_id: ContainerNo, svc: Service, caller: Caller, request: Request
) -> dict[str, Any]:
    """The container's custody events from the ledger, each checked here against the
    ledger's signed tree head: the entry's own bytes, its inclusion proof (RFC 6962), the
    head's Ed25519 signature and the custody rules. `status` is `verified`, `failed` (with
    `why`, naming the entry; a tamper alert is raised) or `no ledger`.

    **Who may call:** every signed-in role.

    Entries appended after the newest signed head have `included: null`.
    """
    cid = container_or_422(container_id)
    if cid not in svc.state.cargo:
        raise NotFound(f"container {cid} is not on the manifest of this crossing")
    fleet = svc.fleet

    def check() -> dict[str, Any]:
        try:
            proofs = fleet.custody_proofs(cid) if fleet is not None else None
        except CustodyError as exc:  # the store itself no longer adds up
            return {"container_id": cid, "ledger": None, "status": "failed", "why": str(exc),
                    "events": [], "tree_size": None, "head_verified": None}  # fmt: skip
        return timeline(cid, proofs)

    result = await asyncio.to_thread(check)
    if result["status"] == "failed":
        room = getattr(request.app.state, "control_room", None)
        if room is not None:
            room.ledger_failed(cid, f"fails verification: {result['why']}")
    return result


@router.get(
    "/{container_id}",
    summary="Read one container",
    response_model=ContainerPublic,
    response_model_exclude_unset=True,
    responses=errors(401, _NO_CONTAINER, _BAD_NUMBER),
)
async def container_status(
    container_id: ContainerNo, svc: Service, caller: Caller
) -> dict[str, Any]:
    """Everything the bridge knows of a container: its cargo, effective level and who decides
    it, every verdict (which are in force), its holds and releases, where it is now
    (`position`, from the fleet; null if the fleet does not know it) and a custody summary.

    **Who may call:** every signed-in role.
    """
    cid = container_or_422(container_id)
    st = svc.state
    cargo = st.cargo.get(cid)
    if cargo is None:
        raise NotFound(f"container {cid} is not on the manifest of this crossing")
    latest = st.latest.get(cid, {})
    level, who = effective_level(latest, st.warnings.values(), cargo, datetime.now(UTC))
    history = [
        {
            "verdict_id": v.verdict_id,
            "authority": v.authority,
            "level": v.level,
            "channel": v.channel,
            "treatment": v.treatment,
            "reasons": list(v.reasons),
            "issued_at": v.issued_at.isoformat(),
            "sequence": v.sequence,
            "in_force": latest.get(v.authority) is v,
        }
        for v in sorted(st.verdicts.get(cid, []), key=lambda v: v.order_key)
    ]
    holds = [h for h in (st.holds[k] for k in sorted(st.holds)) if h["container_id"] == cid]
    releases = [st.releases[r] for r in st.releases_by_container.get(cid, [])]
    view = svc.fleet.container_view(cid) if svc.fleet is not None else None
    return {
        "container_id": cid,
        "cargo": {
            "consignor": cargo.consignor,
            "hs_code": cargo.hs_code,
            "origin_country": cargo.origin_country,
        },
        "effective_level": level,
        "deciding_authority": who,
        "verdicts": history,
        "holds": holds,
        "releases": releases,
        "position": None if view is None else asdict(view),
        "custody": custody_summary(svc.fleet, cid),
    }


def custody_summary(fleet: FleetPort | None, cid: str) -> dict[str, Any]:
    """The container's custody events and whether the ledger's own checks admit them."""
    extract = fleet.custody_extract(cid) if fleet is not None else None
    if extract is None:
        return {"ledger": None, "events": 0, "verification": "no ledger configured"}
    events = extract.events
    tracker = CustodyTracker()
    try:
        tracker.apply_all(e for _, e in events)
        verification = "verified: every custody event admitted in order" if events else "no events"
    except CustodyError as exc:
        verification = f"FAILED: {exc}"
    last = events[-1][1] if events else None
    custody = tracker.get(cid)
    return {
        "ledger": extract.ledger_url,
        "events": len(events),
        "kinds": [e.kind.value for _, e in events],
        "last": None
        if last is None
        else {
            "kind": last.kind.value,
            "t_s": last.t_s,
            "timestamp": last.timestamp,
            "actor": last.actor,
            "side": last.side,
        },
        "seals": sorted(custody.seals) if custody is not None else [],
        "tree_size": extract.tree_size,
        "verification": verification,
    }
