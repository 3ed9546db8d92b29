"""Lanes: list, and close / reopen by control-room operators (customs close them by warnings)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from risk_bridge.deps import Auth, Caller, Ctx, IdemKey, Service, make_write
from risk_bridge.domain import Role
from risk_bridge.routers.common import ERRORS, done
from risk_bridge.schemas import LaneChange

router = APIRouter(prefix="/v1/lanes", tags=["lanes"], responses=ERRORS)
Operator = Annotated[Ctx, Depends(Auth(Role.OPERATOR))]


@router.get("")
async def list_lanes(svc: Service, caller: Caller) -> dict[str, Any]:
    fleet = svc.fleet
    return {
        "lanes": sorted(fleet.lane_ids) if fleet else [],
        "zones": sorted(fleet.zone_ids) if fleet else [],
        "closed": {t: sorted(c) for t, c in sorted(svc.state.lanes_closed.items()) if c},
    }


@router.post("/{lane_id}/close")
async def close_lane(lane_id: str, body: LaneChange, ctx: Operator, key: IdemKey) -> JSONResponse:
    w = await make_write(ctx, key)
    return await done(ctx.svc.change_lane(w, lane_id, body.is_zone, True, body.reason))


@router.post("/{lane_id}/open")
async def open_lane(lane_id: str, body: LaneChange, ctx: Operator, key: IdemKey) -> JSONResponse:
    """Reopen a lane the operators closed (customs warnings keep it closed until they lapse)."""
    w = await make_write(ctx, key)
    return await done(ctx.svc.change_lane(w, lane_id, body.is_zone, False, body.reason))
