"""Journal: the core's outputs besides commands, the event log and the custody ledger.

Every LogEntry kind the runtimes rely on is written here (see docs/traffic.md, "Event log"),
and every custody event goes to the ledger port (if one is given) at the moment it happens.
"""

from __future__ import annotations

from orchestrator.custody.events import CustodyEvent, CustodyEventKind, LedgerPort
from orchestrator.lanegraph import LaneGraph, NodeId
from orchestrator.ports import EventSink, LogEntry
from orchestrator.state import ContainerRun

__all__ = ["Journal"]


class Journal:
    def __init__(self, graph: LaneGraph, sink: EventSink, ledger: LedgerPort | None) -> None:
        self.graph = graph
        self.sink = sink
        self.ledger = ledger
        self.now_s = 0.0
        self._reseals = 0

    def log(self, kind: str, subject: str, message: str, **data: object) -> None:
        self.sink.emit(LogEntry(self.now_s, kind, subject, message, data))

    def custody(
        self,
        kind: CustodyEventKind,
        c: ContainerRun,
        node: NodeId,
        seal: str | None,
        actor: str,
        *,
        vehicle_id: str | None = None,
        side: str | None = None,
        **details: str,
    ) -> None:
        if self.ledger is None:
            return
        n = self.graph.nodes[node]
        self.ledger.append(
            CustodyEvent(
                kind=kind,
                t_s=self.now_s,
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

    def new_seal_number(self, side: str) -> str:
        """A fresh, single-use seal number for a reseal after inspection."""
        self._reseals += 1
        return f"BF-{side}{self._reseals:07d}"
