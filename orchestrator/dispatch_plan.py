"""Dispatch planning: which idle vehicle should take which waiting order (select, prioritise,
assign, as openTCS's dispatcher does).

- *Select*: the idle vehicles (parked with nothing to do, or making room on the way to a depot
  or circulating) and the orders whose container waits in its yard.
- *Prioritise*: the oldest orders that can have a delivery place now, at most one per idle
  vehicle and :data:`MAX_ORDERS_PER_ROUND`, so a far-away order cannot starve behind a stream of
  near ones and the matrix stays small; with every slot of a side taken, a vehicle idle in one
  of them may fetch a container for that side and bring it back to its own slot (a round trip).
  Costs: empty travel time per pair; a pair is infeasible when unreachable, when the energy rule
  says no (:class:`orchestrator.energy.EnergyRule`: empty run + job + way to a charger), or when
  the pick-up place is taken by another vehicle.
- *Assign*: :func:`orchestrator.dispatcher.assign_matrix` (optimal, Hungarian).

The result is a :class:`RoundPlan`; :mod:`orchestrator.rounds` carries it out. The dispatcher
owns :class:`RoundMemory` (what the last round lacked, so a freed place of exactly that kind calls
for a new round) and its cache of distances to the nearest charger.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from orchestrator.agenda import Agenda
from orchestrator.closures import Closures
from orchestrator.costs import Profile
from orchestrator.delivery_slots import DeliverySlots
from orchestrator.dispatcher import Assignment, assign_matrix
from orchestrator.domain.states import ContainerState, VehicleState
from orchestrator.energy import EnergyRule
from orchestrator.ids import OrderId, VehicleId
from orchestrator.lanegraph import NodeId, Side, Station, StationId, StationRole
from orchestrator.messages import Direction
from orchestrator.risk_policy import StopKind, next_stop
from orchestrator.router import Router
from orchestrator.state import Purpose, VehicleRun
from orchestrator.stations import StationIndex
from orchestrator.traffic.allocator import Allocator
from orchestrator.world import World

__all__ = ["MAX_ORDERS_PER_ROUND", "Dispatcher", "RoundMemory", "RoundPlan"]

# Orders offered per dispatch round: keeps a round cheap with a long backlog and a big fleet;
# the oldest come first and the rest follow in the next rounds.
MAX_ORDERS_PER_ROUND = 48
_SIDES = (Side.CN, Side.MN)  # per-side counters below are lists indexed 0 = CN, 1 = MN


class RoundMemory:
    """What the last dispatch round lacked (written by the dispatcher only)."""

    def __init__(self) -> None:
        self.energy_short: set[VehicleId] = set()  # too little charge for the work waiting
        self.no_dest_sides: set[Side] = set()  # sides that had no delivery place
        self.blocked_pickups: set[StationId] = set()  # pick-ups taken by another vehicle

    def reset(self) -> None:
        self.energy_short = set()
        self.no_dest_sides = set()
        self.blocked_pickups = set()

    def forget_slot_shortage(self) -> None:
        """No work waits: the last round's shortage of delivery places no longer matters."""
        self.no_dest_sides = set()

    def lacked(self, st: Station) -> bool:
        """Did the last round lack exactly this yard slot (its side had no delivery place, or
        it is a pick-up another vehicle stood in)?"""
        return st.role is StationRole.YARD_SLOT and (
            st.side in self.no_dest_sides or st.id in self.blocked_pickups
        )

    def snapshot(self) -> dict[str, object]:
        return {
            "energy_short": sorted(self.energy_short),
            "no_dest_sides": sorted(s.value for s in self.no_dest_sides),
            "blocked_pickups": sorted(self.blocked_pickups),
        }


@dataclass
class _Offer:
    """The orders a round offers, with their pick-up and job length (metres)."""

    orders: list[OrderId] = field(default_factory=list)
    info: dict[OrderId, tuple[Station, float]] = field(default_factory=dict)
    round_trip: dict[OrderId, Side] = field(default_factory=dict)
    parked: dict[Side, set[StationId]] = field(default_factory=dict)


