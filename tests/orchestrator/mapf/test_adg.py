"""Executing a plan through its action-dependency graph survives random delays."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.mapf import MapfError, MapfInstance, solve
from orchestrator.mapf.adg import build_adg, execute_with_delays
from tests.orchestrator.mapf.helpers import grid, instance, random_instances


def test_dependencies_of_a_following_move() -> None:
    g = grid("...")
    a, b, c = (g.vertex((x, 0)) for x in range(3))
    plan = [(a, b), (b, c)]  # agent 0 follows agent 1 along the corridor
    adg = build_adg(plan)
    assert [m.target for m in adg.moves[0]] == [b]
    assert adg.after == {(0, 0): ((1, 0),)}  # enter b only once agent 1 has left it


def test_rotation_is_one_joint_action() -> None:
    g = grid("..", "..")
    a, b, c, d = (g.vertex(x) for x in ((0, 0), (1, 0), (1, 1), (0, 1)))
    adg = build_adg([(a, b, c, d), (b, c, d, a)])
    assert adg.after == {}
    assert list(adg.groups.values()) == [((0, 0), (1, 0), (2, 0), (3, 0))]
    run = execute_with_delays([(a, b, c, d), (b, c, d, a)], adg, random.Random(0))
    assert run.finished and run.collisions == ()


def test_empty_plan_is_refused() -> None:
    with pytest.raises(MapfError, match="empty plan"):
        build_adg([])


@pytest.mark.parametrize("seed", range(5))
def test_delayed_execution_never_collides_and_ends_on_the_goals(seed: int) -> None:
    g = grid("........", ".@@..@@.", "........", ".@@..@@.", "........")
    rng = random.Random(seed)
    cells = list(g.labels)
    rng.shuffle(cells)
    starts, goals = cells[:14], cells[14:28]
    inst = instance(g, starts, goals)
    result = solve(inst, seed=seed)
    assert result.solved
    adg = build_adg(result.plan)
    run = execute_with_delays(
        result.plan, adg, random.Random(seed), delay_prob=0.4, max_delay_ticks=4
    )
    assert run.finished
    assert run.collisions == ()
    assert run.final == inst.goals
    assert run.ticks > len(result.plan) - 1  # the delays really did stretch the schedule


def test_without_the_adg_the_same_delays_collide() -> None:
    g = grid("........", ".@@..@@.", "........", ".@@..@@.", "........")
    rng = random.Random(1)
    cells = list(g.labels)
    rng.shuffle(cells)
    inst = instance(g, cells[:14], cells[14:28])
    result = solve(inst, seed=1)
    run = execute_with_delays(result.plan, None, random.Random(1), delay_prob=0.4)
    assert run.collisions  # the naive execution is what the ADG protects against


@settings(max_examples=60, deadline=None)
@given(random_instances(), st.integers(0, 1_000))
def test_property_adg_execution_is_collision_free(inst: MapfInstance, seed: int) -> None:
    result = solve(inst, seed=seed, node_limit=5_000)
    if not result.solved:
        return  # unsolvable or over the limit: nothing to execute (the solver tests cover it)
    run = execute_with_delays(
        result.plan, build_adg(result.plan), random.Random(seed), delay_prob=0.5
    )
    assert run.finished
    assert run.collisions == ()
    assert run.final == inst.goals
