"""LaCAM: lazy constraints addition search for one-shot MAPF, with PIBT as successor generator.

Okumura, "LaCAM: Search-Based Algorithm for Quick Multi-Agent Pathfinding", AAAI 2023. The
high-level search is a depth-first search over *configurations* (one vertex per agent). Each
high-level node owns a breadth-first tree of *constraints* ("agent i goes to vertex v next"),
grown lazily: popping a constraint node adds its children for the next agent in the node's
priority order, and runs PIBT under that constraint set to generate one successor configuration.
Because a node is only discarded after its whole constraint tree has been tried, the search
visits every reachable configuration eventually and is complete: it finds a plan when one
exists and reports ``NO_SOLUTION`` otherwise. A successor that is already known is pushed again
(the re-insertion of LaCAM*, IJCAI 2023), which helps it leave dead ends quickly; LaCAM*'s cost
rewiring for eventual optimality is not implemented, so plans are feasible, not optimal.

This module owns :func:`solve_lacam`; time comes from the caller's :class:`Clock`, never the
wall clock, and a node limit bounds the search deterministically.
"""

from __future__ import annotations

import random
from array import array
from collections import deque
from collections.abc import Sequence

from orchestrator.mapf.grid import MapfInstance
from orchestrator.mapf.pibt import NIL, PibtStep, deep_recursion
from orchestrator.mapf.result import Configuration, SolveResult, SolveStatus
from orchestrator.ports import Clock

__all__ = ["solve_lacam"]

_EMPTY_PRIO: array[float] = array("d")
_EMPTY_ORDER: array[int] = array("i")

# Read the clock once per this many iterations: the check must not cost more than the search.
_CLOCK_EVERY = 16


class _Constraint:
    """A low-level node: ``who`` goes to ``where`` next, plus everything on the path above."""

    __slots__ = ("depth", "parent", "where", "who")

    def __init__(self, parent: _Constraint | None, who: int, where: int, depth: int) -> None:
        self.parent = parent
        self.who = who
        self.where = where
        self.depth = depth


class _Node:
    """A high-level node: a configuration, its agent order and its lazily grown constraint tree."""

    __slots__ = ("config", "order", "parent", "prio", "tree")

    def __init__(
        self,
        config: Configuration,
        parent: _Node | None,
        prio: array[float],
    ) -> None:
        self.config = config
        self.parent = parent
        # Flat arrays, not lists of Python objects: a search may hold tens of thousands of
        # nodes, each with one entry per agent.
        self.prio = prio
        # Agents with the highest priority are constrained (and moved by PIBT) first.
        self.order = array("i", sorted(range(len(config)), key=lambda a: -prio[a]))
        self.tree: deque[_Constraint] = deque([_Constraint(None, NIL, NIL, 0)])


def solve_lacam(
    instance: MapfInstance,
    dist: Sequence[Sequence[int]],
    *,
    seed: int = 0,
    clock: Clock | None = None,
    time_limit_s: float = float("inf"),
    node_limit: int = 1_000_000,
    swap: bool = True,
) -> SolveResult:
    """Search for a conflict-free plan; ``dist[i][v]`` is the distance from ``v`` to agent i's goal.

    Stops with ``TIMEOUT`` after ``time_limit_s`` by ``clock`` (if given) or ``LIMIT`` after
    ``node_limit`` high-level nodes, whichever comes first. ``swap=False`` turns off PIBT's
    swap emulation (the search stays complete; it just has more to do in corridors).
    """
    n = instance.num_agents
    nbrs = instance.graph.neighbors
    goals = instance.goals
    rng = random.Random(seed)
    stepper = PibtStep(instance, dist, rng, swap=swap)
    t0 = clock.now_s() if clock is not None else 0.0
    num_v = float(instance.graph.num_vertices + 1)
    # Initial priorities: farther agents first; the fraction stays as a tie-break forever.
    root = _Node(
        instance.starts,
        None,
        array("d", [d[s] / num_v for d, s in zip(dist, instance.starts, strict=True)]),
    )
    explored: dict[Configuration, _Node] = {root.config: root}
    stack: list[_Node] = [root]
    calls = 0
    iterations = 0

    def finish(status: SolveStatus, reason: str, goal: _Node | None = None) -> SolveResult:
        plan: list[Configuration] = []
        node = goal
        while node is not None:
            plan.append(node.config)
            node = node.parent
        plan.reverse()
        elapsed = clock.now_s() - t0 if clock is not None else 0.0
        return SolveResult(status, tuple(plan), reason, calls, len(explored), elapsed)

    with deep_recursion(4 * n + 200):
        while stack:
            iterations += 1
            if (
                clock is not None
                and iterations % _CLOCK_EVERY == 0
                and clock.now_s() - t0 > time_limit_s
            ):
                return finish(
                    SolveStatus.TIMEOUT,
                    f"LaCAM: time limit {time_limit_s:g} s reached after {len(explored)} "
                    "configurations; raise --time-limit",
                )
            if len(explored) >= node_limit:
                return finish(
                    SolveStatus.LIMIT,
                    f"LaCAM: node limit {node_limit} reached; raise the node limit",
                )
            node = stack[-1]
            if node.config == goals:
                return finish(SolveStatus.SOLVED, "", node)
            if not node.tree:
                stack.pop()
                # Exhausted for good: only its configuration (for the plan) is still needed.
                node.prio = _EMPTY_PRIO
                node.order = _EMPTY_ORDER
                continue
            low = node.tree.popleft()
            if low.depth < n:
                # Lazily add the next agent's constraints: each of its moves (and waiting).
                who = node.order[low.depth]
                v = node.config[who]
                cands = [v, *nbrs[v]]
                rng.shuffle(cands)
                depth = low.depth + 1
                for u in cands:
                    node.tree.append(_Constraint(low, who, u, depth))
            q_to = [NIL] * n
            c: _Constraint | None = low
            while c is not None and c.who != NIL:
                q_to[c.who] = c.where
                c = c.parent
            calls += 1
            if not stepper.step(node.config, q_to, node.order):
                continue
            config = tuple(q_to)
            known = explored.get(config)
            if known is not None:
                stack.append(known)
                continue
            prio = node.prio
            new_prio = array(
                "d",
                [
                    prio[i] + 1.0 if config[i] != goals[i] else prio[i] - int(prio[i])
                    for i in range(n)
                ],
            )
            child = _Node(config, node, new_prio)
            explored[config] = child
            stack.append(child)
    return finish(
        SolveStatus.NO_SOLUTION,
        "LaCAM: every reachable configuration was explored and none puts all agents on "
        "their goals; the instance has no solution",
    )
