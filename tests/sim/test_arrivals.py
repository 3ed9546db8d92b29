"""Arrivals: valid unique ISO 6346 numbers, hourly rates respected, fates seed-determined."""

from __future__ import annotations

from dataclasses import replace

from orchestrator.domain.iso6346 import parse_container_number
from orchestrator.messages import Direction, RiskLevel
from sim.arrivals import draw_arrivals
from sim.scenario import load_scenario


def test_container_numbers_are_valid_unique_and_deterministic() -> None:
    sc = load_scenario("erenhot_day")
    a = draw_arrivals(sc.arrivals, sc.customs, 24 * 3600.0, sc.seed)
    b = draw_arrivals(sc.arrivals, sc.customs, 24 * 3600.0, sc.seed)
    assert a == b
    ids = [x.container_id for x in a]
    assert len(set(ids)) == len(ids)
    for cid in ids:
        assert parse_container_number(cid) == cid
        assert cid[:3] in sc.arrivals.owner_codes and cid[3] == "U"
    other = draw_arrivals(sc.arrivals, sc.customs, 24 * 3600.0, sc.seed + 1)
    assert [x.container_id for x in other] != ids


def test_hourly_rates_shape_the_arrivals() -> None:
    sc = load_scenario("erenhot_day")
    rates = tuple(100.0 if h == 9 else 0.0 for h in range(24))
    spec = replace(sc.arrivals, cn_to_mn_per_h=rates, mn_to_cn_per_h=(0.0,) * 24)
    arrivals = draw_arrivals(spec, sc.customs, 24 * 3600.0, 1)
    assert 70 < len(arrivals) < 130  # Poisson(100)
    assert all(9 * 3600 <= x.t_s < 10 * 3600 for x in arrivals)
    assert {x.direction for x in arrivals} == {Direction.CN_TO_MN}
    assert [x.t_s for x in arrivals] == sorted(x.t_s for x in arrivals)


def test_risk_mix_and_changes_follow_the_scenario() -> None:
    sc = load_scenario("erenhot_day")
    customs = replace(sc.customs, risk_low=0.0, risk_medium=0.0, risk_high=1.0,
                      change_fraction=1.0)  # fmt: skip
    arrivals = draw_arrivals(sc.arrivals, customs, 24 * 3600.0, 5)
    assert {x.fate.level for x in arrivals} == {RiskLevel.HIGH}
    assert all(x.fate.second_level not in (None, RiskLevel.HIGH) for x in arrivals)
    lo, hi = customs.verdict_latency_s
    assert all(lo <= x.fate.verdict_after_s <= hi for x in arrivals)


def test_a_shorter_run_sees_the_first_hours_of_a_longer_one() -> None:
    sc = load_scenario("erenhot_day")
    day = draw_arrivals(sc.arrivals, sc.customs, 24 * 3600.0, sc.seed)
    morning = draw_arrivals(sc.arrivals, sc.customs, 6 * 3600.0, sc.seed)
    assert morning == [a for a in day if a.t_s < 6 * 3600.0]