@dataclass(frozen=True)
class RoundPlan:
    assignments: list[Assignment]  # in order of the orders' age
    round_trip: dict[OrderId, Side]  # orders a vehicle fetches for its own slot
    vehicles: dict[VehicleId, VehicleRun]


class Dispatcher:
    def __init__(
        self,
        world: World,
        stations: StationIndex,
        closures: Closures,
        router: Router,
        alloc: Allocator,
        slots: DeliverySlots,
        energy: EnergyRule,
        agenda: Agenda,
    ) -> None:
        self._world = world
        self._agenda = agenda
        self._graph = world.graph
        self._stations = stations
        self._closures = closures
        self._router = router
        self._alloc = alloc
        self._slots = slots
        self._energy = energy
        self.memory = RoundMemory()
        self._charger_len: tuple[int, dict[NodeId, float]] = (-1, {})

    # ------------------------------------------------------------------ select

    def idle_vehicles(self) -> list[VehicleRun]:
        """Vehicles that may take work now, by id."""
        idle: list[VehicleRun] = []
        vehicles = self._world.vehicles
        for vid in sorted(vehicles):
            v = vehicles[vid]
            if v.cargo or v.fault is not None:
                continue
            purpose = v.purpose
            if (
                v.state is VehicleState.IDLE and v.target_node is None and not v.lanes.on_lanes
            ) or (
                # Idle vehicles on their way to a depot or circulating can take work at once.
                purpose is Purpose.CIRCULATE or purpose is Purpose.PARK
            ):
                idle.append(v)
        return idle

    def waiting_orders(self) -> list[OrderId]:
        """Open orders whose container waits in its yard, oldest first. With two places per
        vehicle and ``pair_wait_s``, a container with no partner of like risk waiting is held
        back until it has waited that long (a round is booked for then)."""
        world = self._world
        containers, container_of = world.containers, world.orders.container_of
        waiting = [
            oid
            for oid in world.orders.open
            if containers[container_of[oid]].state is ContainerState.WAITING
        ]
        wait_s = world.config.pair_wait_s
        if wait_s <= 0.0 or world.config.container_places < 2 or not waiting:
            return waiting
        kinds: dict[OrderId, tuple[Direction, StopKind]] = {}
        counts: Counter[tuple[Direction, StopKind]] = Counter()
        for oid in waiting:
            c = containers[container_of[oid]]
            kind = kinds[oid] = (c.order.direction, next_stop(c.risk))
            counts[kind] += 1
        now = world.now_s
        offered: list[OrderId] = []
        for oid in waiting:
            due = containers[container_of[oid]].order.received_t_s + wait_s
            if counts[kinds[oid]] >= 2 or now >= due:
                offered.append(oid)
            else:
                self._agenda.dispatch_at(due)
        return offered

    # ------------------------------------------------------------------ plan

    def plan(self, ready: list[VehicleRun], orders: list[OrderId]) -> RoundPlan | None:
        """The round's assignments (None: no order can be offered)."""
        offer = self._offer(ready, orders)
        if not offer.orders:
            return None
        pickups = sorted({p.node for p, _ in offer.info.values()})
        self._router.prepare(Profile.TIME, pickups)
        self._router.prepare(Profile.LENGTH, pickups)
        by_id = {v.id: v for v in ready}
        vids = sorted(by_id)
        ok, t = self._feasible(by_id, vids, offer)
        if not ok.any():
            return RoundPlan([], offer.round_trip, by_id)  # the solver would assign nothing
        matrix = np.where(ok, t, math.inf)
        return RoundPlan(assign_matrix(vids, offer.orders, matrix), offer.round_trip, by_id)

    def _prioritised(self, ready: list[VehicleRun], orders: list[OrderId]) -> list[OrderId]:
        """The order in which a round considers the waiting orders: first, for each side, its
        oldest orders, as many as vehicles wait there (so a vehicle that delivered on the far
        side takes that side's work back instead of crossing empty while it waits), then the
        rest, oldest first (a side with more vehicles than work sends the spare ones across)."""
        nodes = self._graph.nodes
        left = [0, 0]  # ready vehicles per side, 0 = CN, 1 = MN
        for v in ready:
            left[0 if nodes[v.lanes.plan_end].side is Side.CN else 1] += 1
        world = self._world
        containers, container_of = world.containers, world.orders.container_of
        first: list[OrderId] = []
        rest: list[OrderId] = []
        for oid in orders:
            i = 0 if containers[container_of[oid]].order.direction is Direction.CN_TO_MN else 1
            if left[i] > 0:
                left[i] -= 1
                first.append(oid)
            else:
                rest.append(oid)
        return first + rest

    def _offer(self, ready: list[VehicleRun], orders: list[OrderId]) -> _Offer:
        """Prioritise: the oldest orders that can have a delivery place (or a round trip),
        each side's own first (:meth:`_prioritised`)."""
        orders = self._prioritised(ready, orders)
        world, slots, memory = self._world, self._slots, self.memory
        busy = world.orders.busy_origins
        limit = min(len(ready), MAX_ORDERS_PER_ROUND)
        # Capped at the orders a round considers: each considered order takes at most one.
        free = [slots.free_places(Side.CN, limit), slots.free_places(Side.MN, limit)]
        offer = _Offer(parked=self._parked_in_slots(ready))
        trips_left = [len(offer.parked[Side.CN]), len(offer.parked[Side.MN])]
        dest_memo: dict[tuple[StationId, int], StationId | None] = {}
        free_ids: list[list[StationId] | None] = [None, None]  # per side, listed once a round
        stations = self._graph.stations
        containers, container_of = world.containers, world.orders.container_of
        zones_closed = bool(self._closures.zones)
        for oid in orders:
            if len(offer.orders) >= limit or (max(free) <= 0 and max(trips_left) <= 0):
                break
            c = containers[container_of[oid]]
            i = 1 if c.order.direction is Direction.CN_TO_MN else 0  # destination side
            pickup = stations[c.order.origin_station]
            if zones_closed and not self._closures.station_open(pickup):
                continue
            dest = None
            if free[i] > 0:
                # Nothing is taken before the assignment: same pick-up, side, slot.
                key = (pickup.id, i)
                if key in dest_memo:
                    dest = dest_memo[key]
                else:
                    side_free = free_ids[i]
                    if side_free is None:
                        side_free = free_ids[i] = slots.free_ids(_SIDES[i])
                    dest = dest_memo[key] = slots.dest_among(pickup, _SIDES[i], side_free, busy)
            if dest is None:
                memory.no_dest_sides.add(_SIDES[i])
                if trips_left[i] > 0:
                    trips_left[i] -= 1
                    offer.round_trip[oid] = _SIDES[i]
                    offer.info[oid] = (pickup, 0.0)
                    offer.orders.append(oid)
                continue
            free[i] -= 1
            dnode = stations[dest].node
            job_m = self._router.cost(Profile.LENGTH, pickup.node, dnode) + self.charger_len(dnode)
            offer.info[oid] = (pickup, job_m)
            offer.orders.append(oid)
        return offer

    def _parked_in_slots(self, ready: list[VehicleRun]) -> dict[Side, set[StationId]]:
        """Yard slots where a ready vehicle stands with nothing to do (round trips)."""
        parked: dict[Side, set[StationId]] = {Side.CN: set(), Side.MN: set()}
        stations = self._graph.stations
        for v in ready:
            st = stations.get(v.station) if v.station is not None else None
            if st is not None and st.role is StationRole.YARD_SLOT and v.purpose is None:
                parked[st.side].add(st.id)
        return parked

    def _feasible(
        self, by_id: dict[VehicleId, VehicleRun], vids: list[VehicleId], offer: _Offer
    ) -> tuple[np.ndarray, np.ndarray]:
        """(feasible pairs, empty travel times), vehicles x orders; notes the energy-short."""
        router, orders, info = self._router, offer.orders, offer.info
        idx = np.array(
            [router.node_index(by_id[vid].lanes.plan_end) for vid in vids], dtype=np.int64
        )
        battery = np.array([by_id[vid].battery_kwh for vid in vids])
        # One (vehicles x orders) block per quantity; the element-wise arithmetic is the same
        # as per column, so the costs are bit-identical.
        t = np.array([router.cost_array(Profile.TIME, info[o][0].node)[idx] for o in orders]).T
        empty_m = np.array(
            [router.cost_array(Profile.LENGTH, info[o][0].node)[idx] for o in orders]
        ).T
        job = self._job_lengths(by_id, vids, offer)
        ok = np.isfinite(t) & np.isfinite(empty_m) & np.isfinite(job)
        enough = self._energy.has_energy_for(battery[:, None], empty_m + job)
        short = (ok & ~enough).any(axis=1)
        ok &= enough
        self._only_vehicles_there(ok, by_id, vids, offer)
        self.memory.energy_short = {vid for vid, s in zip(vids, short.tolist(), strict=True) if s}
        return ok, t

    def _job_lengths(
        self, by_id: dict[VehicleId, VehicleRun], vids: list[VehicleId], offer: _Offer
    ) -> np.ndarray:
        """Metres of each job (pick-up -> delivery -> nearest charger) per vehicle and order;
        a round trip ends at the vehicle's own slot (inf for a vehicle not in one)."""
        orders, info = offer.orders, offer.info
        job = np.empty((len(vids), len(orders)))
        job[:] = np.array([info[o][1] for o in orders])
        stations = self._graph.stations
        for j, oid in enumerate(orders):
            if oid not in offer.round_trip:
                continue
            pnode = info[oid][0].node
            home = offer.parked[offer.round_trip[oid]]
            for i, vid in enumerate(vids):
                sid = by_id[vid].station
                if sid is not None and sid in home:
                    node = stations[sid].node
                    job[i, j] = self._router.cost(Profile.LENGTH, pnode, node) + (
                        self.charger_len(node)
                    )
                else:
                    job[i, j] = math.inf
        return job

    def _only_vehicles_there(
        self, ok: np.ndarray, by_id: dict[VehicleId, VehicleRun], vids: list[VehicleId],
        offer: _Offer,
    ) -> None:  # fmt: skip
        """Orders whose pick-up place is taken: only a vehicle standing there can take them
        (one block operation for all such columns; a loop of small numpy calls per column
        cost more than the rest of the round)."""
        orders, info = offer.orders, offer.info
        has_room, place = self._alloc.has_room, self._stations.place
        blocked = [j for j, oid in enumerate(orders) if not has_room(place[info[oid][0].id])]
        if not blocked:
            return
        rows_at: dict[StationId, list[int]] = {}
        for i, vid in enumerate(vids):
            sid = by_id[vid].station
            if sid is not None:
                rows_at.setdefault(sid, []).append(i)
        here = np.zeros((len(vids), len(blocked)), dtype=bool)
        for k, j in enumerate(blocked):
            for i in rows_at.get(info[orders[j]][0].id, ()):
                here[i, k] = True
        sub = ok[:, blocked]
        for k in np.flatnonzero((sub & ~here).any(axis=0)).tolist():
            self.memory.blocked_pickups.add(info[orders[blocked[k]]][0].id)
        ok[:, blocked] = sub & here

    # ------------------------------------------------------------------ distances

    def charger_len(self, node: NodeId) -> float:
        """Metres from ``node`` to the nearest open charger (0 if the map has none)."""
        version, cache = self._charger_len
        if version != self._router.version:
            cache = {}
            self._charger_len = (self._router.version, cache)
        if node not in cache:
            chargers = [
                st
                for st in self._graph.stations_with(StationRole.CHARGER)
                if self._closures.station_open(st)
            ]
            if not chargers:
                cache[node] = 0.0
            else:
                self._router.prepare(Profile.LENGTH, [st.node for st in chargers])
                cost = self._router.cost
                cache[node] = min(cost(Profile.LENGTH, node, st.node) for st in chargers)
        return cache[node]
