"""Virtual AGVs: one SimPy process per vehicle behind the core's vehicle port.

:class:`VirtualAGV` implements ``orchestrator.ports.VehicleGateway.send`` exactly as a ROS AGV
adapter will: a command is recorded and the vehicle's process wakes up; nothing calls back into
the core synchronously. Driving reports ``VehicleAtNode`` at every node (and the gate seal reads
before it); a path extended in answer at the same simulated time continues without braking.
Actions report ``ActionDone`` (a scan first reports ``ScanCompleted``). Every report names the
command it answers: a node report the Drive that granted the edge just driven (a Drive that
extends the route on the way applies from the next edge on), an action report its Perform or
Charge. Battery: kWh per km
while driving plus an idle base load all the time; charging at the station's power.

Faults (:meth:`VirtualAGV.fault`, driven by the runner's schedule): the vehicle reports
``VehicleFaulted`` and from then on reports nothing. Mid-edge it rolls on to the node it is
heading to and stops there, unheard (no seal reads, no ``VehicleAtNode``); an action in
progress is interrupted without effect (a charge keeps the energy it took in so far) and
queued commands are dropped: the core commands them again on recovery. :meth:`VirtualAGV.repair`
brings it back with ``VehicleRecovered`` at the node it stands at, at once or, if it is still
rolling, when it gets there.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

import simpy

from orchestrator.domain.records import VehicleSnapshot
from orchestrator.ids import CommandId, VehicleId
from orchestrator.lanegraph import Edge, LaneGraph, NodeId
from orchestrator.messages import (
    ActionDone,
    ActionKind,
    Charge,
    Command,
    Drive,
    Event,
    Perform,
    ScanCompleted,
    Stop,
    VehicleAtNode,
    VehicleFaulted,
    VehicleRecovered,
)
from sim.battery import Battery
from sim.errors import VehicleCommandError
from sim.gates import GateDwell
from sim.kinematics import EdgeTable, brake_time_s, edge_motion, edge_table
from sim.scenario import FleetSpec
from sim.simtypes import AgvState, ProcessGen

if TYPE_CHECKING:
    from sim.customs import CustomsModel
    from sim.invariants import InvariantMonitor
    from sim.triggers import ScenarioTriggers

__all__ = ["VirtualAGV"]


class VirtualAGV:
    """One simulated AGV; its ``send`` is the vehicle port."""

    def __init__(
        self,
        env: simpy.Environment,
        vehicle_id: VehicleId,
        *,
        node: NodeId,
        graph: LaneGraph,
        spec: FleetSpec,
        deliver: Callable[[Event], object],
        customs: CustomsModel,
        monitor: InvariantMonitor,
        gate_nodes: frozenset[NodeId],
        record_delays: list[float] | None = None,
        edge_info: EdgeTable | None = None,
        gate_dwell: GateDwell | None = None,
        watch: ScenarioTriggers | None = None,
    ) -> None:
        self.env = env
        self.id = vehicle_id
        self.node = node
        self.edge: Edge | None = None
        self.cargo: list[str] = []  # on board, in loading order
        self.speed_mps = 0.0
        self.battery = Battery(spec, env.now)
        self._graph = graph
        self._spec = spec
        self._deliver = deliver
        self._customs = customs
        self._monitor = monitor
        self._gates = gate_nodes
        self._dwell = gate_dwell
        self._watch = watch  # the scenario's node / near-the-line triggers, if it has any
        self._dwell_nodes = gate_dwell.nodes if gate_dwell is not None else frozenset()
        self._route: deque[NodeId] = deque()
        self._drive_id = CommandId(0)  # the Drive the route's nodes belong to
        self._edge_cmd = CommandId(0)  # the Drive that granted the edge being driven
        self._moving = False
        self._queue: deque[Command] = deque()
        self._wake: simpy.Event | None = None
        self._delays = record_delays
        self._accel = spec.accel_mps2
        self._v_end = 0.0
        self._edge_dt_s = 0.0
        self._edge_t0_s = 0.0  # when it entered the current edge
        self._edge_kwh = 0.0  # energy to drive the current edge
        self.fault_reason: str | None = None  # out of service (why), else None
        self._repair_due = False  # repaired while still rolling to its stop
        self._acting = False  # in an action or charge a fault interrupts
        # Per edge: (edge, cruise speed, kWh to drive it); shared by the fleet when given.
        self._edge_info = edge_info if edge_info is not None else edge_table(graph, spec)
        # KPIs
        self.state = AgvState.IDLE
        self.timeline: list[tuple[float, AgvState]] = [(env.now, AgvState.IDLE)]
        self.busy_s = 0.0
        self.distance_m = 0.0
        self.empty_distance_m = 0.0
        self.process = env.process(self._run())

    # --------------------------------------------------------------------------- vehicle port

    def send(self, command: Command) -> None:
        if self.fault_reason is not None:
            raise VehicleCommandError(
                f"vehicle {self.id} is out of service ({self.fault_reason}) and got "
                f"{command!r}; the core must not command it before VehicleRecovered"
            )
        if isinstance(command, Drive):
            self._monitor.commit(self, command.path)  # a grant across the line is a commitment
        if isinstance(command, Drive) and self._moving:
            if self._replace_route(command.path):
                self._edge_cmd = command.command_id  # the edge being driven is now this Drive's
            self._drive_id = command.command_id
        elif isinstance(command, Stop):
            if self._moving:
                self._route.clear()  # stop at the node the vehicle is heading to
            self._queue = deque(c for c in self._queue if not isinstance(c, Drive))
        else:
            self._queue.append(command)
        if self._wake is not None and not self._wake.triggered:
            self._wake.succeed()

    def _replace_route(self, path: tuple[NodeId, ...]) -> bool:
        """Drive ``path`` from here on; True if it starts with the edge being driven."""
        here = self.edge.target if self.edge is not None else self.node
        takes_edge = False
        if path and path[0] == here:
            rest = path[1:]
        elif self.edge is not None and len(path) > 1 and path[:2] == self.edge.key:
            rest = path[2:]
            takes_edge = True
        else:
            raise VehicleCommandError(
                f"vehicle {self.id}: Drive path {list(path)} must start at its node {here!r}"
            )
        self._route = deque(rest)
        return takes_edge

    def snapshot(self) -> VehicleSnapshot:
        """Where it is now and what it carries (:meth:`pose_now` for the pose)."""
        x, y, yaw = self.pose_now()
        edge = self.edge
        return VehicleSnapshot(self.id, self.node, edge.target if edge is not None else None,
                               x, y, yaw, self.speed_mps, self.battery.kwh,
                               tuple(self.cargo))  # fmt: skip

    def pose_now(self) -> tuple[float, float, float]:
        """(x, y, yaw) now: at its node (yaw 0), or on its edge by the time driven (straight
        line). Cheap: a recording asks for every moving vehicle every sample."""
        edge = self.edge
        if edge is None:
            n = self._graph.nodes[self.node]
            return (n.x_m, n.y_m, 0.0)
        nodes = self._graph.nodes
        a, b = nodes[edge.source], nodes[edge.target]
        frac = min(1.0, max(0.0, (self.env.now - self._edge_t0_s) / max(self._edge_dt_s, 1e-6)))
        dx, dy = b.x_m - a.x_m, b.y_m - a.y_m
        return (a.x_m + dx * frac, a.y_m + dy * frac, math.atan2(dy, dx))

    # -------------------------------------------------------------------------------- process

    def _set_state(self, state: AgvState) -> None:
        if state is not self.state:
            self.state = state
            self.timeline.append((self.env.now, state))

    @property
    def battery_kwh(self) -> float:
        """The charge as last booked (:meth:`battery_now` brings the idle load up to now)."""
        return self.battery.kwh

    def battery_now(self) -> float:
        """Battery charge after the idle base load up to now."""
        return self.battery.now(self.env.now)

    def _wait(self, dt_s: float) -> simpy.Timeout:
        if self._delays is not None:
            self._delays.append(dt_s)
        return self.env.timeout(dt_s)

    def _run(self) -> ProcessGen:
        env = self.env
        while True:
            if self._route:
                # Plain calls around one timeout (no sub-generator): the hot path of a run.
                dt_s = self._depart(self._route.popleft())
                if self._delays is not None:
                    self._delays.append(dt_s)
                yield env.timeout(dt_s)
                if self._watch is not None:
                    self._watch.arrived(self, self.node_ahead())
                if self._dwell_nodes and self.node_ahead() in self._dwell_nodes:
                    yield from self._gate_stop()
                self._arrive()
                if not self._route:
                    self._moving = False
                    self._monitor.stopped(self)
                    if self.speed_mps > 0.0:
                        yield from self._brake()
                continue
            if self._queue:
                yield from self._execute(self._queue.popleft())
                continue
            self._set_state(AgvState.IDLE if self.fault_reason is None else AgvState.FAULTED)
            self._wake = env.event()
            t0 = env.now
            yield self._wake
            self._wake = None
            if self._delays is not None:
                self._delays.append(env.now - t0)

    def containers(self) -> list[str]:
        """The containers on board."""
        return list(self.cargo)

    def _first(self) -> str:
        return self.cargo[0] if self.cargo else ""

    def node_ahead(self) -> NodeId:
        """The node the vehicle drives to (its node when it stands)."""
        return self.edge.target if self.edge is not None else self.node

    def _gate_stop(self) -> ProcessGen:
        """At a stopping gate whose grant ends here or whose next edge crosses the line: brake
        to a standstill and stand for the gate's dwell; the seals are read and the node is
        reported after it (so the crossing is decided with the vehicle standing)."""
        assert self._dwell is not None and self.edge is not None
        gate = self.edge.target
        if self._route:
            nxt = self._edge_info.get((gate, self._route[0]))
            if nxt is None or not nxt[0].crosses_border:
                return  # it drives on through the checkpoint without crossing
        stop_s = brake_time_s(self._v_end, self._spec.decel_mps2) + self._dwell.draw_s(gate)
        self._v_end = 0.0
        self.busy_s += stop_s
        yield self._wait(stop_s)

    def _brake(self) -> ProcessGen:
        """Stop at the end of the grant; a Drive arriving meanwhile resumes from the speed
        left (the core may grant the next edge a moment after the node report)."""
        env = self.env
        brake_s = brake_time_s(self.speed_mps, self._spec.decel_mps2)
        t0 = env.now
        self._wake = env.event()
        yield env.any_of((self._wait(brake_s), self._wake))
        self._wake = None
        left_s = brake_s - (env.now - t0)
        if left_s > 0.0 and self._queue and isinstance(self._queue[0], Drive):
            self.speed_mps *= left_s / brake_s
            return
        if left_s > 0.0:
            yield env.timeout(left_s)
        self.speed_mps = 0.0

    def _depart(self, target: NodeId) -> float:
        """Enter the edge to ``target``; returns the time it takes."""
        info = self._edge_info.get((self.node, target))
        if info is None:
            raise VehicleCommandError(
                f"vehicle {self.id}: no lane from {self.node!r} to {target!r} in the map; "
                "a Drive path must follow the lane graph's directed edges"
            )
        edge, vmax, self._edge_kwh = info
        self._edge_cmd = self._drive_id
        state = AgvState.LOADED if self.cargo else AgvState.EMPTY
        if state is not self.state:
            self._set_state(state)
        if self.speed_mps >= vmax and edge.length_m > 0.0:
            # Cruising on: edge_motion's result for a start at or above the limit, inlined
            # (most edges of a run are driven at the lane limit).
            dt_s = edge.length_m / vmax
            self._v_end = vmax
        else:
            dt_s, self._v_end = edge_motion(edge.length_m, self.speed_mps, vmax, self._accel)
        self.edge = edge
        self._edge_dt_s = dt_s
        self._edge_t0_s = self.env.now
        self._monitor.enter(self, edge, dt_s)
        if self._watch is not None:
            self._watch.departed(self, edge, dt_s)
        return dt_s

    def _arrive(self) -> None:
        """Reached the end of the current edge: energy, seal reads, the node report."""
        edge = self.edge
        assert edge is not None
        used = self._edge_kwh  # looked up once in _depart
        self._monitor.moves += 1  # progress for the deadlock watchdog
        self.edge = None
        target = self.node = edge.target
        self.speed_mps = self._v_end
        self.busy_s += self._edge_dt_s
        self.distance_m += edge.length_m
        if not self.cargo:
            self.empty_distance_m += edge.length_m
        now = self.env.now
        battery = self.battery.drove(used, now)
        if battery == 0.0:
            # A real AGV would be stranded; the run goes on, the KPI and the log show it.
            self._monitor.battery_empty(self)
        if self.fault_reason is not None:
            self._stopped_unheard()
            return
        if self.cargo and target in self._gates:
            for cid in self.cargo:
                for event in self._customs.read_seals(cid, target, env_now=now):
                    self._deliver(event)
        self._deliver(VehicleAtNode(now, self.id, target, battery, self._edge_cmd))

    def _execute(self, command: Command) -> ProcessGen:
        if isinstance(command, Drive):
            if command.path and command.path[0] != self.node:
                raise VehicleCommandError(
                    f"vehicle {self.id}: Drive path {list(command.path)} must start at its "
                    f"node {self.node!r}"
                )
            self._route = deque(command.path[1:])
            self._drive_id = command.command_id
            self._moving = bool(self._route)
        elif isinstance(command, Charge):
            yield from self._charge(command.target_kwh, command.command_id)
        elif isinstance(command, Perform) and command.action is ActionKind.CHARGE:
            yield from self._charge(self._spec.battery_kwh, command.command_id)
        elif isinstance(command, Perform):
            yield from self._perform(command)

    def _charge(self, target_kwh: float, command_id: CommandId) -> ProcessGen:
        env = self.env
        self._set_state(AgvState.CHARGING)
        target, need, dt_s = self.battery.charge_plan(target_kwh, env.now)
        t0 = env.now
        self._acting = True
        try:
            yield self._wait(dt_s)
        except simpy.Interrupt:
            self.battery.charge_interrupted(env.now - t0, env.now)
            return
        finally:
            self._acting = False
        self.battery.charged(target, need, dt_s, env.now)
        self._monitor.battery_charged(self)
        self._monitor.progress()
        self._deliver(ActionDone(env.now, self.id, ActionKind.CHARGE, self.battery.kwh, command_id))

    def _perform(self, command: Perform) -> ProcessGen:
        env = self.env
        self._set_state(AgvState.WORKING)
        action = command.action
        if action is ActionKind.SCAN:
            self._customs.scan_started(command.container_id or self._first(), env.now)
            dt_s = self._customs.scan_time_s
        elif action is ActionKind.LOAD:
            dt_s = self._spec.load_time_s
        else:
            dt_s = self._spec.unload_time_s
        t0 = env.now
        self._acting = True
        try:
            yield self._wait(dt_s)
        except simpy.Interrupt:
            self.busy_s += env.now - t0
            if action is ActionKind.SCAN:
                self._customs.scan_interrupted(command.container_id or self._first())
            return
        finally:
            self._acting = False
        self.busy_s += dt_s
        if action is ActionKind.LOAD:
            if command.container_id is not None:
                self.cargo.append(command.container_id)
        elif action is ActionKind.UNLOAD:
            if command.container_id in self.cargo:
                self.cargo.remove(command.container_id)
            elif self.cargo:
                self.cargo.pop(0)
        elif action is ActionKind.SCAN:
            cid = command.container_id or self._first()
            outcome = self._customs.scan_outcome(cid, env.now)
            self._deliver(ScanCompleted(env.now, cid, outcome, command.command_id))
        self._monitor.progress()
        self._deliver(ActionDone(env.now, self.id, action, self.battery_now(), command.command_id))

    # ------------------------------------------------------------------------- a live copy

    def take_over(self, battery_kwh: float, cargo: list[str], fault: str | None) -> None:
        """Stand in for a live vehicle the core already knows (sim/forecast/world.py): its
        charge and what it has on board; out of service if it is. The core is told nothing:
        it has all this."""
        self.battery.kwh = battery_kwh
        self.battery.lowest_kwh = battery_kwh
        self.cargo = list(cargo)
        if fault is not None:
            self.fault_reason = fault
            self._set_state(AgvState.FAULTED)

    # --------------------------------------------------------------------------------- faults

    def fault(self, reason: str) -> None:
        """Break down now: report ``VehicleFaulted``, then nothing until :meth:`repair`."""
        if self.fault_reason is not None:
            raise VehicleCommandError(
                f"vehicle {self.id} is already out of service ({self.fault_reason}); repair it "
                "before the next fault"
            )
        self.fault_reason = reason
        self._repair_due = False
        self._route.clear()  # on an edge it rolls on to the next node and stops there
        self._queue.clear()  # the core commands again what it still wants, on recovery
        self._set_state(AgvState.FAULTED)
        if self._acting:
            self.process.interrupt(reason)
        self._deliver(VehicleFaulted(self.env.now, self.id, reason))

    def repair(self) -> None:
        """The repair is done: back in service now, or when it reaches its stop."""
        if self.fault_reason is None:
            return
        if self.edge is not None:
            self._repair_due = True
            return
        self._recover()

    def _stopped_unheard(self) -> None:
        """Reached its stop while out of service (from ``_arrive``; the route was cleared at
        the fault): back in service here if the repair is already done."""
        if self._repair_due:
            self._recover()

    def _recover(self) -> None:
        self.fault_reason = None
        self._repair_due = False
        self._set_state(AgvState.IDLE)
        self._monitor.progress()
        self._deliver(VehicleRecovered(self.env.now, self.id, self.node, self.battery_now()))
