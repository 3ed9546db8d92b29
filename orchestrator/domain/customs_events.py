"""Typed domain events of customs control: verdicts, scans, holds, seals, the border line.

See :mod:`orchestrator.domain.events` for how domain events are emitted and read.
:class:`TamperAlert` and :class:`SealVerified` are the two outcomes of a seal read (one log
kind, ``seal.read``); :class:`HoldLifted` is an officer's release as the core applied it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from orchestrator.ids import ContainerId, VehicleId
from orchestrator.lanegraph import NodeId, Side, StationId
from orchestrator.messages import RiskLevel, ScanOutcome

__all__ = [
    "BorderCrossed",
    "HoldLifted",
    "HoldPlaced",
    "LateVerdict",
    "Rerouted",
    "ScanRequested",
    "ScanResult",
    "SealVerified",
    "TamperAlert",
    "VerdictReceived",
]

Data = dict[str, object]


@dataclass(frozen=True, slots=True)
class VerdictReceived:
    """A customs verdict reached the core (before the container's order, it is kept)."""

    kind: ClassVar[str] = "risk.verdict"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    container_id: ContainerId
    level: RiskLevel
    authority: Side
    reason: str

    @property
    def message(self) -> str:
        text = f"{self.container_id}: {self.authority.value} customs verdict {self.level.value}"
        return text + (f" ({self.reason})" if self.reason else "")

    def data(self) -> Data:
        return {
            "container_id": self.container_id,
            "level": self.level.value,
            "authority": self.authority.value,
        }


@dataclass(frozen=True, slots=True)
class LateVerdict:
    """A verdict that does not clear reached the core after the container's crossing was
    committed (the border edge granted at ``gate_id`` at ``committed_t_s``): the vehicle goes
    on across and the container is held at the first place on the other side."""

    kind: ClassVar[str] = "risk.late_verdict"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    container_id: ContainerId
    vehicle_id: VehicleId
    level: RiskLevel
    authority: Side
    gate_id: str
    committed_t_s: float

    @property
    def message(self) -> str:
        late_s = self.t_s - self.committed_t_s
        return (
            f"{self.container_id}: {self.authority.value} verdict {self.level.value} came "
            f"{late_s:.1f} s after vehicle {self.vehicle_id} was committed to the crossing at "
            f"gate {self.gate_id}; it is held at the first place on the other side"
        )

    def data(self) -> Data:
        return {
            "container_id": self.container_id,
            "vehicle_id": self.vehicle_id,
            "level": self.level.value,
            "authority": self.authority.value,
            "gate": self.gate_id,
            "late_s": round(self.t_s - self.committed_t_s, 6),
        }


@dataclass(frozen=True, slots=True)
class ScanRequested:
    kind: ClassVar[str] = "scan.requested"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    container_id: ContainerId
    vehicle_id: VehicleId
    station: StationId

    @property
    def message(self) -> str:
        return f"{self.container_id}: NII scan requested at {self.station}"

    def data(self) -> Data:
        return {
            "container_id": self.container_id,
            "vehicle_id": self.vehicle_id,
            "station": self.station,
        }


@dataclass(frozen=True, slots=True)
class ScanResult:
    kind: ClassVar[str] = "scan.done"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    container_id: ContainerId
    outcome: ScanOutcome

    @property
    def message(self) -> str:
        return f"{self.container_id}: NII scan {self.outcome.value}"

    def data(self) -> Data:
        return {"container_id": self.container_id, "outcome": self.outcome.value}


@dataclass(frozen=True, slots=True)
class HoldPlaced:
    """A container is held for ``side``'s customs, the authority whose verdict caused the hold
    and whose officers may release it (in ``station``, or None: the first hold bay to free)."""

    kind: ClassVar[str] = "hold.placed"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    container_id: ContainerId
    vehicle_id: VehicleId
    station: StationId | None
    side: Side
    reason: str

    @property
    def message(self) -> str:
        where = self.station or "the first hold bay to free up"
        return (
            f"{self.container_id} on vehicle {self.vehicle_id} held for {self.side.value} "
            f"customs at {where}: {self.reason}"
        )

    def data(self) -> Data:
        return {
            "container_id": self.container_id,
            "vehicle_id": self.vehicle_id,
            "station": self.station or "",
            "side": self.side.value,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class HoldLifted:
    """An officer of ``side`` released the hold (after inspection and reseal)."""

    kind: ClassVar[str] = "hold.released"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    container_id: ContainerId
    officer_id: str
    side: Side
    reason: str

    @property
    def message(self) -> str:
        text = (
            f"{self.container_id} released by officer {self.officer_id} of {self.side.value} "
            "customs"
        )
        return text + (f": {self.reason}" if self.reason else "")

    def data(self) -> Data:
        return {"container_id": self.container_id, "officer_id": self.officer_id}


@dataclass(frozen=True, slots=True)
class Rerouted:
    """A loaded vehicle's destination changed because its container's status changed."""

    kind: ClassVar[str] = "risk.reroute"
    subject_field: ClassVar[str] = "vehicle_id"
    t_s: float
    vehicle_id: VehicleId
    container_id: ContainerId
    destination: str  # a station id, or "circulating on the XX side"
    reason: str

    @property
    def message(self) -> str:
        return (
            f"vehicle {self.vehicle_id} with {self.container_id} now heads for "
            f"{self.destination} ({self.reason})"
        )

    def data(self) -> Data:
        return {
            "vehicle_id": self.vehicle_id,
            "container_id": self.container_id,
            "destination": self.destination,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class SealVerified:
    """A seal read matches the manifest."""

    kind: ClassVar[str] = "seal.read"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    container_id: ContainerId
    seal_number: str
    node: NodeId

    matches: ClassVar[bool] = True

    @property
    def message(self) -> str:
        return f"{self.container_id}: seal {self.seal_number} read at {self.node}: match"

    def data(self) -> Data:
        return _seal_data(self)


@dataclass(frozen=True, slots=True)
class TamperAlert:
    """A seal read does not match the manifest: the container becomes HIGH risk (held)."""

    kind: ClassVar[str] = "seal.read"
    subject_field: ClassVar[str] = "container_id"
    t_s: float
    container_id: ContainerId
    seal_number: str
    node: NodeId

    matches: ClassVar[bool] = False

    @property
    def message(self) -> str:
        return f"{self.container_id}: seal {self.seal_number} read at {self.node}: MISMATCH"

    def data(self) -> Data:
        return _seal_data(self)


def _seal_data(e: SealVerified | TamperAlert) -> Data:
    return {
        "container_id": e.container_id,
        "seal_number": e.seal_number,
        "node": e.node,
        "matches": e.matches,
    }


@dataclass(frozen=True, slots=True)
class BorderCrossed:
    """A vehicle was granted the border edge at ``gate_id`` (empty, or with a cleared box)."""

    kind: ClassVar[str] = "border.crossed"
    subject_field: ClassVar[str] = "vehicle_id"
    t_s: float
    vehicle_id: VehicleId
    container_id: ContainerId | None
    gate_id: str
    to_side: Side
    cleared: bool

    @property
    def message(self) -> str:
        what = f" with cleared {self.container_id}" if self.container_id else " empty"
        return (
            f"vehicle {self.vehicle_id} crosses at gate {self.gate_id} into "
            f"{self.to_side.value}{what}"
        )

    def data(self) -> Data:
        return {
            "vehicle_id": self.vehicle_id,
            "container_id": self.container_id,
            "gate": self.gate_id,
            "cleared": self.cleared,
        }
