"""The same solvers on the port's directed lane graph (one-way rings, spurs, border lanes)."""

from __future__ import annotations

import pytest

from orchestrator.mapf import (
    MapfInstance,
    SolverName,
    check_plan,
    graph_from_digraph,
    instance_from_labels,
    solve,
)
from tests.orchestrator.graphs import two_yard_crossing


def _instance(agents: int) -> MapfInstance:
    lanes = two_yard_crossing()
    graph = graph_from_digraph(lanes.graph, lanes.name)
    ring_cn = [f"C{k}" for k in range(8)]
    ring_mn = [f"M{k}" for k in range(8)]
    starts = (ring_cn + ring_mn)[:agents]
    goals = (ring_mn + ring_cn)[:agents]  # everyone crosses the border
    return instance_from_labels(graph, starts, goals)


@pytest.mark.parametrize(
    ("solver", "agents"),
    [
        (SolverName.PIBT, 2),
        (SolverName.PIBT, 8),
        (SolverName.LACAM, 8),
        # 10 of the 32 nodes taken, the CN ring full: greedy steps deadlock at the border,
        # LaCAM's search needs a few thousand configurations.
        (SolverName.LACAM, 10),
    ],
)
def test_agents_cross_on_one_way_lanes(solver: SolverName, agents: int) -> None:
    inst = _instance(agents)
    result = solve(inst, solver, seed=0, node_limit=50_000)
    assert result.solved, result.reason
    report = check_plan(inst, result.plan)
    assert report.valid, report.violations
    labels = inst.graph.labels
    crossings = {
        (labels[a[i]], labels[b[i]])
        for a, b in zip(result.plan, result.plan[1:], strict=False)
        for i in range(agents)
    }
    assert ("CG", "M6") in crossings  # the CN -> MN border lane was used


def test_checker_refuses_driving_against_a_one_way_lane() -> None:
    inst = _instance(1)  # one agent, C0 -> M0
    graph = inst.graph
    c0, c7 = graph.vertex("C0"), graph.vertex("C7")
    assert c0 in graph.neighbors[c7] and c7 not in graph.neighbors[c0]  # C7 -> C0 one way
    report = check_plan(inst, [(c0,), (c7,)])
    kinds = [v.kind for v in report.violations]
    assert kinds == ["goal", "move"]
    assert "'C0' -> 'C7'" in report.violations[1].message
