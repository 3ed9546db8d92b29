"""Core benchmark: replanning latency with 500 AGVs, and the cost of the hot path.

Builds a large synthetic crossing (three multi-lane rings per side chained by connector lanes,
yard-slot spurs and chargers on every ring, scanner / hold / buffer spurs and a gate per side),
joins 500 vehicles, feeds a stream of transport orders and drives the fleet with a small
discrete-event loop. While the fleet is busy it injects events that force replanning: closing
(and reopening) a lane on a busy ring, and bursts of HIGH verdicts for containers on the move.
It reports the wall time of ``Orchestrator.handle`` for those events (p50 / p95) and the mean
cost of ``handle(VehicleAtNode)``.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import statistics
import time
from collections.abc import Callable

from bench.figures import Figure
from orchestrator.config import OrchestratorConfig
from orchestrator.core import Orchestrator
from orchestrator.domain.customs_events import HoldPlaced
from orchestrator.domain.eventlog import DomainEvent
from orchestrator.domain.iso6346 import check_digit
from orchestrator.domain.states import ContainerState
from orchestrator.ids import CommandId
from orchestrator.lanegraph import (
    Edge,
    EdgeKey,
    Gate,
    LaneGraph,
    Node,
    NodeId,
    Side,
    Station,
    StationRole,
)
from orchestrator.messages import (
    ActionDone,
    ActionKind,
    Charge,
    Command,
    Direction,
    Drive,
    Event,
    HoldReleased,
    LaneClosed,
    LaneOpened,
    OrderArrived,
    Perform,
    RiskLevel,
    ScanCompleted,
    ScanOutcome,
    Tick,
    VehicleAtNode,
    VehicleJoined,
    VerdictIssued,
)

AREA = "core"


def _cid(i: int) -> str:
    base = f"BFLU{i:06d}"
    return base + str(check_digit(base))


def synthetic_crossing(rings: int = 3, ring_nodes: int = 32, edge_m: float = 80.0) -> LaneGraph:
    nodes: dict[NodeId, Node] = {}
    edges: dict[EdgeKey, Edge] = {}
    stations: dict[str, Station] = {}

    def node(nid: str, x: float, y: float, side: Side) -> NodeId:
        n = NodeId(nid)
        nodes[n] = Node(n, x, y, side, None)
        return n

    def edge(u: NodeId, v: NodeId, length: float, lanes: int = 3, lane: str = "") -> None:
        su, sv = nodes[u].side, nodes[v].side
        edges[(u, v)] = Edge(
            u, v, lane or f"{u}-{v}", length, 8.0, lanes, False, False, su is not sv, su, None
        )

    def spur(name: str, a: NodeId, b: NodeId, role: StationRole, cap: int, side: Side) -> None:
        s = node(name, nodes[a].x_m, nodes[a].y_m - 30, side)
        edge(a, s, 30.0, 1)
        edge(s, b, 30.0, 1)
        stations[name] = Station(name, role, s, side, None, cap, name)

    for side, sign in ((Side.CN, -1.0), (Side.MN, 1.0)):
        p = side.value
        for r in range(rings):
            cx = sign * (1000.0 + r * 1500.0)
            ids = []
            for k in range(ring_nodes):
                ang = 2 * math.pi * k / ring_nodes
                ids.append(
                    node(f"{p}r{r}n{k}", cx + 500 * math.cos(ang), 500 * math.sin(ang), side)
                )
            for k in range(ring_nodes):
                edge(ids[k], ids[(k + 1) % ring_nodes], edge_m)
            for k in range(2, ring_nodes - 2, 3):
                spur(f"{p}r{r}y{k}", ids[k], ids[k + 1], StationRole.YARD_SLOT, 2, side)
            spur(f"{p}r{r}chg", ids[1], ids[2], StationRole.CHARGER, 40, side)
            if r:
                prev = NodeId(f"{p}r{r - 1}n{ring_nodes // 2}")
                edge(prev, ids[0], 300.0, 2)
                edge(
                    ids[ring_nodes // 2 + 1], NodeId(f"{p}r{r - 1}n{ring_nodes // 2 + 1}"), 300.0, 2
                )
        r0 = [NodeId(f"{p}r0n{k}") for k in range(ring_nodes)]
        spur(f"{p}scan", r0[20], r0[21], StationRole.SCANNER, 2, side)
        spur(f"{p}hold", r0[23], r0[24], StationRole.HOLD, 20, side)
        spur(f"{p}buf", r0[26], r0[27], StationRole.BUFFER, 20, side)
        gate = node(f"{p}gate", sign * 400.0, 0.0, side)
        edge(r0[ring_nodes // 2], gate, 100.0, 2)
        edge(gate, r0[ring_nodes // 2 + 2], 100.0, 2)  # turn-back lane
    gates: dict[str, Gate] = {}
    for side in (Side.CN, Side.MN):
        a, b = NodeId(f"{side.value}gate"), NodeId(f"{side.other.value}r0n{ring_nodes // 2 + 1}")
        edge(a, b, 300.0, 2, lane=f"border-{side.value}")
        gates[f"gate-{side.value}"] = Gate(f"gate-{side.value}", "", a, ((a, b),))
    return LaneGraph("synthetic", "EPSG:32649", nodes, edges, {}, stations, gates)


class _Sink:
    def __init__(self) -> None:
        self.holds: list[tuple[str, Side]] = []

    def emit(self, event: DomainEvent) -> None:
        if isinstance(event, HoldPlaced):
            self.holds.append((event.container_id, event.side))


class _Clock:
    t_s = 0.0

    def now_s(self) -> float:
        return self.t_s


class Driver:
    """Executes the core's commands with fixed edge times plus seeded random delays."""

    def __init__(
        self, graph: LaneGraph, vehicles: int, seed: int, depots: list[NodeId] | None = None
    ) -> None:
        self.graph = graph
        self.rng = random.Random(seed)
        self.sink = _Sink()
        self.clock = _Clock()
        self.core = Orchestrator(
            graph, OrchestratorConfig(battery_capacity_kwh=1e6), clock=self.clock, sink=self.sink
        )
        self.heap: list[tuple[float, int, Callable[[], None]]] = []
        self.seq = itertools.count()
        self.paths: dict[str, list[NodeId]] = {}
        self.drives: dict[str, CommandId] = {}  # the Drive each vehicle's path belongs to
        self.at_node_s: list[float] = []
        if depots is None:
            depots = sorted(n for n in graph.nodes if "n" in n and "r" in n)
        for k in range(vehicles):
            self.send(VehicleJoined(0.0, f"agv{k:03d}", depots[k % len(depots)], 1e6))

    def send(self, event: Event, timed: list[float] | None = None) -> None:
        self.clock.t_s = event.t_s
        t0 = time.perf_counter()
        commands = self.core.handle(event)
        dt = time.perf_counter() - t0
        if timed is not None:
            timed.append(dt)
        elif isinstance(event, VehicleAtNode):
            self.at_node_s.append(dt)
        for c in commands:
            self.execute(c)

    def at(self, t: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self.heap, (t, next(self.seq), fn))

    def execute(self, c: Command) -> None:
        t = self.clock.t_s
        if isinstance(c, Drive):
            self.paths[c.vehicle_id] = list(c.path)
            self.drives[c.vehicle_id] = c.command_id
            self._hop(c.vehicle_id)
        elif isinstance(c, Perform):

            def done(c: Perform = c) -> None:
                if c.action is ActionKind.SCAN:
                    assert c.container_id is not None
                    self.send(
                        ScanCompleted(
                            self.clock.t_s, c.container_id, ScanOutcome.CLEAR, c.command_id
                        )
                    )
                self.send(ActionDone(self.clock.t_s, c.vehicle_id, c.action, 1e6, c.command_id))

            self.at(t + 20.0, done)
        elif isinstance(c, Charge):
            self.at(
                t + 60.0,
                lambda c=c: self.send(
                    ActionDone(self.clock.t_s, c.vehicle_id, ActionKind.CHARGE, 1e6, c.command_id)
                ),
            )

    def _hop(self, vid: str) -> None:
        path = self.paths[vid]
        u, v = path[0], path[1]
        e = self.graph.edges[(u, v)]
        dt = e.travel_time_s + self.rng.uniform(0.0, 3.0)
        drive = self.drives[vid]

        def arrive() -> None:
            path.pop(0)
            self.send(VehicleAtNode(self.clock.t_s, vid, path[0], 1e6, drive))
            if len(path) > 1 and self.paths[vid] is path:
                self._hop(vid)

        self.at(self.clock.t_s + dt, arrive)

    def run_until(self, t_end: float) -> None:
        while self.heap and self.heap[0][0] <= t_end:
            t, _, fn = heapq.heappop(self.heap)
            self.clock.t_s = t
            fn()
        self.clock.t_s = t_end


