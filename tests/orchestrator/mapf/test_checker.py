"""The independent plan checker catches every kind of bad plan and counts costs exactly."""

from __future__ import annotations

from orchestrator.mapf import check_plan
from tests.orchestrator.mapf.helpers import grid, instance

# A 1x4 corridor plus a side cell: (0,0) (1,0) (2,0) (3,0) and (1,1) below (1,0).
G = grid("....", "@.@@")
V = {label: G.vertex(label) for label in G.labels}


def cfg(*cells: tuple[int, int]) -> tuple[int, ...]:
    return tuple(V[c] for c in cells)


def test_valid_plan_costs_use_last_arrival() -> None:
    inst = instance(G, [(0, 0), (3, 0)], [(2, 0), (3, 0)])
    plan = [
        cfg((0, 0), (3, 0)),
        cfg((1, 0), (2, 0)),  # agent 1 steps off its goal to make room...
        cfg((1, 0), (3, 0)),  # ...and comes back at t=2
        cfg((2, 0), (3, 0)),
        cfg((2, 0), (3, 0)),  # trailing waits at the goal are free
    ]
    report = check_plan(inst, plan)
    assert report.valid, report.violations
    assert report.costs == (3, 2)
    assert report.sum_of_costs == 5
    assert report.makespan == 3


def test_vertex_conflict() -> None:
    inst = instance(G, [(0, 0), (2, 0)], [(1, 0), (2, 0)])
    plan = [cfg((0, 0), (2, 0)), cfg((1, 0), (1, 0)), cfg((1, 0), (2, 0))]
    report = check_plan(inst, plan)
    assert not report.valid
    assert [(v.kind, v.t, v.agents) for v in report.violations] == [("vertex", 1, (0, 1))]
    assert "agents 0 and 1 both on (1, 0) at timestep 1" in report.first_problem


def test_swap_conflict() -> None:
    inst = instance(G, [(1, 0), (2, 0)], [(2, 0), (1, 0)])
    plan = [cfg((1, 0), (2, 0)), cfg((2, 0), (1, 0))]
    report = check_plan(inst, plan)
    assert [(v.kind, v.t, v.agents) for v in report.violations] == [("swap", 1, (0, 1))]


def test_following_and_rotation_are_allowed() -> None:
    square = grid("..", "..")
    a, b, c, d = (square.vertex(x) for x in ((0, 0), (1, 0), (1, 1), (0, 1)))
    inst = instance(square, [(0, 0), (1, 0), (1, 1)], [(1, 0), (1, 1), (0, 1)])
    assert check_plan(inst, [(a, b, c), (b, c, d)]).valid  # a train of three following
    rot = instance(square, [(0, 0), (1, 0), (1, 1), (0, 1)], [(1, 0), (1, 1), (0, 1), (0, 0)])
    assert check_plan(rot, [(a, b, c, d), (b, c, d, a)]).valid


def test_jump_and_wrong_ends() -> None:
    inst = instance(G, [(0, 0)], [(3, 0)])
    report = check_plan(inst, [cfg((0, 0)), cfg((2, 0)), cfg((3, 0))])
    assert [v.kind for v in report.violations] == ["move"]
    assert "(0, 0) -> (2, 0)" in report.first_problem
    report = check_plan(inst, [cfg((1, 0)), cfg((2, 0))])
    assert [v.kind for v in report.violations] == ["start", "goal"]


def test_structural_problems() -> None:
    inst = instance(G, [(0, 0)], [(1, 0)])
    assert check_plan(inst, []).violations[0].kind == "length"
    assert check_plan(inst, [(V[(0, 0)], V[(1, 0)])]).violations[0].kind == "length"
    assert check_plan(inst, [(V[(0, 0)],), (99,)]).violations[0].kind == "move"
