"""Forecasts from a running simulation: the no-change copy of seed 0 is the run's own future,
forecasting changes nothing live, what-ifs do what they say, bad requests name the field."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.domain.forecast import ForecastRequest, WhatIf
from sim.forecast.run import ForecastError, forecast
from sim.forecast.series import Sampler
from sim.runner import Simulation
from sim.scenario import load_scenario

FORK_S = 9.5 * 3600.0  # 09:30 local, the morning peak


def _sim() -> Simulation:
    sim = Simulation(load_scenario("erenhot_day"), keep_log=False)
    sim.advance(FORK_S)
    return sim


@pytest.fixture(scope="module")
def live() -> Simulation:
    return _sim()


def test_seed_0_without_changes_is_exactly_what_the_run_then_does() -> None:
    sim, twin = _sim(), _sim()
    doc = forecast(sim, ForecastRequest(horizon_h=1.0, seeds=1, bin_min=10.0))
    assert sim.now_s == FORK_S  # the live run did not move...
    assert sim.core.snapshot() == twin.core.snapshot()  # ...and did not change
    sampler = Sampler(sim, 600.0)
    sim.env.process(sampler.run(FORK_S + 3600.0))
    sim.advance(FORK_S + 3600.0)
    twin.advance(FORK_S + 3600.0)
    assert sim.core.snapshot() == twin.core.snapshot()
    got = sampler.finish()
    band = doc["no_change"]["series"]
    assert doc["no_change"]["t_s"] == got["t_s"] and len(got["t_s"]) == 6
    for kpi, values in got["series"].items():
        assert [b["mean"] for b in band[kpi]] == values, kpi
        assert all(b["lo"] == b["hi"] == b["mean"] for b in band[kpi])  # one seed: no band
    assert got["series"]["delivered"][-1] > 20
    assert "with_what_if" not in doc


def test_seeds_redraw_the_arrivals_still_to_come(live: Simulation) -> None:
    doc = forecast(live, ForecastRequest(horizon_h=1.0, seeds=4))
    end = doc["no_change"]["summary"]["waiting_orders_end"]
    assert doc["no_change"]["seeds"] == 4
    assert end["lo"] < end["hi"]  # the seeds differ
    again = forecast(live, ForecastRequest(horizon_h=1.0, seeds=4))
    assert again["no_change"] == doc["no_change"]  # and are the same seeds every time


def _summary(doc: dict[str, Any], which: str, kpi: str) -> float:
    return float(doc[which]["summary"][kpi]["mean"])


def test_removing_agvs_and_the_scanners_slows_the_crossing(live: Simulation) -> None:
    w = WhatIf(remove_agvs=30, scanners_down=("CN", "MN"))
    doc = forecast(live, ForecastRequest(horizon_h=1.5, seeds=2, what_if=w))
    assert doc["what_if"] == ["NII scanners down: CN, MN", "remove 30 AGVs"]
    busy = [b["mean"] for b in doc["with_what_if"]["series"]["busy_agvs"]]
    assert max(busy) <= 30 < max(b["mean"] for b in doc["no_change"]["series"]["busy_agvs"])
    assert doc["difference"]["delivered"] < 0
    assert _summary(doc, "with_what_if", "waiting_orders_end") > _summary(
        doc, "no_change", "waiting_orders_end"
    )


def test_holds_surges_and_more_agvs(live: Simulation) -> None:
    waiting = sorted(
        cid for cid, rec in live.customs.records.items()
        if cid not in live.kpi.delivered_ids and not rec.on_hold
    )[:5]  # fmt: skip
    request = ForecastRequest(1.0, 1, WhatIf(hold_containers=tuple(waiting)), bin_min=5.0)
    held = forecast(live, request)
    # a held container goes to a secured bay (the hold is placed there) and waits for an officer
    with_holds = [b["mean"] for b in held["with_what_if"]["series"]["holds_active"]]
    without = [b["mean"] for b in held["no_change"]["series"]["holds_active"]]
    assert sum(with_holds) > sum(without)
    assert max(w - n for w, n in zip(with_holds, without, strict=True)) >= 3
    surge = forecast(live, ForecastRequest(horizon_h=1.0, seeds=2, what_if=WhatIf(surge=3.0)))
    assert _summary(surge, "with_what_if", "waiting_orders_end") > _summary(
        surge, "no_change", "waiting_orders_end"
    )
    more = forecast(live, ForecastRequest(horizon_h=1.0, seeds=1, what_if=WhatIf(add_agvs=5)))
    assert len(live.vehicles) == 60  # the live fleet is the same
    assert more["difference"]["delivered"] is not None


@pytest.mark.parametrize(
    ("what", "words"),
    [
        (ForecastRequest(horizon_h=48), "horizon_h"),
        (ForecastRequest(seeds=0), "seeds"),
        (ForecastRequest(what_if=WhatIf(surge=-1.0)), "surge"),
        (ForecastRequest(what_if=WhatIf(close_lanes=("no_such_lane",))), "no lane 'no_such_lane'"),
        (ForecastRequest(what_if=WhatIf(hold_containers=("MSKU0000000",))), "has not arrived"),
        (ForecastRequest(what_if=WhatIf(remove_agvs=61)), "60 AGVs are in service"),
        (ForecastRequest(what_if=WhatIf(scanners_down=("RU",))), "sides are CN and MN"),
    ],
)
def test_a_bad_request_names_the_field(live: Simulation, what: ForecastRequest, words: str) -> None:
    with pytest.raises(ForecastError, match=words):
        forecast(live, what)


def test_decisions_on_their_way_through_a_bridge_reach_the_copy() -> None:
    """Behind a bridge the simulated authorities' decisions wait in the fleet's queue for the
    bridge; at the fork they have not reached the core. The copy sends them again."""
    from sim.live import SimFleet

    fleet = SimFleet(load_scenario("test_small").with_overrides(hours=4.0), realtime=False,
                     auto_customs=True)  # fmt: skip
    fleet.advance(3600.0)  # nobody pumps the queue: the core has no verdict at all
    assert fleet.customs_queue.qsize() >= 5 and sum(fleet.sim.kpi.delivered.values()) == 0
    doc = fleet.forecast(ForecastRequest(horizon_h=1.0, seeds=1))
    assert doc["no_change"]["summary"]["delivered"]["mean"] >= 5
    assert sum(fleet.sim.kpi.delivered.values()) == 0  # the live run is as it was
