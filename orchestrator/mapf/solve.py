"""One entry point for every MAPF solver: distances, reachability, the chosen search.

This module owns :func:`solve` and :class:`SolverName`. It computes the distance tables once
(their time counts as planning time, as in the published LaCAM figures), refuses instances where
some goal cannot be reached from its start, and runs LaCAM (complete) or plain PIBT (fast but
incomplete for one-shot MAPF).
"""

from __future__ import annotations

from enum import Enum

from orchestrator.mapf.distance import DistanceTable
from orchestrator.mapf.errors import MapfError
from orchestrator.mapf.grid import MapfInstance
from orchestrator.mapf.lacam import solve_lacam
from orchestrator.mapf.pibt import solve_pibt
from orchestrator.mapf.result import SolveResult, SolveStatus
from orchestrator.ports import Clock

__all__ = ["SolverName", "lower_bound", "solve"]

# Agents x configurations LaCAM may hold by default: each costs about 20 bytes (position,
# priority, order), so 20 million is roughly 400 MB.
_NODE_BUDGET_AGENT_NODES = 20_000_000


class SolverName(Enum):
    LACAM = "lacam"
    PIBT = "pibt"


def lower_bound(instance: MapfInstance, table: DistanceTable | None = None) -> int:
    """Sum of each agent's shortest distance to its goal: no plan has a smaller sum of costs."""
    table = table or DistanceTable(instance.graph)
    rows = table.rows(instance.goals)
    return sum(row[s] for row, s in zip(rows, instance.starts, strict=True))


def solve(
    instance: MapfInstance,
    solver: SolverName = SolverName.LACAM,
    *,
    seed: int = 0,
    clock: Clock | None = None,
    time_limit_s: float = float("inf"),
    node_limit: int | None = None,
    table: DistanceTable | None = None,
    swap: bool = True,
) -> SolveResult:
    """Plan for every agent; planning time (by ``clock``) includes the distance tables.

    ``time_limit_s`` needs a ``clock``. ``node_limit`` bounds LaCAM's configurations (PIBT's
    steps); by default it is sized so a search over a few hundred agents stays under about
    half a gigabyte.
    """
    if clock is None and time_limit_s != float("inf"):
        raise MapfError(
            f"a time limit of {time_limit_s:g} s needs a clock; pass clock= or drop the limit"
        )
    if node_limit is None:
        node_limit = min(
            1_000_000, max(10_000, _NODE_BUDGET_AGENT_NODES // max(1, instance.num_agents))
        )
    t0 = clock.now_s() if clock is not None else 0.0
    table = table or DistanceTable(instance.graph)
    dist = table.rows(instance.goals)
    for i, (row, s) in enumerate(zip(dist, instance.starts, strict=True)):
        if row[s] >= table.unreachable:
            labels = instance.graph.labels
            return SolveResult(
                SolveStatus.NO_SOLUTION,
                (),
                f"agent {i}: goal {labels[instance.goals[i]]!r} cannot be reached from start "
                f"{labels[s]!r}; fix the scenario or the graph's connectivity",
            )
    remaining_s = time_limit_s - (clock.now_s() - t0 if clock is not None else 0.0)
    if solver is SolverName.LACAM:
        result = solve_lacam(
            instance,
            dist,
            seed=seed,
            clock=clock,
            time_limit_s=remaining_s,
            node_limit=node_limit,
            swap=swap,
        )
    else:
        result = solve_pibt(
            instance,
            dist,
            seed=seed,
            clock=clock,
            time_limit_s=remaining_s,
            max_steps=node_limit,
            swap=swap,
        )
    if clock is None:
        return result
    return SolveResult(
        result.status,
        result.plan,
        result.reason,
        result.pibt_calls,
        result.hl_nodes,
        clock.now_s() - t0,
    )
