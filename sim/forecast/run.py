"""A look-ahead forecast of a live run: check the what-if, fork the copies, band the answers.

:func:`forecast` takes the live :class:`~sim.runner.Simulation` and the lock that serialises
it, checks the request against the run (the lanes, containers and vehicles it names must be
there), forks one copy per seed (and, with a what-if, a no-change twin per seed), and returns a
JSON-ready document: KPIs over time with bands for the no-change forecast and the what-if, and
the what-if's difference in the summary KPIs. The live run is never changed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from orchestrator.domain.forecast import ForecastRequest
from orchestrator.errors import ConfigError
from sim.forecast.child import Job, play
from sim.forecast.fork import ForecastError, ForecastRefused, collect, spawn
from sim.forecast.series import bands

__all__ = ["ForecastError", "ForecastRefused", "check_what_if", "forecast"]

_TIMEOUT_S = 60.0


def check_what_if(sim: Any, request: ForecastRequest) -> None:
    """:class:`ForecastRefused` naming the first thing the request names that the run lacks."""
    try:
        request.check()
    except ConfigError as exc:
        raise ForecastRefused(str(exc)) from None
    w = request.what_if
    lanes = {e.lane_id for e in sim.graph.edges.values()}
    for lane in w.close_lanes:
        if lane not in lanes:
            some = ", ".join(sorted(lanes)[:6])
            raise ForecastRefused(f"what_if.close_lanes: no lane {lane!r} in the map (e.g. {some})")
    for cid in w.hold_containers:
        if cid not in sim.customs.records:
            raise ForecastRefused(f"what_if.hold_containers: {cid} has not arrived in this run")
        if cid in sim.kpi.delivered_ids:
            raise ForecastRefused(f"what_if.hold_containers: {cid} is already delivered")
    in_service = sum(v.fault_reason is None for v in sim.vehicles.values())
    if w.remove_agvs > in_service:
        raise ForecastRefused(
            f"what_if.remove_agvs: {w.remove_agvs} asked, {in_service} AGVs are in service"
        )


def forecast(
    sim: Any, request: ForecastRequest, lock: contextlib.AbstractContextManager[Any] | None = None
) -> dict[str, Any]:
    with _held(lock):
        check_what_if(sim, request)
        t0 = time.perf_counter()
        now_s = float(sim.now_s)
        horizon_s, bin_s = request.horizon_h * 3600.0, request.bin_min * 60.0
        jobs = [Job(k, None, horizon_s, bin_s) for k in range(request.seeds)]
        if request.what_if.changes:
            jobs += [Job(k, request.what_if, horizon_s, bin_s) for k in range(request.seeds)]
        children = spawn(jobs, lambda job: play(sim, job))
    copies = collect(children, _TIMEOUT_S)
    base = copies[: request.seeds]
    doc: dict[str, Any] = {
        "from_s": now_s,
        "horizon_h": request.horizon_h,
        "bin_min": request.bin_min,
        "seeds": request.seeds,
        "what_if": request.what_if.describe(),
        "no_change": bands(base),
    }
    if request.what_if.changes:
        doc["with_what_if"] = bands(copies[request.seeds :])
        doc["difference"] = _difference(doc["no_change"], doc["with_what_if"])
    tb = sim.scenario.timebase
    doc["from_clock"] = f"{tb.day_clock(now_s)} {tb.time_zone}"
    doc["t_min"] = [(t - now_s) / 60.0 for t in doc["no_change"]["t_s"]]
    doc["clock"] = [tb.day_clock(t) for t in doc["no_change"]["t_s"]]
    doc["world"] = "forked: the SimPy fleet's live run itself"
    doc["took_s"] = time.perf_counter() - t0  # wall clock: reported, not part of the answer
    return doc


def _difference(a: dict[str, Any], b: dict[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for k, band in a["summary"].items():
        x, y = band["mean"], b["summary"][k]["mean"]
        out[k] = None if x is None or y is None else y - x
    return out


@contextlib.contextmanager
def _held(lock: contextlib.AbstractContextManager[Any] | None) -> Iterator[None]:
    if lock is None:
        yield
    else:
        with lock:
            yield
