"""A fake fleet for the bridge tests: the :class:`risk_bridge.fleet_port.FleetPort` with no
core behind it. It records what it was told, holds containers when a test says so (as the
core would: a hold and its log entry), and refuses the events a test chooses, raising the
core's own error."""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence, Set
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.treehead import SignedTreeHead
from orchestrator.domain.customs_events import HoldPlaced
from orchestrator.domain.eventlog import CustomsNotice
from orchestrator.domain.records import Cargo, ContainerView, CustodyProofs
from orchestrator.errors import BorderflowError
from orchestrator.ids import ContainerId, VehicleId
from orchestrator.lanegraph import LaneGraph, Side
from orchestrator.messages import Command, Event, HoldReleased, VerdictIssued
from orchestrator.vehicle_status import VehicleStatus
from risk_bridge.app import create_app
from risk_bridge.fleet_port import CustodyExtract, FleetPort, LedgerProof
from risk_bridge.security import StateDir
from tests.bridge.conftest import Bridge, make_settings
from tests.orchestrator.helpers import container

LANE = "lane-a"
ZONE = "zone-a"


class FakeFleet:
    def __init__(self, n_containers: int = 3) -> None:
        self.cargo = [
            Cargo(container(i), "Gobi Cashmere", "510211", "MN") for i in range(n_containers)
        ]
        self.lane_ids = frozenset({LANE})
        self.zone_ids = frozenset({ZONE})
        self.notices: queue.Queue[CustomsNotice] = queue.Queue()
        self._heads: queue.Queue[SignedTreeHead] = queue.Queue()
        self.customs_queue: queue.Queue[Event] = queue.Queue()
        self.commands_sent = 0
        self.has_ledger = False
        self.refuse: Callable[[Event], bool] = lambda event: False
        self.accepted: list[Event] = []
        self.refused: list[Event] = []
        self.held: dict[str, str] = {}  # container -> side holding it
        self.t_s = 0.0

    # --------------------------------------------------------------------------- test controls

    def hold(self, cid: str, side: str) -> None:
        """The core holds ``cid`` for ``side`` and says so, as the real core does."""
        self.held[cid] = side
        notice = HoldPlaced(
            self.t_s, ContainerId(cid), VehicleId("AGV-1"), None, Side(side), "fake hold"
        )
        self.notices.put(notice)

    def levels(self, cid: str) -> list[str]:
        """The levels the core accepted for ``cid``, in order."""
        return [
            e.level.value
            for e in self.accepted
            if isinstance(e, VerdictIssued) and e.container_id == cid
        ]

    # --------------------------------------------------------------------------- the port

    def deliver(self, event: Event) -> Sequence[Command]:
        if self.refuse(event):
            self.refused.append(event)
            raise BorderflowError(f"fake core refuses {type(event).__name__}")
        self.accepted.append(event)
        if isinstance(event, HoldReleased):
            self.held.pop(event.container_id, None)
        return []

    def now_s(self) -> float:
        return self.t_s

    def manifest(self) -> Sequence[Cargo]:
        return list(self.cargo)

    def container_view(self, container_id: str) -> ContainerView | None:
        side = self.held.get(container_id)
        if side is None:
            return None
        return ContainerView(
            state="held", vehicle_id="AGV-1", node=None, crossed=False, held=True, hold_side=side
        )

    @property
    def graph(self) -> LaneGraph:
        """A small real map (the fake has no vehicles on it)."""
        import maps

        return maps.load_map(maps.bundled_map_path("test_crossing"))

    def vehicles(self) -> Sequence[VehicleStatus]:
        return []

    def container_node(self, container_id: str) -> str | None:
        return None

    def crossed_or_delivered(self) -> Set[str]:
        return frozenset()

    def forecast(self, request: object) -> dict[str, object] | None:
        return None

    def failure(self) -> str | None:
        return None

    @property
    def tree_heads(self) -> queue.Queue[SignedTreeHead]:
        return self._heads

    def append_custody(self, event: CustodyEvent) -> int | None:
        return None

    def custody_extract(self, container_id: str) -> CustodyExtract | None:
        return None

    def custody_proofs(self, container_id: str) -> CustodyProofs | None:
        return None

    def ledger_proof(self, from_size: int) -> LedgerProof | None:
        return None

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None


def fake_bridge(tmp: Path, made: list[TestClient], fleet: FakeFleet, **kw: Any) -> Bridge:
    settings = make_settings(tmp, **kw)
    keys = StateDir(
        settings.state_dir, issuer=settings.issuer, audience=settings.audience, ttl_s=900
    )
    keys.init()
    port: FleetPort = fleet  # the fake is a fleet port (checked by mypy where typed)
    app = create_app(settings, fleet=port)
    client = TestClient(app)
    client.__enter__()
    made.append(client)
    return Bridge(client, app.state.service, fleet, keys, settings)  # type: ignore[arg-type]
