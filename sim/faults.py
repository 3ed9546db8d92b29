"""The breakdown schedule of a run: the scenario's ``[[faults]]`` plus random breakdowns; and
the reading of ``[[faults]]`` from a scenario file (:func:`read_faults`).

Random breakdowns (``fleet.breakdowns_per_agv_day`` > 0) are drawn from their own seeded
stream, vehicle by vehicle in id order: the time in service until the next breakdown is
exponential with that rate, the repair uniform in ``fleet.repair_min``, and the next
draw starts when the vehicle is back. A drawn breakdown that would overlap a scheduled one of
the same vehicle is dropped (the scheduled one is what the study asked for). Without faults
nothing is drawn, so the other streams (and the run) stay exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from sim.arrivals import stream
from sim.errors import ScenarioError
from sim.scenario import Fault, Scenario, fleet_vehicle_ids

if TYPE_CHECKING:
    from sim.scenario_reader import ScenarioReader

__all__ = ["check_fault_vehicles", "fault_schedule", "read_faults"]

_FAULT_KEYS = {"vehicle", "at_h", "repair_min", "reason"}

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


def read_faults(r: ScenarioReader, raw: object, agvs: int) -> tuple[Fault, ...]:
    """The ``[[faults]]`` tables, in file order, checked against the fleet's vehicle ids and
    for overlaps."""
    if not isinstance(raw, list):
        raise r.fail("faults", "must be an array of tables [[faults]]")
    ids = fleet_vehicle_ids(agvs)
    known = set(ids)
    out: list[Fault] = []
    for i, f in enumerate(raw):
        key = f"faults[{i}]"
        if not isinstance(f, dict):
            raise r.fail(key, "must be a table with vehicle, at_h, repair_min")
        r.known(f, key, _FAULT_KEYS)
        vehicle = r.text(f, f"{key}.vehicle", "vehicle")
        if vehicle not in known:
            raise r.fail(
                f"{key}.vehicle",
                f"{vehicle!r} is no vehicle of the fleet; with fleet.agvs = {agvs} the ids "
                f"are {ids[0]} .. {ids[-1]}",
            )
        at_h = r.number(f, key, "at_h", lo=0.0)
        repair_min = r.number(f, key, "repair_min", lo=0.0, lo_open=True)
        out.append(
            Fault(
                vehicle_id=vehicle,
                at_s=at_h * 3600.0,
                repair_s=repair_min * 60.0,
                reason=r.text(f, f"{key}.reason", "reason", "vehicle fault"),
            )
        )
    _no_overlap(r, out)
    return tuple(out)


def _no_overlap(r: ScenarioReader, faults: list[Fault]) -> None:
    """One vehicle cannot break down again while it is still out of service."""
    order = sorted(range(len(faults)), key=lambda i: (faults[i].vehicle_id, faults[i].at_s))
    for a, b in pairwise(order):
        fa, fb = faults[a], faults[b]
        end_s = fa.at_s + fa.repair_s
        if fa.vehicle_id == fb.vehicle_id and fb.at_s < end_s:
            raise r.fail(
                f"faults[{b}].at_h",
                f"{fb.vehicle_id} is still out of service then (faults[{a}] lasts until "
                f"{end_s / 3600.0:g} h); start it at or after that",
            )