def run(quick: bool) -> list[Figure]:
    vehicles = 120 if quick else 500
    graph = synthetic_crossing()
    drv = Driver(graph, vehicles, seed=7)
    rng = random.Random(11)
    slots = {
        side: [s.id for s in graph.stations_with(StationRole.YARD_SLOT, side)]
        for side in (Side.CN, Side.MN)
    }
    n_orders = 4 * vehicles
    for i in range(n_orders):
        d = rng.choice([Direction.CN_TO_MN, Direction.MN_TO_CN])
        t = rng.uniform(0.0, 3000.0)
        level = RiskLevel.LOW if rng.random() < 0.8 else RiskLevel.MEDIUM

        def arrive(i: int = i, d: Direction = d, t: float = t, level: RiskLevel = level) -> None:
            drv.send(VerdictIssued(t, _cid(i), level, d.origin, f"v{i}"))
            drv.send(OrderArrived(t, f"o{i}", _cid(i), d, rng.choice(slots[d.origin])))

        drv.at(t, arrive)
    for k in range(1, 400):
        drv.at(k * 30.0, lambda k=k: drv.send(Tick(k * 30.0)))
    closures: list[float] = []
    verdicts: list[float] = []
    bursts: list[float] = []
    busy_lanes = sorted(
        {e.lane_id for e in graph.edges.values() if e.lane_count == 3 and "r0" in e.source}
    )
    t = 600.0
    rounds = 20 if quick else 60
    for r in range(rounds):
        drv.run_until(t)
        lane = busy_lanes[r % len(busy_lanes)]
        drv.send(LaneClosed(t, lane, reason="bench"), closures)
        drv.run_until(t + 20.0)
        drv.send(LaneOpened(t + 20.0, lane), closures)
        views = drv.core.views
        moving = [
            cid
            for cid in views.container_ids()
            if views.container_state(cid) is ContainerState.ON_VEHICLE and not views.is_held(cid)
        ]
        burst: list[float] = []
        for cid in sorted(moving)[:10]:
            drv.send(VerdictIssued(t + 20.0, cid, RiskLevel.HIGH, Side.CN, "burst"), burst)
        verdicts.extend(burst)
        bursts.append(sum(burst))
        for cid, side in drv.sink.holds:
            drv.at(
                t + 200.0,
                lambda cid=cid, side=side: drv.send(
                    HoldReleased(drv.clock.t_s, cid, "officer", side, "bench")
                ),
            )
        drv.sink.holds.clear()
        t += 40.0
    erenhot = _erenhot_hot_path(quick)
    cycles = closures + bursts
    q = statistics.quantiles(cycles, n=20)
    at_node_us = statistics.fmean(drv.at_node_s) * 1e6
    notes = (
        f"{vehicles} AGVs, {len(graph.nodes)} nodes, {len(graph.edges)} edges; "
        f"{len(closures)} closures/openings of a busy ring lane + {len(bursts)} bursts of 10 "
        f"HIGH verdicts for moving containers; admission limit {drv.core.views.admission_limit}"
    )

    def p95(xs: list[float]) -> float:
        return statistics.quantiles(xs, n=20)[18]

    return [
        Figure(
            AREA,
            "replanning cycle handle() p50",
            statistics.median(cycles) * 1e3,
            "ms",
            notes=notes,
        ),
        Figure(
            AREA,
            "replanning cycle handle() p95",
            q[18] * 1e3,
            "ms",
            target="<= 30 ms",
            ok=q[18] * 1e3 <= 30.0,
            notes=notes,
        ),
        Figure(
            AREA,
            "lane closure/opening handle() p95",
            p95(closures) * 1e3,
            "ms",
            notes="tables in use rebuilt in one batch, waiting vehicles re-planned, dispatch",
        ),
        Figure(
            AREA,
            "burst of 10 HIGH verdicts, total handle() p95",
            p95(bursts) * 1e3,
            "ms",
            notes="moving vehicles rerouted to hold bays on their side",
        ),
        Figure(AREA, "single HIGH verdict handle() p95", p95(verdicts) * 1e3, "ms"),
        Figure(
            AREA,
            "handle(VehicleAtNode) mean",
            at_node_us,
            "µs",
            notes=f"{len(drv.at_node_s)} arrivals; includes waking vehicles the release lets go",
        ),
        Figure(AREA, "handle(VehicleAtNode) p95", p95(drv.at_node_s) * 1e6, "µs"),
        *erenhot,
    ]


