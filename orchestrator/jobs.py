"""Jobs: what happens to a container at each step of its transport order.

Loading, unloading, scanning, verdicts, seal reads and hold releases: each updates the
container's state and risk status, writes the log and the custody ledger in the legal order,
and lets the planner pick the vehicle's next stop.
"""

from __future__ import annotations

from orchestrator.custody.events import CustodyEventKind
from orchestrator.dispatching import Dispatching
from orchestrator.domain.states import ContainerState, OrderState, VehicleState
from orchestrator.lanegraph import NodeId
from orchestrator.messages import Command, RiskLevel
from orchestrator.state import ContainerRun, VehicleRun

__all__ = ["Jobs"]

K = CustodyEventKind
V = VehicleState


class Jobs(Dispatching):
    def where(self, c: ContainerRun) -> NodeId:
        if c.vehicle_id is not None and c.loaded:
            return self.vehicles[c.vehicle_id].node
        return self.graph.stations[c.order.origin_station].node

    def loaded(self, v: VehicleRun, out: list[Command]) -> None:
        assert v.container_id is not None
        c = self.containers[v.container_id]
        c.set_state(ContainerState.ON_VEHICLE)
        c.set_order_state(OrderState.PICKED_UP)
        c.loaded = True
        v.home_station = v.station
        self.custody(K.HANDOFF_YARD_TO_AGV, c, v.node, None, "system", vehicle_id=v.id)
        self.log(
            "order.picked_up",
            c.id,
            f"order {c.order.order_id}: vehicle {v.id} loaded {c.id}",
            order_id=c.order.order_id,
            container_id=c.id,
            vehicle_id=v.id,
        )
        v.set_state(V.WAITING)
        self.plan_loaded(v, None)
        self.go(v, out)

    def unloaded(self, v: VehicleRun) -> None:
        assert v.container_id is not None
        c = self.containers[v.container_id]
        c.set_state(ContainerState.DELIVERED)
        c.set_order_state(OrderState.DELIVERED)
        c.loaded = False
        self.custody(K.HANDOFF_AGV_TO_YARD, c, v.node, None, "system", vehicle_id=v.id)
        self.custody(K.DELIVERED, c, v.node, None, "system")
        crossing_s = self.now_s - c.order.received_t_s
        self.log(
            "order.delivered",
            c.id,
            f"order {c.order.order_id}: {c.id} delivered at {v.station} by {v.id} "
            f"{crossing_s:.0f} s after it was ready",
            order_id=c.order.order_id,
            container_id=c.id,
            vehicle_id=v.id,
            direction=c.order.direction.value,
            crossing_time_s=crossing_s,
        )
        c.vehicle_id = None
        self.release_home(v)
        v.container_id = None
        v.order_id = None
        v.dest_station = None
        v.set_state(V.IDLE)
        self.dispatch_needed = True

    def maybe_leave_scanner(self, v: VehicleRun, out: list[Command]) -> None:
        assert v.container_id is not None
        c = self.containers[v.container_id]
        if not (v.scan_acted and c.scan_outcome_seen):
            return
        v.scan_acted = False
        c.scan_outcome_seen = False
        c.set_state(ContainerState.ON_VEHICLE)
        v.set_state(V.WAITING)
        self.plan_loaded(v, None)
        self.go(v, out)

    def risk_changed(self, c: ContainerRun, reason: str, out: list[Command]) -> None:
        """Reroute or hold the vehicle carrying ``c`` at once (after a running action)."""
        if c.vehicle_id is None or not c.loaded:
            return  # still in the yard: the status counts when it is loaded
        v = self.vehicles[c.vehicle_id]
        if v.state in (V.LOADING, V.UNLOADING, V.SCANNING):
            return  # decided when the action is done
        if v.state is V.HOLDING:
            v.set_state(V.WAITING)  # re-planned below; it stays if it must stay
        self.plan_loaded(v, reason)
        self.go(v, out)

    def released(self, c: ContainerRun, officer_id: str, reason: str, out: list[Command]) -> None:
        assert c.risk.hold_side is not None
        side = c.risk.hold_side.value
        node = self.where(c)
        if c.seals:
            broken = c.seals[0]
            self.custody(
                K.INSPECTION_OPENED,
                c,
                node,
                broken,
                officer_id,
                reason=reason or "inspection before release",
            )
            fresh = self.new_seal_number(side)
            self.custody(
                K.RESEALED, c, node, fresh, officer_id, seal_class="H", maker="borderflow customs"
            )
            c.seals = [fresh, *c.seals[1:]]
        self.custody(K.HOLD_RELEASED, c, node, None, officer_id)
        c.risk = c.risk.with_release()
        self.log(
            "hold.released",
            c.id,
            f"{c.id} released by officer {officer_id} of {side} customs"
            + (f": {reason}" if reason else ""),
            container_id=c.id,
            officer_id=officer_id,
        )
        if c.state is ContainerState.HELD:
            c.set_state(ContainerState.ON_VEHICLE)
        self.risk_changed(c, f"hold released by officer {officer_id}", out)

    def seal_read(
        self, c: ContainerRun, seal: str, node: NodeId, matches: bool, out: list[Command]
    ) -> None:
        ok = matches and seal in c.seals
        self.log(
            "seal.read",
            c.id,
            f"{c.id}: seal {seal} read at {node}: {'match' if ok else 'MISMATCH'}",
            container_id=c.id,
            seal_number=seal,
            node=node,
            matches=ok,
        )
        if c.state is ContainerState.DELIVERED:
            return
        vid = c.vehicle_id if c.loaded else None
        self.custody(
            K.SEAL_READ,
            c,
            node,
            seal,
            "system",
            vehicle_id=vid,
            method="e-seal",
            result="match" if ok else "mismatch",
        )
        if ok:
            return
        why = f"seal {seal} read at {node} does not match the manifest"
        self.custody(K.TAMPER_ALERT, c, node, seal, "system", vehicle_id=vid, reason=why)
        c.risk = c.risk.with_verdict(RiskLevel.HIGH)
        c.hold_cause = why
        self.risk_changed(c, why, out)
