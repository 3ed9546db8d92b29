"""Container arrivals and their customs fate, drawn once per run before the clock starts.

Arrivals are a non-homogeneous Poisson process with a constant rate per direction and local
hour of day (the scenario's 24 values, repeating for runs longer than a day; the hour is the
scenario's clock, :mod:`sim.timebase`). Everything random about a
container's customs life (first verdict and its latency, a later different verdict, scan
outcome, inspection and release times, seal read results) is drawn here too, from streams seeded
by the scenario seed alone. So the same scenario and seed give the same containers with the same
fates whatever the fleet size or routing, which makes fleet-size comparisons fair.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace

from orchestrator.ids import OrderId
from orchestrator.messages import Direction, RiskLevel
from sim.containers import ContainerNumbers
from sim.scenario import ArrivalSpec, CustomsSpec
from sim.timebase import TimeBase, time_base

__all__ = ["Arrival", "ContainerFate", "draw_arrivals", "stream"]


def stream(seed: int, purpose: str) -> random.Random:
    """An independent random stream for one purpose (string seeding is stable across runs)."""
    return random.Random(f"borderflow:{seed}:{purpose}")


@dataclass(frozen=True, slots=True)
class ContainerFate:
    level: RiskLevel  # the first verdict
    verdict_after_s: float  # from arrival
    second_level: RiskLevel | None  # a later, different verdict (None: no change)
    second_after_s: float  # from the first verdict
    scan_escalates: bool  # outcome of the first NII scan
    inspection_s: float
    release_s: float
    seal_mismatch: bool  # the first gate read of the first seal does not match


@dataclass(frozen=True, slots=True)
class Arrival:
    t_s: float
    order_id: OrderId
    container_id: str
    direction: Direction
    seals: tuple[str, ...]
    fate: ContainerFate
    empty: bool = False  # an empty container going back (ArrivalSpec.*_empty_share)


_LEVELS = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH)


def _times(
    rates_per_h: tuple[float, ...], duration_s: float, rng: random.Random, timebase: TimeBase
) -> list[float]:
    out: list[float] = []
    # Stretches within one local clock hour, each at that hour's rate (a run starting at local
    # midnight: whole hours 0, 1, 2, ... of the run).
    for start, end, hour in timebase.hour_blocks(duration_s):
        rate = rates_per_h[hour]
        t = start
        while rate > 0:
            t += rng.expovariate(rate / 3600.0)
            if t >= end:
                break
            out.append(t)
    return out


def _fate(customs: CustomsSpec, rng: random.Random) -> ContainerFate:
    weights = (customs.risk_low, customs.risk_medium, customs.risk_high)
    level = rng.choices(_LEVELS, weights=weights)[0]
    changes = rng.random() < customs.change_fraction
    others = [lv for lv in _LEVELS if lv is not level]
    second = others[rng.randrange(2)] if changes else None
    return ContainerFate(
        level=level,
        verdict_after_s=rng.uniform(*customs.verdict_latency_s),
        second_level=second,
        second_after_s=rng.uniform(*customs.change_delay_s),
        scan_escalates=rng.random() < customs.escalation_rate,
        inspection_s=rng.uniform(*customs.inspection_time_s),
        release_s=rng.uniform(*customs.release_time_s),
        seal_mismatch=rng.random() < customs.seal_mismatch_rate,
    )


def draw_fate(customs: CustomsSpec, rng: random.Random) -> ContainerFate:
    """One container's customs fate, drawn as the run's arrivals draw theirs (a forecast's
    world draws one for a live container that has no verdict yet)."""
    return _fate(customs, rng)


def draw_arrivals(
    spec: ArrivalSpec,
    customs: CustomsSpec,
    duration_s: float,
    seed: int,
    timebase: TimeBase | None = None,
    *,
    taken: Iterable[str] = (),
    first_order: int = 1,
) -> list[Arrival]:
    """All arrivals of a run, in time order, with unique valid container and seal numbers; the
    hourly rates apply by the local hour of day of ``timebase`` (default: the run starts at
    midnight). A forecast drawing the arrivals still to come passes the container and seal
    numbers in use (``taken``) and where its order numbers start (``first_order``)."""
    clock = time_base() if timebase is None else timebase
    # One stream per direction, hour by hour: a shorter run sees exactly the first hours of
    # a longer one.
    per_direction = [
        (t, d)
        for d, rates in (
            (Direction.CN_TO_MN, spec.cn_to_mn_per_h),
            (Direction.MN_TO_CN, spec.mn_to_cn_per_h),
        )
        for t in _times(rates, duration_s, stream(seed, f"arrivals:{d.value}"), clock)
    ]
    per_direction.sort(key=lambda td: (td[0], td[1].value))
    numbers = ContainerNumbers(spec.owner_codes, stream(seed, "numbers"), taken)
    fates = stream(seed, "customs")
    # Own streams for the cargo kind and the empties' verdicts: a scenario without empties
    # draws exactly the containers and fates it drew before they existed.
    kinds, empty_levels = stream(seed, "cargo"), stream(seed, "customs:empty")
    shares = {
        Direction.CN_TO_MN: spec.cn_to_mn_empty_share,
        Direction.MN_TO_CN: spec.mn_to_cn_empty_share,
    }
    out = []
    for i, (t, direction) in enumerate(per_direction):
        side = direction.origin.value
        fate = _fate(customs, fates)
        share = shares[direction]
        empty = share > 0.0 and kinds.random() < share
        if empty:
            level = empty_levels.choices(_LEVELS, weights=customs.empty_risk)[0]
            fate = replace(fate, level=level, second_level=None)
        out.append(
            Arrival(
                t_s=t,
                order_id=OrderId(f"O{i + first_order:06d}"),
                container_id=numbers.next_container(),
                direction=direction,
                seals=tuple(numbers.next_seal(side) for _ in range(spec.seals_per_container)),
                fate=fate,
                empty=empty,
            )
        )
    return out
