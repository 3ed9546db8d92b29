"""Immutable records of the domain: transport orders as received, manifest declarations, and
what a fleet can say about a container (the read model every fleet runtime gives the bridge)."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.custody.events import CustodyEvent
from orchestrator.custody.treehead import SignedTreeHead
from orchestrator.domain.iso6346 import ContainerId
from orchestrator.domain.seals import Seal
from orchestrator.ids import OrderId
from orchestrator.lanegraph import StationId
from orchestrator.messages import Direction

__all__ = [
    "Cargo",
    "ContainerView",
    "CustodyExtract",
    "CustodyProofs",
    "LedgerProof",
    "TransportOrder",
    "VehicleSnapshot",
]


@dataclass(frozen=True, slots=True)
class TransportOrder:
    """One container to move across the border, CN->MN or MN->CN."""

    order_id: OrderId
    container_id: ContainerId
    direction: Direction
    origin_station: StationId
    seals: tuple[Seal, ...]
    received_t_s: float


@dataclass(frozen=True, slots=True)
class Cargo:
    """What the manifest declares about a container (what customs warnings match on)."""

    container_id: str
    consignor: str
    hs_code: str
    origin_country: str


@dataclass(frozen=True, slots=True)
class ContainerView:
    """Where a container is and what the fleet's core knows of it, as a fleet reports it.

    Every fleet runtime (SimPy, ROS 2, later VDA 5050) answers with this record; fields a
    runtime cannot know are None (the ROS fleet sees the carrier's position from its state
    topic; the in-process core knows the risk status exactly). ``source`` says where it came
    from.
    """

    state: str | None  # ContainerState value, when known
    vehicle_id: str | None  # the vehicle carrying it, if loaded
    node: str | None  # the carrier's node
    crossed: bool
    held: bool
    hold_side: str | None  # "CN" / "MN" while held
    core_level: str | None = None  # RiskLevel value the core acts on, when known
    cleared: bool | None = None  # may it cross now (None: not known to this runtime)
    next_node: str | None = None
    x_m: float | None = None  # carrier position in the map frame, when known
    y_m: float | None = None
    source: str = "core"


@dataclass(frozen=True, slots=True)
class VehicleSnapshot:
    """Where a vehicle is right now, as its runtime sees it (for maps, mirrors, consoles).

    Coordinates are metres in the lane graph's frame; between nodes the vehicle is placed on
    the edge it drives (``next_node``), by the runtime's own motion model.
    """

    vehicle_id: str
    node: str  # last node reached
    next_node: str | None  # the node it drives to, if on an edge
    x_m: float
    y_m: float
    yaw_rad: float
    speed_mps: float
    battery_kwh: float
    container_ids: tuple[str, ...]  # on board, in loading order (two on a two-place AGV)


@dataclass(frozen=True, slots=True)
class CustodyExtract:
    """One container's custody events as a fleet's ledger holds them, read at one instant."""

    ledger_url: str
    events: tuple[tuple[int, CustodyEvent], ...]  # (ledger sequence number, event), in order
    tree_size: int | None  # of the ledger's last signed tree head (None: nothing signed yet)


@dataclass(frozen=True, slots=True)
class CustodyProofs:
    """One container's custody entries as stored, each with its inclusion proof under the
    ledger's newest signed tree head, and the key that signs the heads: what anyone needs to
    check the timeline on their own (entries past the head have no proof yet)."""

    ledger_url: str
    head: SignedTreeHead | None
    public_key_raw: bytes | None  # Ed25519, raw 32 bytes
    entries: tuple[tuple[int, bytes, tuple[bytes, ...]], ...]  # (seq, entry bytes, proof)


@dataclass(frozen=True, slots=True)
class LedgerProof:
    """A fleet ledger's newest signed tree head and, for an earlier size, the consistency proof
    from that size to it (RFC 6962 style; empty when the size is 0, equal or larger)."""

    ledger_url: str
    tree_head: SignedTreeHead | None  # None: nothing signed yet
    from_size: int
    proof: tuple[bytes, ...]
