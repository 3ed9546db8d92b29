"""The customs bridge's fleet port backed by ROS 2 (``risk_bridge.fleet_port.FleetPort``,
matched structurally: this package does not import the bridge).

Verdicts, releases and lane requests accepted over HTTP go to the orchestrator node through a
:class:`~borderflow_ros.bridge_link.BridgeLink`; the node's customs notices come back as the
same typed records the in-process core gives (so officers release through the API what the node
holds). The core lives in the orchestrator node: :meth:`RosBridgeFleet.container_view` knows
what the notices say (held, by which side; crossed; delivered) and, from the vehicles' state
topics, which vehicle carries the container and where; the core's risk status is not known
here (``core_level`` and ``cleared`` are None). The custody ledger is kept by the node's side.
What goes to the node (verdicts, releases, lane requests, transport orders) is signed with the
bridge's decision key (the ``signer``). With ``auto_customs`` the simulated customs authorities
of :mod:`borderflow_ros.bridge_customs` decide on the declared containers the node's core takes,
through the bridge's ``customs_queue`` as the SimPy fleet's do.

Positions: the vehicles report them in ROS's ``map`` frame (metres from the map's south-west
corner, :mod:`borderflow_ros.frame`); the bridge's records (``VehicleSnapshot``, the console's
map) are in the lane graph's frame, so they are shifted back by the map's origin here.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from borderflow_ros.bridge_customs import SimulatedCustoms
from borderflow_ros.bridge_link import BridgeLink
from borderflow_ros.decision_auth import DecisionSigner
from borderflow_ros.errors import NodeRefusedError
from borderflow_ros.frame import map_origin
from orchestrator.custody.events import CustodyEvent
from orchestrator.domain.customs_events import BorderCrossed, HoldLifted, HoldPlaced
from orchestrator.domain.eventlog import CustomsNotice
from orchestrator.domain.events import OrderDelivered
from orchestrator.domain.forecast import ForecastRequest, LiveCore
from orchestrator.domain.records import (
    Cargo,
    ContainerView,
    CustodyExtract,
    CustodyProofs,
    LedgerProof,
    VehicleSnapshot,
)
from orchestrator.domain.states import VehicleState
from orchestrator.ids import StationId
from orchestrator.lanegraph import LaneGraph
from orchestrator.messages import Event, OrderArrived, RiskLevel
from orchestrator.vehicle_status import VehicleStatus, vehicle_status

__all__ = ["SILENT_AFTER_S", "Forecaster", "RosBridgeFleet"]

# (the frozen core, the fork key it is signed with, the request) -> the forecast document
Forecaster = Callable[[LiveCore, bytes, ForecastRequest], dict[str, Any]]

# A vehicle publishes its state at >= 1 Hz: three missed beats and the console shows it silent.
SILENT_AFTER_S = 3.0
# VehicleState.MODE_* -> (the nearest core state, the name shown)
_MODES: dict[int, tuple[VehicleState | None, str]] = {
    0: (VehicleState.IDLE, "idle"),
    1: (VehicleState.EN_ROUTE, "driving"),
    2: (VehicleState.LOADING, "working"),
    3: (VehicleState.CHARGING, "charging"),
    4: (None, "faulted"),
}


class RosBridgeFleet:
    def __init__(
        self,
        graph: LaneGraph,
        manifest: list[Cargo],
        link: BridgeLink | None = None,
        *,
        signer: DecisionSigner | None = None,
        auto_customs: bool = False,
        run_token: str = "",
        forecaster: Forecaster | None = None,
        fork_key: bytes | None = None,
    ) -> None:
        if link is None:
            if signer is None:
                raise ValueError("RosBridgeFleet needs a BridgeLink or the signer of a new one")
            link = BridgeLink(signer)
        self.link = link
        self.graph = graph
        # Forecasts: the node's core, frozen and signed with the shared fork key, played
        # ahead by whoever composed this fleet (`serve`: a world rebuilt around it, sim/).
        self._forecaster = forecaster if fork_key is not None else None
        self._fork_key = fork_key or b""
        self._origin = map_origin(graph)
        self._manifest = list(manifest)
        self.notices: queue.Queue[CustomsNotice] = queue.Queue()
        self.customs_queue: queue.Queue[Event] = queue.Queue()
        # The node keeps the ledger; the bridge side signs no tree heads of its own.
        self.tree_heads: queue.Queue[Any] = queue.Queue()
        self.lane_ids = frozenset(e.lane_id for e in graph.edges.values())
        self.zone_ids = frozenset(str(z) for z in graph.zones)
        self.lock = threading.RLock()
        self.has_ledger = False  # the orchestrator node keeps the custody ledger
        self.commands_sent = 0
        self._t0 = time.monotonic()
        self._holds: dict[str, tuple[str, str | None]] = {}  # container -> (side, vehicle)
        self._crossed: set[str] = set()
        self._delivered: set[str] = set()
        self._waiting: dict[str, str] = {}  # container -> its origin station's node (taken)
        self.customs: SimulatedCustoms | None = None
        if auto_customs:
            self.customs = SimulatedCustoms(
                self.customs_queue.put,
                self.now_s,
                {c.container_id for c in self._manifest},
                run_token=run_token,
            )
        self.link.listen(self._on_notice, self._on_order_taken)

    def manifest(self) -> list[Cargo]:
        return list(self._manifest)

    def now_s(self) -> float:
        return time.monotonic() - self._t0

    def deliver(self, event: Event) -> list[Any]:
        if isinstance(event, OrderArrived) and self.customs is not None:
            # The bridge accepted it, so the container is on its manifest now.
            self.customs.declare(event.container_id)
        return self.link.deliver(event)

    def _on_order_taken(self, order_id: str, container_id: str, direction: str,
                        origin_station: str) -> None:  # fmt: skip
        """The node's core took an order (from the link's thread): where the container waits,
        and the simulated customs' turn."""
        station = self.graph.stations.get(StationId(origin_station))
        with self.lock:
            if station is not None:
                self._waiting[container_id] = str(station.node)
        if self.customs is not None:
            self.customs.order_taken(order_id, container_id, direction)

    def _in_graph_frame(self, snap: VehicleSnapshot) -> VehicleSnapshot:
        """``snap`` (as reported, in ROS's ``map`` frame) in the lane graph's frame."""
        ox, oy = self._origin
        return replace(snap, x_m=round(snap.x_m + ox, 2), y_m=round(snap.y_m + oy, 2))

    def _on_notice(self, notice: CustomsNotice) -> None:
        """What the node reported (from the link's thread): noted, then passed on."""
        with self.lock:
            if isinstance(notice, HoldPlaced):
                self._holds[notice.container_id] = (notice.side.value, notice.vehicle_id)
                if self.customs is not None:
                    self.customs.hold_placed(notice.container_id, notice.side)
            elif isinstance(notice, HoldLifted):
                self._holds.pop(notice.container_id, None)
            elif isinstance(notice, BorderCrossed) and notice.container_id:
                self._crossed.add(notice.container_id)
            elif isinstance(notice, OrderDelivered):
                self._delivered.add(notice.container_id)
        self.notices.put(notice)

    def vehicles(self) -> list[VehicleStatus]:
        """Every vehicle heard on its state topic, in the console's shape. The core's view of
        the vehicle lives in the node: the state is the robot's own mode, the route and risk
        are not known here; held comes from the node's notices, silence from the topic."""
        with self.lock:
            held = set(self._holds)
        out = []
        for age_s, snap, mode in self.link.states():
            state, name = _MODES.get(mode, (None, "unknown"))
            out.append(
                vehicle_status(
                    self._in_graph_frame(snap),
                    state=state,
                    state_name=name,
                    fault="faulted (robot's own report)" if name == "faulted" else None,
                    reporting=age_s <= SILENT_AFTER_S,
                    risk_of=lambda _c: RiskLevel.UNKNOWN,
                    held=held.__contains__,
                )
            )
        return out

    def container_view(self, container_id: str) -> ContainerView | None:
        """What the node's notices say of the container (None if nothing yet)."""
        with self.lock:
            hold = self._holds.get(container_id)
            crossed = container_id in self._crossed
            delivered = container_id in self._delivered
            waiting_at = self._waiting.get(container_id)
        carrier = None if delivered else self.link.carrier(container_id)
        on_board = None if carrier is None else self._in_graph_frame(carrier)
        known = hold is not None or crossed or delivered or on_board is not None
        if not known and waiting_at is None:
            return None
        # The core's ContainerState values, as the SimPy fleet reports them; "waiting" (in the
        # origin yard, at its station's node) from the order the core took, until a vehicle has
        # it on board (a vehicle on its way to it is not known here).
        state = "delivered" if delivered else ("on_vehicle" if on_board else None)
        if state is None and waiting_at is not None and not crossed and hold is None:
            state = "waiting"
        return ContainerView(
            state=state,
            vehicle_id=on_board.vehicle_id if on_board else (hold[1] if hold else None),
            node=on_board.node if on_board else (waiting_at if state == "waiting" else None),
            next_node=on_board.next_node if on_board else None,
            x_m=on_board.x_m if on_board else None,
            y_m=on_board.y_m if on_board else None,
            crossed=crossed,
            held=hold is not None,
            hold_side=hold[0] if hold else None,
            source="orchestrator node (customs notices) and vehicle states",
        )

    def container_node(self, container_id: str) -> str | None:
        """The node of the vehicle carrying the container (None when not on a vehicle)."""
        on_board = self.link.carrier(container_id)
        return on_board.node if on_board and on_board.node else None

    def forecast(self, request: ForecastRequest) -> dict[str, Any] | None:
        """The orchestrator node's core, frozen over DDS (``freeze_core``), played ahead
        (docs/studies.md); None when this bridge was given no forecaster. The node's refusal
        (no fork key) or silence is a RuntimeError naming it: the live fleet is unaffected."""
        if self._forecaster is None:
            return None
        try:
            blob, now_s = self.link.freeze_core()
        except NodeRefusedError as exc:
            raise RuntimeError(f"the orchestrator node refused: {exc}") from None
        except TimeoutError as exc:
            raise RuntimeError(str(exc)) from None
        live = LiveCore(blob, now_s, "orchestrator node")
        return self._forecaster(live, self._fork_key, request)

    def failure(self) -> str | None:
        """Silence of the orchestrator node is the node's own fail-safe; the link has no thread
        of its own that could die unseen here."""
        return None

    def crossed_or_delivered(self) -> set[str]:
        """Containers past the line or delivered (the fail-safe leaves their verdicts alone)."""
        with self.lock:
            return self._crossed | self._delivered

    def append_custody(self, event: CustodyEvent) -> int | None:
        return None  # no ledger on the bridge's side (has_ledger is False)

    def custody_extract(self, container_id: str) -> CustodyExtract | None:
        return None

    def custody_proofs(self, container_id: str) -> CustodyProofs | None:
        return None  # the node's ledger; verify it with `borderflow custody verify`

    def ledger_proof(self, from_size: int) -> LedgerProof | None:
        return None  # the node's custody events go to its own ledger

    def start(self) -> None:
        return None

    def stop(self) -> None:
        if self.customs is not None:
            self.customs.stop()
        self.link.stop()
