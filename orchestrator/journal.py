"""Journal: the core's outputs besides commands, the domain events and the custody ledger.

Every typed domain event (:mod:`orchestrator.domain.eventlog`) goes to the event sink, and every
custody event to the ledger port (if one is given), at the moment it happens. The journal also
numbers the seals the core issues for a reseal after inspection, and knows every seal affixed so
far and on which container: seals are single-use, so an order that names a used one is refused
before anything is applied (the ledger would refuse its SEAL_AFFIXED after the fact).
"""

from __future__ import annotations

from orchestrator.custody.events import CustodyEvent, CustodyEventKind, LedgerPort
from orchestrator.ids import VehicleId
from orchestrator.lanegraph import NodeId
from orchestrator.ports import EventSink
from orchestrator.state import ContainerRun
from orchestrator.world import World

__all__ = ["Journal"]

_AFFIXED = CustodyEventKind.SEAL_AFFIXED
_RESEALED = CustodyEventKind.RESEALED


class Journal:
    def __init__(self, world: World, sink: EventSink, ledger: LedgerPort | None) -> None:
        self._world = world
        self._nodes = world.graph.nodes
        self.emit = sink.emit  # the sink's own method: one call per event, no wrapper
        self.ledger = ledger
        self._reseals = 0
        self._seal_owner: dict[str, str] = {}  # every seal affixed or resealed -> its container

    def custody(
        self,
        kind: CustodyEventKind,
        c: ContainerRun,
        node: NodeId,
        seal: str | None,
        actor: str,
        *,
        vehicle_id: VehicleId | None = None,
        side: str | None = None,
        **details: str,
    ) -> None:
        if seal is not None and (kind is _AFFIXED or kind is _RESEALED):
            self._seal_owner[seal] = c.id
        if self.ledger is None:
            return
        n = self._nodes[node]
        self.ledger.append(
            CustodyEvent(
                kind=kind,
                t_s=self._world.now_s,
                container_id=c.id,
                seal_number=seal,
                vehicle_id=vehicle_id,
                node=str(node),
                zone=None if n.zone is None else str(n.zone),
                side=side or n.side.value,
                actor=actor,
                details=details,
            )
        )

    def seal_owner(self, seal: str) -> str | None:
        """The container ``seal`` was affixed to, or None for a seal not used yet."""
        return self._seal_owner.get(seal)

    def new_seal_number(self, side: str) -> str:
        """A fresh, single-use seal number for a reseal after inspection (skipping any an order
        already used)."""
        while True:
            self._reseals += 1
            number = f"BF-{side}{self._reseals:07d}"
            if number not in self._seal_owner:
                return number

    def snapshot(self) -> dict[str, object]:
        return {"reseals": self._reseals, "seals": len(self._seal_owner)}
