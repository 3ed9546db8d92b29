"""A real benchmark instance, solved and checked end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.mapf import (
    DistanceTable,
    SolverName,
    check_plan,
    lower_bound,
    parse_map,
    parse_scen,
    solve,
)

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("solver", list(SolverName))
def test_random_32_32_20_with_50_agents(solver: SolverName) -> None:
    graph = parse_map((DATA / "random-32-32-20.map").read_text(), "random-32-32-20")
    assert (graph.width, graph.height, graph.num_vertices) == (32, 32, 819)
    inst = parse_scen((DATA / "random-32-32-20-random-1.scen").read_text(), graph, agents=50)
    result = solve(inst, solver, seed=0)
    assert result.solved, result.reason
    report = check_plan(inst, result.plan)
    assert report.valid, report.violations
    table = DistanceTable(graph)
    longest = max(table.to_goal(g)[s] for s, g in zip(inst.starts, inst.goals, strict=True))
    assert report.makespan >= longest
    assert report.sum_of_costs >= lower_bound(inst, table)


def test_warehouse_map_and_its_thousand_agents_parse() -> None:
    graph = parse_map((DATA / "warehouse-10-20-10-2-1.map").read_text(), "warehouse")
    assert (graph.width, graph.height, graph.num_vertices) == (161, 63, 5699)
    scen = (DATA / "warehouse-10-20-10-2-1-random-1.scen").read_text()
    assert parse_scen(scen, graph).num_agents == 1000


@pytest.mark.parametrize(
    ("map_name", "agents"), [("random-32-32-20", 400), ("warehouse-10-20-10-2-1", 200)]
)
def test_dense_instances_from_the_figures(map_name: str, agents: int) -> None:
    # A regression guard for the swap emulation: without its "clearing" case the warehouse
    # with 200 agents did not solve within a minute (see docs/mapf.md).
    graph = parse_map((DATA / f"{map_name}.map").read_text(), map_name)
    inst = parse_scen((DATA / f"{map_name}-random-1.scen").read_text(), graph, agents)
    result = solve(inst, seed=0, node_limit=3_000)
    assert result.solved, result.reason
    assert check_plan(inst, result.plan).valid
