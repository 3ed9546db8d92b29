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
from risk_bridge.routers.common import ERRORS
from risk_bridge.vehicle_feed import vehicle_json

router = APIRouter(prefix="/v1", tags=["console"], responses=ERRORS)
VehicleNo = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


def _room(request: Request) -> ControlRoom:
    room: ControlRoom = request.app.state.control_room
    return room


@router.get("/console/map", response_class=Response)
async def console_map(request: Request, caller: Caller) -> Response:
    """The crossing's map in the lane graph's metres (zones, lanes, stations, gates, border,
    node positions); see docs/console.md."""
    room = _room(request)
    body = await asyncio.to_thread(lambda: room.map_json)
    return Response(
        body, media_type="application/json", headers={"Cache-Control": "private, max-age=300"}
    )


@router.get("/vehicles")
async def list_vehicles(request: Request, caller: Caller) -> dict[str, Any]:
    """Every vehicle now: position, state and what the map shows it as, what it carries."""
    room = _room(request)
    t_s, vehicles = await asyncio.to_thread(room.read_vehicles)
    return {"t_s": t_s, "vehicles": [vehicle_json(v) for v in vehicles]}


@router.get("/vehicles/stream", response_class=StreamingResponse)
async def vehicle_stream(
    request: Request,
    caller: Caller,
    max_frames: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> StreamingResponse:
    """Server-sent events: ``event: vehicles`` with every vehicle, twice a second."""
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


@router.get("/vehicles/{vehicle_id}")
async def one_vehicle(vehicle_id: VehicleNo, request: Request, caller: Caller) -> dict[str, Any]:
    room = _room(request)
    _t, vehicles = await asyncio.to_thread(room.read_vehicles)
    for v in vehicles:
        if v.vehicle_id == vehicle_id:
            return vehicle_json(v)
    raise NotFound(f"no vehicle {vehicle_id!r} in this fleet; GET /v1/vehicles lists them")


@router.get("/kpis")
async def kpis(request: Request, caller: Caller) -> dict[str, Any]:
    """Throughput per simulated hour and direction, crossing time p50/p95, holds, utilisation."""
    room = _room(request)
    return await asyncio.to_thread(room.kpi_snapshot)
