"""Response schemas of the bridge API's customs-facing reads and write answers, and its error
bodies (the console's live view is :mod:`risk_bridge.schemas_console`; the first Public schemas
are in :mod:`risk_bridge.schemas`).

These models describe the JSON the routes build; they do not reshape it. They allow extra keys
(``extra="allow"``), so a field the code adds is passed on rather than silently dropped, and
``tests/bridge/test_openapi_doc.py`` fails until it is documented here. Fields a route leaves out
in some answers have defaults and the route serialises with ``response_model_exclude_unset``, so
an absent key stays absent rather than turning into ``null``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from risk_bridge.api_enums import Level
from risk_bridge.domain import Channel, Treatment

__all__ = [
    "AuditEntry",
    "CargoPublic",
    "ContainerPosition",
    "ContainerRow",
    "CustodyEventPublic",
    "CustodyLast",
    "CustodySummary",
    "CustodyTimeline",
    "EffectiveLevel",
    "ErrorBody",
    "FieldError",
    "Health",
    "HoldRecord",
    "InclusionProof",
    "LaneChangeResult",
    "LaneListing",
    "LedgerConsistency",
    "LedgerHead",
    "OrderPublic",
    "ProofEntry",
    "ReleasePublic",
    "ReleaseRecord",
    "SavedHead",
    "TreeHeadPublic",
    "ValidationErrorBody",
    "VerdictInForce",
    "VerdictPublic",
]

EffectiveLevel = Literal["LOW", "MEDIUM", "HIGH", "UNKNOWN"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


# ------------------------------------------------------------------------------------- errors


class ErrorBody(_Out):
    detail: str = Field(description="what is wrong, naming the offending id, and the fix")


class FieldError(_Out):
    loc: str = Field(description="where: `body.level`, `query.limit`, `header.Idempotency-Key`")
    msg: str


class ValidationErrorBody(_Out):
    detail: str = Field(description="the first problem, as `loc: msg`")
    errors: list[FieldError] | None = Field(
        None, description="every problem, for schema errors (absent for checks beyond it)"
    )


# ------------------------------------------------------------------------------------- health


class Health(_Out):
    status: Literal["ok", "degraded"]
    cause: Literal["core", "fleet", "committer"] | None = Field(
        None, description="why degraded beyond a store outage (each lasts until a restart)"
    )
    reason: str | None = Field(None, description="with cause fleet or committer: what failed")
    containers_in_failsafe: int | None = Field(
        None, description="containers held back by the core-refusal fail-safe, if any"
    )


# ----------------------------------------------------------------------------------- verdicts


class VerdictInForce(_Out):
    """A verdict in a container's risk history."""

    verdict_id: str
    authority: str
    level: Level
    channel: Channel | None
    treatment: Treatment
    reasons: list[str]
    issued_at: str = Field(description="ISO 8601, UTC")
    sequence: int
    in_force: bool = Field(description="the newest of its authority's verdicts for the container")


class VerdictPublic(_Out):
    verdict_id: str
    container_id: str
    authority: str
    level: Level
    channel: Channel | None
    treatment: Treatment
    reasons: list[str]
    issued_at: str = Field(description="ISO 8601, UTC")
    sequence: int
    in_force: bool = Field(description="the newest of its authority's verdicts for the container")


# ------------------------------------------------------------------------- holds and releases


class HoldRecord(_Out):
    hold_id: str
    container_id: str
    authority: str = Field(description="the customs authority that owns the hold")
    reason: str
    placed_at: str = Field(description="ISO 8601, UTC")
    status: str = Field(description="active, released")
    closed_at: str | None
    vehicle_id: str | None
    station: str | None


class ReleaseRecord(_Out):
    """An officer's release (an inspection result) or a recognition of the other side's."""

    release_id: str
    kind: Literal["release", "recognition"]
    container_id: str
    authority: str
    officer: str = Field(description="who released or recognised (the token's subject)")
    reason: str
    recognised_authority: str | None = Field(
        description="for a recognition: the authority whose inspection was accepted"
    )
    at: str = Field(description="ISO 8601, UTC")


class ReleasePublic(ReleaseRecord):
    """The release just recorded, with the hold it released."""

    hold_id: str


# ---------------------------------------------------------------------------------- containers


class ContainerPosition(_Out):
    """Where a container is and what the fleet's core knows of it (fields a fleet cannot know
    are null; ``source`` says which fleet answered)."""

    state: str | None
    vehicle_id: str | None
    node: str | None
    crossed: bool
    held: bool
    hold_side: str | None
    core_level: str | None = None
    cleared: bool | None = None
    next_node: str | None = None
    x_m: float | None = None
    y_m: float | None = None
    source: str = "core"


class ContainerRow(_Out):
    """One container of the listing (the position fields are null without a fleet)."""

    container_id: str
    effective_level: EffectiveLevel
    deciding_authority: str | None
    held: bool
    state: str | None
    node: str | None
    vehicle_id: str | None
    crossed: bool | None


class CargoPublic(_Out):
    consignor: str
    hs_code: str
    origin_country: str


class CustodyLast(_Out):
    kind: str
    t_s: float = Field(description="fleet time of the event, seconds")
    timestamp: str | None = Field(
        None, description="when it happened, ISO 8601 UTC, as signed in the ledger entry"
    )
    actor: str | None
    side: str | None


