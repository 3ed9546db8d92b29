"""Firing a scenario's scripted customs events during the run (:mod:`sim.scripted`).

Container references are resolved against the run's arrivals before the clock starts (an unknown
container, order or node is a :class:`~sim.errors.ScenarioError` naming the entry). Time
triggers are SimPy processes; the vehicles tell this module when they reach a node (at the
node, before any gate stop or node report: a verdict "at the gate" reaches the core before the
crossing is committed) and when they set off on an edge: a container that will come within
``within_m`` metres of the border line on that edge fires at the moment it gets there (the
position along the edge interpolated in time, as the vehicle snapshots do). Each event fires
once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING

import simpy

from orchestrator.lanegraph import Edge, LaneGraph, NodeId
from orchestrator.messages import Event, LaneClosed, LaneOpened
from sim.arrivals import Arrival
from sim.customs import CustomsModel
from sim.errors import ScenarioError
from sim.scripted import ScriptedClosure, ScriptedEvents, ScriptedVerdict, ScriptedWarning, Trigger
from sim.simtypes import ProcessGen

if TYPE_CHECKING:
    from sim.vehicle import VirtualAGV

__all__ = ["ScenarioTriggers"]

Point = tuple[float, float]
Action = Callable[[], None]


class ScenarioTriggers:
    def __init__(
        self,
        env: simpy.Environment,
        graph: LaneGraph,
        events: ScriptedEvents,
        arrivals: list[Arrival],
        customs: CustomsModel,
        deliver: Callable[[Event], object],
        source: str,
    ) -> None:
        self.env = env
        self._graph = graph
        self._customs = customs
        self._deliver = deliver
        self._source = source
        self._arrivals = arrivals
        self._by_ref: dict[str, Arrival] = {a.container_id: a for a in arrivals}
        self._by_ref.update({a.order_id: a for a in arrivals})
        self._at_node: dict[tuple[str, NodeId], list[Action]] = {}
        self._near: dict[str, list[tuple[float, Action]]] = {}
        self._border = _border_points(graph)
        self.fired = 0
        for v in events.verdicts:
            self._watch(v.key, v.trigger, self._verdict_action(v))
        for w in events.warnings:
            self._watch(w.key, w.trigger, self._warning_action(w))
        for c in events.closures:
            self._watch(c.key, c.trigger, self._closure_action(c))

    @property
    def watching(self) -> bool:
        """Do vehicles need to report to this module (any node or line trigger)?"""
        return bool(self._at_node or self._near)

    # ------------------------------------------------------------------------------ set-up

    def _arrival(self, key: str, ref: str) -> Arrival:
        a = self._by_ref.get(ref)
        if a is None:
            first = self._arrivals[0].order_id if self._arrivals else "none"
            last = self._arrivals[-1].order_id if self._arrivals else "none"
            raise ScenarioError(
                self._source,
                f"{key}.container" if not ref.startswith("O") else f"{key}.order",
                f"{ref!r} is no container of this run (its arrivals are orders {first} .. "
                f"{last}; container numbers are in `borderflow simulate ... --events`)",
            )
        return a

    def _watch(self, key: str, trigger: Trigger, action: Action) -> None:
        once = _once(action, self)
        if trigger.at_s is not None:
            self.env.process(self._at(trigger.at_s, once))
            return
        assert trigger.container is not None
        cid = self._arrival(key, trigger.container).container_id
        if trigger.node is not None:
            node = NodeId(trigger.node)
            if node not in self._graph.nodes:
                some = ", ".join(sorted(self._graph.gates[g].node for g in self._graph.gates))
                raise ScenarioError(
                    self._source,
                    f"{key}.node",
                    f"{trigger.node!r} is no node of the map {self._graph.name!r} (its gate "
                    f"nodes: {some}; `borderflow map info` lists stations)",
                )
            self._at_node.setdefault((cid, node), []).append(once)
        else:
            assert trigger.within_m is not None
            self._near.setdefault(cid, []).append((trigger.within_m, once))

    def _at(self, t_s: float, action: Action) -> ProcessGen:
        if t_s > self.env.now:
            yield self.env.timeout(t_s - self.env.now)
        action()

    # ----------------------------------------------------------------------------- actions

    def _verdict_action(self, v: ScriptedVerdict) -> Action:
        a = self._arrival(v.key, v.container)  # a wrong reference fails before the run
        at_s = v.trigger.at_s
        if at_s is not None and at_s < a.t_s:
            raise ScenarioError(
                self._source,
                f"{v.key}.at_h",
                f"{a.container_id} ({a.order_id}) arrives at {a.t_s / 3600.0:.4g} h; give a "
                "time at or after that (a verdict before the container exists is not modelled)",
            )
        authority = v.authority or a.direction.origin

        def fire() -> None:
            self._customs.scripted_verdict(a.container_id, v.level, authority, v.reason)

        return fire

    def _warning_action(self, w: ScriptedWarning) -> Action:
        def fire() -> None:
            for cid in sorted(self._customs.records):
                rec = self._customs.records[cid]
                if w.direction is not None and rec.arrival.direction is not w.direction:
                    continue
                if self._customs.past_the_line(cid):
                    continue
                self._customs.scripted_verdict(cid, w.level, w.authority, f"warning: {w.reason}")

        return fire

    def _closure_action(self, c: ScriptedClosure) -> Action:
        def fire() -> None:
            self._deliver(LaneClosed(self.env.now, c.target, c.is_zone, c.reason))
            self.env.process(self._reopen(c))

        return fire

    def _reopen(self, c: ScriptedClosure) -> ProcessGen:
        yield self.env.timeout(c.for_s)
        self._deliver(LaneOpened(self.env.now, c.target, c.is_zone))

    # ------------------------------------------------------------------- vehicle reports

    def arrived(self, vehicle: VirtualAGV, node: NodeId) -> None:
        for cid in vehicle.containers():
            actions = self._at_node.pop((cid, node), None)
            for action in actions or ():
                action()

    def departed(self, vehicle: VirtualAGV, edge: Edge, dt_s: float) -> None:
        for cid in vehicle.containers():
            watches = self._near.get(cid)
            if not watches:
                continue
            a, b = self._graph.nodes[edge.source], self._graph.nodes[edge.target]
            for within_m, action in list(watches):
                frac = _reaches(self._border, (a.x_m, a.y_m), (b.x_m, b.y_m), within_m)
                if frac is None:
                    continue
                watches.remove((within_m, action))
                self.env.process(self._at(self.env.now + frac * dt_s, action))


def _once(action: Action, owner: ScenarioTriggers) -> Action:
    done = False

    def fire() -> None:
        nonlocal done
        if not done:
            done = True
            owner.fired += 1
            action()

    return fire


# ------------------------------------------------------------------------------- geometry


def _border_points(graph: LaneGraph) -> list[Point]:
    """The border line in map metres (the loader's ``border_m``), or, for a hand-made graph
    without one, the midpoints of its border edges."""
    line = graph.metadata.get("border_m")
    if isinstance(line, tuple | list) and len(line) >= 2:
        return [(float(p[0]), float(p[1])) for p in line]
    out = []
    for e in graph.border_edges():
        a, b = graph.nodes[e.source], graph.nodes[e.target]
        out.append(((a.x_m + b.x_m) / 2, (a.y_m + b.y_m) / 2))
    return out


def _distance(p: Point, line: list[Point]) -> float:
    if len(line) == 1:
        return math.dist(p, line[0])
    best = math.inf
    for (ax, ay), (bx, by) in pairwise(line):
        dx, dy = bx - ax, by - ay
        seg2 = dx * dx + dy * dy
        t = 0.0 if seg2 == 0 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / seg2))
        best = min(best, math.dist(p, (ax + t * dx, ay + t * dy)))
    return best


def _reaches(line: list[Point], a: Point, b: Point, within_m: float) -> float | None:
    """Fraction of the way from ``a`` to ``b`` where the distance to ``line`` first drops to
    ``within_m`` (0 if it starts inside; None if it never gets that close on this edge)."""
    if not line:
        return None
    if _distance(a, line) <= within_m:
        return 0.0
    steps = 64  # the first sample inside, then bisect between it and the one before
    prev = 0.0
    for k in range(1, steps + 1):
        f = k / steps
        p = (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]))
        if _distance(p, line) <= within_m:
            lo, hi = prev, f
            for _ in range(30):
                mid = (lo + hi) / 2
                q = (a[0] + mid * (b[0] - a[0]), a[1] + mid * (b[1] - a[1]))
                lo, hi = (lo, mid) if _distance(q, line) <= within_m else (mid, hi)
            return hi
        prev = f
    return None
