"""MAPF solvers on the MovingAI benchmark, side by side with published C++ figures.

For 100 / 200 / 400 agents (the first N lines of the scenario) on random-32-32-20 and
warehouse-10-20-10-2-1: solved or not, planning time (distance tables included, as the LaCAM
papers count it), makespan, sum of costs and its ratio to the lower bound (sum of shortest
distances). Every plan goes through the independent checker; an unchecked plan counts as
unsolved. Published reference (one-shot MAPF, 4-connected): LaCAM2 (C++) solves 400 agents on
random-32-32-20 in about 31 ms; LaCAM* solves 99 % of benchmark instances with up to 1,000
agents within 10 s (Okumura, IJCAI 2023). This is CPython, roughly 100x slower than C++ for this
kind of pointer-chasing search, so the honest comparison is the ratio, which is reported.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.figures import Figure
from orchestrator.mapf import (
    DistanceTable,
    SolverName,
    check_plan,
    lower_bound,
    parse_map,
    parse_scen,
    solve,
)
from orchestrator.mapf.adg import build_adg, execute_with_delays

DATA = Path(__file__).resolve().parent.parent / "tests" / "orchestrator" / "mapf" / "data"
MAPS = ("random-32-32-20", "warehouse-10-20-10-2-1")
LACAM2_RANDOM_400_S = 0.031  # Okumura, IJCAI 2023 (LaCAM2, C++), random-32-32-20, 400 agents
TIME_LIMIT_S = 60.0
REPEAT = 3


class _Clock:
    def now_s(self) -> float:
        return time.perf_counter()


def _one(map_name: str, agents: int, time_limit_s: float) -> list[Figure]:
    graph = parse_map((DATA / f"{map_name}.map").read_text(), map_name)
    scen = (DATA / f"{map_name}-random-1.scen").read_text()
    inst = parse_scen(scen, graph, agents)
    table = DistanceTable(graph)
    result = solve(
        inst, SolverName.LACAM, seed=0, clock=_Clock(), time_limit_s=time_limit_s, table=table
    )
    if result.solved:
        # The search is deterministic: repeat it (fresh distance tables each time) and keep
        # the least disturbed time, since this 2-core machine is shared.
        for _ in range(REPEAT - 1):
            again = solve(inst, SolverName.LACAM, seed=0, clock=_Clock(), time_limit_s=60.0)
            if again.planning_time_s < result.planning_time_s:
                result = again
    report = check_plan(inst, result.plan) if result.solved else None
    ok = report is not None and report.valid
    lb = lower_bound(inst, table)
    where = f"{map_name}, {agents} agents"
    target = "solved + checked in <= 10 s (LaCAM* C++: 99 % of instances, <= 1,000 agents)"
    ref = ""
    if map_name.startswith("random") and agents == 400 and ok:
        ratio = result.planning_time_s / LACAM2_RANDOM_400_S
        ref = f"; LaCAM2 C++: 400 agents on random-32-32-20 in ~31 ms, this is {ratio:,.0f}x that"
    if not ok:
        why = result.reason or (report.first_problem if report else "no plan")
        notes = f"NOT solved: {why}"
    else:
        assert report is not None
        notes = (
            f"solved and checked; makespan {report.makespan}, SoC {report.sum_of_costs}, "
            f"SoC/LB {report.sum_of_costs / lb:.2f}, {result.hl_nodes} configurations{ref}"
        )
    figures = [
        Figure(
            "mapf",
            f"LaCAM planning time, {where}",
            result.planning_time_s,
            "s",
            target=target,
            ok=ok and result.planning_time_s <= 10.0,
            notes=notes,
        )
    ]
    if ok and report is not None:
        figures.append(Figure("mapf", f"SoC / lower bound, {where}", report.sum_of_costs / lb, "x"))
    return figures


def _adg(map_name: str, agents: int) -> list[Figure]:
    """A solved plan executed with random delays through its action-dependency graph."""
    import random

    graph = parse_map((DATA / f"{map_name}.map").read_text(), map_name)
    inst = parse_scen((DATA / f"{map_name}-random-1.scen").read_text(), graph, agents)
    result = solve(inst, SolverName.LACAM, seed=0)
    if not result.solved:
        return []
    t0 = time.perf_counter()
    adg = build_adg(result.plan)
    build_s = time.perf_counter() - t0
    run = execute_with_delays(result.plan, adg, random.Random(0), delay_prob=0.3)
    punctual = execute_with_delays(result.plan, adg, random.Random(0), delay_prob=0.0)
    makespan = len(result.plan) - 1
    return [
        Figure(
            "mapf",
            f"ADG delayed execution, {map_name}, {agents} agents: collisions",
            float(len(run.collisions)),
            "collisions",
            target="0 (Hönig et al. 2019)",
            ok=not run.collisions and run.finished,
            notes=(
                f"30 % of moves start late and 30 % run 1-3 ticks slow; all goals reached in "
                f"{run.ticks} ticks ({punctual.ticks} without delays: a follower enters a cell "
                f"only once it is empty) vs planned makespan {makespan}; {adg.num_dependencies} "
                f"dependencies built in {build_s * 1000:.0f} ms"
            ),
        )
    ]


def run(quick: bool) -> list[Figure]:
    sizes = (100,) if quick else (100, 200, 400)
    limit_s = 10.0 if quick else TIME_LIMIT_S
    figures: list[Figure] = []
    for map_name in MAPS:
        for agents in sizes:
            figures += _one(map_name, agents, limit_s)
    figures += _adg(MAPS[0], 100 if quick else 400)
    return figures
