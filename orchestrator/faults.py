"""Vehicle faults: taking a vehicle out of service and bringing it back.

A faulted vehicle may stand anywhere on the path it was granted (a vehicle that stops
answering is not seen stopping), so it keeps every lane and place it holds: nobody is sent into
it. It gets no commands and reports nothing until :class:`VehicleRecovered` (a report from it in
between is refused, and changes nothing). An order it had not loaded yet goes back to the
waiting orders, oldest first as before, so another vehicle fetches the container; a container
already on it stays with it (custody does not move) and waits for the recovery.

On recovery the vehicle stands at its node or at a node of its granted path: the arrivals up to
there are booked (freeing the lanes behind it), and its work resumes: the rest of its path is
commanded again, an action it was doing is commanded again from the start, a loaded vehicle
continues its trip, an empty one becomes available for work.
"""

from __future__ import annotations

from orchestrator.domain.states import ContainerState, OrderState, VehicleState
from orchestrator.errors import UnexpectedEventError
from orchestrator.messages import (
    ActionKind,
    Charge,
    Command,
    Drive,
    Perform,
    VehicleFaulted,
    VehicleRecovered,
)
from orchestrator.state import ContainerRun, VehicleRun
from orchestrator.traffic.resources import station_resource
from orchestrator.views import Views

__all__ = ["Faults"]

V = VehicleState
# Actions a recovered vehicle is commanded again (the report of the first try never came).
_ACTION_OF = {
    V.LOADING: ActionKind.LOAD,
    V.UNLOADING: ActionKind.UNLOAD,
    V.SCANNING: ActionKind.SCAN,
}


class Faults(Views):
    def faulted_vehicles(self) -> dict[str, str]:
        """Vehicles out of service, with the reason given."""
        return {vid: v.fault for vid, v in sorted(self.vehicles.items()) if v.fault is not None}

    def _working(self, vehicle_id: str) -> VehicleRun:
        """The vehicle, refusing a report from one that is out of service."""
        v = self._vehicle(vehicle_id)
        if v.fault is not None:
            raise UnexpectedEventError(
                f"vehicle {v.id} is out of service ({v.fault}): its reports are refused until "
                "VehicleRecovered says where it stands"
            )
        return v

    # ------------------------------------------------------------------ fault

    def _on_faulted(self, e: VehicleFaulted, out: list[Command]) -> None:
        v = self._vehicle(e.vehicle_id)
        if v.fault is not None:
            raise UnexpectedEventError(f"vehicle {v.id} is already out of service ({v.fault})")
        reason = e.reason.strip() or "no reason given"
        v.fault = reason
        if v.waiting_on is not None:  # it waits for nothing while out of service
            self.alloc.unwait(v.id, v.waiting_on)
            v.waiting_on = None
        where = f"{v.node} heading to {v.path[-1]}" if v.path else v.node
        self.log(
            "vehicle.faulted",
            v.id,
            f"vehicle {v.id} out of service at {where}: {reason}; it keeps the lanes and places "
            "it holds until it recovers",
            vehicle_id=v.id,
            node=v.node,
            reason=reason,
        )
        c = self.containers[v.container_id] if v.container_id is not None else None
        if c is not None and c.loaded:
            self.log(
                "container.stranded",
                c.id,
                f"{c.id} is on vehicle {v.id}, which is out of service: it stays there until "
                "the vehicle recovers",
                container_id=c.id,
                vehicle_id=v.id,
            )
            return
        if c is not None:
            self._return_order(v, c)
            if v.state is V.LOADING:
                v.set_state(V.WAITING)  # nothing to load any more
            self.dispatch_needed = True

    def _return_order(self, v: VehicleRun, c: ContainerRun) -> None:
        """Undo the assignment of ``c`` to ``v`` (not loaded yet): the order waits again."""
        order = c.order
        pickup = order.origin_station
        dest = v.dest_station
        v.order_id = None
        v.container_id = None
        v.dest_station = None
        if v.purpose is not None:
            target, v.target_station = v.target_station, None
            self.unreserve(v, target)
        v.purpose = None
        v.target_node = None
        # The places the assignment reserved, unless it stands in one of them.
        for sid in (pickup, dest):
            if sid is not None and sid != v.station:
                res = station_resource(sid)
                if self.alloc.release(v.id, res):
                    self.traffic.freed.append(res)
        c.vehicle_id = None
        c.set_state(ContainerState.WAITING)
        c.set_order_state(OrderState.OPEN)
        # Back among the waiting orders in arrival order, so it keeps its turn.
        self.open_orders[order.order_id] = None
        arrived = self.containers
        self.open_orders = dict.fromkeys(
            sorted(
                self.open_orders,
                key=lambda oid: (arrived[self.orders[oid]].order.received_t_s, oid),
            )
        )
        self.open_origins[pickup] += 1
        self.log(
            "order.returned",
            c.id,
            f"order {order.order_id}: {c.id} waits again at {pickup} (vehicle {v.id} is out of "
            "service)",
            order_id=order.order_id,
            container_id=c.id,
            vehicle_id=v.id,
        )

    # ------------------------------------------------------------------ recovery

    def _on_recovered(self, e: VehicleRecovered, out: list[Command]) -> None:
        v = self._vehicle(e.vehicle_id)
        if v.fault is None:
            raise UnexpectedEventError(f"vehicle {v.id} is not out of service")
        self._node(e.node)
        granted = [v.node, *v.path]
        if e.node not in granted:
            where = f"on its granted path {' -> '.join(granted)}" if v.path else f"at {v.node}"
            raise UnexpectedEventError(
                f"vehicle {v.id} cannot recover at {e.node}: it stands {where}; bring it to one "
                "of these nodes, or park it off the lanes and send VehicleJoined again"
            )
        v.fault = None
        v.battery_kwh = e.battery_kwh
        while v.node != e.node:  # the arrivals it made while nobody heard it
            self.traffic.at_node(v, v.path[0])
        self.log(
            "vehicle.recovered",
            v.id,
            f"vehicle {v.id} back in service at {e.node}",
            vehicle_id=v.id,
            node=e.node,
            battery_kwh=e.battery_kwh,
        )
        self.dispatch_needed = True
        rest = tuple(v.path)
        if rest:
            out.append(Drive(v.id, (v.node, *rest)))  # the rest of its grant
        if v.container_id is None and v.on_lanes and v.target_node is None:
            # Its order went to another vehicle: make room like any idle vehicle on the lanes
            # (if still driving, it heads there from the end of its grant).
            self.relocate(v, self.graph.nodes[v.plan_end].side, self.open_origins.keys(), out)
        if rest:
            return
        if v.state is V.CHARGING:
            cfg = self.config
            out.append(Charge(v.id, cfg.charge_to_fraction * cfg.battery_capacity_kwh))
            return
        action = _ACTION_OF.get(v.state)
        if action is not None and v.container_id is not None:
            c = self.containers[v.container_id]
            if action is ActionKind.SCAN and c.scan_outcome_seen:
                v.scan_acted = True  # only the vehicle's own report was missing
                self.maybe_leave_scanner(v, out)
            else:
                out.append(Perform(v.id, action, v.container_id))
            return
        if v.container_id is None and not v.on_lanes and v.target_node is None:
            if v.state is not V.IDLE:
                v.set_state(V.IDLE)
            return
        self.pending.append(v.id)  # the usual retry: plan (if loaded) and drive on
