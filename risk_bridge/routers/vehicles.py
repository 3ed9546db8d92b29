"""The console's live view: the map, the vehicles (listing, one, a stream), the KPIs.

Read-only, for every signed-in role. The stream sends complete frames twice a second
(:mod:`risk_bridge.vehicle_feed`), so a reconnecting screen needs no resume."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from risk_bridge.control_room import ControlRoom
from risk_bridge.deps import Caller
from risk_bridge.errors import NotFound
from risk_bridge.routers.common import errors, sse
from risk_bridge.schemas_console import Kpis, MapDocument, Vehicle, VehicleListing
from risk_bridge.vehicle_feed import vehicle_json

router = APIRouter(prefix="/v1", tags=["live view"])
_READ = errors(401, 422)
VehicleNo = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


def _room(request: Request) -> ControlRoom:
    room: ControlRoom = request.app.state.control_room
    return room


@router.get(
    "/console/map",
    summary="Read the crossing's map",
    response_model=MapDocument | None,
    responses=_READ,
)
async def console_map(request: Request, caller: Caller) -> Response:
    """The crossing's map as the console draws it, in the lane graph's metres: zones with
    their outlines, lanes as polylines with direction, stations, gates, the border line and
    every node's position (vehicle routes are lists of node ids). Null without a fleet.

    **Who may call:** every signed-in role.

    Built once per fleet; cacheable for 5 minutes (docs/console.md).
    """
    room = _room(request)
    body = await asyncio.to_thread(lambda: room.map_json)
    return Response(
        body, media_type="application/json", headers={"Cache-Control": "private, max-age=300"}
    )


@router.get(
    "/vehicles",
    summary="List the vehicles now",
    response_model=VehicleListing,
    responses=_READ,
)
async def list_vehicles(request: Request, caller: Caller) -> dict[str, Any]:
    """Every vehicle of the fleet now, by id: position and heading in the map's metres,
    speed, battery, state and what the map colours it by (`display`), its route, what it
    carries and the highest risk level on board.

    **Who may call:** every signed-in role.
    """
    room = _room(request)
    t_s, vehicles = await asyncio.to_thread(room.read_vehicles)
    return {"t_s": t_s, "vehicles": [vehicle_json(v) for v in vehicles]}


@router.get(
    "/vehicles/stream",
    summary="Stream the vehicles (server-sent events)",
    response_class=StreamingResponse,
    responses={
        **sse(
            "`event: vehicles`, `data:` a complete VehicleListing (with `sent_at_ms`), "
            "twice a second; `: keep-alive` comments while the fleet is quiet"
        ),
        **_READ,
    },
)
async def vehicle_stream(
    request: Request,
    caller: Caller,
    max_frames: Annotated[
        int | None, Query(ge=1, le=1_000_000, description="end the stream after this many")
    ] = None,
) -> StreamingResponse:
    """Server-sent events (`text/event-stream`) with every vehicle twice a second. Each frame
    is complete, so a reconnecting screen needs no resume (`retry: 2000`); `sent_at_ms` is the
    wall clock when the fleet was read, to measure the lag against.

    **Who may call:** every signed-in role (a browser's `EventSource` sends the session
    cookie).
    """
    feed = _room(request).feed

    async def gen() -> AsyncIterator[str]:
        yield "retry: 2000\n: connected\n\n"
        async for frame in feed.frames(max_frames):
            if frame is None:
                if await request.is_disconnected():
                    return
                yield ": keep-alive\n\n"
                continue
            yield f"event: vehicles\ndata: {frame}\n\n"

    return StreamingResponse(
        gen(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/vehicles/{vehicle_id}",
    summary="Read one vehicle",
    response_model=Vehicle,
    responses=errors(
        401,
        (404, "no vehicle with this id in this fleet"),
        (
            422,
            "the vehicle id has characters outside A-Z a-z 0-9 . _ : -, or an unknown query "
            "parameter",
        ),
    ),
)
async def one_vehicle(vehicle_id: VehicleNo, request: Request, caller: Caller) -> dict[str, Any]:
    """One vehicle now, as in the listing.

    **Who may call:** every signed-in role.
    """
    room = _room(request)
    _t, vehicles = await asyncio.to_thread(room.read_vehicles)
    for v in vehicles:
        if v.vehicle_id == vehicle_id:
            return vehicle_json(v)
    raise NotFound(f"no vehicle {vehicle_id!r} in this fleet; GET /v1/vehicles lists them")


@router.get("/kpis", summary="Read the key figures", response_model=Kpis, responses=_READ)
async def kpis(request: Request, caller: Caller) -> dict[str, Any]:
    """The control room's key figures, tallied from the fleet as it runs: deliveries per
    fleet hour and direction, crossing time p50 / p95 (seconds), crossings of the line, seal
    mismatches, vehicles by display and utilisation (busy / all), active holds.

    **Who may call:** every signed-in role.
    """
    room = _room(request)
    return await asyncio.to_thread(room.kpi_snapshot)
