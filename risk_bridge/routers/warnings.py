"""Risk warnings: issue, list, withdraw."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from risk_bridge.deps import Auth, Caller, Ctx, IdemKey, Service, make_write
from risk_bridge.domain import Role
from risk_bridge.routers.common import ERRORS, done
from risk_bridge.schemas import WarningCreate, WarningPublic, Withdrawal
from risk_bridge.warnings import warning_public

router = APIRouter(prefix="/v1/warnings", tags=["warnings"], responses=ERRORS)
System = Annotated[Ctx, Depends(Auth(Role.AUTHORITY_SYSTEM))]


@router.post("", status_code=201, response_model=WarningPublic)
async def issue_warning(body: WarningCreate, ctx: System, key: IdemKey) -> JSONResponse:
    """Raise the level of matching containers, or close a lane / zone, for a period."""
    w = await make_write(ctx, key)
    return await done(ctx.svc.create_warning(w, body.to_input()))


@router.get("", response_model=list[WarningPublic])
async def list_warnings(svc: Service, caller: Caller) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [warning_public(svc.state.warnings[k], now) for k in sorted(svc.state.warnings)]


@router.post("/{warning_id}/withdraw", response_model=WarningPublic)
async def withdraw(warning_id: str, body: Withdrawal, ctx: System, key: IdemKey) -> JSONResponse:
    w = await make_write(ctx, key)
    return await done(ctx.svc.withdraw_warning(w, warning_id, body.reason))
