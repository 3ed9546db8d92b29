"""Risk warnings: issue, list, withdraw."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from risk_bridge.deps import Auth, Caller, Ctx, IdemKey, Service, make_write
from risk_bridge.domain import Role
from risk_bridge.routers.common import WRITE_ERRORS, done, errors
from risk_bridge.schemas import WarningCreate, WarningPublic, Withdrawal
from risk_bridge.warnings import warning_public

router = APIRouter(prefix="/v1/warnings", tags=["warnings"])
System = Annotated[Ctx, Depends(Auth(Role.AUTHORITY_SYSTEM))]


@router.post(
    "",
    status_code=201,
    summary="Issue a risk warning",
    response_model=WarningPublic,
    responses=errors(
        *(c for c in WRITE_ERRORS if c != 409),
        (404, "a close_lane / close_zone target is not on the map"),
        (409, "a warning with this id exists, or the Idempotency-Key was used with another body"),
    ),
)
async def issue_warning(body: WarningCreate, ctx: System, key: IdemKey) -> JSONResponse:
    """Raise the level of the containers that match (consignor, HS code prefix, origin
    country), or close a lane or zone, from `valid_from` until `valid_until` (GACC Order 271
    style). A warning only raises a level an authority has already given; a closed lane stays
    closed while any warning or operator keeps it closed.

    **Who may call:** an `authority_system` client of the warning's `authority`.
    """
    w = await make_write(ctx, key)
    return await done(ctx.svc.create_warning(w, body.to_input()))


@router.get(
    "",
    summary="List risk warnings",
    response_model=list[WarningPublic],
    responses=errors(401, 422),
)
async def list_warnings(svc: Service, caller: Caller) -> list[dict[str, Any]]:
    """Every warning by id, withdrawn and lapsed ones included; `active` says whether it is
    in effect now.

    **Who may call:** every signed-in role.
    """
    now = datetime.now(UTC)
    return [warning_public(svc.state.warnings[k], now) for k in sorted(svc.state.warnings)]


@router.post(
    "/{warning_id}/withdraw",
    summary="Withdraw a risk warning",
    response_model=WarningPublic,
    responses=errors(
        *(c for c in WRITE_ERRORS if c not in (403, 409)),
        (403, "the warning is another authority's, or the role may not withdraw"),
        (404, "no warning with this id"),
        (409, "already withdrawn, or the Idempotency-Key was used with another body"),
    ),
)
async def withdraw(warning_id: str, body: Withdrawal, ctx: System, key: IdemKey) -> JSONResponse:
    """End a warning now, with a reason: raised levels fall back, lanes it kept closed open
    unless someone else keeps them closed.

    **Who may call:** an `authority_system` client of the authority that issued it.
    """
    w = await make_write(ctx, key)
    return await done(ctx.svc.withdraw_warning(w, warning_id, body.reason))
