"""Randomized, seeded stress tests that try to break the traffic guarantees.

Each run drives a fake fleet (tests/orchestrator/fleet.py) with random extra delays; the fleet
checks the safety invariants on its own bookkeeping at every edge entry, and the run must end
with every order delivered and every vehicle at rest (no deadlock, no livelock).
"""

from __future__ import annotations

import pytest

from orchestrator.config import OrchestratorConfig
from tests.orchestrator.graphs import two_yard_crossing
from tests.orchestrator.scenarios import Scenario, run_scenario


def _check(fleet_orders: int, fleet: object) -> None:
    from tests.orchestrator.fleet import FakeFleet

    assert isinstance(fleet, FakeFleet)
    stuck = {
        v.vehicle_id: (v.state.name, v.node, v.waiting_for)
        for v in fleet.core.views.vehicles()
        if v.state.name not in ("IDLE",)
    }
    assert len(fleet.delivered) == fleet_orders, (len(fleet.delivered), stuck)
    assert sorted(fleet.delivered) == sorted(set(fleet.delivered))
    assert fleet.all_quiet()
    assert fleet.core.views.vehicles_on_lanes() == 0


@pytest.mark.parametrize("seed", range(8))
def test_dense_fleet_with_one_lane_sections_and_closures(seed: int) -> None:
    graph = two_yard_crossing(
        ring_m=40,
        spur_m=30,
        slots=4,
        charger_capacity=11,
        shortcut=True,
        exclusive_border=seed % 2 == 0,
    )
    sc = Scenario(seed=seed, vehicles=20, orders=40, closures=("C3-C4", "M-short", "C-short"))
    fleet = run_scenario(graph, sc)
    fleet.run(60_000)
    _check(sc.orders, fleet)


@pytest.mark.parametrize("seed", range(4))
def test_holds_fill_up_and_block_lanes(seed: int) -> None:
    # One hold place per side and many HIGH verdicts: vehicles must circulate or wait.
    graph = two_yard_crossing(ring_m=40, spur_m=30, slots=4, hold_capacity=1, charger_capacity=6)
    sc = Scenario(seed=100 + seed, vehicles=10, orders=24, horizon_s=600.0)
    fleet = run_scenario(graph, sc)
    fleet.hold_s = 900.0
    fleet.run(80_000)
    _check(sc.orders, fleet)


@pytest.mark.parametrize("seed", range(4))
def test_tiny_admission_bound_still_delivers(seed: int) -> None:
    graph = two_yard_crossing(ring_m=40, spur_m=30, slots=4, charger_capacity=6, shortcut=True)
    config = OrchestratorConfig(max_vehicles_on_lanes=2)
    sc = Scenario(seed=200 + seed, vehicles=10, orders=20, closures=("M3-M4",))
    fleet = run_scenario(graph, sc, config)
    fleet.run(80_000)
    _check(sc.orders, fleet)
    assert fleet.core.views.admission_limit == 2


@pytest.mark.parametrize("seed", range(3))
def test_large_delays_do_not_cause_collisions(seed: int) -> None:
    graph = two_yard_crossing(
        ring_m=30, spur_m=25, slots=3, charger_capacity=5, exclusive_border=True, shortcut=True
    )
    sc = Scenario(seed=300 + seed, vehicles=8, orders=16, max_delay_s=120.0)
    fleet = run_scenario(graph, sc)
    fleet.run(120_000)
    _check(sc.orders, fleet)


@pytest.mark.parametrize("seed", range(4))
def test_crowded_small_rings_never_gridlock(seed: int) -> None:
    # Every ring edge holds one vehicle: without the admission bound the rings fill and lock.
    graph = two_yard_crossing(ring_m=20, spur_m=20, border_m=60, slots=16, charger_capacity=20)
    sc = Scenario(seed=400 + seed, vehicles=24, orders=60, horizon_s=10.0, max_delay_s=20.0)
    fleet = run_scenario(graph, sc)
    fleet.run(200_000)
    _check(sc.orders, fleet)


def test_same_seed_gives_the_same_event_log() -> None:
    def log() -> list[tuple[float, str, str, str]]:
        graph = two_yard_crossing(ring_m=40, spur_m=30, slots=4, charger_capacity=6)
        fleet = run_scenario(graph, Scenario(seed=77, vehicles=8, orders=16, closures=("C3-C4",)))
        fleet.run(60_000)
        return [(e.t_s, e.kind, e.subject, e.message) for e in fleet.sink.entries]

    first = log()
    assert len(first) > 100
    assert first == log()
