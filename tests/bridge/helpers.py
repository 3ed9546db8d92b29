"""Shared steps for the bridge tests: post verdicts, drive the fleet until a condition holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.bridge.conftest import Bridge


def iso(delta_s: float = 0.0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=delta_s)).isoformat()


def verdict(
    cid: str, level: str, authority: str = "CN", vid: str | None = None, **kw: Any
) -> dict[str, Any]:
    return {
        "verdict_id": vid or f"{authority}-{cid}-{level}",
        "container_id": cid,
        "authority": authority,
        "level": level,
        "issued_at": kw.pop("issued_at", iso()),
        **kw,
    }


def post_verdict(b: Bridge, body: dict[str, Any], authority: str | None = None) -> Any:
    return b.client.post(
        "/v1/verdicts",
        json=body,
        headers=b.headers("authority_system", authority or body["authority"]),
    )


def first_arrival(b: Bridge, direction: str = "CN->MN") -> str:
    arrivals = [a for a in b.fleet.sim.arrivals if a.direction.value == direction]
    return sorted(arrivals, key=lambda a: a.t_s)[0].container_id


def drive_until(b: Bridge, cond: Any, limit_s: float = 4 * 3600.0, step_s: float = 20.0) -> Any:
    """Advance simulated time until ``cond()`` is truthy (after the bridge caught up)."""
    t = b.fleet.now_s()
    while t < limit_s:
        t += step_s
        b.fleet.advance(t)
        b.svc.committer.call(_noop)  # let queued verdict/log jobs land
        got = cond()
        if got:
            return got
    raise AssertionError(f"condition not met within {limit_s} simulated seconds")


def _noop() -> Any:
    from risk_bridge.outbox import Outcome

    return Outcome.nothing(None)


def held_by_core(b: Bridge, cid: str) -> bool:
    view = b.fleet.container_view(cid)
    return bool(view and view.held and view.state == "held")


def hold_row(b: Bridge, cid: str) -> dict[str, Any] | None:
    hid = b.svc.state.active_hold.get(cid)
    return None if hid is None else b.svc.state.holds[hid]
