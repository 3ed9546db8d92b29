"""GET /v1/containers/{id}: position, vehicle, risk history, custody summary, verification."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path

from orchestrator.custody.errors import CustodyError
from orchestrator.custody.legality import CustodyTracker
from risk_bridge.deps import Caller, Service
from risk_bridge.domain import effective_level
from risk_bridge.errors import NotFound
from risk_bridge.fleet_port import FleetPort
from risk_bridge.routers.common import ERRORS, container_or_422
from risk_bridge.schemas import ContainerPublic

router = APIRouter(prefix="/v1/containers", tags=["containers"], responses=ERRORS)
ContainerNo = Annotated[str, Path(max_length=20, description="ISO 6346 container number")]


@router.get("/{container_id}", response_model=ContainerPublic)
async def container_status(
    container_id: ContainerNo, svc: Service, caller: Caller
) -> dict[str, Any]:
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
            "actor": last.actor,
            "side": last.side,
        },
        "seals": sorted(custody.seals) if custody is not None else [],
        "tree_size": extract.tree_size,
        "verification": verification,
    }
