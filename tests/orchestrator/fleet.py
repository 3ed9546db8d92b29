"""A small fake fleet: a heapq discrete-event loop that executes the core's commands.

It drives vehicles edge by edge with fixed edge times plus random extra delays, performs
actions with fixed durations, plays the customs officers (releases holds after a while) and
checks the safety invariants on its own bookkeeping, independently of the core:
never two vehicles on an exclusive lane, never more vehicles on an edge than its capacity,
never an uncleared container entering a border-crossing edge, and (``run``) every order
delivered and every vehicle idle at the end.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from orchestrator.config import OrchestratorConfig
from orchestrator.core import Orchestrator
from orchestrator.domain.customs_events import HoldPlaced
from orchestrator.domain.eventlog import DomainEvent, LogEntry, log_entry
from orchestrator.ids import CommandId
from orchestrator.lanegraph import EdgeKey, LaneGraph, NodeId, Side
from orchestrator.messages import (
    ActionDone,
    ActionKind,
    Charge,
    Command,
    Drive,
    Event,
    HoldReleased,
    Perform,
    RiskLevel,
    ScanCompleted,
    ScanOutcome,
    Stop,
    Tick,
    VehicleAtNode,
    VehicleFaulted,
    VehicleJoined,
    VehicleRecovered,
    VerdictIssued,
)


class InvariantViolation(AssertionError):
    pass


@dataclass
class FakeVehicle:
    id: str
    node: NodeId
    battery_kwh: float
    path: list[NodeId] = field(default_factory=list)
    on_edge: EdgeKey | None = None
    cargo: list[str] = field(default_factory=list)  # on board, in loading order
    busy: bool = False
    faulted: bool = False  # stops at its next node, reports nothing, actions do not finish
    drive: CommandId = field(default=CommandId(0))  # the Drive its path belongs to


class ListSink:
    """The core's event sink for tests: keeps the typed events and their log lines."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []
        self.entries: list[LogEntry] = []
        self.listeners: list[Callable[[DomainEvent], None]] = []

    def emit(self, event: DomainEvent) -> None:
        self.events.append(event)
        self.entries.append(log_entry(event))
        for listener in self.listeners:
            listener(event)

    def kinds(self, kind: str) -> list[LogEntry]:
        return [e for e in self.entries if e.kind == kind]


class FakeClock:
    def __init__(self) -> None:
        self.t_s = 0.0

    def now_s(self) -> float:
        return self.t_s


