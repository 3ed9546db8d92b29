"""The refined gridlock bound: region limits for small lane cycles, a larger fleet bound.

Unit tests pin what :func:`gridlock_bounds` computes; the stress tests try to break the rule
with crowded rings that are regions of their own joined by the border lanes (the shape in
which two full regions could wait for each other), and show that the same crowd gridlocks
when no bound at all is applied.
"""

from __future__ import annotations

import math

import pytest

from orchestrator.config import OrchestratorConfig
from orchestrator.lanegraph import Side
from orchestrator.traffic.capacity import min_cycle_capacity
from orchestrator.traffic.regions import gridlock_bounds
from orchestrator.traffic.resources import Resources
from tests.orchestrator.graphs import GraphBuilder, two_yard_crossing
from tests.orchestrator.scenarios import Scenario, run_scenario
from tests.orchestrator.test_stress import _check

CFG = OrchestratorConfig(vehicle_length_m=10.0, headway_m=10.0)  # 20 m per vehicle


def _ring_with_loop() -> GraphBuilder:
    """A big ring (8 x 100 m, 40 places) with a small loop (3 x 20 m, 3 places) at n0."""
    b = GraphBuilder()
    for i in range(8):
        b.node(f"n{i}", float(i), 0.0, Side.CN)
    b.node("s1", 0.0, 1.0, Side.CN)
    b.node("s2", 1.0, 1.0, Side.CN)
    for i in range(8):
        b.edge(f"n{i}", f"n{(i + 1) % 8}", length_m=100.0)
    for u, v in (("n0", "s1"), ("s1", "s2"), ("s2", "n0")):
        b.edge(u, v, length_m=20.0)
    return b


def test_a_small_loop_gets_its_own_limit_and_frees_the_big_ring() -> None:
    g = _ring_with_loop().build()
    res = Resources(g, CFG)
    assert min_cycle_capacity(g, res) == 3  # the plain bound: 2 vehicles in the whole graph
    b = gridlock_bounds(g, res, 3.0)
    assert b.min_cycle == 3 and b.threshold == 9
    assert sorted(b.region_of) == [("n0", "s1"), ("s1", "s2"), ("s2", "n0")]
    assert b.region_limit == {0: 2}
    # Cycles not inside the loop: the big ring (40), or the ring through a full loop (40 + 2).
    assert b.admission_bound == 40
    assert b.admission_limit == 39


def test_factor_one_or_less_is_the_plain_global_bound() -> None:
    g = _ring_with_loop().build()
    res = Resources(g, CFG)
    for factor in (0.0, 1.0):
        b = gridlock_bounds(g, res, factor)
        assert b.region_of == {} and b.region_limit == {}
        assert b.admission_bound == 3


def test_a_region_covering_every_cycle_leaves_the_fleet_unbounded() -> None:
    g = _ring_with_loop().build()
    b = gridlock_bounds(g, Resources(g, CFG), 100.0)
    assert b.region_limit == {0: 2}  # one region, limited by its lightest cycle
    assert len(b.region_of) == 11
    assert math.isinf(b.admission_bound)


def test_two_rings_joined_by_the_border_count_both_full_regions() -> None:
    # Each yard ring is a region; two full regions waiting for each other through the border
    # lanes need both regions' tokens plus the border lanes: that is the fleet bound.
    g = two_yard_crossing(ring_m=20, spur_m=20, border_m=60, slots=16, charger_capacity=20)
    b = gridlock_bounds(g, Resources(g, OrchestratorConfig()), 2.0)
    assert b.min_cycle == 8
    assert sorted(b.region_limit.values()) == [7, 7]
    assert b.admission_bound > sum(b.region_limit.values())


def _crowded(seed: int, config: OrchestratorConfig) -> tuple[Scenario, object]:
    graph = two_yard_crossing(ring_m=20, spur_m=20, border_m=60, slots=16, charger_capacity=20)
    sc = Scenario(seed=400 + seed, vehicles=24, orders=60, horizon_s=10.0, max_delay_s=20.0)
    return sc, run_scenario(graph, sc, config)


# Among seeds 0-11 of this crowd, seed 7 locks up when no bound is applied at all.
GRIDLOCK_SEED = 7


@pytest.mark.parametrize("seed", [*range(6), GRIDLOCK_SEED])
def test_crowded_regions_never_gridlock(seed: int) -> None:
    sc, fleet = _crowded(seed, OrchestratorConfig(region_factor=2.0))
    core = fleet.core  # type: ignore[attr-defined]
    assert core.views.admission_limit > core._traffic.min_cycle_capacity - 1  # the refinement is on
    fleet.run(200_000)  # type: ignore[attr-defined]
    _check(sc.orders, fleet)


def test_the_same_crowd_gridlocks_without_any_bound() -> None:
    sc, fleet = _crowded(GRIDLOCK_SEED, OrchestratorConfig(region_factor=0.0))
    core = fleet.core  # type: ignore[attr-defined]
    # Switch the safety rule off by hand (no public way, on purpose): no admission bound, and
    # no regions (factor 0).
    core._alloc.define(core._traffic._admission, 10**9)
    fleet.run(200_000)  # type: ignore[attr-defined]
    assert len(fleet.delivered) < sc.orders  # type: ignore[attr-defined]
    stuck = [v for v in core.views.vehicles() if v.on_lanes and v.waiting_for]
    assert stuck  # vehicles wait on the lanes for ever: a gridlock, not a slow run
