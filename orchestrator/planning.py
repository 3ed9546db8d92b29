"""Planner: movement of vehicles and the work queue that resumes waiting ones.

Asks the traffic manager to move each vehicle one grant towards its target, acts on arrival
(load, unload, scan, hold, charge, park), and resumes waiting vehicles through a FIFO work queue
(:meth:`Planner.settle`), never by recursion, so a release that frees a long queue stays cheap
and the order of decisions is deterministic.
"""

from __future__ import annotations

from orchestrator.custody.events import CustodyEventKind
from orchestrator.domain.states import ContainerState, VehicleState
from orchestrator.lanegraph import EdgeKey, NodeId, StationRole
from orchestrator.messages import ActionKind, Charge, Command, Perform, Stop
from orchestrator.state import Purpose, VehicleRun
from orchestrator.stops import _BUSY, ROUTE_TOKEN, Stops, places_token
from orchestrator.traffic.manager import MoveResult
from orchestrator.traffic.resources import ADMISSION, station_resource

__all__ = ["Planner"]

K = CustodyEventKind
V = VehicleState


class Planner(Stops):
    # ------------------------------------------------------------------ work queue

    def settle(self, out: list[Command]) -> None:
        """Resume woken vehicles until nothing more can move."""
        freed = self.traffic.freed
        while self.pending or freed:
            if self.pending:
                v = self.vehicles[self.pending.popleft()]
                self.resume(v, out)
            else:
                self.wake(freed.popleft(), out)

    def wake(self, resource: str, out: list[Command]) -> None:
        if resource.startswith("station:"):
            st = self.graph.stations[resource[8:]]
            token = places_token(st.role, st.side)
            while (vid := self.alloc.pop_waiter(token)) is not None:
                if self.vehicles[vid].waiting_on == token:
                    self.pending.append(vid)
            # Re-dispatch only if the last round lacked exactly this kind of place.
            if (
                self.open_orders
                and st.role is StationRole.YARD_SLOT
                and (st.side in self._no_dest_sides or st.id in self._blocked_pickups)
            ):
                self.dispatch_needed = True
        while self.alloc.has_room(resource):
            vid = self.alloc.pop_waiter(resource)
            if vid is None:
                break
            v = self.vehicles[vid]
            if v.waiting_on != resource:
                continue
            v.waiting_on = None
            self.resume(v, out)

    def resume(self, v: VehicleRun, out: list[Command]) -> None:
        if v.state in _BUSY or v.moving or v.fault is not None:
            return
        token = v.waiting_on
        if token is not None and (token == ROUTE_TOKEN or token.startswith("places:")):
            self.alloc.unwait(v.id, token)
            v.waiting_on = None
        if (
            v.container_id is not None
            and self.containers[v.container_id].loaded
            and v.purpose is None
            and v.state is not V.HOLDING
        ):
            self.plan_loaded(v, None)
        self.go(v, out)

    def resume_all_waiting(self) -> None:
        """Retry every stationary vehicle with somewhere to go (routes or places changed).

        Vehicles queued for an admission token are left in their FIFO queue: a closure does
        not change tokens, and they take the new route when their turn comes.
        """
        for vid in sorted(self.vehicles):
            v = self.vehicles[vid]
            if v.moving or v.waiting_on == ADMISSION:
                continue
            if v.target_node is not None or v.waiting_on is not None:
                self.pending.append(vid)

    def replan_routes(self) -> None:
        """After a closure or opening: rebuild the tables in use in one batch, resume waiters.

        Vehicles on the move follow the new tables from their next node on; doing the Dijkstra
        runs here keeps that per-node step a table lookup.
        """
        wanted: dict[str, set[NodeId]] = {}
        for v in self.vehicles.values():
            if v.target_node is not None:
                wanted.setdefault(v.profile, set()).add(v.target_node)
        for profile in sorted(wanted):
            self.router.prepare(profile, wanted[profile])
        self.resume_all_waiting()

    # ------------------------------------------------------------------ movement

    def cleared(self, v: VehicleRun) -> bool:
        if v.container_id is None:
            return True
        c = self.containers[v.container_id]
        return not c.loaded or c.risk.cleared

    def go(self, v: VehicleRun, out: list[Command]) -> None:
        """Move a stationary vehicle one grant towards its target, or act on arrival."""
        if v.path or v.target_node is None or v.fault is not None:
            return  # moving (VehicleRun.moving), nowhere to go, or out of service
        if v.node == v.target_node:
            if v.purpose is not Purpose.CIRCULATE:
                self.arrive(v, out)
                return
            if v.container_id is None:
                self.plan_idle_circulation(v)
            else:
                self.plan_loaded(v, None)
            if v.target_node is None or v.node == v.target_node:
                if v.purpose is not Purpose.CIRCULATE and v.target_node is not None:
                    self.arrive(v, out)
                return
        cid = v.container_id
        if cid is None:
            cleared = True
        else:  # self.cleared(v), inlined: this runs at every node of every vehicle
            c = self.containers[cid]
            cleared = not c.loaded or c.risk.cleared
        v.profile = "time" if cleared else "time_nb"
        traffic = self.traffic
        result = traffic.try_move(v, v.target_node, cleared, out)  # type: ignore[arg-type]
        if traffic.crossings:
            for veh, key in traffic.crossings:
                self.crossed(veh, key)
            traffic.crossings.clear()
        if result is MoveResult.MOVED:
            if v.state is not V.EN_ROUTE:
                v.set_state(V.EN_ROUTE)
            return
        if not v.on_lanes and v.state is V.IDLE:
            v.set_state(V.WAITING)
        if result is MoveResult.BLOCKED:
            res = v.waiting_on or ""
            if v.wait_logged != (v.node, res):
                v.wait_logged = (v.node, res)
                self.log(
                    "traffic.wait",
                    v.id,
                    f"vehicle {v.id} waits at {v.node} for {res}",
                    vehicle_id=v.id,
                    node=v.node,
                    resource=res,
                )
            return
        if v.waiting_on is not None:
            self.alloc.unwait(v.id, v.waiting_on)
        v.waiting_on = ROUTE_TOKEN
        self.alloc.wait(v.id, ROUTE_TOKEN)
        if v.wait_logged != (v.node, ROUTE_TOKEN):
            v.wait_logged = (v.node, ROUTE_TOKEN)
            why = "no open route" if result is MoveResult.NO_ROUTE else "the gate refused it"
            self.log(
                "traffic.no_route",
                v.id,
                f"vehicle {v.id} stops at {v.node}: {why} to {v.target_node}",
                vehicle_id=v.id,
                node=v.node,
                target=v.target_node,
                reason=result.value,
            )
            out.append(Stop(v.id, f"{why} to {v.target_node}"))

    def arrive(self, v: VehicleRun, out: list[Command]) -> None:
        sid = v.target_station
        if sid is None and v.purpose is Purpose.PARK:
            # Back at its own depot spot (where it joined, off the lanes).
            if v.on_lanes:
                self.traffic.leave_lanes(v, None)
            v.purpose = None
            v.target_node = None
            v.set_state(V.IDLE)
            return
        assert sid is not None
        if v.on_lanes:
            self.traffic.leave_lanes(v, sid)
        elif v.station != sid:
            if v.station is not None and self.alloc.release(v.id, station_resource(v.station)):
                self.traffic.freed.append(station_resource(v.station))
            v.station = sid
        purpose = v.purpose
        v.purpose = None
        v.target_station = None
        v.target_node = None
        cid = v.container_id
        if purpose is Purpose.PARK:
            v.set_state(V.IDLE)
            self.dispatch_needed = True
            return
        if purpose is Purpose.WAIT:
            v.set_state(V.WAITING)
            self.plan_loaded(v, None)  # a place may have freed meanwhile; else it queues
            if v.target_node is None:
                out.append(Stop(v.id, "waits for a scanner, hold or buffer place"))
            else:
                self.go(v, out)
            return
        if purpose is Purpose.CHARGE:
            v.set_state(V.CHARGING)
            target = self.config.charge_to_fraction * self.config.battery_capacity_kwh
            self.log(
                "vehicle.charging",
                v.id,
                f"vehicle {v.id} charging at {sid}",
                vehicle_id=v.id,
                station=sid,
            )
            out.append(Charge(v.id, target))
            return
        assert cid is not None
        c = self.containers[cid]
        if purpose is Purpose.PICKUP:
            v.set_state(V.LOADING)
            out.append(Perform(v.id, ActionKind.LOAD, cid))
        elif purpose is Purpose.DELIVER:
            v.set_state(V.UNLOADING)
            out.append(Perform(v.id, ActionKind.UNLOAD, cid))
        elif purpose is Purpose.SCAN:
            v.set_state(V.SCANNING)
            c.set_state(ContainerState.SCANNING)
            v.scan_acted = False
            c.scan_outcome_seen = False
            self.log(
                "scan.requested",
                cid,
                f"{cid}: NII scan requested at {sid}",
                container_id=cid,
                vehicle_id=v.id,
                station=sid,
            )
            out.append(Perform(v.id, ActionKind.SCAN, cid))
        else:
            v.set_state(V.HOLDING)
            if purpose is Purpose.HOLD and c.state is ContainerState.ON_VEHICLE:
                c.set_state(ContainerState.HELD)
            why = (
                f"held: {c.risk.hold_reason}"
                if purpose is Purpose.HOLD
                else "waits at the pre-border buffer: no clearing verdict yet"
            )
            out.append(Stop(v.id, why))

    # ------------------------------------------------------------------ border

    def crossed(self, v: VehicleRun, key: EdgeKey) -> None:
        gate = self.traffic.gate_of[key]
        to_side = self.graph.nodes[key[1]].side.value
        c = None
        if v.container_id is not None and self.containers[v.container_id].loaded:
            c = self.containers[v.container_id]
        self.log(
            "border.crossed",
            v.id,
            f"vehicle {v.id} crosses at gate {gate.id} into {to_side}"
            + (f" with cleared {c.id}" if c else " empty"),
            vehicle_id=v.id,
            container_id=c.id if c else None,
            gate=gate.id,
            cleared=True if c is None else c.risk.cleared,
        )
        self.release_home(v)
        if c is not None:
            c.crossed = True
            self.custody(K.BORDER_HANDOFF, c, key[0], None, gate.id, vehicle_id=v.id, side=to_side)
