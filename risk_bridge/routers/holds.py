"""Holds: list them with position and cause; release (officers of the owning authority);
mutual recognition of the other authority's inspection."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from risk_bridge.api_enums import Authority
from risk_bridge.deps import Auth, Caller, Ctx, IdemKey, Service, make_write
from risk_bridge.domain import Role
from risk_bridge.routers.common import ERRORS, container_or_422, done
from risk_bridge.schemas import HoldPublic, Recognition, Release

router = APIRouter(prefix="/v1", tags=["holds"], responses=ERRORS)
Officer = Annotated[Ctx, Depends(Auth(Role.OFFICER))]
ContainerNo = Annotated[str, Path(max_length=20, description="ISO 6346 container number")]


@router.get("/holds", response_model=list[HoldPublic])
async def list_holds(
    svc: Service, caller: Caller, authority: Authority | None = None, active: bool = True
) -> list[dict[str, Any]]:
    """Held containers (active by default): where they are and why."""
    out = []
    for hid in sorted(svc.state.holds):
        h = svc.state.holds[hid]
        if active and h["status"] != "active":
            continue
        if authority is not None and h["authority"] != authority.value:
            continue
        view = svc.fleet.container_view(str(h["container_id"])) if svc.fleet else None
        out.append({**h, "position": None if view is None else asdict(view)})
    return out


@router.post("/holds/{container_id}/release", status_code=201)
async def release_hold(
    container_id: ContainerNo, body: Release, ctx: Officer, key: IdemKey
) -> JSONResponse:
    """Release a hold after inspection; only an officer of the owning authority may."""
    cid = container_or_422(container_id)
    w = await make_write(ctx, key)
    return await done(ctx.svc.release(w, cid, body.reason))


@router.post("/containers/{container_id}/recognitions", status_code=201)
async def recognise_inspection(
    container_id: ContainerNo, body: Recognition, ctx: Officer, key: IdemKey
) -> JSONResponse:
    """Accept the other authority's inspection result, so the container is not inspected twice."""
    cid = container_or_422(container_id)
    w = await make_write(ctx, key)
    return await done(ctx.svc.recognise(w, cid, body.inspection_id, body.reason))
