"""What one forked copy of a live run does: cut itself off, draw its future, apply the
what-if, play ahead and sample.

Seed 0 keeps the run's own arrivals still to come (a SimPy fleet's scenario knows them), so
its no-change copy is exactly what the live run will do if nothing from outside changes it;
seed k > 0 redraws them from their own stream. A what-if copy and its no-change twin share the
arrivals (a surge adds arrivals drawn at (surge - 1) times the rates, a lull thins them with a
seeded coin), so their difference is the what-if's, not chance's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from orchestrator.domain.forecast import WhatIf
from orchestrator.errors import BorderflowError, CoreInconsistentError
from orchestrator.ids import VehicleId
from orchestrator.lanegraph import Side, ZoneKind
from orchestrator.messages import LaneClosed, RiskLevel
from sim.arrivals import Arrival, draw_arrivals
from sim.forecast.series import Sampler
from sim.run_checks import start_nodes
from sim.simtypes import AgvState

__all__ = ["Job", "play"]

_ORDERS_PER_SEED = 1_000_000  # forecast order numbers: 10,000,001 + seed x this (never live)


@dataclass(frozen=True, slots=True)
class Job:
    seed_index: int
    what_if: WhatIf | None  # None: the no-change copy
    horizon_s: float
    bin_s: float


def _taken(sim: Any) -> set[str]:
    out = set(sim.customs.records)
    for a in sim.arrivals:
        out.add(a.container_id)
        out.update(a.seals)
    return out


def _drawn(sim: Any, seed: int, end_s: float, factor: float, first: int) -> list[Arrival]:
    spec = sim.scenario.arrivals
    if factor != 1.0:
        spec = replace(
            spec,
            cn_to_mn_per_h=tuple(r * factor for r in spec.cn_to_mn_per_h),
            mn_to_cn_per_h=tuple(r * factor for r in spec.mn_to_cn_per_h),
        )
    drawn = draw_arrivals(spec, sim.scenario.customs, end_s, seed, sim.scenario.timebase,
                          taken=_taken(sim), first_order=first)  # fmt: skip
    return [a for a in drawn if a.t_s > sim.now_s]


def _future(sim: Any, job: Job, end_s: float) -> list[Arrival]:
    base = sim.scenario.seed
    first = 10_000_001 + job.seed_index * _ORDERS_PER_SEED
    if job.seed_index == 0:
        own = [a for a in sim.arrivals if a.t_s > sim.now_s]
        scenario_end = sim.scenario.duration_h * 3600.0
        if end_s > scenario_end:  # the live run's scenario ends inside the horizon
            more = _drawn(sim, base * 7919 + 1, end_s, 1.0, first)
            own += [a for a in more if a.t_s > scenario_end]
        future = own
    else:
        future = _drawn(sim, base * 7919 + 1 + job.seed_index, end_s, 1.0, first)
    surge = job.what_if.surge if job.what_if is not None else 1.0
    if surge > 1.0:
        extra = _drawn(sim, base * 7919 + 5000 + job.seed_index, end_s, surge - 1.0,
                       first + _ORDERS_PER_SEED // 2)  # fmt: skip
        taken = {a.container_id for a in future} | {s for a in future for s in a.seals}
        future += [a for a in extra if a.container_id not in taken and not taken & set(a.seals)]
    elif surge < 1.0:
        coin = random.Random(f"borderflow:forecast:{base}:{job.seed_index}:lull")
        future = [a for a in future if coin.random() < surge]
    return [a for a in sorted(future, key=lambda a: a.t_s) if a.t_s <= end_s]


def _apply(sim: Any, w: WhatIf) -> None:
    now = sim.now_s
    for lane in w.close_lanes:
        sim.deliver(LaneClosed(now, lane, False, "what-if: lane closed"))
    for zone in sorted(sim.graph.zones.values(), key=lambda z: z.id):
        if zone.kind is ZoneKind.NII_SCANNER and zone.side.value in w.scanners_down:
            sim.deliver(LaneClosed(now, zone.id, True, "what-if: NII scanner down"))
    for cid in w.hold_containers:
        rec = sim.customs.records[cid]
        origin: Side = rec.arrival.direction.origin
        sim.customs.scripted_verdict(cid, RiskLevel.HIGH, origin, "what-if: hold")
    if w.remove_agvs:
        # Idle ones first (as a control room would), then the rest, each by id.
        order = sorted(
            (v for v in sim.vehicles.values() if v.fault_reason is None),
            key=lambda v: (v.state is not AgvState.IDLE or bool(v.cargo), v.id),
        )
        for agv in order[: w.remove_agvs]:
            agv.fault("what-if: taken out of service")
    if w.add_agvs:
        have = len(sim.vehicles)
        nodes = start_nodes(sim.graph, have + w.add_agvs, sim.scenario.source)[have:]
        for i, node in enumerate(nodes):
            sim.add_vehicle(VehicleId(f"AGV-X{i + 1:03d}"), node)


def _resync(sim: Any) -> None:
    """Customs as the core knows them: behind a bridge, the live run's simulated authorities
    hand their decisions to the bridge, so at the fork some verdicts and releases are on their
    way and will never reach this copy's core. Send those verdicts again and put an officer on
    every hold the core has that no officer of the model is on."""
    views = sim.views
    if views is None:
        return
    for cid in sorted(sim.customs.records):
        rec = sim.customs.records[cid]
        if cid in sim.kpi.delivered_ids or views.container_view(cid) is None:
            continue
        status = views.risk_status(cid)
        if status.level is RiskLevel.UNKNOWN and rec.level is not RiskLevel.UNKNOWN:
            sim.customs.resend_verdict(cid, "the live verdict, still on its way at the fork")
        if status.hold_side is not None and not rec.release_pending:
            sim.customs.resume_hold(cid, status.hold_side)


def _stand_in_decisions(sim: Any) -> None:
    """The copy's simulated authorities stand in for decisions the live run may also have
    made some other way (a bridge's officer released a hold this copy's officer now releases
    again): a decision the core refuses (it checks before it changes anything) is dropped, not
    a failure of the forecast. A core that fails *applying* one still fails the copy."""

    def deliver(event: Any) -> Any:
        try:
            return sim.deliver(event)
        except CoreInconsistentError:
            raise
        except BorderflowError:
            return []

    sim.customs.redirect(deliver)


def play(sim: Any, job: Job) -> dict[str, Any]:
    """Run this copy ahead (it is the forked child's own: it changes for good)."""
    sim.detach()
    _stand_in_decisions(sim)
    _resync(sim)
    end_s = sim.now_s + job.horizon_s
    sim.duration_s = max(sim.duration_s, end_s)  # a forecast may run past the scenario's end
    surge = job.what_if.surge if job.what_if is not None else 1.0
    if job.seed_index or surge != 1.0 or end_s > sim.scenario.duration_h * 3600.0:
        sim.replace_future_arrivals(_future(sim, job, end_s))
    # (else the run's own feeder goes on untouched: seed 0's no-change copy is the live run's
    # future event for event, tests/sim/forecast/test_forecast.py)
    if job.what_if is not None:
        _apply(sim, job.what_if)
    sampler = Sampler(sim, job.bin_s)
    sim.env.process(sampler.run(end_s))
    sim.advance(end_s)
    return sampler.finish()
