"""VDA 5050 vehicles as the customs bridge's fleet: the core in this process, orders over MQTT.

:class:`VdaFleet` implements the bridge's fleet port (``risk_bridge.fleet_port.FleetPort``,
matched structurally: this package does not import the bridge) for ``borderflow serve --fleet
vda5050``. It owns the core (an :class:`~orchestrator.core.Orchestrator` on the fleet file's
map, with the custody ledger if one is given) and a :class:`~vda5050.fleet_link.VdaFleetLink`
whose worker thread is the only one that hands the core events: the vehicles' states, the
ticks, and the bridge's verdicts, releases, lane requests and orders (:meth:`deliver` waits for
the worker's answer). Reads (the console's vehicles, a container's view, custody) take the
lock the worker holds around the core.

Clock: monotonic seconds since the fleet was made, times ``time_scale`` (1 for real vehicles;
the simulator's ``--time-scale`` in tests and demos). Customs: verdicts come from the bridge's
clients only (no simulated authorities here). Positions: the vehicles report them in the map
frame (:func:`maps.frame.map_origin`); the bridge's records are in the lane graph's frame, so
they are shifted by the origin here. A vehicle silent for ``SILENT_AFTER_S`` shows as not
reporting.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import networkx as nx

from maps.frame import map_origin
from orchestrator.config import OrchestratorConfig
from orchestrator.core import Orchestrator
from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.reads import LedgerReads, LiveLedger
from orchestrator.custody.treehead import SignedTreeHead
from orchestrator.domain.eventlog import CUSTOMS_NOTICE_TYPES, CustomsNotice, DomainEvent
from orchestrator.domain.forecast import ForecastRequest, LiveCore
from orchestrator.domain.records import (
    Cargo,
    ContainerView,
    CustodyExtract,
    CustodyProofs,
    LedgerProof,
    VehicleSnapshot,
)
from orchestrator.ids import NodeId, VehicleId
from orchestrator.lanegraph import LaneGraph
from orchestrator.messages import Command, Drive, Event
from orchestrator.vehicle_status import VehicleStatus, vehicle_status
from vda5050.fleet_file import FleetFile
from vda5050.fleet_link import VdaFleetLink
from vda5050.mqtt import BrokerUrl

__all__ = ["SILENT_AFTER_S", "Forecaster", "VdaFleet"]

# (the frozen core, the key it is signed with, the request) -> the forecast document
Forecaster = Callable[[LiveCore, bytes, ForecastRequest], dict[str, Any]]

log = logging.getLogger("vda5050.fleet")

# VDA 5050 asks for a state at least every 30 s; borderflow's vehicles send one every second.
SILENT_AFTER_S = 5.0
MAX_HORIZON_NODES = 50


class _Clock:
    def __init__(self, time_scale: float) -> None:
        self._t0 = time.monotonic()
        self._scale = time_scale

    def now_s(self) -> float:
        return (time.monotonic() - self._t0) * self._scale


class _Notices:
    """The core's sink: what customs hear about goes to the bridge."""

    def __init__(self) -> None:
        self.queue: queue.Queue[CustomsNotice] = queue.Queue()

    def emit(self, event: DomainEvent) -> None:
        if type(event) in CUSTOMS_NOTICE_TYPES:
            self.queue.put(event)  # type: ignore[arg-type]


