"""A kinematic AGV: follows lane-graph paths at the speed limit, performs actions by timer.

Plain Python, no ROS: the simulator node steps a list of these and publishes what they report.
It is the ROS twin of ``sim.vehicle.VirtualAGV``: a Drive replaces the route (a path that starts
at the node being driven to extends it without stopping), a Stop stops at the next node, a
Perform or Charge runs for a fixed time and reports ActionDone (a scan first reports
ScanCompleted). Each report names the command it answers: a node report the Drive that granted
the edge just driven (a Drive that replaces the route from the edge being driven takes that edge
over), an action report its Perform or Charge. ``time_scale`` > 1 makes the vehicle faster than
real time, for tests.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

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
    ScanOutcome,
    Stop,
    VehicleAtNode,
)

__all__ = ["AgvSpec", "KinematicAgv", "Mode"]


class Mode:
    """Mirrors ``VehicleState.MODE_*`` (kept numeric so no message import is needed here)."""

    IDLE = 0
    DRIVING = 1
    WORKING = 2
    CHARGING = 3
    FAULTED = 4


@dataclass(frozen=True, slots=True)
class AgvSpec:
    max_speed_mps: float = 8.0
    load_time_s: float = 30.0
    unload_time_s: float = 30.0
    scan_time_s: float = 60.0
    charger_power_kw: float = 150.0
    drive_kwh_per_km: float = 2.0
    battery_kwh: float = 200.0


class KinematicAgv:
    """One simulated vehicle; ``step(dt_s, t_s)`` advances it and returns the core events."""

    def __init__(
        self, vehicle_id: VehicleId, node: NodeId, graph: LaneGraph, spec: AgvSpec
    ) -> None:
        self.id = vehicle_id
        self.node = node
        self.graph = graph
        self.spec = spec
        pos = graph.nodes[node]
        self.x_m, self.y_m, self.yaw_rad = pos.x_m, pos.y_m, 0.0
        self.speed_mps = 0.0
        self.battery_kwh = spec.battery_kwh * 0.9
        self.container_id: str | None = None
        self.edge: Edge | None = None
        self.edge_done_m = 0.0
        self.route: deque[NodeId] = deque()
        self.drive_id = CommandId(0)  # the Drive the route's nodes belong to
        self.edge_cmd = CommandId(0)  # the Drive that granted the edge being driven
        self.queue: deque[Command] = deque()
        self.busy_left_s = 0.0
        self.busy: Perform | Charge | None = None
        self.scan_outcome = ScanOutcome.CLEAR

    @property
    def mode(self) -> int:
        if self.edge is not None:
            return Mode.DRIVING
        if isinstance(self.busy, Charge) or (
            isinstance(self.busy, Perform) and self.busy.action is ActionKind.CHARGE
        ):
            return Mode.CHARGING
        if self.busy is not None:
            return Mode.WORKING
        return Mode.IDLE

    @property
    def next_node(self) -> str:
        return self.edge.target if self.edge is not None else ""

    # ------------------------------------------------------------------ commands

    def send(self, command: Command) -> None:
        if isinstance(command, Drive):
            here = self.edge.target if self.edge is not None else self.node
            path = list(command.path)
            takes_edge = (
                self.edge is not None and len(path) > 1 and tuple(path[:2]) == self.edge.key
            )
            if takes_edge:
                path = path[1:]
            if not path or path[0] != here:
                raise ValueError(
                    f"vehicle {self.id}: Drive path {list(command.path)} must start at {here!r}"
                )
            if (
                self.edge is None and self.busy is None and not self.route
            ) or self.edge is not None:
                self.route = deque(path[1:])
                self.drive_id = command.command_id
                if takes_edge:
                    self.edge_cmd = command.command_id
            else:
                self.queue.append(Drive(self.id, tuple(path), command.command_id))
        elif isinstance(command, Stop):
            self.route.clear()
            self.queue = deque(c for c in self.queue if not isinstance(c, Drive))
        else:
            self.queue.append(command)

    # ------------------------------------------------------------------ motion

    def step(self, dt_s: float, t_s: float) -> list[Event]:
        """Advance ``dt_s`` seconds of vehicle time; events carry ``t_s``."""
        out: list[Event] = []
        left_s = dt_s
        while left_s > 1e-9:
            if self.edge is None and self.route:
                target = self.route.popleft()
                edge = self.graph.edges.get((self.node, target))
                if edge is None:
                    raise ValueError(f"vehicle {self.id}: no lane {self.node!r} -> {target!r}")
                self.edge, self.edge_done_m = edge, 0.0
                self.edge_cmd = self.drive_id
            if self.edge is not None:
                left_s = self._drive(left_s, t_s, out)
                continue
            if self.busy is None and self.queue:
                self._start(self.queue.popleft())
                continue
            if self.busy is not None:
                used = min(left_s, self.busy_left_s)
                self.busy_left_s -= used
                left_s -= used
                if isinstance(self.busy, Charge) or self.busy.action is ActionKind.CHARGE:
                    self.battery_kwh = min(
                        self.spec.battery_kwh,
                        self.battery_kwh + self.spec.charger_power_kw * used / 3600.0,
                    )
                if self.busy_left_s <= 1e-9:
                    self._finish(t_s, out)
                continue
            break
        if self.edge is None:
            self.speed_mps = 0.0
        return out

    def _drive(self, left_s: float, t_s: float, out: list[Event]) -> float:
        edge = self.edge
        assert edge is not None
        speed = min(self.spec.max_speed_mps, edge.speed_limit_mps)
        remaining_m = edge.length_m - self.edge_done_m
        need_s = remaining_m / speed
        a, b = self.graph.nodes[edge.source], self.graph.nodes[edge.target]
        self.yaw_rad = math.atan2(b.y_m - a.y_m, b.x_m - a.x_m)
        self.speed_mps = speed
        if need_s > left_s:
            self.edge_done_m += speed * left_s
            frac = self.edge_done_m / edge.length_m
            self.x_m = a.x_m + (b.x_m - a.x_m) * frac
            self.y_m = a.y_m + (b.y_m - a.y_m) * frac
            return 0.0
        self.edge = None
        self.node = edge.target
        self.x_m, self.y_m = b.x_m, b.y_m
        self.battery_kwh = max(
            0.0, self.battery_kwh - self.spec.drive_kwh_per_km * edge.length_m / 1e3
        )
        out.append(VehicleAtNode(t_s, self.id, edge.target, self.battery_kwh, self.edge_cmd))
        return left_s - need_s

    def _start(self, command: Command) -> None:
        if isinstance(command, Drive):
            self.route = deque(command.path[1:])
            self.drive_id = command.command_id
            return
        if isinstance(command, Charge | Perform):
            self.busy = command
            if isinstance(command, Charge) or command.action is ActionKind.CHARGE:
                target = (
                    command.target_kwh if isinstance(command, Charge) else self.spec.battery_kwh
                )
                need = max(0.0, min(target, self.spec.battery_kwh) - self.battery_kwh)
                self.busy_left_s = max(1e-3, need / self.spec.charger_power_kw * 3600.0)
            else:
                self.busy_left_s = {
                    ActionKind.LOAD: self.spec.load_time_s,
                    ActionKind.UNLOAD: self.spec.unload_time_s,
                    ActionKind.SCAN: self.spec.scan_time_s,
                }[command.action]

    def _finish(self, t_s: float, out: list[Event]) -> None:
        done = self.busy
        self.busy, self.busy_left_s = None, 0.0
        if isinstance(done, Charge):
            out.append(
                ActionDone(t_s, self.id, ActionKind.CHARGE, self.battery_kwh, done.command_id)
            )
            return
        assert done is not None
        if done.action is ActionKind.LOAD:
            self.container_id = done.container_id
        elif done.action is ActionKind.UNLOAD:
            self.container_id = None
        elif done.action is ActionKind.SCAN:
            cid = done.container_id or self.container_id or ""
            out.append(ScanCompleted(t_s, cid, self.scan_outcome, done.command_id))
        out.append(ActionDone(t_s, self.id, done.action, self.battery_kwh, done.command_id))
