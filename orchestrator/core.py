"""The Orchestrator facade: events in, commands out.

Owns the whole state of a run (vehicles, containers, reservations) and wires the separate
strategies together: :mod:`orchestrator.dispatcher` (who carries what),
:mod:`orchestrator.router` (which way), :mod:`orchestrator.traffic` (when a vehicle may enter a
lane) and :mod:`orchestrator.risk_policy` (where customs risk sends a container). Every handler
validates its event before it changes anything, so a rejected event leaves the core untouched.
The class is layered by concern: :mod:`orchestrator.journal` (log and custody output) <
:mod:`orchestrator.stops` (state, stop choice) < :mod:`orchestrator.planning` (movement) <
:mod:`orchestrator.dispatching` < :mod:`orchestrator.jobs` < :mod:`orchestrator.views` < this.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orchestrator.config import OrchestratorConfig
from orchestrator.custody.events import CustodyEventKind, LedgerPort
from orchestrator.domain.iso6346 import parse_container_number
from orchestrator.domain.records import TransportOrder
from orchestrator.domain.seals import Seal
from orchestrator.domain.states import ContainerState, VehicleState
from orchestrator.errors import (
    DuplicateIdError,
    UnauthorisedReleaseError,
    UnexpectedEventError,
    UnknownLaneError,
    UnknownStationError,
    UnknownVehicleError,
)
from orchestrator.faults import Faults
from orchestrator.lanegraph import LaneGraph, ZoneId
from orchestrator.mapcheck import map_warnings
from orchestrator.messages import (
    ActionDone,
    ActionKind,
    Command,
    Event,
    HoldReleased,
    LaneClosed,
    LaneOpened,
    OrderArrived,
    RiskLevel,
    ScanCompleted,
    ScanOutcome,
    SealChecked,
    Tick,
    VehicleAtNode,
    VehicleFaulted,
    VehicleJoined,
    VehicleRecovered,
    VerdictIssued,
)
from orchestrator.ports import Clock, EventSink
from orchestrator.risk_policy import RiskStatus
from orchestrator.state import ContainerRun, VehicleRun

__all__ = ["Orchestrator"]

K = CustodyEventKind


class Orchestrator(Faults):
    """One crossing's orchestrator. Single-threaded: callers serialise ``handle`` calls."""

    def __init__(
        self,
        graph: LaneGraph,
        config: OrchestratorConfig,
        *,
        clock: Clock,
        sink: EventSink,
        ledger: LedgerPort | None = None,
    ) -> None:
        super().__init__(graph, config, sink=sink, ledger=ledger)
        self._clock = clock
        self._handlers: dict[type, Callable[[Any, list[Command]], None]] = {
            VehicleJoined: self._on_joined,
            OrderArrived: self._on_order,
            VehicleAtNode: self._on_at_node,
            ActionDone: self._on_action_done,
            ScanCompleted: self._on_scan,
            VerdictIssued: self._on_verdict,
            HoldReleased: self._on_release,
            SealChecked: self._on_seal,
            LaneClosed: self._on_closed,
            LaneOpened: self._on_opened,
            Tick: self._on_tick,
            VehicleFaulted: self._on_faulted,
            VehicleRecovered: self._on_recovered,
        }
        for warning in map_warnings(graph):
            self.log("map.warning", graph.name, warning, map=graph.name)

    # ------------------------------------------------------------------ entry point

    def handle(self, event: Event) -> list[Command]:
        """Apply one event; return the commands it causes (for any vehicle)."""
        handler = self._handlers.get(type(event))
        if handler is None:
            raise UnexpectedEventError(f"{type(event).__name__} is not a core event")
        self.now_s = event.t_s
        out: list[Command] = []
        handler(event, out)
        if self.pending or self.traffic.freed:
            self.settle(out)
        if self.dispatch_needed and self.now_s >= self.next_dispatch_s:
            self.next_dispatch_s = self.now_s + self.config.dispatch_interval_s
            self.dispatch(out)
            self.settle(out)
        return out

    # ------------------------------------------------------------------ handlers

    def _on_joined(self, e: VehicleJoined, out: list[Command]) -> None:
        self._node(e.node)
        old = self.vehicles.get(e.vehicle_id)
        if old is not None and (old.on_lanes or old.container_id or old.order_id):
            raise DuplicateIdError(
                f"vehicle {e.vehicle_id!r} is already active ({old.state.name} at {old.node}); "
                "it can rejoin only when idle and parked"
            )
        if old is not None:
            self.alloc.release_all(old.id)
            if old.station is not None:
                self.traffic.freed.append(f"station:{old.station}")
        v = VehicleRun(e.vehicle_id, e.node, e.battery_kwh)
        self.vehicles[v.id] = v
        here = [s for s in self.stations_at.get(e.node, [])]
        if here:
            free = [s for s in here if self.alloc.has_room(f"station:{s}")]
            sid = (free or here)[0]
            # Start-up may put more vehicles on a station than it holds: count them anyway.
            self.alloc.take(v.id, [f"station:{sid}"])
            v.station = sid
        elif not any(
            self.graph.edges[(u, e.node)].exclusive for u in self.graph.graph.pred[e.node]
        ):
            # Its own parking spot off the lanes (not at the end of a single-vehicle lane,
            # where stopping would block the section).
            v.depot = e.node
        self.log(
            "vehicle.joined",
            v.id,
            f"vehicle {v.id} joined at {e.node}",
            vehicle_id=v.id,
            node=e.node,
            battery_kwh=e.battery_kwh,
        )
        self.dispatch_needed = True

    def _on_order(self, e: OrderArrived, out: list[Command]) -> None:
        cid = parse_container_number(e.container_id)
        station = self.graph.stations.get(e.origin_station)
        if station is None:
            raise UnknownStationError(
                f"order {e.order_id}: origin station {e.origin_station!r} is not on the map "
                f"{self.graph.name}"
            )
        if station.side is not e.direction.origin:
            raise UnexpectedEventError(
                f"order {e.order_id}: origin station {station.id} is on the {station.side.value} "
                f"side but a {e.direction.value} order starts on the "
                f"{e.direction.origin.value} side"
            )
        if e.order_id in self.orders:
            raise DuplicateIdError(f"order {e.order_id!r} was already received")
        existing = self.containers.get(cid)
        if existing is not None and existing.state is not ContainerState.DELIVERED:
            raise DuplicateIdError(
                f"container {cid} already has the open order {existing.order.order_id}"
            )
        seals = tuple(Seal(s) for s in e.seal_numbers)
        order = TransportOrder(e.order_id, cid, e.direction, station.id, seals, e.t_s)
        risk = self.early_verdicts.pop(cid, RiskStatus())
        c = ContainerRun(order, risk)
        c.hold_cause = self.early_causes.pop(cid, "")
        self.containers[cid] = c
        self.orders[e.order_id] = cid
        self.open_orders[e.order_id] = None
        self.open_origins[station.id] += 1
        self.log(
            "order.received",
            cid,
            f"order {e.order_id}: {cid} {e.direction.value} ready at {station.id}",
            order_id=e.order_id,
            container_id=cid,
            direction=e.direction.value,
        )
        for seal in seals:
            self.custody(
                K.SEAL_AFFIXED,
                c,
                station.node,
                seal.number,
                "system",
                seal_class=seal.seal_class.value,
                maker="manifest",
            )
        self.dispatch_needed = True

    def _on_at_node(self, e: VehicleAtNode, out: list[Command]) -> None:
        v = self.vehicles.get(e.vehicle_id)
        if v is None:
            raise UnknownVehicleError(
                f"vehicle {e.vehicle_id!r} is unknown: send VehicleJoined for it first"
            )
        if v.fault is not None:
            self._working(v.id)  # refuses the report, naming the fault
        if not v.path or v.path[0] != e.node:
            expected = v.path[0] if v.path else "nothing (it has no Drive)"
            raise UnexpectedEventError(
                f"vehicle {v.id} reported node {e.node!r}, expected {expected}"
            )
        v.battery_kwh = e.battery_kwh
        if self.traffic.at_node(v, e.node):
            self.go(v, out)

    def _on_action_done(self, e: ActionDone, out: list[Command]) -> None:
        v = self._working(e.vehicle_id)
        expected = {
            ActionKind.LOAD: VehicleState.LOADING,
            ActionKind.UNLOAD: VehicleState.UNLOADING,
            ActionKind.SCAN: VehicleState.SCANNING,
            ActionKind.CHARGE: VehicleState.CHARGING,
        }[e.action]
        if v.state is not expected or (e.action is ActionKind.SCAN and v.scan_acted):
            raise UnexpectedEventError(
                f"vehicle {v.id}: ActionDone({e.action.value}) but it is {v.state.name}"
            )
        v.battery_kwh = e.battery_kwh
        if e.action is ActionKind.LOAD:
            self.loaded(v, out)
        elif e.action is ActionKind.UNLOAD:
            self.unloaded(v)
        elif e.action is ActionKind.SCAN:
            v.scan_acted = True
            self.maybe_leave_scanner(v, out)
        else:
            v.set_state(VehicleState.IDLE)
            self.log(
                "vehicle.charged",
                v.id,
                f"vehicle {v.id} charged to {e.battery_kwh:.1f} kWh",
                vehicle_id=v.id,
                battery_kwh=e.battery_kwh,
            )
            self.dispatch_needed = True

    def _on_scan(self, e: ScanCompleted, out: list[Command]) -> None:
        c = self._container(e.container_id)
        if c.state is not ContainerState.SCANNING or c.scan_outcome_seen:
            raise UnexpectedEventError(
                f"container {c.id}: ScanCompleted but no scan was requested (it is {c.state.name})"
            )
        c.scan_outcome_seen = True
        c.risk = c.risk.with_scan(e.outcome)
        if e.outcome is ScanOutcome.ESCALATE:
            c.hold_cause = "NII scan image escalated: the container becomes HIGH risk"
        self.log(
            "scan.done",
            c.id,
            f"{c.id}: NII scan {e.outcome.value}",
            container_id=c.id,
            outcome=e.outcome.value,
        )
        if c.vehicle_id is not None:
            self.maybe_leave_scanner(self.vehicles[c.vehicle_id], out)

    def _on_verdict(self, e: VerdictIssued, out: list[Command]) -> None:
        cid = parse_container_number(e.container_id)
        self.log(
            "risk.verdict",
            cid,
            f"{cid}: {e.authority.value} customs verdict {e.level.value}"
            + (f" ({e.reason})" if e.reason else ""),
            container_id=cid,
            level=e.level.value,
            authority=e.authority.value,
        )
        c = self.containers.get(cid)
        if c is None:
            early = self.early_verdicts.get(cid, RiskStatus())
            self.early_verdicts[cid] = early.with_verdict(e.level)
            if e.level is RiskLevel.HIGH:
                self.early_causes[cid] = self._high_cause(e)
            return
        if c.state is ContainerState.DELIVERED:
            return
        c.risk = c.risk.with_verdict(e.level)
        if e.level is RiskLevel.HIGH:
            c.hold_cause = self._high_cause(e)
        self.risk_changed(c, f"verdict {e.level.value} from {e.authority.value}", out)

    @staticmethod
    def _high_cause(e: VerdictIssued) -> str:
        return f"{e.authority.value} customs verdict HIGH ({e.verdict_id})" + (
            f": {e.reason}" if e.reason else ""
        )

    def _on_release(self, e: HoldReleased, out: list[Command]) -> None:
        c = self._container(e.container_id)
        if c.risk.hold_side is None:
            raise UnauthorisedReleaseError(f"container {c.id} is not held; nothing to release")
        if e.authority is not c.risk.hold_side:
            raise UnauthorisedReleaseError(
                f"container {c.id} is held by {c.risk.hold_side.value} customs; officer "
                f"{e.officer_id} of {e.authority.value} customs cannot release it"
            )
        self.released(c, e.officer_id, e.reason, out)

    def _on_seal(self, e: SealChecked, out: list[Command]) -> None:
        c = self._container(e.container_id)
        self._node(e.node)
        Seal(e.seal_number)
        self.seal_read(c, e.seal_number, e.node, e.matches, out)

    def _lane_ids(self, e: LaneClosed | LaneOpened) -> None:
        if e.is_zone:
            if ZoneId(e.lane_id) not in self.graph.zones:
                raise UnknownLaneError(f"zone {e.lane_id!r} is not on the map {self.graph.name}")
        elif e.lane_id not in self.lane_ids:
            raise UnknownLaneError(f"lane {e.lane_id!r} is not on the map {self.graph.name}")

    def _on_closed(self, e: LaneClosed, out: list[Command]) -> None:
        self._lane_ids(e)
        target = self.closed_zones if e.is_zone else self.closed_lanes
        target.add(e.lane_id)
        self.router.invalidate()
        what = "zone" if e.is_zone else "lane"
        self.log(
            "lane.closed",
            e.lane_id,
            f"{what} {e.lane_id} closed"
            + (f": {e.reason}" if e.reason else "")
            + "; vehicles reroute",
            lane_id=e.lane_id,
            is_zone=e.is_zone,
            reason=e.reason,
        )
        self.replan_routes()

    def _on_opened(self, e: LaneOpened, out: list[Command]) -> None:
        self._lane_ids(e)
        target = self.closed_zones if e.is_zone else self.closed_lanes
        target.discard(e.lane_id)
        self.router.invalidate()
        self.log(
            "lane.opened",
            e.lane_id,
            f"{'zone' if e.is_zone else 'lane'} {e.lane_id} opened",
            lane_id=e.lane_id,
            is_zone=e.is_zone,
        )
        self.resume_all_waiting()
        self.dispatch_needed = True

    def _on_tick(self, e: Tick, out: list[Command]) -> None:
        self.resume_all_waiting()
        self.dispatch_needed = True
