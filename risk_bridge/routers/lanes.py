"""Lanes: list, and close / reopen by control-room operators (customs close them by warnings)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from risk_bridge.deps import Auth, Caller, Ctx, IdemKey, Service, make_write
from risk_bridge.domain import Role
from risk_bridge.routers.common import WRITE_ERRORS, done, errors
from risk_bridge.schemas import LaneChange
from risk_bridge.schemas_out import LaneChangeResult, LaneListing

router = APIRouter(prefix="/v1/lanes", tags=["lanes"])
_CHANGE = errors(*WRITE_ERRORS, (404, "no such lane (or zone, with is_zone) on the map"))
Operator = Annotated[Ctx, Depends(Auth(Role.OPERATOR))]


@router.get(
    "",
    summary="List lanes, zones and closures",
    response_model=LaneListing,
    responses=errors(401, 422),
)
async def list_lanes(svc: Service, caller: Caller) -> dict[str, Any]:
    """Every lane and zone id of the map, and the closed ones with who keeps each closed
    (`operator`, or `warning:<id>` for a customs warning).

    **Who may call:** every signed-in role.
    """
    fleet = svc.fleet
    return {
        "lanes": sorted(fleet.lane_ids) if fleet else [],
        "zones": sorted(fleet.zone_ids) if fleet else [],
        "closed": {t: sorted(c) for t, c in sorted(svc.state.lanes_closed.items()) if c},
    }


@router.post(
    "/{lane_id}/close",
    summary="Close a lane or zone",
    response_model=LaneChangeResult,
    responses=_CHANGE,
)
async def close_lane(lane_id: str, body: LaneChange, ctx: Operator, key: IdemKey) -> JSONResponse:
    """Close a lane (or a zone, with `is_zone: true`) for the fleet: vehicles are routed
    around it from now on. Closing one that is closed already changes nothing but is
    recorded.

    **Who may call:** an `operator` (customs close lanes by warnings, `POST /v1/warnings`).
    """
    w = await make_write(ctx, key)
    return await done(ctx.svc.change_lane(w, lane_id, body.is_zone, True, body.reason))


@router.post(
    "/{lane_id}/open",
    summary="Reopen a lane or zone",
    response_model=LaneChangeResult,
    responses=_CHANGE,
)
async def open_lane(lane_id: str, body: LaneChange, ctx: Operator, key: IdemKey) -> JSONResponse:
    """Reopen a lane (or zone) the operators closed. A customs warning that closed it keeps it
    closed until the warning lapses or is withdrawn: the answer's `closed_by` says who.

    **Who may call:** an `operator`.
    """
    w = await make_write(ctx, key)
    return await done(ctx.svc.change_lane(w, lane_id, body.is_zone, False, body.reason))