class VdaFleet:
    def __init__(self, fleet: FleetFile, graph: LaneGraph, map_id: str, url: BrokerUrl, *,
                 manifest: Sequence[Cargo] = (), ledger: LiveLedger | None = None,
                 time_scale: float = 1.0, ca_file: str | None = None,
                 tick_s: float = 1.0,
                 forecaster: Forecaster | None = None) -> None:  # fmt: skip
        self.graph = graph
        # Look-ahead forecasts (POST /v1/forecasts): the core frozen here under the lock, the
        # simulated world built around it by whoever composed this fleet (`serve`: sim/).
        self._forecaster = forecaster
        self._fork_key = secrets.token_bytes(32)  # the frozen core never leaves this process
        self.lane_ids = frozenset(e.lane_id for e in graph.edges.values())
        self.zone_ids = frozenset(str(z) for z in graph.zones)
        self.lock = threading.RLock()
        self._clock = _Clock(time_scale)
        self._sink = _Notices()
        self.notices = self._sink.queue
        self.customs_queue: queue.Queue[Event] = queue.Queue()  # no simulated customs here
        self.tree_heads: queue.Queue[SignedTreeHead] = queue.Queue()
        subscribe = getattr(ledger, "on_tree_head", None)
        if subscribe is not None:
            subscribe(self.tree_heads.put)
        self._custody = LedgerReads(ledger, self.lock)
        self._manifest = list(manifest)
        self._origin = map_origin(graph)
        config = OrchestratorConfig.for_fleet(
            vehicle_length_m=fleet.vehicle_length_m,
            headway_m=fleet.headway_m,
            battery_capacity_kwh=fleet.battery_kwh,
            consumption_kwh_per_km=fleet.drive_kwh_per_km,
        )
        self.core = Orchestrator(graph, config, clock=self._clock, sink=self._sink, ledger=ledger)
        self.views = self.core.views
        self.commands_sent = 0
        self._started = False
        self.link = VdaFleetLink(fleet, graph, map_id, url, deliver=self._handle,
                                 now_s=self._clock.now_s, lock=self.lock,
                                 on_refusal=log.warning, tick_s=tick_s, ca_file=ca_file,
                                 may_cross=self.may_cross, horizon_of=self.horizon)  # fmt: skip

    # ------------------------------------------------------------------------- the core

    def _handle(self, event: Event) -> Sequence[Command]:
        commands = self.core.handle(event)  # the worker thread, under the lock
        self.commands_sent += len(commands)
        return commands

    def deliver(self, event: Event) -> Sequence[Command]:
        """Hand an event to the core through the link's worker (raises if the core refuses)."""
        return self.link.call(event)

    def may_cross(self, vehicle_id: str) -> bool:
        """Every container on board cleared to cross now, or its crossing already committed
        (the core granted the border lane: past the point of no return it goes on, and is held
        on the other side if a verdict came late). An empty vehicle may cross."""
        views = self.views
        with self.lock:
            if not views.has_vehicle(vehicle_id):
                return False
            for c in views.vehicle(vehicle_id).container_ids:
                view = views.container_view(c)
                committed = view is not None and view.crossed
                if not committed and not (views.is_cleared(c) and not views.is_held(c)):
                    return False
            return True

    def horizon(self, cmd: Drive) -> tuple[NodeId, ...]:
        """The planned rest of the route after ``cmd``'s path (to the vehicle's target), sent
        unreleased so the vehicle sees ahead; () when there is none."""
        with self.lock:
            vid = str(cmd.vehicle_id)
            target = self.views.vehicle(vid).target_node if self.views.has_vehicle(vid) else None
        end = cmd.path[-1] if cmd.path else None
        if target is None or end is None or target == end:
            return ()
        try:
            route = nx.shortest_path(self.graph.graph, end, target, weight="travel_time_s")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return ()
        return tuple(route[1 : 1 + MAX_HORIZON_NODES])

    def now_s(self) -> float:
        return self._clock.now_s()

    def manifest(self) -> list[Cargo]:
        return list(self._manifest)

    # ------------------------------------------------------------------------- the vehicles

    def _snapshot(self, vehicle_id: str, on_board: tuple[str, ...]) -> VehicleSnapshot | None:
        v = self.link.vehicles.get(vehicle_id)
        if v is None or v.last is None:
            return None
        r = v.last
        ox, oy = self._origin
        x, y, yaw = r.pose if r.pose is not None else (0.0, 0.0, 0.0)
        if r.pose is None and r.last_node in self.graph.nodes:
            n = self.graph.nodes[r.last_node]  # type: ignore[index]
            x, y = n.x_m - ox, n.y_m - oy
        return VehicleSnapshot(
            vehicle_id=vehicle_id,
            node=r.last_node or "",
            next_node=r.next_node,
            x_m=round(x + ox, 2),
            y_m=round(y + oy, 2),
            yaw_rad=yaw,
            speed_mps=r.speed_mps,
            battery_kwh=r.battery_kwh or 0.0,
            container_ids=on_board,
        )

    def vehicles(self) -> list[VehicleStatus]:
        """Every vehicle the core knows (it joined with a state), from its last state."""
        now = time.monotonic()
        views = self.views
        out = []
        with self.lock:
            for s in views.vehicles():
                vid = str(s.vehicle_id)
                snap = self._snapshot(vid, tuple(str(c) for c in s.container_ids))
                if snap is None:
                    continue
                out.append(
                    vehicle_status(
                        snap,
                        state=s.state,
                        route=[str(n) for n in s.path],
                        purpose=s.purpose,
                        target_node=s.target_node,
                        waiting_for=s.waiting_for,
                        fault=s.fault,
                        reporting=now - self.link.vehicles[vid].last_t <= SILENT_AFTER_S,
                        risk_of=views.risk_level,
                        held=views.is_held,
                    )
                )
        return out

    def container_view(self, container_id: str) -> ContainerView | None:
        with self.lock:
            view = self.views.container_view(container_id)
            if view is None or view.vehicle_id is None:
                return view
            snap = self._snapshot(view.vehicle_id, ())
        if snap is None:
            return replace(view, source="core (VDA 5050 fleet)")
        return replace(view, node=snap.node, next_node=snap.next_node, x_m=snap.x_m,
                       y_m=snap.y_m, source="core and VDA 5050 state")  # fmt: skip

    def container_node(self, container_id: str) -> str | None:
        with self.lock:
            node = self.views.container_node(container_id)
        return None if node is None else str(node)

    def crossed_or_delivered(self) -> set[str]:
        with self.lock:
            return {str(c) for c in self.views.crossed_or_delivered()}

    def vehicle_ids(self) -> list[VehicleId]:
        with self.lock:
            return self.views.vehicle_ids()

    # ------------------------------------------------------------------------- custody

    @property
    def has_ledger(self) -> bool:
        return self._custody.has_ledger

    def append_custody(self, event: CustodyEvent) -> int | None:
        return self._custody.append_custody(event)

    def custody_extract(self, container_id: str) -> CustodyExtract | None:
        return self._custody.custody_extract(container_id)

    def custody_proofs(self, container_id: str) -> CustodyProofs | None:
        return self._custody.custody_proofs(container_id)

    def ledger_proof(self, from_size: int) -> LedgerProof | None:
        return self._custody.ledger_proof(from_size)

    # ------------------------------------------------------------------------- lifetime

    def start(self) -> None:
        """Connect to the broker and start the worker (once; the bridge calls it again)."""
        if not self._started:
            self.link.start()
            self._started = True

    def forecast(self, request: ForecastRequest) -> dict[str, Any] | None:
        """The core frozen now (under the lock: the vehicles go on at once), played ahead in a
        world rebuilt around it (docs/studies.md); None when no forecaster was given."""
        if self._forecaster is None:
            return None
        with self.lock:
            live = LiveCore(self.core.freeze(self._fork_key), self._clock.now_s(),
                            "VDA 5050 fleet")  # fmt: skip
        return self._forecaster(live, self._fork_key, request)

    def failure(self) -> str | None:
        return self.link.failure

    def stop(self) -> None:
        self.link.close()
