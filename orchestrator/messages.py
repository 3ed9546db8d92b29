"""The core's vocabulary with the outside world: events in, commands out.

Every runtime (SimPy, ROS 2, the live server) turns what happens to it into these events, hands
them to :meth:`orchestrator.core.Orchestrator.handle`, and carries out the commands it gets back
(through a :class:`orchestrator.ports.VehicleGateway`). Times are seconds on the injected clock.

Commands carry an identity (``command_id``), and each vehicle report names the command it
answers (as Open-RMF's command ids and VDA 5050's orderId/orderUpdateId do): ``VehicleAtNode``
names the Drive that granted the node, ``ActionDone`` the Perform or Charge it finishes, and
``ScanCompleted`` (when the scanner knows it) the scan's Perform. The core refuses a report that
answers a superseded, finished or unknown command (:class:`orchestrator.errors.StaleReportError`).
What the core did in answer goes out as typed domain events (:mod:`orchestrator.domain.events`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from orchestrator.ids import CommandId, OrderId, VehicleId
from orchestrator.lanegraph import NodeId, Side, StationId

__all__ = [
    "ActionDone",
    "ActionKind",
    "Charge",
    "Command",
    "Direction",
    "Drive",
    "Event",
    "HoldReleased",
    "LaneClosed",
    "LaneOpened",
    "OrderArrived",
    "Perform",
    "RiskLevel",
    "ScanCompleted",
    "ScanOutcome",
    "SealChecked",
    "Stop",
    "Tick",
    "VehicleAtNode",
    "VehicleFaulted",
    "VehicleJoined",
    "VehicleRecovered",
    "VerdictIssued",
]


class Direction(Enum):
    CN_TO_MN = "CN->MN"
    MN_TO_CN = "MN->CN"

    @property
    def origin(self) -> Side:
        return Side.CN if self is Direction.CN_TO_MN else Side.MN

    @property
    def destination(self) -> Side:
        return self.origin.other


class RiskLevel(Enum):
    """Customs risk grade (GACC Order No. 271 grading plus 'no verdict yet')."""

    UNKNOWN = "UNKNOWN"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class ScanOutcome(Enum):
    CLEAR = "clear"
    ESCALATE = "escalate"  # the NII image is suspicious: the container becomes HIGH


class ActionKind(Enum):
    LOAD = "load"
    UNLOAD = "unload"
    SCAN = "scan"
    CHARGE = "charge"


# ---------------------------------------------------------------------------------- events in


@dataclass(frozen=True, slots=True)
class VehicleJoined:
    """A vehicle is available at a node (fleet start-up, or back from a fault)."""

    t_s: float
    vehicle_id: VehicleId
    node: NodeId
    battery_kwh: float


@dataclass(frozen=True, slots=True)
class OrderArrived:
    """A container is ready for transport at an origin yard slot station."""

    t_s: float
    order_id: OrderId
    container_id: str  # ISO 6346, validated by the core
    direction: Direction
    origin_station: StationId
    seal_numbers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VehicleAtNode:
    """The vehicle has reached ``node`` while executing the Drive ``command_id`` (reported at
    every node of its path)."""

    t_s: float
    vehicle_id: VehicleId
    node: NodeId
    battery_kwh: float
    command_id: CommandId


@dataclass(frozen=True, slots=True)
class VehicleFaulted:
    """The vehicle stopped working: an error it reported, or silence past its heartbeat.

    It may stand anywhere on the path it was granted, so it keeps every lane and place it
    holds and gets no commands until :class:`VehicleRecovered`. An order it has not loaded yet
    goes back to the waiting orders; a container on it stays with it.
    """

    t_s: float
    vehicle_id: VehicleId
    reason: str


@dataclass(frozen=True, slots=True)
class VehicleRecovered:
    """A faulted vehicle works again, standing at ``node``: the node it was at, or a node of
    the path it had been granted (where it came to a stop). Its work resumes from there; an
    action it was doing is commanded again."""

    t_s: float
    vehicle_id: VehicleId
    node: NodeId
    battery_kwh: float


@dataclass(frozen=True, slots=True)
class ActionDone:
    """The vehicle finished the Perform or Charge ``command_id``."""

    t_s: float
    vehicle_id: VehicleId
    action: ActionKind
    battery_kwh: float
    command_id: CommandId


@dataclass(frozen=True, slots=True)
class ScanCompleted:
    """The NII scan of ``container_id`` is done; ``command_id`` is the scan's Perform when the
    reporter knows it (a vehicle does; a stand-alone scanner may send None)."""

    t_s: float
    container_id: str
    outcome: ScanOutcome
    command_id: CommandId | None = None


@dataclass(frozen=True, slots=True)
class VerdictIssued:
    t_s: float
    container_id: str
    level: RiskLevel
    authority: Side
    verdict_id: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class HoldReleased:
    t_s: float
    container_id: str
    officer_id: str
    authority: Side
    reason: str


@dataclass(frozen=True, slots=True)
class SealChecked:
    """A seal was read at a gate or scanner; ``matches`` is False for a mismatch or tamper."""

    t_s: float
    container_id: str
    seal_number: str
    node: NodeId
    matches: bool


@dataclass(frozen=True, slots=True)
class LaneClosed:
    t_s: float
    lane_id: str  # a lane feature id, or a zone id when ``is_zone``
    is_zone: bool = False
    reason: str = ""


@dataclass(frozen=True, slots=True)
class LaneOpened:
    t_s: float
    lane_id: str
    is_zone: bool = False


@dataclass(frozen=True, slots=True)
class Tick:
    """Periodic wake-up: lets the core retry admissions and dispatch that were waiting."""

    t_s: float


Event = (
    VehicleJoined
    | OrderArrived
    | VehicleAtNode
    | ActionDone
    | ScanCompleted
    | VerdictIssued
    | HoldReleased
    | SealChecked
    | LaneClosed
    | LaneOpened
    | Tick
    | VehicleFaulted
    | VehicleRecovered
)


# ------------------------------------------------------------------------------- commands out


@dataclass(frozen=True, slots=True)
class Drive:
    """Drive along ``path`` (consecutive nodes, starting at the vehicle's current node).

    The path covers only what the traffic manager has allocated: the vehicle must stop at the
    last node and wait for the next Drive. It reports VehicleAtNode at every node it reaches.
    """

    vehicle_id: VehicleId
    path: tuple[NodeId, ...]
    command_id: CommandId


@dataclass(frozen=True, slots=True)
class Stop:
    """Stay at the current node until a further command (held, waiting, or idle)."""

    vehicle_id: VehicleId
    reason: str
    command_id: CommandId


@dataclass(frozen=True, slots=True)
class Perform:
    """Carry out an action at the current node; answer with ActionDone (and ScanCompleted)."""

    vehicle_id: VehicleId
    action: ActionKind
    container_id: str | None
    command_id: CommandId


@dataclass(frozen=True, slots=True)
class Charge:
    """Charge to ``target_kwh`` at the current node; answer with ActionDone(CHARGE)."""

    vehicle_id: VehicleId
    target_kwh: float
    command_id: CommandId


Command = Drive | Stop | Perform | Charge
