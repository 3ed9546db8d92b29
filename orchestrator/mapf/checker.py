"""An independent plan checker and the plan's costs (makespan, sum of costs).

It shares nothing with the solvers but the instance: it re-derives every fact from the plan, so
a solver bug cannot hide behind its own bookkeeping. Rules of one-shot MAPF (Stern et al., SoCS
2019) on a directed graph: ``plan[0]`` is the starts and the last configuration the goals; per
timestep each agent waits or moves along one edge; no two agents on one vertex at the same
timestep (vertex conflict); no two agents traversing one edge in opposite directions in the same
timestep (swap conflict). Following (moving into a vertex another agent leaves in the same step)
is allowed, as in the MovingAI benchmark results this is compared with.

Cost conventions: an agent's cost is the first timestep from which it stays on its goal until
the end of the plan (waiting at the goal after that is free; leaving and coming back costs the
time of the last arrival). Sum of costs (SoC) adds them up; makespan is the largest. The lower
bound is the sum of every agent's shortest distance from start to goal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from orchestrator.mapf.grid import MapfInstance

__all__ = ["PlanReport", "Violation", "check_plan"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: what, at which timestep, by which agents, at which vertices."""

    kind: str  # "length", "start", "goal", "move", "vertex", "swap"
    t: int
    agents: tuple[int, ...]
    vertices: tuple[int, ...]
    message: str


@dataclass(frozen=True, slots=True)
class PlanReport:
    valid: bool
    violations: tuple[Violation, ...]
    makespan: int  # steps until the last agent's final arrival (0 when invalid)
    sum_of_costs: int  # see the module docstring for the convention (0 when invalid)
    costs: tuple[int, ...]  # per agent

    @property
    def first_problem(self) -> str:
        return self.violations[0].message if self.violations else ""


def check_plan(
    instance: MapfInstance, plan: Sequence[Sequence[int]], max_violations: int = 20
) -> PlanReport:
    """Check ``plan`` (``plan[t][i]`` = vertex of agent i at timestep t) against ``instance``."""
    graph = instance.graph
    labels = graph.labels
    n = instance.num_agents
    out: list[Violation] = []

    def bad(kind: str, t: int, agents: tuple[int, ...], verts: tuple[int, ...], msg: str) -> None:
        out.append(Violation(kind, t, agents, verts, msg))

    if not plan:
        bad("length", 0, (), (), "the plan is empty; it needs at least the start configuration")
        return PlanReport(False, tuple(out), 0, 0, ())
    for t, config in enumerate(plan):
        if len(config) != n:
            bad("length", t, (), (), f"timestep {t} places {len(config)} agents; expected {n}")
            return PlanReport(False, tuple(out), 0, 0, ())
        for i, v in enumerate(config):
            if not 0 <= v < graph.num_vertices:
                bad("move", t, (i,), (v,), f"agent {i} at timestep {t} is on unknown vertex {v}")
                return PlanReport(False, tuple(out), 0, 0, ())
    for i in range(n):
        if plan[0][i] != instance.starts[i]:
            bad(
                "start",
                0,
                (i,),
                (plan[0][i],),
                f"agent {i} starts at {labels[plan[0][i]]!r}, not its start "
                f"{labels[instance.starts[i]]!r}",
            )
        if plan[-1][i] != instance.goals[i]:
            bad(
                "goal",
                len(plan) - 1,
                (i,),
                (plan[-1][i],),
                f"agent {i} ends at {labels[plan[-1][i]]!r}, not its goal "
                f"{labels[instance.goals[i]]!r}",
            )
    adjacency = [frozenset(row) for row in graph.neighbors]
    prev: Sequence[int] = ()
    for t, config in enumerate(plan):
        if len(out) >= max_violations:
            break
        seen: dict[int, int] = {}
        for i, v in enumerate(config):
            j = seen.get(v)
            if j is not None:
                bad(
                    "vertex",
                    t,
                    (j, i),
                    (v,),
                    f"vertex conflict: agents {j} and {i} both on {labels[v]!r} at timestep {t}",
                )
            seen[v] = i
        if t == 0:
            prev = config
            continue
        for i, (u, v) in enumerate(zip(prev, config, strict=True)):
            if u != v and v not in adjacency[u]:
                bad(
                    "move",
                    t,
                    (i,),
                    (u, v),
                    f"agent {i} jumps {labels[u]!r} -> {labels[v]!r} between timesteps {t - 1} "
                    f"and {t}: not an edge",
                )
        # A swap: agent j moves v -> u while agent i moves u -> v.
        came_from = {v: i for i, (u, v) in enumerate(zip(prev, config, strict=True)) if u != v}
        for i, (u, v) in enumerate(zip(prev, config, strict=True)):
            if u == v:
                continue
            j = came_from.get(u)
            if j is not None and j != i and prev[j] == v and i < j:
                bad(
                    "swap",
                    t,
                    (i, j),
                    (u, v),
                    f"swap conflict: agents {i} and {j} exchange {labels[u]!r} and {labels[v]!r} "
                    f"between timesteps {t - 1} and {t}",
                )
        prev = config
    if out:
        return PlanReport(False, tuple(out[:max_violations]), 0, 0, ())
    costs = []
    for i in range(n):
        goal = instance.goals[i]
        t = len(plan) - 1
        while t > 0 and plan[t - 1][i] == goal:
            t -= 1
        costs.append(t)
    return PlanReport(True, (), max(costs, default=0), sum(costs), tuple(costs))
