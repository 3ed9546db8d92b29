"""Look-ahead forecasts: ``POST /v1/forecasts`` plays the fleet ahead from now under a what-if.

A forecast runs copies of the live fleet (the SimPy fleet forks itself; the live fleet is never
changed) for up to a few seconds of CPU, so the bridge runs one at a time: a second request
while one runs is answered 429 with ``Retry-After`` at once, it does not queue behind it and
it never delays verdicts, which are served by other threads.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from risk_bridge.deps import Allow, Service
from risk_bridge.domain import Role
from risk_bridge.errors import BadInput, BridgeError
from risk_bridge.routers.common import errors
from risk_bridge.schemas_forecast import ForecastCreate, ForecastPublic
from risk_bridge.security.principal import Principal
from risk_bridge.security.token_gate import RateLimited

router = APIRouter(prefix="/v1/forecasts", tags=["forecasts"])
ControlRoom = Annotated[Principal, Depends(Allow(Role.OPERATOR, Role.VIEWER))]
_BUSY = threading.Lock()  # one forecast at a time in this process (they are CPU-bound)


class NotAvailable(BridgeError):
    """This bridge's fleet cannot forecast (501)."""

    status = 501


class ForecastFailed(BridgeError):
    """The forecast's copies failed or ran out of time; nothing live changed (503)."""

    status = 503


def _run(fleet: Any, body: ForecastCreate) -> dict[str, Any]:
    if not _BUSY.acquire(blocking=False):
        raise RateLimited("a forecast is running; ask again in a few seconds", 2.0)
    try:
        doc = fleet.forecast(body.request())
    except ValueError as exc:  # the fleet's refusal names the field
        raise BadInput(str(exc)) from None
    except Exception as exc:  # a copy failed: say so, the live fleet is unaffected
        raise ForecastFailed(f"the forecast failed ({exc}); the live fleet is unaffected") from None
    finally:
        _BUSY.release()
    if doc is None:
        raise NotAvailable(
            "this bridge's fleet was given no forecaster (`borderflow serve` gives one to "
            "every fleet: sim, ros, vda5050); docs/studies.md"
        )
    return dict(doc)


@router.post(
    "",
    summary="Forecast the next hours under a what-if",
    response_model=ForecastPublic,
    responses=errors(
        401,
        403,
        413,
        415,
        (422, "out of range, or names a lane or container the fleet does not have"),
        (429, "a forecast is running"),
        (501, "this fleet cannot forecast"),
        (503, "the forecast failed; the live fleet is unaffected"),
    ),
)
async def create_forecast(
    body: ForecastCreate, svc: Service, caller: ControlRoom, request: Request
) -> dict[str, Any]:
    """Play the fleet ahead `horizon_h` hours from now, once per seed (seed 0 keeps the
    scenario's own arrivals still to come, the others redraw them), with and without the
    `what_if`: close lanes, hold containers, NII scanners down on a side, add or remove AGVs,
    a surge (or lull) of arrivals. The answer: KPIs per `bin_min` bin as a mean with a
    10-90 % band across seeds, for the no-change forecast and the what-if, and the what-if's
    difference in the summary KPIs. Nothing live changes (no lane closes, no container is
    held): apply a what-if for real through its own route.

    **Who may call:** an `operator` or a `viewer` (the control room).
    """
    fleet = svc.fleet
    if fleet is None:
        raise NotAvailable("this bridge runs without a fleet")
    return await asyncio.to_thread(_run, fleet, body)
