"""The breakdown schedule of a run: the scenario's ``[[faults]]`` plus random breakdowns.

Random breakdowns (``fleet.breakdowns_per_agv_day`` > 0) are drawn from their own seeded
stream, vehicle by vehicle in id order: the time in service until the next breakdown is
exponential with that rate, the repair uniform in ``fleet.repair_min``, and the next
draw starts when the vehicle is back. A drawn breakdown that would overlap a scheduled one of
the same vehicle is dropped (the scheduled one is what the study asked for). Without faults
nothing is drawn, so the other streams (and the run) stay exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.arrivals import stream
from sim.errors import ScenarioError
from sim.scenario import Fault, Scenario

__all__ = ["check_fault_vehicles", "fault_schedule"]

_DAY_S = 86400.0


def check_fault_vehicles(scenario: Scenario, vehicle_ids: Sequence[str]) -> None:
    """Fail before the run when a fault names a vehicle the fleet does not have (``--agvs``
    may have shrunk the fleet the file was written for)."""
    known = set(vehicle_ids)
    for i, f in enumerate(scenario.faults):
        if f.vehicle_id not in known:
            raise ScenarioError(
                scenario.source,
                f"faults[{i}].vehicle",
                f"{f.vehicle_id!r} is no vehicle of this run's fleet of {len(vehicle_ids)} "
                f"({vehicle_ids[0]} .. {vehicle_ids[-1]}); fix the id or run with more --agvs",
            )


def fault_schedule(
    scenario: Scenario, vehicle_ids: Sequence[str], duration_s: float
) -> list[Fault]:
    """Every breakdown of the run, ordered by time then vehicle id."""
    out = list(scenario.faults)
    fleet = scenario.fleet
    if fleet.breakdowns_per_agv_day > 0.0:
        planned: dict[str, list[Fault]] = {}
        for f in scenario.faults:
            planned.setdefault(f.vehicle_id, []).append(f)
        rng = stream(scenario.seed, "breakdowns")
        rate_per_s = fleet.breakdowns_per_agv_day / _DAY_S
        lo_min, hi_min = fleet.repair_min
        for vid in vehicle_ids:
            t_s = 0.0
            while True:
                t_s += rng.expovariate(rate_per_s)
                if t_s >= duration_s:
                    break
                repair_s = rng.uniform(lo_min, hi_min) * 60.0
                drawn = Fault(vid, t_s, repair_s, "random breakdown")
                if not any(_overlap(drawn, f) for f in planned.get(vid, ())):
                    out.append(drawn)
                t_s += repair_s
    return sorted(out, key=lambda f: (f.at_s, f.vehicle_id))


def _overlap(a: Fault, b: Fault) -> bool:
    return a.at_s < b.at_s + b.repair_s and b.at_s < a.at_s + a.repair_s
