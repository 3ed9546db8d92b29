"""A simulated world around a live core whose vehicles are real: the forecast of a ROS 2 or
VDA 5050 fleet.

A SimPy fleet's forecast forks its whole live run (sim/forecast/run.py): the world is already
simulated. A fleet of real vehicles (the ROS orchestrator node, ``serve --fleet vda5050``) has
only its core, frozen and signed (:class:`~orchestrator.domain.forecast.LiveCore`). Here that
core is thawed into a :class:`~sim.runner.Simulation` of a *model* scenario (the AGVs'
dynamics, the arrival rates, customs' risk mix and latencies: the assumptions of the forecast)
and the world is rebuilt from what the core knows:

- each vehicle stands at the node it was last reported at, with its charge and what it has on
  board (out of service if it is); a vehicle between two nodes starts from the last one;
- each container not yet delivered gets a customs record as the core's risk status says: a
  verdict in force stays, one not given yet is drawn from the model and comes from now on, a
  hold gets an officer of its authority (the model's release time, counted from now);
- every vehicle in service is told to carry on: the copy's simulated vehicle reports a fault
  and its recovery at once, so the copy's core commands again the rest of its path or action
  (orchestrator/faults.py), as it would for a real vehicle that was silent;
- the arrivals still to come are the model's, from the core's now (its clock starts with the
  fleet, as the model's day does).

This is an approximation of the live world, not a copy: how far a vehicle got along a lane,
how long a verdict has been awaited and an action's progress are not in the core. The
no-change forecast is therefore not the fleet's exact future; a what-if's difference with it,
drawn on the same arrivals, is the what-if's.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from orchestrator.core import Orchestrator
from orchestrator.custody.events import CustodyEvent, LedgerPort
from orchestrator.domain.forecast import MAX_HORIZON_H, ForecastRequest, LiveCore
from orchestrator.domain.states import ContainerState
from orchestrator.errors import ForkError
from orchestrator.lanegraph import LaneGraph
from orchestrator.messages import RiskLevel
from sim.arrivals import Arrival, draw_arrivals, draw_fate, stream
from sim.core_adapter import SimClock
from sim.eventlog import RunLog
from sim.forecast.fork import ForecastError, ForecastRefused
from sim.forecast.run import forecast
from sim.run_checks import check_gates
from sim.runner import Simulation
from sim.scenario import Scenario
from sim.scripted import ScriptedEvents

__all__ = ["check_model", "forecast_live", "live_world"]

_RESUME = "forecast copy: carry on from the live state"


class _Relay:
    """The thawed core's custody port: the copy's seal tracker, once the copy exists (its
    gate readers then read the seals the copy's officers affix; no real ledger behind it)."""

    def __init__(self) -> None:
        self.to: LedgerPort | None = None

    def append(self, event: CustodyEvent) -> int:
        if self.to is None:
            raise ForecastError("the forecast copy's core wrote custody before it was wired")
        return self.to.append(event)


def _model(model: Scenario, now_s: float) -> Scenario:
    """The model without its own fleet, closures, breakdowns and scripted events (the live
    state has its own), long enough for the longest forecast from ``now_s``."""
    hours = math.ceil((now_s / 3600.0) + MAX_HORIZON_H + 1.0)
    return replace(
        model,
        fleet=replace(model.fleet, agvs=0),
        closures=(),
        faults=(),
        scripted=ScriptedEvents(),
        duration_h=float(hours),
    )


def live_world(model: Scenario, graph: LaneGraph, live: LiveCore, key: bytes) -> Simulation:
    """The simulated world around the thawed core (module docstring); :class:`ForecastRefused`
    when the bytes are not a core signed with ``key`` or do not fit the map."""
    if not (math.isfinite(live.now_s) and live.now_s >= 0.0):
        raise ForecastRefused(f"the {live.source} sent a clock of {live.now_s!r} s")
    scenario = _model(model, live.now_s)
    thawed: list[Orchestrator] = []
    relay = _Relay()

    def core(g: LaneGraph, _s: Scenario, clock: SimClock, log: RunLog) -> Orchestrator:
        try:
            c = Orchestrator.thaw(live.core, key, graph=g, clock=clock, sink=log,
                                  ledger=relay)  # fmt: skip
        except ForkError as exc:
            raise ForecastRefused(f"the {live.source}'s core cannot be used: {exc}") from None
        thawed.append(c)
        return c

    sim = Simulation(scenario, graph=graph, core_factory=core, arrivals=[], keep_log=False,
                     start_s=live.now_s)  # fmt: skip
    relay.to = sim.custody
    views = thawed[0].views
    known, holds = _containers(sim, views, scenario)
    for summary in views.vehicles():
        agv = sim.adopt_vehicle(summary.vehicle_id, summary.node)
        cargo = [str(c) for c in summary.container_ids if views.is_loaded(c)]
        agv.take_over(summary.battery_kwh, cargo, summary.fault)
    sim.kpi.start_from(live.now_s, len(known), sum(views.is_loaded(c) for c in known), holds)
    for vid in sorted(sim.vehicles):
        agv = sim.vehicles[vid]
        if agv.fault_reason is None:
            agv.fault(_RESUME)
            agv.repair()
    sim.replace_future_arrivals(_arrivals(scenario, sim, live.now_s))
    return sim


def _containers(sim: Simulation, views: Any, scenario: Scenario) -> tuple[list[str], int]:
    """Customs records for the containers the core has and has not delivered: their ids and
    how many are held."""
    rng = stream(scenario.seed, "forecast:live-fates")
    out: list[str] = []
    holds = 0
    for cid in views.container_ids():
        if views.container_state(cid) is ContainerState.DELIVERED:
            continue
        order = views.order(cid)
        status = views.risk_status(cid)
        # The model's fate for what is still to be decided; never a seal finding of its own
        # (the gate reads of a live container may be behind it).
        fate = replace(draw_fate(scenario.customs, rng), seal_mismatch=False)
        if status.level is not RiskLevel.UNKNOWN:
            fate = replace(fate, level=status.level, second_level=None)
        arrival = Arrival(order.received_t_s, order.order_id, str(cid), order.direction,
                          tuple(s.number for s in order.seals), fate)  # fmt: skip
        view = views.container_view(cid)
        sim.customs.take_over(arrival, views.seals(cid), status, views.is_loaded(cid),
                              bool(view and view.crossed))  # fmt: skip
        holds += status.held
        out.append(str(cid))
    return out, holds


def _arrivals(scenario: Scenario, sim: Simulation, now_s: float) -> list[Arrival]:
    taken = set(sim.customs.records)
    for rec in sim.customs.records.values():
        taken.update(rec.arrival.seals)
    drawn = draw_arrivals(scenario.arrivals, scenario.customs, scenario.duration_h * 3600.0,
                          scenario.seed, scenario.timebase, taken=taken,
                          first_order=10_000_001)  # fmt: skip
    return [a for a in drawn if a.t_s > now_s]


def check_model(model: Scenario, graph: LaneGraph) -> None:
    """:class:`~sim.errors.ScenarioError` when the model cannot run on the fleet's map (its
    gates' stopping distances); checked when a fleet that forecasts with it starts."""
    check_gates(model, graph)


def forecast_live(
    model: Scenario, graph: LaneGraph, live: LiveCore, key: bytes, request: ForecastRequest
) -> dict[str, Any]:
    """The forecast of a fleet of real vehicles from its frozen core (the document of
    :func:`sim.forecast.run.forecast`, with ``"world"`` saying how it was made)."""
    sim = live_world(model, graph, live, key)
    doc = forecast(sim, request)
    doc["world"] = (
        f"rebuilt from the {live.source}'s core at t={live.now_s:.0f} s on the model "
        f"{model.name!r} (docs/studies.md)"
    )
    return doc
