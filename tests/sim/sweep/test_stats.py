"""Across-seed bands and the smallest fleet that meets a target."""

from __future__ import annotations

import math

import pytest

from sim.sweep.stats import band, point_stats, smallest_fleets


def test_band_is_the_student_t_interval_of_the_mean() -> None:
    b = band([10.0, 12.0, 14.0])
    half = 4.302652729911275 * 2.0 / math.sqrt(3)  # t(0.975, 2) * sd / sqrt(n)
    assert (b.mean, b.n) == (12.0, 3)
    assert b.lo == pytest.approx(12.0 - half) and b.hi == pytest.approx(12.0 + half)
    assert band([5.0]) == band([5.0]) and band([5.0]).lo == band([5.0]).hi == 5.0
    assert band([0.0, 0.1, 3.0]).lo == 0.0  # KPIs are >= 0: the band stops there
    assert band([]).n == 0


def _row(point: int, agvs: int, scan: int, p95: float, share: float = 1.0, bad: int = 0) -> dict:
    return {"point": point, "crossing_p95_min": p95, "delivered_share": share,
            "invariant_violations": bad, "param:fleet.agvs": agvs}  # fmt: skip


def test_smallest_fleet_needs_every_seed_to_agree() -> None:
    points = [{"fleet.agvs": a, "scanners": s} for s in (1, 2) for a in (20, 30, 40)]
    rows = [
        # scanners 1: 20 AGVs is too slow, 30 AGVs meets on average but one seed is far off
        # (its band reaches past 60), 40 AGVs meets in every seed
        *(_row(0, 20, 1, v) for v in (90.0, 95.0)),
        *(_row(1, 30, 1, v) for v in (40.0, 75.0)),
        *(_row(2, 40, 1, v) for v in (41.0, 43.0)),
        # scanners 2: 20 AGVs meets but delivers too little; 30 breaks an invariant; 40 meets
        *(_row(3, 20, 2, v, share=0.5) for v in (30.0, 31.0)),
        *(_row(4, 30, 2, v, bad=1) for v in (30.0, 31.0)),
        *(_row(5, 40, 2, v) for v in (30.0, 31.0)),
    ]
    stats = point_stats(rows, points, ("crossing_p95_min", "delivered_share"))
    assert [s.point_index for s in stats] == [0, 1, 2, 3, 4, 5]
    assert smallest_fleets(stats, 60.0, 0.95) == [({"scanners": 1}, 40), ({"scanners": 2}, 40)]
    assert smallest_fleets(stats, 20.0, 0.95) == [({"scanners": 1}, None), ({"scanners": 2}, None)]
    assert smallest_fleets(stats, 60.0, 0.4) == [({"scanners": 1}, 40), ({"scanners": 2}, 20)]