class CustodySummary(_Out):
    """The container's custody events as the ledger's own rules admit them (without a ledger
    only ``ledger``, ``events`` and ``verification``)."""

    ledger: str | None
    events: int
    verification: str
    kinds: list[str] | None = None
    last: CustodyLast | None = None
    seals: list[str] | None = None
    tree_size: int | None = None


class CustodyEventPublic(_Out):
    """One ledger entry of the timeline (an unreadable entry has only seq, kind, included)."""

    seq: int
    kind: str = Field(description="a custody event kind, or `unreadable`")
    included: bool | None = Field(
        description="proven under the signed tree head; null: appended after the newest head"
    )
    t_s: float | None = Field(None, description="fleet time of the event, seconds")
    timestamp: str | None = Field(
        None,
        description="when it happened, ISO 8601 UTC (YYYY-MM-DDTHH:MM:SS.ffffffZ), as signed "
        "in the entry; null for entries written before ledgers carried timestamps",
    )
    actor: str | None = None
    side: str | None = None
    node: str | None = None
    zone: str | None = None
    vehicle_id: str | None = None
    seal_number: str | None = None


class CustodyTimeline(_Out):
    container_id: str | None = None
    ledger: str | None
    tree_size: int | None
    root_hash: str | None = None
    head_verified: bool | None
    status: Literal["verified", "failed", "no ledger"]
    why: str
    events: list[CustodyEventPublic]


# -------------------------------------------------------------------------------------- lanes


class LaneListing(_Out):
    lanes: list[str] = Field(description="every lane id of the map")
    zones: list[str] = Field(description="every zone id of the map")
    closed: dict[str, list[str]] = Field(
        description="closed lane or zone id -> who keeps it closed (`operator`, `warning:<id>`)"
    )


class LaneChangeResult(_Out):
    target: str = Field(description="the lane or zone id")
    closed: bool = Field(description="closed now (a customs warning may keep it closed)")
    closed_by: list[str] = Field(description="who keeps it closed, if anyone")


# ------------------------------------------------------------------------------------- orders


class OrderPublic(_Out):
    """A transport order as submitted, and its status now (risk_bridge.order_view)."""

    order_id: str
    seq: int = Field(description="acceptance order; page with `after` (the last seq read)")
    container_id: str
    direction: Literal["CN->MN", "MN->CN"]
    origin_station: str
    seal_numbers: list[str]
    order_id_generated: bool = Field(description="the bridge made the id (none was given)")
    accepted_at: str = Field(description="when the bridge stored it, ISO 8601 UTC")
    accepted_by: str = Field(description="who submitted it (the token's or session's subject)")
    status: Literal["open", "assigned", "picked_up", "delivered", "refused"] = Field(
        description="open: waiting in its yard slot; assigned: a vehicle is on its way; "
        "picked_up: on a vehicle (driving, scanned, held, across); delivered; refused: the "
        "fleet refused the order (see refusal), final"
    )
    vehicle_id: str | None = Field(description="the vehicle carrying it (or that delivered it)")
    node: str | None = Field(
        description="where it is on the lane graph: its yard slot's node, the carrier's node, "
        "or the node it was delivered at (null: not known)"
    )
    crossed: bool = Field(description="across the border line")
    held: bool = Field(description="held by customs now")
    sent_to_fleet_at: str | None = Field(description="when the fleet took the order")
    delivered_at: str | None = Field(description="when the fleet reported it delivered")
    delivery_station: str | None
    refused_at: str | None
    refusal: str | None = Field(description="why the fleet refused the order")


# ------------------------------------------------------------------------------------- ledger


class TreeHeadPublic(_Out):
    version: str
    tree_size: int
    root_hash: str = Field(description="64 hex digits")
    key_id: str
    timestamp: int | None = Field(
        None,
        description="version borderflow-custody-sth/2: when the ledger reached this head (its "
        "newest entry's time), ms since 1970-01-01T00:00:00Z, signed; absent in /1 heads",
    )
    signature: str = Field(description="Ed25519, hex")


class ProofEntry(_Out):
    seq: int = Field(description="the entry's position in the ledger")
    entry: str = Field(description="the entry's canonical bytes, as stored (UTF-8 JSON)")
    audit_path: list[str] = Field(description="RFC 6962 inclusion proof, hashes in hex")


class InclusionProof(_Out):
    """``borderflow-custody-proof/1``, kind ``inclusion`` (docs/custody.md)."""

    format: str
    kind: str
    container_id: str
    tree_head: TreeHeadPublic
    entries: list[ProofEntry]


class LedgerHead(_Out):
    ledger: str
    tree_head: TreeHeadPublic


class SavedHead(_Out):
    tree_size: int
    root_hash: str


class LedgerConsistency(_Out):
    ledger: str
    saved: SavedHead = Field(description="the head the caller saved, as asked")
    tree_head: TreeHeadPublic = Field(description="the ledger's newest signed tree head")
    proof: list[str] = Field(description="the consistency proof, hex hashes (RFC 6962)")
    consistent: bool
    detail: str | None = Field(None, description="when not consistent: why")


# -------------------------------------------------------------------------------------- audit


class AuditEntry(_Out):
    seq: int
    at: str = Field(description="ISO 8601, UTC")
    actor: str = Field(description="the token's or session's subject")
    role: str
    authority: str | None
    action: str = Field(description="e.g. verdicts.submit, hold.release, lane.close")
    subject: str = Field(description="the id the write was about")
    detail: dict[str, Any]
