"""POST /v1/verdicts, /v1/verdicts/batch; GET /v1/verdicts/{verdict_id}."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from risk_bridge.deps import Auth, Caller, Ctx, IdemKey, Service, make_write
from risk_bridge.domain import Role
from risk_bridge.errors import BridgeError, NotFound
from risk_bridge.routers.common import WRITE_ERRORS, done, errors
from risk_bridge.schemas import VerdictBatch, VerdictCreate, VerdictResults
from risk_bridge.schemas_out import VerdictPublic

router = APIRouter(prefix="/v1/verdicts", tags=["verdicts"])
VERDICT_ROLES = (Role.AUTHORITY_SYSTEM,)  # also the fast path's (risk_bridge.fastpath)
System = Annotated[Ctx, Depends(Auth(*VERDICT_ROLES))]


M = TypeVar("M", bound=BaseModel)


class TooLarge(BridgeError):
    status = 413


_UNKNOWN_CONTAINER = (404, "a verdict's container is not on this crossing's manifest")
_WRITTEN: dict[int | str, dict[str, Any]] = {
    201: {"description": "stored (every verdict's status: accepted, superseded, duplicate)"},
    200: {"model": VerdictResults, "description": "nothing new: every verdict was a duplicate"},
}


def _body_doc(model: type[BaseModel]) -> dict[str, object]:
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


async def _parse(model: type[M], ctx: Ctx) -> M:
    """The body, parsed and validated by pydantic-core straight from the JSON bytes: on the
    hottest endpoints this is several times cheaper than FastAPI's json.loads + validation.
    (The schema is published in OpenAPI by create_app, as for any body parameter.)"""
    try:
        return model.model_validate_json(await ctx.request.body())
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        for e in errors:
            e["loc"] = ("body", *e["loc"])
        raise RequestValidationError(errors) from None


@router.post(
    "",
    status_code=201,
    summary="Submit a risk verdict",
    response_model=VerdictResults,
    responses={**_WRITTEN, **errors(*WRITE_ERRORS, _UNKNOWN_CONTAINER)},
    openapi_extra=_body_doc(VerdictCreate),
)
async def submit_verdict(ctx: System, key: IdemKey) -> JSONResponse:
    """Store one risk verdict for a container; it reaches the orchestrator in the same durable
    step and may hold or reroute a moving vehicle at once (HIGH: held for inspection).

    **Who may call:** an `authority_system` client of the verdict's `authority`.

    Per authority, the verdict with the latest `issued_at` (then `sequence`) is in force; an
    older one is stored as `superseded`; the same `verdict_id` with the same content again is a
    `duplicate`, with other content a 409. `issued_at` needs a time zone and must lie between 30
    days ago and 2 minutes ahead. Needs an `Idempotency-Key`: a retry with the same key and
    body gets the first answer again.
    """
    body = await _parse(VerdictCreate, ctx)
    w = await make_write(ctx, key)
    return await done(ctx.svc.submit_verdicts(w, [body.to_input()]))


@router.post(
    "/batch",
    status_code=201,
    summary="Submit many risk verdicts at once",
    response_model=VerdictResults,
    responses={
        **_WRITTEN,
        **errors(
            *(c for c in WRITE_ERRORS if c != 413),
            (413, "more than 5,000 verdicts, or a body over 8 MB: split the batch"),
            _UNKNOWN_CONTAINER,
        ),
    },
    openapi_extra=_body_doc(VerdictBatch),
)
async def submit_batch(ctx: System, key: IdemKey) -> JSONResponse:
    """Store up to 5,000 verdicts in one transaction: all of them, or none (one bad verdict
    refuses the batch, and the message names its item).

    **Who may call:** an `authority_system` client; every verdict must be of its authority.

    The same rules as a single verdict, item by item; the answer lists each verdict's status.
    """
    body = await _parse(VerdictBatch, ctx)
    limit = ctx.svc.settings.max_batch
    if len(body.verdicts) > limit:
        raise TooLarge(
            f"batch of {len(body.verdicts)} verdicts exceeds the limit of {limit}; split it"
        )
    w = await make_write(ctx, key)
    return await done(ctx.svc.submit_verdicts(w, [v.to_input() for v in body.verdicts]))


@router.get(
    "/{verdict_id}",
    summary="Read one verdict",
    response_model=VerdictPublic,
    responses=errors(401, (404, "no verdict with this id"), 422),
)
async def get_verdict(verdict_id: str, svc: Service, caller: Caller) -> dict[str, object]:
    """A stored verdict by its `verdict_id`, and whether it is the one in force for its
    container and authority.

    **Who may call:** every signed-in role.
    """
    v = svc.state.verdict_ids.get(verdict_id)
    if v is None:
        raise NotFound(f"no verdict {verdict_id!r}")
    latest = svc.state.latest.get(v.container_id, {}).get(v.authority)
    return {
        "verdict_id": v.verdict_id,
        "container_id": v.container_id,
        "authority": v.authority,
        "level": v.level,
        "channel": v.channel,
        "treatment": v.treatment,
        "reasons": list(v.reasons),
        "issued_at": v.issued_at.isoformat(),
        "sequence": v.sequence,
        "in_force": latest is v,
    }
