"""PIBT and LaCAM on hand-made instances; every returned plan must pass the checker."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.mapf import (
    DistanceTable,
    MapfError,
    MapfInstance,
    SolverName,
    SolveStatus,
    check_plan,
    lower_bound,
    solve,
)
from orchestrator.mapf.pibt import NIL, PibtStep
from tests.orchestrator.mapf.helpers import grid, instance, random_instances


class StepClock:
    """A fake clock that advances a fixed amount each time it is read."""

    def __init__(self, step_s: float) -> None:
        self.t_s = 0.0
        self.step_s = step_s

    def now_s(self) -> float:
        self.t_s += self.step_s
        return self.t_s


@pytest.mark.parametrize("solver", list(SolverName))
def test_open_grid_crossing(solver: SolverName) -> None:
    g = grid("....", "....", "....")
    inst = instance(g, [(0, 0), (3, 0), (0, 2), (3, 2)], [(3, 2), (0, 2), (3, 0), (0, 0)])
    result = solve(inst, solver, seed=1)
    assert result.status is SolveStatus.SOLVED
    report = check_plan(inst, result.plan)
    assert report.valid, report.violations
    assert report.sum_of_costs >= lower_bound(inst) == 20


CORRIDORS = [
    # (map rows, starts, goals): two agents exchange the ends of a corridor with one pocket.
    ((".....", "@@.@@"), [(0, 0), (4, 0)], [(4, 0), (0, 0)]),
    ((".....", "@.@@@"), [(0, 0), (4, 0)], [(4, 0), (0, 0)]),
    # A dead end: agent 1 must back out through the junction so agent 0 can get behind it.
    (("....", "@.@@"), [(1, 1), (3, 0)], [(3, 0), (0, 0)]),
]


@pytest.mark.parametrize(("rows", "starts", "goals"), CORRIDORS)
@pytest.mark.parametrize("seed", [0, 1])
def test_corridor_swap_plain_pibt_livelocks_lacam_searches_through(
    rows: tuple[str, ...], starts: list[tuple[int, int]], goals: list[tuple[int, int]], seed: int
) -> None:
    g = grid(*rows)
    inst = instance(g, starts, goals)
    # Greedy PIBT (no swap emulation) pushes the two back and forth for ever...
    plain = solve(inst, SolverName.PIBT, seed=seed, node_limit=300, swap=False)
    assert plain.status is SolveStatus.LIMIT
    # ...LaCAM's search over constraints finds the detour through the pocket...
    searched = solve(inst, SolverName.LACAM, seed=seed, swap=False)
    assert searched.solved
    assert searched.pibt_calls > len(searched.plan) - 1  # it really backtracked
    report = check_plan(inst, searched.plan)
    assert report.valid, report.violations
    pocket = next(v for v in range(g.num_vertices) if g.labels[v][1] == 1)
    assert any(pocket in config for config in searched.plan)
    # ...and PIBT with LaCAM2's swap emulation gets there without search.
    swapped = solve(inst, SolverName.PIBT, seed=seed, node_limit=300)
    assert swapped.solved
    assert check_plan(inst, swapped.plan).valid


def test_unsolvable_instance_is_reported_not_looped() -> None:
    g = grid("...")  # a corridor: no two agents can ever pass each other
    inst = instance(g, [(0, 0), (2, 0)], [(2, 0), (0, 0)])
    result = solve(inst, SolverName.LACAM)
    assert result.status is SolveStatus.NO_SOLUTION
    assert "no solution" in result.reason
    assert result.hl_nodes > 1


def test_unreachable_goal_names_the_agent() -> None:
    g = grid(".@.")
    inst = instance(g, [(0, 0)], [(2, 0)])
    result = solve(inst)
    assert result.status is SolveStatus.NO_SOLUTION
    assert result.reason.startswith("agent 0: goal (2, 0) cannot be reached")


def test_time_and_node_limits() -> None:
    g = grid("...")
    inst = instance(g, [(0, 0), (2, 0)], [(2, 0), (0, 0)])
    assert solve(inst, node_limit=2).status is SolveStatus.LIMIT
    timed = solve(inst, clock=StepClock(1.0), time_limit_s=0.5)
    assert timed.status is SolveStatus.TIMEOUT
    assert "time limit" in timed.reason


def test_pibt_solver_reports_its_livelock() -> None:
    g = grid("...")
    inst = instance(g, [(0, 0), (2, 0)], [(2, 0), (0, 0)])
    result = solve(inst, SolverName.PIBT, node_limit=50)
    assert result.status is SolveStatus.LIMIT
    assert "try --solver lacam" in result.reason


def test_same_seed_same_plan() -> None:
    g = grid(".....", ".@.@.", ".....")
    starts = [(0, 0), (4, 0), (0, 2), (4, 2), (2, 1)]
    goals = [(4, 2), (0, 2), (4, 0), (0, 0), (2, 0)]
    inst = instance(g, starts, goals)
    assert solve(inst, seed=7).plan == solve(inst, seed=7).plan


def test_step_refuses_conflicting_constraints() -> None:
    g = grid("...")
    inst = instance(g, [(0, 0), (2, 0)], [(2, 0), (0, 0)])
    dist = DistanceTable(g).rows(inst.goals)
    step = PibtStep(inst, dist, random.Random(0))
    middle = g.vertex((1, 0))
    assert not step.step(inst.starts, [middle, middle], [0, 1])  # both into the middle
    q_to = [NIL, NIL]
    assert step.step(inst.starts, q_to, [0, 1])  # the arrays were reset after the refusal
    assert len(set(q_to)) == 2


@settings(max_examples=120, deadline=None)
@given(random_instances(), st.integers(0, 3), st.sampled_from(list(SolverName)), st.booleans())
def test_any_returned_plan_passes_the_checker(
    inst: MapfInstance, seed: int, solver: SolverName, swap: bool
) -> None:
    result = solve(inst, solver, seed=seed, node_limit=5_000, swap=swap)
    if result.solved:
        report = check_plan(inst, result.plan)
        assert report.valid, report.violations
        assert report.sum_of_costs >= lower_bound(inst)
    else:
        assert result.plan == ()
        assert result.reason


def test_time_limit_without_a_clock_is_refused() -> None:
    inst = instance(grid("..."), [(0, 0)], [(2, 0)])
    with pytest.raises(MapfError, match="needs a clock"):
        solve(inst, time_limit_s=1.0)