class FakeFleet:
    def __init__(
        self,
        graph: LaneGraph,
        config: OrchestratorConfig | None = None,
        *,
        seed: int = 0,
        max_delay_s: float = 5.0,
        action_s: float = 30.0,
        hold_s: float = 120.0,
        scan_outcome: Callable[[str], ScanOutcome] = lambda cid: ScanOutcome.CLEAR,
        release_holds: bool = True,
        ledger: object | None = None,
    ) -> None:
        self.graph = graph
        self.config = config or OrchestratorConfig()
        self.rng = random.Random(seed)
        self.max_delay_s = max_delay_s
        self.action_s = action_s
        self.hold_s = hold_s
        self.scan_outcome = scan_outcome
        self.release_holds = release_holds
        self.clock = FakeClock()
        self.sink = ListSink()
        self.sink.listeners.append(self._on_event)
        self.core = Orchestrator(
            graph,
            self.config,
            clock=self.clock,
            sink=self.sink,
            ledger=ledger,  # type: ignore[arg-type]
        )
        self.heap: list[tuple[float, int, Callable[[], None]]] = []
        self.seq = itertools.count()
        self.vehicles: dict[str, FakeVehicle] = {}
        self.on_edge: dict[EdgeKey, set[str]] = {}
        self.on_lane: dict[str, set[str]] = {}
        # The fleet's own view of customs, from what it sent: container -> cleared?
        self.level: dict[str, RiskLevel] = {}
        self.scanned_clear: set[str] = set()
        self.released: set[str] = set()
        self.held_now: set[str] = set()
        self.delivered: list[str] = []
        self.expected_orders = 0
        self.crossings = 0
        self.events = 0
        self.next_tick_s: float | None = None
        self.station_nodes = {st.node for st in graph.stations.values()}
        self.action_durations: dict[ActionKind, float] = {}

    # --------------------------------------------------------------------- plumbing

    def at(self, t_s: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self.heap, (t_s, next(self.seq), fn))

    def send(self, event: Event) -> None:
        self.clock.t_s = event.t_s
        self.events += 1
        commands = self.core.handle(event)
        # Update the fleet's own customs view only for events the core accepted.
        if isinstance(event, VerdictIssued):
            self.level[event.container_id] = event.level
            if event.level is RiskLevel.HIGH:
                self.released.discard(event.container_id)
        if isinstance(event, HoldReleased):
            self.held_now.discard(event.container_id)
            self.released.add(event.container_id)
        for command in commands:
            self.execute(command)

    def join(self, vid: str, node: str, battery_kwh: float | None = None) -> None:
        kwh = self.config.battery_capacity_kwh if battery_kwh is None else battery_kwh
        self.vehicles[vid] = FakeVehicle(vid, NodeId(node), kwh)
        self.send(VehicleJoined(self.clock.t_s, vid, NodeId(node), kwh))

    def capacity(self, key: EdgeKey) -> int:
        e = self.graph.edges[key]
        if e.exclusive:
            return 1
        spacing = self.config.vehicle_length_m + self.config.headway_m
        return max(1, math.floor(e.length_m * e.lane_count / spacing))

    def is_cleared(self, cid: str) -> bool:
        if cid in self.held_now:
            return False
        level = self.level.get(cid, RiskLevel.UNKNOWN)
        if level is RiskLevel.LOW:
            return True
        if level is RiskLevel.MEDIUM:
            return cid in self.scanned_clear or cid in self.released
        if level is RiskLevel.HIGH:
            return cid in self.released
        return False

    # --------------------------------------------------------------------- commands

    def execute(self, command: Command) -> None:
        v = self.vehicles[command.vehicle_id]
        if isinstance(command, Drive):
            if v.path or v.on_edge is not None:
                raise InvariantViolation(f"{v.id}: new Drive while still driving {v.path}")
            if command.path[0] != v.node or len(command.path) < 2:
                raise InvariantViolation(f"{v.id}: Drive {command.path} does not start at {v.node}")
            v.path = list(command.path[1:])
            v.drive = command.command_id
            self._enter(v)
        elif isinstance(command, Perform):
            if v.busy or v.path:
                raise InvariantViolation(f"{v.id}: Perform while busy or driving")
            v.busy = True
            t = self.clock.t_s + self.action_durations.get(command.action, self.action_s)

            def done(v: FakeVehicle = v, c: Perform = command) -> None:
                v.busy = False
                if v.faulted:
                    return  # the fault interrupted the action: it has no effect
                if c.action is ActionKind.LOAD:
                    assert c.container_id is not None
                    if len(v.cargo) >= self.config.container_places:
                        raise InvariantViolation(f"{v.id}: LOAD with {v.cargo} on board")
                    v.cargo.append(c.container_id)
                elif c.action is ActionKind.UNLOAD:
                    assert c.container_id is not None
                    if c.container_id not in v.cargo:
                        raise InvariantViolation(f"{v.id}: UNLOAD of {c.container_id}: not aboard")
                    self.delivered.append(c.container_id)
                    v.cargo.remove(c.container_id)
                elif c.action is ActionKind.SCAN:
                    assert c.container_id is not None
                    outcome = self.scan_outcome(c.container_id)
                    if outcome is ScanOutcome.CLEAR:
                        self.scanned_clear.add(c.container_id)
                    else:
                        self.level[c.container_id] = RiskLevel.HIGH
                        self.released.discard(c.container_id)
                    self.send(ScanCompleted(self.clock.t_s, c.container_id, outcome, c.command_id))
                self.send(ActionDone(self.clock.t_s, v.id, c.action, v.battery_kwh, c.command_id))

            self.at(t, done)
        elif isinstance(command, Charge):
            v.busy = True

            def charged(v: FakeVehicle = v, c: Charge = command) -> None:
                v.busy = False
                if v.faulted:
                    return
                v.battery_kwh = max(v.battery_kwh, c.target_kwh)
                self.send(
                    ActionDone(self.clock.t_s, v.id, ActionKind.CHARGE, v.battery_kwh, c.command_id)
                )

            self.at(self.clock.t_s + self.action_s, charged)
        else:
            assert isinstance(command, Stop)
            del v.path[1:]  # driving: it stops at the node it is heading to

    def _enter(self, v: FakeVehicle) -> None:
        nxt = v.path[0]
        key = (v.node, nxt)
        edge = self.graph.edges[key]
        occupants = self.on_edge.setdefault(key, set())
        occupants.add(v.id)
        if len(occupants) > self.capacity(key):
            raise InvariantViolation(
                f"t={self.clock.t_s}: edge {key} holds {sorted(occupants)} > {self.capacity(key)}"
            )
        if edge.exclusive:
            lane = self.on_lane.setdefault(edge.lane_id, set())
            lane.add(v.id)
            if len(lane) > 1:
                raise InvariantViolation(
                    f"t={self.clock.t_s}: exclusive lane {edge.lane_id} holds {sorted(lane)}"
                )
        if edge.crosses_border:
            self.crossings += 1
            for cid in v.cargo:
                if not self.is_cleared(cid):
                    raise InvariantViolation(
                        f"t={self.clock.t_s}: {v.id} carries uncleared {cid} across {key}"
                    )
        v.on_edge = key
        dt = edge.travel_time_s + self.rng.uniform(0.0, self.max_delay_s)
        self.at(self.clock.t_s + dt, lambda v=v: self._arrive(v))

    def _arrive(self, v: FakeVehicle) -> None:
        key = v.on_edge
        assert key is not None
        self.on_edge[key].discard(v.id)
        edge = self.graph.edges[key]
        if edge.exclusive:
            self.on_lane[edge.lane_id].discard(v.id)
        v.on_edge = None
        v.node = v.path.pop(0)
        v.battery_kwh -= edge.length_m / 1000.0 * self.config.consumption_kwh_per_km
        if v.faulted:
            v.path = []  # it comes to a stop here, unheard
            return
        self.send(VehicleAtNode(self.clock.t_s, v.id, v.node, v.battery_kwh, v.drive))
        if v.path and v.on_edge is None:
            self._enter(v)
        elif edge.exclusive and v.on_edge is None and v.node not in self.station_nodes:
            raise InvariantViolation(
                f"t={self.clock.t_s}: {v.id} stopped at {v.node} inside exclusive "
                f"lane {edge.lane_id}"
            )

    # --------------------------------------------------------------------- faults

    def fault(self, vid: str, for_s: float, reason: str = "drive error") -> None:
        """Fault ``vid`` now (it stops at its next node) and recover it ``for_s`` later."""
        v = self.vehicles[vid]
        v.faulted = True
        self.send(VehicleFaulted(self.clock.t_s, vid, reason))
        self.at(self.clock.t_s + for_s, lambda: self._recover(v))

    def _recover(self, v: FakeVehicle) -> None:
        if v.on_edge is not None:  # still rolling to its stop
            self.at(self.clock.t_s + 1.0, lambda: self._recover(v))
            return
        v.faulted = False
        v.busy = False
        self.send(VehicleRecovered(self.clock.t_s, v.id, v.node, v.battery_kwh))

    # --------------------------------------------------------------------- officers

    def _on_event(self, event: DomainEvent) -> None:
        if isinstance(event, HoldPlaced):
            cid, side = event.container_id, event.side
            self.held_now.add(cid)
            if self.release_holds:
                self.at(self.clock.t_s + self.hold_s, lambda: self._release(cid, side))

    def _release(self, cid: str, side: Side) -> None:
        self.send(HoldReleased(self.clock.t_s, cid, "officer-1", side, "inspected"))

    # --------------------------------------------------------------------- run

    def run(self, until_s: float, tick_s: float = 60.0) -> None:
        """Run until every expected order is delivered (or ``until_s``); ticks keep it alive."""
        if self.next_tick_s is None:
            self.next_tick_s = tick_s
        while True:
            if len(self.delivered) >= self.expected_orders and self.all_quiet():
                return
            t_next = self.heap[0][0] if self.heap else math.inf
            if min(t_next, self.next_tick_s) > until_s:
                self.clock.t_s = max(self.clock.t_s, until_s)
                return
            if t_next <= self.next_tick_s:
                t, _, fn = heapq.heappop(self.heap)
                self.clock.t_s = t
                fn()
            else:
                self.send(Tick(self.next_tick_s))
                self.next_tick_s += tick_s

    def all_quiet(self) -> bool:
        return all(
            not v.path and v.on_edge is None and not v.busy and not v.faulted
            for v in self.vehicles.values()
        )
