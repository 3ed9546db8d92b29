"""Transport orders: submit one (control-room operators and the yard's own systems), list them,
read one with its status now."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from risk_bridge.deps import Auth, Caller, Ctx, IdemKey, Service, make_write
from risk_bridge.domain import Role
from risk_bridge.errors import NotFound
from risk_bridge.order_view import OrderStatus, describe
from risk_bridge.routers.common import done, errors
from risk_bridge.schemas_orders import OrderCreate
from risk_bridge.schemas_out import OrderPublic

router = APIRouter(prefix="/v1/orders", tags=["orders"])
ORDER_ROLES = (Role.OPERATOR,)
Orderer = Annotated[Ctx, Depends(Auth(*ORDER_ROLES))]
OrderNo = Annotated[
    str, Path(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$", description="order id")
]


@router.post(
    "",
    status_code=201,
    summary="Submit a transport order",
    response_model=OrderPublic,
    responses={
        200: {
            "model": OrderPublic,
            "description": "this order was received before (same order_id, same order): "
            "nothing new, the order as it stands",
        },
        **errors(
            401,
            (403, "only operators submit transport orders (people, or the yard's systems)"),
            (
                409,
                "the order_id was used for a different order, the container already has an "
                "order not yet delivered (here or in the fleet), its cargo is declared "
                "differently on the manifest, the bridge has no fleet, or the Idempotency-Key "
                "was used with another body",
            ),
            413,
            415,
            (
                422,
                "a malformed container or seal number, an origin_station that is no yard slot "
                "on the side the direction starts from (the message lists them), a container "
                "not on the manifest without its cargo, or an unknown query parameter",
            ),
            503,
        ),
    },
)
async def submit_order(body: OrderCreate, ctx: Orderer, key: IdemKey) -> JSONResponse:
    """Give the fleet a container to carry across the border: it is stored, then handed to
    the fleet in the same durable step; a vehicle picks it up from `origin_station` (a yard
    slot on the side it leaves) and delivers it to the other side's yard once customs clear
    it. Submitting an order decides nothing about customs: it crosses only with a clearing
    verdict (`POST /v1/verdicts`), like any container.

    **Who may call:** an `operator`: a person in the control room, or the port's yard or
    terminal system as a machine client registered with that role (`borderflow bridge
    client-add yard-tos --role operator`). Customs systems and officers decide whether a
    container may cross, not which containers the port moves; viewers only read.

    A container not on the crossing's manifest needs its `cargo` declared with the order (it
    is put on the manifest, so customs can assess it); one on it may leave `cargo` out.
    Without `order_id` the bridge makes `ORD-<container>-<n>`. Needs an `Idempotency-Key`: a
    retry with the same key and body gets the first answer again; the same order again (same
    `order_id`, or none and the same fields while it is open) under a new key answers 200
    with the order as it stands. The answer is the order just stored (`status` open); follow
    it with `GET /v1/orders/{order_id}`.
    """
    o = body.to_input()
    w = await make_write(ctx, key)
    return await done(ctx.svc.submit_order(w, o))


@router.get(
    "",
    summary="List transport orders",
    response_model=list[OrderPublic],
    responses=errors(401, 422),
)
async def list_orders(
    svc: Service,
    caller: Caller,
    status: Annotated[OrderStatus | None, Query(description="only orders in this status")] = None,
    after: Annotated[int, Query(ge=0, le=2**62, description="orders after this seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """The transport orders submitted through the bridge, oldest first, each with its status
    now (from the fleet). Page with `after` (the last `seq` read); at most `limit` rows.
    Orders the simulated scenario makes itself are not listed: `GET /v1/containers` shows
    every container of the crossing.

    **Who may call:** every signed-in role.
    """
    out: list[dict[str, Any]] = []
    for r in list(svc.state.orders.values()):
        if r.seq <= after:
            continue
        row = describe(svc.fleet, r)
        if status is not None and row["status"] != status:
            continue
        out.append(row)
        if len(out) >= limit:
            break
    return out


@router.get(
    "/{order_id}",
    summary="Read one transport order",
    response_model=OrderPublic,
    responses=errors(
        401,
        (404, "no order with this id"),
        (422, "a malformed order id, or an unknown query parameter"),
    ),
)
async def get_order(order_id: OrderNo, svc: Service, caller: Caller) -> dict[str, Any]:
    """The order as submitted, when it was accepted, and its status now: `open`, `assigned`,
    `picked_up`, `delivered` or `refused`, the vehicle carrying it and the node it is at.

    **Who may call:** every signed-in role.
    """
    r = svc.state.orders.get(order_id)
    if r is None:
        raise NotFound(f"no order {order_id!r}; GET /v1/orders lists them")
    return describe(svc.fleet, r)
