"""PIBT: Priority Inheritance with Backtracking, one synchronous step for all agents.

Okumura, Machida, Défago, Tamura, "Priority inheritance with backtracking for iterative
multi-agent path finding", Artificial Intelligence 310 (2022). In priority order each agent takes
its best free neighbour (closest to its goal, random tie-break); if a lower-priority agent stands
there, that agent inherits the priority and must move away first, and if it cannot the choice is
backtracked and the next candidate tried. The step is free of vertex and swap conflicts by
construction. This module owns :class:`PibtStep` (the step function, which also accepts LaCAM's
constraints) and :func:`solve_pibt` (PIBT iterated until every agent is at its goal, which is not
complete for one-shot MAPF, so it stops at a step limit or time limit).

Speed: the step reuses two occupancy arrays over the vertices and resets only the cells it
touched, so a step allocates nothing proportional to the graph.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from orchestrator.mapf.grid import MapfInstance
from orchestrator.mapf.result import SolveResult, SolveStatus
from orchestrator.ports import Clock

__all__ = ["PibtStep", "solve_pibt"]

NIL = -1


class PibtStep:
    """The PIBT step function over one instance; create once, call :meth:`step` per timestep."""

    def __init__(
        self,
        instance: MapfInstance,
        dist: Sequence[Sequence[int]],
        rng: random.Random,
        *,
        swap: bool = True,
    ) -> None:
        self._nbrs = instance.graph.neighbors
        self._goals = instance.goals
        self._dist = dist
        self._rng = rng
        self.swap = swap
        n = instance.graph.num_vertices
        self._occ_now = [NIL] * n
        self._occ_next = [NIL] * n
        self._q_from: Sequence[int] = ()
        self._q_to: list[int] = []

    def step(self, q_from: Sequence[int], q_to: list[int], order: Sequence[int]) -> bool:
        """Fill ``q_to`` (``NIL`` = free, else a fixed constraint) with the next configuration.

        ``order`` lists agents from highest priority down. Returns False, leaving ``q_to``
        unspecified, when the preset constraints conflict with each other or leave some agent
        without a vertex.
        """
        occ_now, occ_next = self._occ_now, self._occ_next
        for i, v in enumerate(q_from):
            occ_now[v] = i
        ok = True
        for i, v in enumerate(q_to):
            if v == NIL:
                continue
            if occ_next[v] != NIL:  # two constraints on one vertex
                ok = False
                break
            j = occ_now[v]
            if j not in (NIL, i) and occ_next[q_from[i]] == j:  # constrained swap
                ok = False
                break
            occ_next[v] = i
        if ok:
            self._q_from, self._q_to = q_from, q_to
            dist = self._dist
            for i in order:
                if q_to[i] != NIL:
                    continue
                v = q_from[i]
                if dist[i][v] == 0 and occ_next[v] == NIL:
                    occ_next[v] = i  # on its goal and unclaimed: stays (_pibt's fast path)
                    q_to[i] = v
                    continue
                # A top-level failure means a constraint took this agent's own vertex: the
                # constraint set has no successor (LaCAM then tries the next one).
                if not self._pibt(i):
                    ok = False
                    break
        for v in q_from:
            occ_now[v] = NIL
        for v in q_to:
            if v != NIL:
                occ_next[v] = NIL
        return ok

    def _pibt(self, i: int) -> bool:
        q_from, q_to = self._q_from, self._q_to
        occ_now, occ_next = self._occ_now, self._occ_next
        v = q_from[i]
        d = self._dist[i]
        if d[v] == 0 and occ_next[v] == NIL:
            # Fast path, the common case late in a search: an agent on its goal whose vertex
            # nobody claimed stays (staying ranks first and needs no swap), so skip the sort.
            occ_next[v] = i
            q_to[i] = v
            return True
        rnd = self._rng.random
        nbrs = self._nbrs[v]
        # Closest to the goal first; the random fraction breaks ties without a shuffle.
        keyed = [(d[u] + rnd(), u) for u in nbrs]
        keyed.append((d[v] + rnd(), v))
        keyed.sort()
        cands = [u for _, u in keyed]
        partner = self._swap_partner(i, v, cands[0]) if self.swap else NIL
        if partner != NIL:
            # Step back instead, and pull the partner in behind (see _swap_partner).
            cands.reverse()
        for rank, u in enumerate(cands):
            if occ_next[u] != NIL:
                continue
            k = occ_now[u]
            if k != NIL and q_to[k] == v:  # k already moves into our vertex: a swap
                continue
            occ_next[u] = i
            q_to[i] = u
            if k != NIL and u != v and q_to[k] == NIL and not self._pibt(k):
                continue  # k could not get out of the way: backtrack, try the next vertex
            if rank == 0 and partner != NIL and q_to[partner] == NIL and occ_next[v] == NIL:
                occ_next[v] = partner
                q_to[partner] = v
            return True
        occ_next[v] = i
        q_to[i] = v
        return False

    # -- swap emulation --------------------------------------------------------------------
    # Plain PIBT cannot let two agents pass each other in a one-cell corridor: each pushes the
    # other back and forth. LaCAM2 (Okumura, IJCAI 2023) emulates the swap: when agent i's best
    # move is blocked by an agent j heading the opposite way, and the corridor offers no
    # side-step but the pair can back into a branching vertex behind i, then i retreats and
    # pulls j along until the branch lets them pass.

    def _swap_partner(self, i: int, v: int, best: int) -> int:
        if best == v:
            return NIL
        occ_now, q_to = self._occ_now, self._q_to
        j = occ_now[best]
        if (
            j != NIL
            and q_to[j] == NIL
            and self._swap_required(i, j, v, best)
            and self._swap_possible(best, v)
        ):
            return j
        # Clearing: a neighbour k (often the agent pushing i right now) wants through i's
        # vertex towards where i is going; i then steps aside instead of leading k's way.
        for u in self._nbrs[v]:
            k = occ_now[u]
            if (
                k != NIL
                and u != best
                and self._swap_required(k, i, v, best)
                and self._swap_possible(best, v)
            ):
                return k
        return NIL

    def _exits(self, at: int, came_from: int) -> tuple[int, int]:
        """Free ways on from ``at`` (not back, not into a dead end held by its own goal)."""
        count, last = 0, NIL
        occ_now, goals, nbrs = self._occ_now, self._goals, self._nbrs
        for u in nbrs[at]:
            k = occ_now[u]
            if u == came_from or (len(nbrs[u]) == 1 and k != NIL and goals[k] == u):
                continue
            count += 1
            last = u
        return count, last

    def _swap_required(self, pusher: int, puller: int, at_pusher: int, at_puller: int) -> bool:
        d_push, d_pull = self._dist[pusher], self._dist[puller]
        a, b = at_pusher, at_puller
        # Walk down the corridor the pusher wants to take; a branch means they can pass.
        for _ in range(len(self._nbrs)):
            if d_push[b] >= d_push[a]:
                break
            count, nxt = self._exits(b, a)
            if count >= 2:
                return False
            if count == 0:
                break
            a, b = b, nxt
        # Required when the pusher's way ends (at its goal or a dead end) before any branch
        # lets the two pass, and the puller wants to come the other way.
        return d_pull[a] < d_pull[b] and (d_push[a] == 0 or d_push[b] < d_push[a])

    def _swap_possible(self, at_pusher: int, at_puller: int) -> bool:
        # Walk backwards from the puller: a branch behind it is room to let the pusher pass.
        a, b = at_pusher, at_puller
        for _ in range(len(self._nbrs)):
            if b == at_pusher:
                return False  # went round a loop without finding room
            count, nxt = self._exits(b, a)
            if count >= 2:
                return True
            if count == 0:
                return False
            a, b = b, nxt
        return False


@contextmanager
def deep_recursion(depth: int) -> Iterator[None]:
    """Priority inheritance recurses once per pushed agent; allow at least ``depth`` frames."""
    old = sys.getrecursionlimit()
    if depth > old:
        sys.setrecursionlimit(depth)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def solve_pibt(
    instance: MapfInstance,
    dist: Sequence[Sequence[int]],
    *,
    seed: int = 0,
    max_steps: int = 10_000,
    clock: Clock | None = None,
    time_limit_s: float = float("inf"),
    swap: bool = True,
) -> SolveResult:
    """Iterate PIBT from the starts until all agents stand on their goals (PIBT as a solver).

    Priorities follow the paper: an agent's priority grows by one each step it is away from its
    goal and drops to its initial tie-break fraction when it arrives, so a waiting agent
    eventually outranks everyone.
    """
    n = instance.num_agents
    rng = random.Random(seed)
    stepper = PibtStep(instance, dist, rng, swap=swap)
    goals = instance.goals
    prio = [
        d[s] / (instance.graph.num_vertices + 1.0)
        for d, s in zip(dist, instance.starts, strict=True)
    ]
    base = list(prio)
    config = list(instance.starts)
    plan: list[tuple[int, ...]] = [tuple(config)]
    t0 = clock.now_s() if clock is not None else 0.0
    with deep_recursion(4 * n + 200):
        for step in range(max_steps):
            if config == list(goals):
                return _done(
                    SolveStatus.SOLVED, plan=plan, reason="", steps=step, clock=clock, t0=t0
                )
            if clock is not None and clock.now_s() - t0 > time_limit_s:
                return _done(
                    SolveStatus.TIMEOUT,
                    plan=[],
                    reason=f"PIBT: time limit {time_limit_s:g} s reached after {step} steps; "
                    "PIBT is incomplete for one-shot MAPF, try --solver lacam",
                    steps=step,
                    clock=clock,
                    t0=t0,
                )
            for i in range(n):
                prio[i] = prio[i] + 1.0 if config[i] != goals[i] else base[i]
            order = sorted(range(n), key=lambda a: -prio[a])
            nxt = [NIL] * n
            stepper.step(config, nxt, order)
            config = nxt
            plan.append(tuple(config))
    if config == list(goals):
        return _done(SolveStatus.SOLVED, plan=plan, reason="", steps=max_steps, clock=clock, t0=t0)
    return _done(
        SolveStatus.LIMIT,
        plan=[],
        reason=f"PIBT: {max_steps} steps without every agent on its goal (a livelock); PIBT "
        "is incomplete for one-shot MAPF, try --solver lacam",
        steps=max_steps,
        clock=clock,
        t0=t0,
    )


def _done(
    status: SolveStatus,
    *,
    plan: list[tuple[int, ...]],
    reason: str,
    steps: int,
    clock: Clock | None,
    t0: float,
) -> SolveResult:
    elapsed = clock.now_s() - t0 if clock is not None else 0.0
    return SolveResult(status, tuple(plan), reason, pibt_calls=steps, planning_time_s=elapsed)
