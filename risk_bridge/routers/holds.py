"""Holds: list them with position and cause; release (officers of the owning authority);
mutual recognition of the other authority's inspection."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from risk_bridge.api_enums import Authority
from risk_bridge.deps import Auth, Caller, Ctx, IdemKey, Service, make_write
from risk_bridge.domain import Role
from risk_bridge.routers.common import WRITE_ERRORS, container_or_422, done, errors
from risk_bridge.schemas import HoldPublic, Recognition, Release
from risk_bridge.schemas_out import ReleasePublic, ReleaseRecord

router = APIRouter(prefix="/v1", tags=["holds"])
_OTHERS = tuple(c for c in WRITE_ERRORS if c not in (403, 409))
Officer = Annotated[Ctx, Depends(Auth(Role.OFFICER))]
ContainerNo = Annotated[str, Path(max_length=20, description="ISO 6346 container number")]


@router.get(
    "/holds",
    summary="List held containers",
    response_model=list[HoldPublic],
    responses=errors(401, 422),
)
async def list_holds(
    svc: Service,
    caller: Caller,
    authority: Annotated[Authority | None, Query(description="only this one's holds")] = None,
    active: Annotated[bool, Query(description="false: released holds too")] = True,
) -> list[dict[str, Any]]:
    """The holds (active ones by default), oldest first: which container, which authority
    holds it and why, and where it is now (`position`, from the fleet).

    **Who may call:** every signed-in role.
    """
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


@router.post(
    "/holds/{container_id}/release",
    status_code=201,
    summary="Release a held container",
    response_model=ReleasePublic,
    responses=errors(
        *_OTHERS,
        (403, "not an officer, or an officer of the authority that does not own the hold"),
        (404, "the container is not on this crossing's manifest"),
        (
            409,
            "the container has no active hold, or the Idempotency-Key was used with another body",
        ),
    ),
)
async def release_hold(
    container_id: ContainerNo, body: Release, ctx: Officer, key: IdemKey
) -> JSONResponse:
    """Release a container's active hold after inspection, with the mandatory reason: the
    orchestrator lets its vehicle go on at once. The release is recorded as an inspection
    result (its `release_id`), which the other authority may recognise.

    **Who may call:** an `officer` of the authority that owns the hold (the hold's
    `authority`); anyone else gets 403 with why.
    """
    cid = container_or_422(container_id)
    w = await make_write(ctx, key)
    return await done(ctx.svc.release(w, cid, body.reason))


@router.post(
    "/containers/{container_id}/recognitions",
    status_code=201,
    summary="Recognise the other authority's inspection",
    response_model=ReleaseRecord,
    responses=errors(
        *_OTHERS,
        (
            403,
            "not an officer, or this authority is configured not to recognise the other's "
            "inspections",
        ),
        (404, "the container is not on the manifest, or it has no such inspection result"),
        (
            409,
            "the inspection is this authority's own, the custody ledger refused it (the "
            "container has not arrived yet), or the Idempotency-Key was used with another body",
        ),
    ),
)
async def recognise_inspection(
    container_id: ContainerNo, body: Recognition, ctx: Officer, key: IdemKey
) -> JSONResponse:
    """Accept the other authority's inspection result (`inspection_id`: the `release_id` of
    its release) so the container is not inspected twice: this authority's hold on it is
    released now, or as soon as it is placed. Written to the custody ledger as
    `inspection_recognised` before it is stored.

    **Who may call:** an `officer` of the recognising authority (CN recognises MN and MN
    recognises CN by default: `settings.recognises`).
    """
    cid = container_or_422(container_id)
    w = await make_write(ctx, key)
    return await done(ctx.svc.recognise(w, cid, body.inspection_id, body.reason))
