"""Dispatching: which idle vehicle takes which waiting container, charging and making room.

Each round offers the oldest orders that can have a delivery place now to the idle vehicles and
solves the assignment optimally (:mod:`orchestrator.dispatcher`); vehicles low on energy go
charging, and idle vehicles move out of yard slots and chargers that others need.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np

from orchestrator.dispatcher import assign_matrix, needs_charge
from orchestrator.domain.states import ContainerState, OrderState, VehicleState
from orchestrator.lanegraph import NodeId, Side, Station, StationRole
from orchestrator.messages import Command, Direction
from orchestrator.planning import Planner
from orchestrator.state import ContainerRun, Purpose, VehicleRun
from orchestrator.traffic.resources import station_resource

__all__ = ["Dispatching"]

V = VehicleState
# Orders offered per dispatch round: keeps a round cheap with a long backlog and a big fleet;
# the oldest come first and the rest follow in the next rounds.
_MAX_ORDERS_PER_ROUND = 48
# Direction.destination is a property computed per call; the hot order loop looks it up here.
_DESTINATION = {d: d.destination for d in Direction}


class Dispatching(Planner):
    def charger_len(self, node: NodeId) -> float:
        """Metres from ``node`` to the nearest open charger (0 if the map has none)."""
        version, cache = self._charger_len
        if version != self.router.version:
            cache = {}
            self._charger_len = (self.router.version, cache)
        if node not in cache:
            chargers = [
                st for st in self.graph.stations_with(StationRole.CHARGER) if self.station_open(st)
            ]
            if not chargers:
                cache[node] = 0.0
            else:
                self.router.prepare("length", [st.node for st in chargers])
                cache[node] = min(self.router.cost("length", node, st.node) for st in chargers)
        return cache[node]

    def send_to_charger(self, v: VehicleRun, out: list[Command], side: Side | None) -> bool:
        chargers = [st for st in self.graph.stations_with(StationRole.CHARGER, side)]
        here = self.graph.stations.get(v.station or "")
        if here is not None and here.role is StationRole.CHARGER:
            sid: str | None = here.id
        else:
            sid = self.reserve_nearest(v, v.node, chargers, "time")
        if sid is None:
            return False
        v.purpose = Purpose.CHARGE
        v.target_station = sid
        v.target_node = self.graph.stations[sid].node
        self.go(v, out)
        return True

    def dispatch(self, out: list[Command]) -> None:
        self.dispatch_needed = False
        idle: list[VehicleRun] = []
        vehicles = self.vehicles
        for vid in sorted(vehicles):
            v = vehicles[vid]
            if v.order_id is not None or v.fault is not None:
                continue
            purpose = v.purpose
            if (v.state is V.IDLE and v.target_node is None and not v.on_lanes) or (
                # Idle vehicles on their way to a depot or circulating can take work at once.
                (purpose is Purpose.CIRCULATE or purpose is Purpose.PARK) and v.container_id is None
            ):
                idle.append(v)
        if not idle:
            return
        ready: list[VehicleRun] = []
        want_charger = False
        for v in idle:
            if needs_charge(v.battery_kwh, self.config):
                if self.send_to_charger(v, out, None):
                    continue
                want_charger = True
            ready.append(v)
        orders = [
            oid
            for oid in self.open_orders
            if self.containers[self.orders[oid]].state is ContainerState.WAITING
        ]
        assigned: set[str] = set()
        self._energy_short = set()
        self._no_dest_sides = set()
        self._blocked_pickups = set()
        if orders and ready:
            assigned = self._assign(ready, orders, out)
        origins = self.open_origins.keys()
        for v in ready:
            if v.id in assigned:
                continue
            if v.purpose is Purpose.CIRCULATE or v.purpose is Purpose.PARK:
                continue  # already making room; it parks or gets work on the way
            here = self.graph.stations.get(v.station or "")
            if v.id in self._energy_short:
                # Too little charge for the work waiting: top up now rather than idle.
                if not self.send_to_charger(v, out, None):
                    want_charger = True
            elif here is None or here.role is StationRole.PARKING:
                if self._top_up(v, here):
                    self.send_to_charger(v, out, here.side if here else None)
            elif (StationRole.PARKING, here.side) in self.stations_by:
                if here.role is StationRole.CHARGER:
                    if v.state is V.IDLE and v.battery_kwh >= self._full_kwh():
                        # Charged and nothing to do: free the charger, wait in the depot.
                        self.relocate(v, here.side, origins, out, to_charger=False)
                elif here.role in (StationRole.YARD_SLOT, StationRole.BUFFER):
                    # Nothing to do: free the slot (or buffer place) for work and wait in a
                    # depot on this side; a low vehicle charges first.
                    self.relocate(v, here.side, origins, out, to_charger=self._top_up(v, here))
            elif here.role is StationRole.YARD_SLOT:
                # A map without depots: make room where work needs it, else free the slot for
                # deliveries by parking at a charger on this side.
                if here.side in self._no_dest_sides or (here.id in origins and self.open_orders):
                    self.relocate(v, here.side, origins, out)
                else:
                    self.send_to_charger(v, out, here.side)
        if want_charger:
            # Chargers full of charged, idle vehicles: make them room.
            full = self._full_kwh()
            for v in ready:
                here = self.graph.stations.get(v.station or "")
                if (
                    v.id not in assigned
                    and v.purpose is None
                    and v.state is V.IDLE
                    and here is not None
                    and here.role is StationRole.CHARGER
                    and v.battery_kwh >= full
                ):
                    self.relocate(v, here.side, origins, out, to_charger=False)

    def _full_kwh(self) -> float:
        return self.config.charge_to_fraction * self.config.battery_capacity_kwh * 0.99

    def _top_up(self, v: VehicleRun, here: Station | None) -> bool:
        """With no work waiting, an idle vehicle below the top-up level charges if a charger on
        its side is free.

        Idle time is the cheapest time to charge: topping up between jobs keeps the fleet
        out of the low-battery zone in the busy hours (no queueing for a charger here).
        """
        cfg = self.config
        if (
            self.open_orders
            or v.battery_kwh >= cfg.top_up_below_fraction * cfg.battery_capacity_kwh
        ):
            return False  # work is waiting: it charges only when it must
        side = here.side if here is not None else self.graph.nodes[v.node].side
        return any(
            self.alloc.has_room(station_resource(st.id)) and self.station_open(st)
            for st in self.stations_by.get((StationRole.CHARGER, side), [])
        )

    def relocate(
        self,
        v: VehicleRun,
        side: Side,
        busy: Collection[str],
        out: list[Command],
        *,
        to_charger: bool = True,
    ) -> None:
        """Move an idle vehicle out of a yard slot, charger or buffer place others need.

        To a charger (if asked), the nearest depot parking place on its side, its own depot
        spot, a buffer place, or a free slot on the other side; with none free it
        circulates on its side's ring, but idle circulators never hold more than half the
        admission tokens, so loaded vehicles always find one.
        """
        if to_charger and self.send_to_charger(v, out, None):
            return
        sid = self.depot_place(v, side)
        if sid is None and v.depot is not None and self.to_depot(v):
            self.log(
                "vehicle.relocated",
                v.id,
                f"idle vehicle {v.id} makes room: returns to its depot {v.depot}",
                vehicle_id=v.id,
                station="",
            )
            self.go(v, out)
            return
        sid = sid or self.parking_place(v, side, busy)
        if sid is None:
            circulating = sum(
                1
                for w in self.vehicles.values()
                if w.purpose is Purpose.CIRCULATE and w.container_id is None
            )
            if (circulating + 1) * 2 <= self.traffic.admission_limit and not needs_charge(
                v.battery_kwh, self.config
            ):
                point = self.next_waypoint(v, side)
                if point is not None:
                    self.log(
                        "vehicle.relocated",
                        v.id,
                        f"idle vehicle {v.id} makes room: circulates on the "
                        f"{side.value} side until a place frees",
                        vehicle_id=v.id,
                        station="",
                    )
                    v.purpose = Purpose.CIRCULATE
                    v.target_station = None
                    v.target_node = point
                    self.go(v, out)
            return
        self.log(
            "vehicle.relocated",
            v.id,
            f"idle vehicle {v.id} makes room: parks at {sid}",
            vehicle_id=v.id,
            station=sid,
        )
        v.purpose = Purpose.PARK
        v.target_station = sid
        v.target_node = self.graph.stations[sid].node
        self.go(v, out)

    def _slots_by_distance(self, pickup: Station, side: Side) -> list[tuple[Station, str]]:
        """Reachable yard slots of ``side`` with their resource ids, nearest to ``pickup``
        first (cached per routing)."""
        key = (pickup.id, side)
        version, cache = self._slot_order
        if version != self.router.version:
            cache = {}
            self._slot_order = (self.router.version, cache)
        order = cache.get(key)
        if order is None:
            slots = self.stations_by.get((StationRole.YARD_SLOT, side), [])
            self.router.prepare("time", [st.node for st in slots])
            ranked = sorted(
                (self.router.cost("time", pickup.node, st.node), st.id, st) for st in slots
            )
            order = [(st, station_resource(st.id)) for cost, _, st in ranked if math.isfinite(cost)]
            cache[key] = order
        return order

    def _dest_for(self, c: ContainerRun, busy: Collection[str]) -> str | None:
        """The free yard slot on the destination side nearest the pick-up.

        Slots no waiting container stands at come first: delivering there would lock it in.
        """
        pickup = self.graph.stations[c.order.origin_station]
        fallback = None
        usage, capacity = self.alloc.tables()
        zones_closed = bool(self.closed_zones)
        for st, res in self._slots_by_distance(pickup, _DESTINATION[c.order.direction]):
            if usage[res] >= capacity[res] or (zones_closed and not self.station_open(st)):
                continue
            if st.id not in busy:
                return st.id
            fallback = fallback or st.id
        return fallback

    def _free_slot_ids(self, side: Side) -> list[str]:
        """Yard slots of ``side`` with a free place (and open), in map order."""
        usage, capacity = self.alloc.tables()
        slots = self._slot_places.get(side)
        if slots is None:
            slots = self._slot_places[side] = [
                (st, station_resource(st.id))
                for st in self.stations_by.get((StationRole.YARD_SLOT, side), [])
            ]
        if self.closed_zones:
            return [
                st.id for st, res in slots if usage[res] < capacity[res] and self.station_open(st)
            ]
        return [st.id for st, res in slots if usage[res] < capacity[res]]

    def _slot_ranks(self, pickup: Station, side: Side) -> dict[str, int]:
        """Rank of each reachable yard slot of ``side`` by distance from ``pickup`` (0 =
        nearest; :meth:`_slots_by_distance`'s order, cached with it)."""
        key = (pickup.id, side)
        version, cache = self._slot_rank
        if version != self.router.version:
            cache = {}
            self._slot_rank = (self.router.version, cache)
        ranks = cache.get(key)
        if ranks is None:
            ranks = {st.id: r for r, (st, _) in enumerate(self._slots_by_distance(pickup, side))}
            cache[key] = ranks
        return ranks

    def _dest_among(
        self, pickup: Station, side: Side, free_ids: list[str], busy: Collection[str]
    ) -> str | None:
        """:meth:`_dest_for` for a round's list of free slots (nothing taken since): the
        nearest free slot no waiting container stands at, else the nearest free one. A
        saturated port has few free slots, so this looks at those instead of walking every
        slot by distance."""
        ranks = self._slot_ranks(pickup, side)
        best: tuple[int, str] | None = None
        fallback: tuple[int, str] | None = None
        for sid in free_ids:
            rank = ranks.get(sid)
            if rank is None:
                continue  # not reachable from the pick-up
            if sid in busy:
                if fallback is None or rank < fallback[0]:
                    fallback = (rank, sid)
            elif best is None or rank < best[0]:
                best = (rank, sid)
        if best is not None:
            return best[1]
        return fallback[1] if fallback is not None else None

    def _free_slots(self, side: Side, enough: int) -> int:
        """Free yard-slot places on ``side``, counted up to ``enough`` (a round considers at
        most that many orders, so a larger count changes nothing)."""
        if self.closed_zones:
            slots = self.stations_by.get((StationRole.YARD_SLOT, side), [])
            return self.alloc.free_room(
                [station_resource(st.id) for st in slots if self.station_open(st)], enough
            )
        names = self._slot_resources.get(side)
        if names is None:
            slots = self.stations_by.get((StationRole.YARD_SLOT, side), [])
            names = self._slot_resources[side] = [station_resource(st.id) for st in slots]
        return self.alloc.free_room(names, enough)

    def _assign(self, ready: list[VehicleRun], orders: list[str], out: list[Command]) -> set[str]:
        # Consider the oldest orders that can have a delivery place now, at most one per
        # idle vehicle: the matrix stays small however long the backlog grows.
        busy = self.open_origins.keys()
        # Per-side counters in lists indexed 0 = CN, 1 = MN: this loop may walk a long
        # backlog, and enum members hash in Python code.
        sides = (Side.CN, Side.MN)
        limit = min(len(ready), _MAX_ORDERS_PER_ROUND)
        # Capped at the orders a round considers: each considered order takes at most one.
        free = [self._free_slots(Side.CN, limit), self._free_slots(Side.MN, limit)]
        info: dict[str, tuple[Station, float]] = {}
        considered: list[str] = []
        # Round trips: with every slot on a side taken, a vehicle idle in one of them can
        # fetch a container for that side and bring it back to its own slot.
        parked: dict[Side, set[str]] = {Side.CN: set(), Side.MN: set()}
        for v in ready:
            st = self.graph.stations.get(v.station or "")
            if st is not None and st.role is StationRole.YARD_SLOT and v.purpose is None:
                parked[st.side].add(st.id)
        round_trip: dict[str, Side] = {}
        trips_left = [len(parked[Side.CN]), len(parked[Side.MN])]
        dest_memo: dict[tuple[str, int], str | None] = {}
        free_ids: list[list[str] | None] = [None, None]  # per side, listed once a round
        stations_by_id = self.graph.stations
        to_mn = Direction.CN_TO_MN
        exhausted = free[0] <= 0 and trips_left[0] <= 0 and free[1] <= 0 and trips_left[1] <= 0
        for oid in orders:
            if len(considered) >= limit or exhausted:
                break
            c = self.containers[self.orders[oid]]
            i = 1 if c.order.direction is to_mn else 0  # index of the destination side
            pickup = stations_by_id[c.order.origin_station]
            if self.closed_zones and not self.station_open(pickup):
                continue
            dest = None
            if free[i] > 0:
                # Nothing is taken before the assignment below: same pick-up, same side,
                # same slot.
                dest_key = (pickup.id, i)
                if dest_key in dest_memo:
                    dest = dest_memo[dest_key]
                else:
                    side_free = free_ids[i]
                    if side_free is None:
                        side_free = free_ids[i] = self._free_slot_ids(sides[i])
                    dest = dest_memo[dest_key] = self._dest_among(pickup, sides[i], side_free, busy)
            if dest is None:
                self._no_dest_sides.add(sides[i])
                if trips_left[i] > 0:
                    trips_left[i] -= 1
                    round_trip[oid] = sides[i]
                    info[oid] = (pickup, 0.0)
                    considered.append(oid)
                    exhausted = (
                        free[0] <= 0 and trips_left[0] <= 0 and free[1] <= 0 and trips_left[1] <= 0
                    )
                continue
            free[i] -= 1
            exhausted = free[0] <= 0 and trips_left[0] <= 0 and free[1] <= 0 and trips_left[1] <= 0
            dnode = stations_by_id[dest].node
            job_m = self.router.cost("length", pickup.node, dnode) + self.charger_len(dnode)
            info[oid] = (pickup, job_m)
            considered.append(oid)
        orders = considered
        if not orders:
            return set()
        pickups = sorted({p.node for p, _ in info.values()})
        self.router.prepare("time", pickups)
        self.router.prepare("length", pickups)
        by_id = {v.id: v for v in ready}
        vids = sorted(by_id)
        idx = np.array(
            [self.router.node_index(by_id[vid].plan_end) for vid in vids], dtype=np.int64
        )
        battery = np.array([by_id[vid].battery_kwh for vid in vids])
        cfg = self.config
        reserve = cfg.reserve_fraction * cfg.battery_capacity_kwh
        kwh_per_m = cfg.consumption_kwh_per_km / 1000.0 * cfg.energy_margin
        # One (vehicles x orders) block per quantity; the element-wise arithmetic is the same
        # as per column, so the costs are bit-identical.
        t = np.array([self.router.cost_array("time", info[o][0].node)[idx] for o in orders]).T
        empty_m = np.array(
            [self.router.cost_array("length", info[o][0].node)[idx] for o in orders]
        ).T
        job = np.empty((len(vids), len(orders)))
        job[:] = np.array([info[o][1] for o in orders])
        for j, oid in enumerate(orders):
            if oid in round_trip:
                pnode = info[oid][0].node
                home = parked[round_trip[oid]]
                for i, vid in enumerate(vids):
                    sid = by_id[vid].station
                    if sid in home:
                        node = self.graph.stations[sid].node
                        job[i, j] = self.router.cost("length", pnode, node) + (
                            self.charger_len(node)
                        )
                    else:
                        job[i, j] = math.inf
        ok = np.isfinite(t) & np.isfinite(empty_m) & np.isfinite(job)
        enough = battery[:, None] - (empty_m + job) * kwh_per_m >= reserve
        short = (ok & ~enough).any(axis=1)
        ok &= enough
        # Orders whose pick-up place is taken: only a vehicle standing there can take them
        # (one block operation for all such columns; a loop of small numpy calls per column
        # cost more than the rest of the round).
        has_room = self.alloc.has_room
        blocked = [
            j for j, oid in enumerate(orders) if not has_room(station_resource(info[oid][0].id))
        ]
        if blocked:
            rows_at: dict[str, list[int]] = {}
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
                self._blocked_pickups.add(info[orders[blocked[k]]][0].id)
            ok[:, blocked] = sub & here
        self._energy_short = {vid for vid, s in zip(vids, short.tolist(), strict=True) if s}
        done: set[str] = set()
        if not ok.any():
            return done  # no feasible pair: the solver would assign nothing
        matrix = np.where(ok, t, math.inf)
        for a in assign_matrix(vids, orders, matrix):
            v = by_id[a.vehicle_id]
            c = self.containers[self.orders[a.order_id]]
            pickup = self.graph.stations[c.order.origin_station]
            pres = station_resource(pickup.id)
            if v.station != pickup.id and not self.alloc.has_room(pres):
                continue
            dest = v.station if a.order_id in round_trip else self._dest_for(c, busy)
            if dest is None:
                continue
            if v.station != pickup.id:
                self.alloc.take(v.id, [pres])
            if dest != v.station:
                self.alloc.take(v.id, [station_resource(dest)])
            v.dest_station = dest
            v.order_id = a.order_id
            v.container_id = c.id
            c.vehicle_id = v.id
            c.set_state(ContainerState.ASSIGNED)
            c.set_order_state(OrderState.ASSIGNED)
            del self.open_orders[a.order_id]
            self.open_origins[pickup.id] -= 1
            if not self.open_origins[pickup.id]:
                del self.open_origins[pickup.id]
            if v.purpose is Purpose.PARK:
                # Work for a vehicle on its way to park: drop the parking place it reserved.
                parked_at, v.target_station = v.target_station, None
                self.unreserve(v, parked_at)
            v.purpose = Purpose.PICKUP
            v.target_station = pickup.id
            v.target_node = pickup.node
            self.log(
                "order.assigned",
                c.id,
                f"order {a.order_id}: vehicle {v.id} picks up {c.id} at {pickup.id} "
                f"for {dest} ({a.empty_time_s:.0f} s empty run)",
                order_id=a.order_id,
                container_id=c.id,
                vehicle_id=v.id,
            )
            done.add(v.id)
            self.go(v, out)
        return done
