"""Dispatch rounds: which idle vehicle takes which waiting container.

Each round offers the oldest orders that can have a delivery place now
(:mod:`orchestrator.delivery_slots`) to the idle vehicles and solves the assignment optimally
(:mod:`orchestrator.dispatcher`); vehicles low on energy go charging, and idle vehicles move out
of yard slots and chargers that others need (:mod:`orchestrator.idle_moves`).
"""

from __future__ import annotations

import math

import numpy as np

from orchestrator.dispatcher import assign_matrix, needs_charge
from orchestrator.domain.states import ContainerState, OrderState, VehicleState
from orchestrator.idle_moves import IdleMoves
from orchestrator.lanegraph import Side, Station, StationRole
from orchestrator.messages import Command, Direction
from orchestrator.state import Purpose, VehicleRun
from orchestrator.traffic.resources import station_resource

__all__ = ["Dispatching"]

V = VehicleState
# Orders offered per dispatch round: keeps a round cheap with a long backlog and a big fleet;
# the oldest come first and the rest follow in the next rounds.
_MAX_ORDERS_PER_ROUND = 48


class Dispatching(IdleMoves):
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
