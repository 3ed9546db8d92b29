"""Action-dependency graph (ADG): execute a MAPF plan safely when vehicles run late.

Hönig, Kiesel, Tinka, Durham, Ayanian, "Persistent and Robust Execution of MAPF Schedules in
Warehouses", IEEE RA-L 4(2), 2019. A synchronous plan assumes every move takes exactly one step;
real vehicles stall. The ADG keeps only the *order* the plan implies: each agent's moves in
sequence (type 1), and, for every vertex, a move into it waits until every other agent's move
out of it that the plan schedules no later has been completed (type 2; only the latest such
move is stored, the earlier ones being implied). Executing moves as soon as their dependencies
are done, with any delays, visits the vertices in the plan's order and so never puts two
vehicles on one vertex, whatever the delays. Waits are dropped: a vehicle simply holds until
its next move is enabled.

The price: a synchronous plan lets a vehicle enter a cell in the very step another leaves it
("following"); under the ADG it enters only once the other has completely left, so trains of
vehicles lag one move per link and a dense plan takes longer to execute than its makespan,
even without delays. That is the physical truth the plan abstracts away, not an ADG artefact.

This module owns :func:`build_adg` and :func:`execute_with_delays` (a discrete-time execution
with random delays used by the tests and the benchmark to check that property).
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from orchestrator.mapf.errors import MapfError

__all__ = ["ActionDependencyGraph", "Execution", "Move", "build_adg", "execute_with_delays"]


@dataclass(frozen=True, slots=True)
class Move:
    """Agent ``agent`` moves ``source`` -> ``target``, planned to start at timestep ``t``."""

    agent: int
    seq: int  # index among this agent's moves
    source: int
    target: int
    t: int
    group: int = -1  # rotation this move belongs to (see build_adg); -1 = none


@dataclass(frozen=True, slots=True)
class ActionDependencyGraph:
    """``moves[a]`` are agent a's moves in order; ``after[(a, k)]`` the moves that must be done
    before move k of agent a may start (its own previous move is implied, not listed)."""

    moves: tuple[tuple[Move, ...], ...]
    after: dict[tuple[int, int], tuple[tuple[int, int], ...]]
    groups: dict[int, tuple[tuple[int, int], ...]]  # rotation id -> its moves

    @property
    def num_dependencies(self) -> int:
        return sum(len(v) for v in self.after.values())


def build_adg(plan: Sequence[Sequence[int]]) -> ActionDependencyGraph:
    """The ADG of a conflict-free plan (``plan[t][i]`` = vertex of agent i at timestep t).

    One case needs more than the paper's two edge types: a *rotation*, agents moving round a
    cycle of vertices in the same timestep (legal in MAPF: no two share a vertex or swap). Each
    would wait for the next one to leave, a cycle in the ADG and a deadlock in execution, so
    the moves of a rotation form a group that starts together and is executed as one joint
    action; dependencies among its members are dropped.
    """
    if not plan:
        raise MapfError("cannot build an action-dependency graph from an empty plan")
    n = len(plan[0])
    moves: list[list[Move]] = [[] for _ in range(n)]
    leaving: dict[int, list[Move]] = {}  # vertex -> moves out of it, in plan order
    groups: dict[int, tuple[tuple[int, int], ...]] = {}
    for t in range(len(plan) - 1):
        step = {u: (i, v) for i, (u, v) in enumerate(zip(plan[t], plan[t + 1], strict=True))}
        base = len(groups)
        group_of = {u: g + base for u, g in _rotations(step).items()}
        for i, (u, v) in enumerate(zip(plan[t], plan[t + 1], strict=True)):
            if u != v:
                g = group_of.get(u, -1)
                m = Move(i, len(moves[i]), u, v, t, g)
                moves[i].append(m)
                leaving.setdefault(u, []).append(m)
        for u, g in sorted(group_of.items(), key=lambda item: step[item[0]][0]):
            i = step[u][0]
            groups[g] = (*groups.get(g, ()), (i, len(moves[i]) - 1))
    # Only the latest departure from the target vertex scheduled no later than the move is
    # kept: every earlier departure precedes it through the departing agent's own entry (a
    # transitive reduction that keeps the graph linear in the number of moves).
    after: dict[tuple[int, int], tuple[tuple[int, int], ...]] = {}
    times = {v: [p.t for p in ps] for v, ps in leaving.items()}
    for agent_moves in moves:
        for m in agent_moves:
            k = bisect_right(times.get(m.target, []), m.t)
            if k == 0:
                continue
            p = leaving[m.target][k - 1]
            if p.agent == m.agent or (m.group != -1 and p.group == m.group):
                continue  # implied by this agent's own earlier moves / the joint rotation
            after[(m.agent, m.seq)] = ((p.agent, p.seq),)
    return ActionDependencyGraph(tuple(tuple(ms) for ms in moves), after, groups)


def _rotations(step: dict[int, tuple[int, int]]) -> dict[int, int]:
    """Source vertices of moves on a cycle within one timestep -> a local rotation index."""
    group_of: dict[int, int] = {}
    state: dict[int, int] = {}  # 1 = on the current walk, 2 = finished
    count = 0
    for start in sorted(step):
        if start in state:
            continue
        walk: list[int] = []
        u = start
        while u in step and u not in state and step[u][1] != u:
            state[u] = 1
            walk.append(u)
            u = step[u][1]
        if u in state and state[u] == 1:  # closed a cycle: members from u onwards
            for w in walk[walk.index(u) :]:
                group_of[w] = count
            count += 1
        for w in walk:
            state[w] = 2
    return group_of


@dataclass(frozen=True, slots=True)
class Execution:
    finished: bool  # every agent completed all its moves
    ticks: int  # ticks until the last move completed
    collisions: tuple[tuple[int, int, int, int], ...]  # (tick, agent, agent, vertex)
    final: tuple[int, ...]  # each agent's vertex at the end


def execute_with_delays(
    plan: Sequence[Sequence[int]],
    adg: ActionDependencyGraph | None,
    rng: random.Random,
    *,
    delay_prob: float = 0.3,
    max_delay_ticks: int = 3,
    max_ticks: int = 100_000,
) -> Execution:
    """Run the plan tick by tick; each move may start late and take longer than planned.

    A started move takes one tick, plus (with probability ``delay_prob``) up to
    ``max_delay_ticks`` more; while moving a vehicle occupies both its source and target.
    With an ADG a move starts only when its dependencies are complete; with ``adg=None`` each
    vehicle just drives its own path (the naive execution that the ADG exists to fix).
    Collisions, two vehicles occupying one vertex at once, are recorded, not raised.
    """
    graph = adg or build_adg(plan)
    moves = graph.moves
    n = len(moves)
    pos = list(plan[0])
    nxt = [0] * n  # index of each agent's next move
    busy_until = [-1] * n  # tick at which the current move completes; -1 = idle
    done: set[tuple[int, int]] = set()
    collisions: list[tuple[int, int, int, int]] = []
    tick = 0
    while tick < max_ticks:
        for i in range(n):  # complete moves that end now
            if busy_until[i] == tick:
                m = moves[i][nxt[i]]
                pos[i] = m.target
                done.add((i, m.seq))
                nxt[i] += 1
                busy_until[i] = -1
        if all(nxt[i] == len(moves[i]) for i in range(n)):
            return Execution(True, tick, tuple(collisions), tuple(pos))
        for i in range(n):  # start enabled moves, in agent order for determinism
            if busy_until[i] != -1 or nxt[i] == len(moves[i]):
                continue
            m = moves[i][nxt[i]]
            team = [(i, m.seq)]
            if adg is not None:
                if m.group != -1:
                    team = list(adg.groups[m.group])
                ready = all(
                    busy_until[a] == -1
                    and nxt[a] == k
                    and all(d in done for d in adg.after.get((a, k), ()))
                    for a, k in team
                )
                if not ready:
                    continue
            if rng.random() < delay_prob:
                continue  # the vehicle (or rotation) is late to start
            extra = rng.randint(1, max_delay_ticks) if rng.random() < delay_prob else 0
            for a, _ in team:
                busy_until[a] = tick + 1 + extra
        occupied: dict[int, int] = {}
        for i in range(n):
            cells = [pos[i]]
            if busy_until[i] != -1:
                cells.append(moves[i][nxt[i]].target)
            for v in cells:
                j = occupied.get(v)
                if j is not None and j != i and not _same_rotation(moves, nxt, busy_until, i, j):
                    collisions.append((tick, j, i, v))
                occupied[v] = i
        tick += 1
    return Execution(False, tick, tuple(collisions), tuple(pos))


def _same_rotation(
    moves: Sequence[Sequence[Move]], nxt: list[int], busy_until: list[int], i: int, j: int
) -> bool:
    """Two vehicles turning one rotation together share vertices by design, not by collision."""
    if busy_until[i] == -1 or busy_until[j] == -1:
        return False
    gi, gj = moves[i][nxt[i]].group, moves[j][nxt[j]].group
    return gi != -1 and gi == gj
