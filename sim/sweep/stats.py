"""Across-seed statistics of a sweep: per design point, mean and 95 % confidence band of a KPI,
and the smallest fleet that meets a target.

The band is the Student-t interval of the mean over the point's seeds (one seed: no band). A
point *meets* the target when the upper end of its p95-crossing band is within the target, its
mean delivered share is at least the minimum and no run broke a safety invariant: a fleet is
recommended only when the seeds say so, not when one lucky seed does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Band", "PointStats", "band", "point_stats", "smallest_fleets"]


@dataclass(frozen=True, slots=True)
class Band:
    mean: float
    lo: float
    hi: float
    n: int


def band(values: Sequence[float]) -> Band:
    n = len(values)
    if n == 0:
        return Band(math.nan, math.nan, math.nan, 0)
    mean = sum(values) / n
    if n == 1:
        return Band(mean, mean, mean, 1)
    from scipy.stats import t

    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    # Every sweep KPI is >= 0 (times, shares, counts): a band below 0 says nothing more.
    return Band(mean, max(0.0, mean - half), mean + half, n)


@dataclass(frozen=True, slots=True)
class PointStats:
    point_index: int
    point: dict[str, Any]
    kpi: dict[str, Band]
    violations: int


def point_stats(
    rows: Sequence[dict[str, Any]], points: Sequence[dict[str, Any]], kpis: Sequence[str]
) -> list[PointStats]:
    """One entry per design point that has rows, in design order."""
    by_point: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        by_point.setdefault(int(r["point"]), []).append(r)
    out = []
    for i, point in enumerate(points):
        group = by_point.get(i)
        if not group:
            continue
        out.append(
            PointStats(
                i,
                point,
                {k: band([float(r[k]) for r in group]) for k in kpis},
                sum(int(r["invariant_violations"]) for r in group),
            )
        )
    return out


def _meets(p: PointStats, target_p95_min: float, min_share: float) -> bool:
    return (
        p.kpi["crossing_p95_min"].hi <= target_p95_min
        and p.kpi["delivered_share"].mean >= min_share
        and p.violations == 0
    )


def smallest_fleets(
    stats: Sequence[PointStats], target_p95_min: float, min_share: float
) -> list[tuple[dict[str, Any], int | None]]:
    """Per combination of the other parameters: the smallest ``fleet.agvs`` that meets the
    target (None when no swept size does), in design order of first appearance."""
    groups: dict[str, tuple[dict[str, Any], list[PointStats]]] = {}
    for p in stats:
        others = {k: v for k, v in p.point.items() if k != "fleet.agvs"}
        key = repr(sorted(others.items()))
        groups.setdefault(key, (others, []))[1].append(p)
    out: list[tuple[dict[str, Any], int | None]] = []
    for others, members in groups.values():
        ok = [int(p.point["fleet.agvs"]) for p in members if _meets(p, target_p95_min, min_share)]
        out.append((others, min(ok) if ok else None))
    return out