def _erenhot_hot_path(quick: bool) -> list[Figure]:
    """Per-event cost on the bundled Erenhot map with the SimPy runtime's 60-AGV fleet."""
    from maps.loader import bundled_map_path, load_map

    graph = load_map(bundled_map_path("erenhot_zamyn_uud"))
    parking = sorted(
        s.node
        for s in graph.stations.values()
        if s.role in (StationRole.BUFFER, StationRole.CHARGER, StationRole.YARD_SLOT)
    )
    drv = Driver(graph, 60, seed=3, depots=parking)
    rng = random.Random(5)
    slots = {
        side: [s.id for s in graph.stations_with(StationRole.YARD_SLOT, side)]
        for side in (Side.CN, Side.MN)
    }
    horizon_s = 3600.0 if quick else 4 * 3600.0
    n = int(horizon_s / 30)
    for i in range(n):
        d = rng.choice([Direction.CN_TO_MN, Direction.MN_TO_CN])
        t = rng.uniform(0.0, horizon_s)

        def arrive(i: int = i, d: Direction = d, t: float = t) -> None:
            drv.send(VerdictIssued(t, _cid(900_000 + i), RiskLevel.LOW, d.origin, f"e{i}"))
            drv.send(OrderArrived(t, f"e{i}", _cid(900_000 + i), d, rng.choice(slots[d.origin])))

        drv.at(t, arrive)
    for k in range(1, int(horizon_s / 60)):
        drv.at(k * 60.0, lambda k=k: drv.send(Tick(k * 60.0)))
    t0 = time.perf_counter()
    drv.run_until(horizon_s)
    wall_s = time.perf_counter() - t0
    per_event_us = statistics.fmean(drv.at_node_s) * 1e6
    return [
        Figure(
            AREA,
            "Erenhot, 60 AGVs: handle(VehicleAtNode) mean",
            per_event_us,
            "µs",
            notes=f"{len(drv.at_node_s)} arrivals in {horizon_s / 3600:.0f} h simulated; "
            f"whole core + driver {wall_s:.2f} s wall",
        ),
    ]
