"""Safety invariants checked by the runtime, independently of the core.

The monitor tracks the virtual AGVs' own positions (which edge each is on) and the customs
model's own clearance record, and counts three things that must stay 0 in every run:

- ``collisions``: more vehicles on an edge than its headway capacity
  (``max(1, floor(length_m * lane_count / (vehicle_length_m + headway_m)))``), two vehicles
  on the same exclusive lane (either direction of a single-vehicle section) at once, or more
  vehicles parked at a station node than its places. A vehicle that stops at a node which is
  not a station, or at a gate checkpoint (on the road, not beside it), still stands on the lane
  it came by, so it keeps occupying that edge until it drives on;
- ``uncleared_crossings``: a vehicle carrying a container is committed to the crossing (it is
  sent a Drive across the line) while the customs model has not cleared that container, or
  enters a border edge uncleared without such a commitment. A container whose clearance was
  withdrawn *after* a clean commitment (a late verdict) is counted as a ``late_crossings`` KPI,
  not a violation: past the point of no return the vehicle goes on and the core holds it on
  the other side;
- ``short_commitments``: at its commitment the vehicle could not have stopped before the line
  any more (its stopping distance at its speed, :mod:`orchestrator.crossing`, exceeds the way
  left to the line);
- ``deadlocks``: a watchdog finds work that could move (a container with a verdict, not held
  and not delivered) while no vehicle has moved or finished an action for the scenario's
  ``watchdog_min`` simulated minutes. If nothing could move and containers only wait for
  customs (no verdict yet, a hold not released), that is no deadlock: the watchdog logs it
  once per stall as ``sim.customs_wait``, naming the containers, why and since when.

Each violation is also written to the event log as ``invariant.<name>`` with the ids involved.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import simpy

from orchestrator.crossing import VehicleDynamics
from orchestrator.domain.eventlog import DomainEvent, LogEntry
from orchestrator.domain.traffic_events import VehicleWaiting
from orchestrator.lanegraph import Edge, EdgeKey, LaneGraph, NodeId, StationRole
from orchestrator.traffic.resources import Resource, ResourceKind
from sim.crossing_monitor import CrossingMonitor
from sim.simtypes import ProcessGen

if TYPE_CHECKING:
    from sim.customs import CustomsModel
    from sim.vehicle import VirtualAGV

__all__ = ["CustomsWait", "InvariantMonitor"]


@dataclass(frozen=True, slots=True)
class CustomsWait:
    """A container that waits for a customs decision, not for a vehicle."""

    container_id: str
    why: str  # "no verdict", "held by CN customs", ...
    since_s: float


class InvariantMonitor:
    def __init__(
        self,
        env: simpy.Environment,
        graph: LaneGraph,
        spacing_m: float,
        customs: CustomsModel,
        emit: Callable[[LogEntry], None],
        dynamics: VehicleDynamics | None = None,
        clock_text: Callable[[float], str] | None = None,
    ) -> None:
        self.env = env
        # Simulated time for messages: the scenario's day and local clock (``d1 07:05``).
        self._clock_text = clock_text or _clock
        self._customs = customs
        # The point of no return and the crossings (sim/crossing_monitor.py).
        self.crossings = CrossingMonitor(graph, customs, dynamics, self._violation)
        self._emit = emit
        self.capacity: dict[EdgeKey, int] = {
            key: max(1, math.floor(e.length_m * e.lane_count / spacing_m))
            for key, e in graph.edges.items()
        }
        self.places: dict[str, int] = defaultdict(int)
        for st in graph.stations.values():
            # A gate checkpoint is on the road, not beside it: a vehicle that stops there (for
            # the border grant, or with no route left) still stands on the lane it came by,
            # behind or ahead of others on that lane, and the lane's headway decides.
            if st.role is not StationRole.GATE:
                self.places[st.node] += st.capacity_vehicles
        self.parked: dict[str, list[str]] = defaultdict(list)
        self._standing: dict[str, Edge] = {}  # vehicle -> lane edge it occupies (moving or not)
        self._parked_at: dict[str, str] = {}  # vehicle -> station node it is parked at
        self.on_edge: dict[EdgeKey, int] = defaultdict(int)
        self._on_lane: dict[str, list[str]] = defaultdict(list)  # exclusive lanes only
        self.occupancy_s: dict[EdgeKey, float] = defaultdict(float)
        self.traversals: dict[EdgeKey, int] = defaultdict(int)
        self.collisions = 0
        self.uncleared_crossings = 0
        self.short_commitments = 0
        self.deadlocks = 0
        self.customs_wait_stalls = 0  # stalls where only customs waits remained (not a fault)
        self.moves = 0  # progress counter for the watchdog
        self.battery_empty_events = 0
        self._empty: set[str] = set()
        self._waits_for: dict[str, Resource] = {}  # vehicle -> resource it last waited for

    # ---------------------------------------------------------------------------- positions

    def place(self, vehicle: VirtualAGV) -> None:
        """The vehicle starts parked at its node (a fleet larger than the places starts with
        the rest in the station's depot queue, so start-up is not checked)."""
        self._park(vehicle.id, vehicle.node, check=False)

    def _park(self, vehicle_id: str, node: str, check: bool = True) -> None:
        here = self.parked[node]
        here.append(vehicle_id)
        self._parked_at[vehicle_id] = node
        if check and len(here) > self.places.get(node, 0):
            self._violation(
                "collision",
                vehicle_id,
                f"{len(here)} vehicles parked at node {node} with {self.places.get(node, 0)} "
                f"station places: {', '.join(sorted(here))}",
                {"node": node, "vehicles": sorted(here)},
            )

    def _release(self, vehicle_id: str) -> None:
        edge = self._standing.pop(vehicle_id, None)
        if edge is not None:
            self.on_edge[edge.key] -= 1
            if edge.exclusive:
                self._on_lane[edge.lane_id].remove(vehicle_id)
        node = self._parked_at.pop(vehicle_id, None)
        if node is not None:
            self.parked[node].remove(vehicle_id)

    def _recheck(self, vehicle_id: str, edge: Edge) -> None:
        if self._standing.get(vehicle_id) is not edge:
            return
        key = edge.key
        n = self.on_edge[key]
        if n > self.capacity[key]:
            self._violation(
                "collision",
                vehicle_id,
                f"{n} vehicles on edge {key[0]}->{key[1]} (capacity {self.capacity[key]})",
                {"edge": list(key), "vehicles": n},
            )
        on_lane = self._on_lane[edge.lane_id] if edge.exclusive else []
        if len(on_lane) > 1:
            self._violation(
                "collision",
                vehicle_id,
                f"exclusive lane {edge.lane_id} shared by {', '.join(sorted(on_lane))}",
                {"lane_id": edge.lane_id, "vehicles": sorted(on_lane)},
            )

    def stopped(self, vehicle: VirtualAGV) -> None:
        """The vehicle stops at its node: at a station it parks off the lanes."""
        crossings = self.crossings
        if crossings.on_border:
            crossings.left_border(vehicle)
        if self.places.get(vehicle.node, 0) > 0 and vehicle.id in self._standing:
            self._release(vehicle.id)
            self._park(vehicle.id, vehicle.node)

    def enter(self, vehicle: VirtualAGV, edge: Edge, dt_s: float) -> None:
        vid = vehicle.id
        crossings = self.crossings
        if crossings.on_border:
            crossings.left_border(vehicle)
        if self._waits_for:
            self._waits_for.pop(vid, None)
        # _release(vid), inlined: this runs for every edge a vehicle enters.
        on_edge = self.on_edge
        old = self._standing.pop(vid, None)
        if old is not None:
            on_edge[old.key] -= 1
            if old.exclusive:
                self._on_lane[old.lane_id].remove(vid)
        if self._parked_at:
            node = self._parked_at.pop(vid, None)
            if node is not None:
                self.parked[node].remove(vid)
        self._standing[vid] = edge
        key = edge.key
        n = on_edge[key] + 1
        on_edge[key] = n
        self.occupancy_s[key] += dt_s
        self.traversals[key] += 1
        exclusive = edge.exclusive
        if exclusive:
            self._on_lane[edge.lane_id].append(vid)
        if n > self.capacity[key] or (exclusive and len(self._on_lane[edge.lane_id]) > 1):
            # Another vehicle may leave this lane at the same instant (its process has not run
            # yet): judge once every event of this moment has been processed.
            self.env.timeout(0).callbacks.append(lambda _: self._recheck(vehicle.id, edge))
        if edge.crosses_border:
            crossings.crossing(vehicle, edge)

    def commit(self, vehicle: VirtualAGV, path: tuple[NodeId, ...]) -> None:
        """The vehicle was sent ``path`` (a commitment if it crosses the line)."""
        self.crossings.commit(vehicle, path)

    @property
    def late_crossings(self) -> int:
        return self.crossings.late_crossings

    def battery_empty(self, vehicle: VirtualAGV) -> None:
        """Logged once per vehicle and discharge (not a safety invariant: an energy KPI)."""
        if vehicle.id in self._empty:
            return
        self._empty.add(vehicle.id)
        self.battery_empty_events += 1
        self._emit(
            LogEntry(
                self.env.now,
                "sim.battery_empty",
                vehicle.id,
                f"vehicle {vehicle.id} ran its battery empty at {vehicle.node} (a real AGV "
                "would be stranded here)",
                {"vehicle_id": vehicle.id, "node": vehicle.node},
            )
        )

    def battery_charged(self, vehicle: VirtualAGV) -> None:
        self._empty.discard(vehicle.id)

    def progress(self) -> None:
        self.moves += 1

    def _violation(self, name: str, subject: str, message: str, data: dict[str, object]) -> None:
        if name == "collision":
            self.collisions += 1
        elif name == "uncleared_crossing":
            self.uncleared_crossings += 1
        elif name == "short_commitment":
            self.short_commitments += 1
        else:
            self.deadlocks += 1
        self._emit(LogEntry(self.env.now, f"invariant.{name}", subject, message, data))

    # ----------------------------------------------------------------------------- watchdog

    def on_event(self, event: DomainEvent) -> None:
        """Remember what each vehicle waits for (the core's VehicleWaiting events)."""
        if isinstance(event, VehicleWaiting) and event.resource is not None:
            self._waits_for[event.vehicle_id] = event.resource

    def _holders(self, resource: Resource) -> list[str]:
        """Vehicles that physically occupy ``resource`` (by this monitor's own positions)."""
        if resource.kind is ResourceKind.LANE and resource.edge is not None:
            key = resource.edge.key
            return sorted(v for v, e in self._standing.items() if e.key == key)
        if resource.kind is ResourceKind.EXCLUSIVE:
            return sorted(v for v, e in self._standing.items() if e.lane_id == resource.name)
        return []

    def wait_for_cycle(self) -> list[str]:
        """A cycle of vehicles each waiting for a lane another one stands on, if any."""
        import networkx as nx

        g: nx.DiGraph = nx.DiGraph()
        for vid, resource in sorted(self._waits_for.items()):
            for holder in self._holders(resource):
                if holder != vid:
                    g.add_edge(vid, holder)
        try:
            return [u for u, _ in nx.find_cycle(g)]
        except nx.NetworkXNoCycle:
            return []

    def watchdog(
        self,
        window_s: float,
        waiting_work: Callable[[], list[str]],
        busy: Callable[[], bool],
        customs_waits: Callable[[], list[CustomsWait]] = list,
    ) -> ProcessGen:
        """SimPy process: flags each stall once (work waiting, nothing moved for ``window_s``).

        A stall where nothing could move but containers wait for customs (no verdict yet, a
        hold not released) is not a deadlock: it is logged once as ``sim.customs_wait`` with
        the containers, why and since when."""
        last_moves = -1
        stalled = False
        while True:
            yield self.env.timeout(window_s)
            if self.moves != last_moves or busy():
                last_moves = self.moves
                stalled = False
                continue
            if stalled:
                continue
            work = waiting_work()
            if work:
                stalled = True
                cycle = self.wait_for_cycle()
                why = f"; wait-for cycle {' -> '.join([*cycle, cycle[0]])}" if cycle else ""
                self._violation(
                    "deadlock",
                    work[0],
                    f"no vehicle moved for {window_s / 60:g} min while work waits: "
                    + ", ".join(work[:10])
                    + why,
                    {"waiting": work[:50], "cycle": cycle},
                )
                continue
            waits = customs_waits()
            if waits:
                stalled = True
                self._customs_wait(window_s, waits)

    def _customs_wait(self, window_s: float, waits: list[CustomsWait]) -> None:
        self.customs_wait_stalls += 1
        listed = ", ".join(
            f"{w.container_id} ({w.why} since {self._clock_text(w.since_s)})" for w in waits
        )
        self._emit(
            LogEntry(
                self.env.now,
                "sim.customs_wait",
                waits[0].container_id,
                f"no vehicle moved for {window_s / 60:g} min: nothing could move, "
                f"{len(waits)} container(s) wait for customs: {listed}",
                {
                    "waiting": [
                        {"container_id": w.container_id, "why": w.why, "since_s": w.since_s}
                        for w in waits[:50]
                    ]
                },
            )
        )


def _clock(t_s: float) -> str:
    """Simulated time as day and hh:mm (``d1 07:05``) from midnight, for messages (a run
    passes its scenario's clock instead: sim.timebase.TimeBase.day_clock)."""
    day, rest = divmod(int(t_s), 86400)
    return f"d{day + 1} {rest // 3600:02d}:{rest % 3600 // 60:02d}"
