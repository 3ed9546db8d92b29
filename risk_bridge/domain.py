"""The bridge's vocabulary and its pure rules: roles, verdict and warning records, resolution.

The vocabulary of sides and levels is the core's: an authority is a
:class:`orchestrator.lanegraph.Side` and a level a :class:`orchestrator.messages.RiskLevel`
(the API accepts every level but UNKNOWN, see :mod:`risk_bridge.api_enums`). Records keep their
values as the strings the store and the JSON bodies carry.

Resolution (no I/O, no clock): per container and authority the latest verdict wins, ordered by
``(issued_at, sequence, verdict_id)`` so out-of-order arrivals always resolve the same way; an
active raise-level warning lifts an authority's level for every container it matches; the
effective level is the stricter of the two authorities. A container with no verdict from anyone
stays UNKNOWN, which the core never clears to cross.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from orchestrator.domain.records import Cargo
from orchestrator.lanegraph import Side
from orchestrator.messages import Direction, RiskLevel

__all__ = [
    "LEVEL_RANK",
    "Cargo",
    "Channel",
    "OrderInput",
    "OrderRecord",
    "Role",
    "Treatment",
    "VerdictInput",
    "VerdictRecord",
    "WarningInput",
    "WarningRecord",
    "effective_level",
    "latest_per_authority",
]

# Cargo is the core's record (orchestrator.domain.records); re-exported for the callers that
# import it from here (the ROS end-to-end tests).


class Role(StrEnum):
    AUTHORITY_SYSTEM = "authority_system"
    OFFICER = "officer"
    OPERATOR = "operator"
    VIEWER = "viewer"


class Channel(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    BLUE = "blue"


class Treatment(StrEnum):
    NONE = "none"
    DOCUMENTARY_CHECK = "documentary_check"
    NII_SCAN = "nii_scan"
    PHYSICAL_INSPECTION = "physical_inspection"


# Strictness, in the core's order of RiskLevel (UNKNOWN, LOW, MEDIUM, HIGH).
LEVEL_RANK: dict[str, int] = {level.value: rank for rank, level in enumerate(RiskLevel)}


@dataclass(frozen=True, slots=True)
class VerdictInput:
    """One verdict as a customs system submitted it, validated by the API schema."""

    verdict_id: str
    container_id: str  # ISO 6346, checked
    authority: Side
    level: RiskLevel  # never UNKNOWN
    channel: Channel | None
    treatment: Treatment
    reasons: tuple[str, ...]
    issued_at: datetime  # time-zone aware
    sequence: int  # issuer's counter; breaks issued_at ties


@dataclass(frozen=True, slots=True)
class WarningInput:
    """One risk warning as a customs system issued it, validated by the API schema."""

    warning_id: str
    authority: Side
    kind: str  # "raise_level" | "close_lane" | "close_zone"
    level: RiskLevel | None
    consignor: str | None
    hs_prefix: str | None
    origin_country: str | None
    target: str | None
    valid_from: datetime | None  # None: from when it is received
    valid_until: datetime | None
    reason: str

    def audit_detail(self) -> dict[str, Any]:
        """The request as the audit trail records it (field order and values of the API body)."""
        return {
            "warning_id": self.warning_id,
            "authority": self.authority.value,
            "kind": self.kind,
            "level": None if self.level is None else self.level.value,
            "consignor": self.consignor,
            "hs_prefix": self.hs_prefix,
            "origin_country": self.origin_country,
            "target": self.target,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class VerdictRecord:
    verdict_id: str
    container_id: str
    authority: str
    level: str
    channel: str | None
    treatment: str
    reasons: tuple[str, ...]
    issued_at: datetime
    sequence: int
    received_seq: int  # store order, for history listing only

    @property
    def order_key(self) -> tuple[datetime, int, str]:
        return (self.issued_at, self.sequence, self.verdict_id)


@dataclass(frozen=True, slots=True)
class WarningRecord:
    warning_id: str
    authority: str
    kind: str  # "raise_level" | "close_lane" | "close_zone"
    level: str | None
    consignor: str | None
    hs_prefix: str | None
    origin_country: str | None
    target: str | None  # lane or zone id
    valid_from: datetime
    valid_until: datetime | None
    reason: str
    withdrawn_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        if self.withdrawn_at is not None and self.withdrawn_at <= now:
            return False
        if now < self.valid_from:
            return False
        return self.valid_until is None or now < self.valid_until

    def matches(self, cargo: Cargo | None) -> bool:
        if self.kind != "raise_level" or cargo is None:
            return False
        if self.consignor is not None and cargo.consignor.lower() != self.consignor.lower():
            return False
        if self.hs_prefix is not None and not cargo.hs_code.startswith(self.hs_prefix):
            return False
        return self.origin_country is None or cargo.origin_country == self.origin_country


@dataclass(frozen=True, slots=True)
class OrderInput:
    """A transport order as an integrator submitted it, validated by the API schema."""

    order_id: str | None  # None: the bridge makes one (risk_bridge.orders.order_id_for)
    container_id: str  # ISO 6346, checked
    direction: Direction
    origin_station: str
    seals: tuple[str, ...]  # checked seal numbers, no repeats
    cargo: Cargo | None  # declared with the order (a container not on the manifest needs it)


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """A stored transport order: what was submitted, and what became of it at the fleet.

    ``sent_at``: handed to the fleet (``FleetPort.deliver`` returned); ``refusal``: why the
    fleet refused it (final); ``delivered_at``: the fleet reported it delivered. Times are
    ISO 8601 UTC, as the store keeps them."""

    order_id: str
    seq: int  # acceptance order: listing and paging
    container_id: str
    direction: str  # Direction value, "CN->MN" / "MN->CN"
    origin_station: str
    seals: tuple[str, ...]
    generated: bool  # the bridge made the id
    accepted_at: str
    actor: str  # who submitted it (token or session subject)
    sent_at: str | None = None
    refused_at: str | None = None
    refusal: str | None = None
    delivered_at: str | None = None
    delivery_station: str | None = None
    delivered_by: str | None = None  # the vehicle

    @property
    def closed(self) -> bool:
        """Delivered or refused: the container may be ordered again."""
        return self.delivered_at is not None or self.refusal is not None

    def same_order(self, o: OrderInput) -> bool:
        """Whether ``o`` asks for exactly this order again (its id aside)."""
        return (self.container_id, self.direction, self.origin_station, self.seals) == (
            o.container_id,
            o.direction.value,
            o.origin_station,
            o.seals,
        )


def latest_per_authority(verdicts: Iterable[VerdictRecord]) -> dict[str, VerdictRecord]:
    """The verdict in force for each authority: the greatest ``order_key`` wins."""
    out: dict[str, VerdictRecord] = {}
    for v in verdicts:
        cur = out.get(v.authority)
        if cur is None or v.order_key > cur.order_key:
            out[v.authority] = v
    return out


def effective_level(
    latest: dict[str, VerdictRecord],
    warnings: Iterable[WarningRecord],
    cargo: Cargo | None,
    now: datetime,
) -> tuple[str, str | None]:
    """(level, deciding authority). Warnings only raise a level an authority has already given:
    a warning never turns a missing verdict into a clearing one."""
    levels = {a: v.level for a, v in latest.items()}
    for w in warnings:
        if (
            w.authority in levels
            and w.level
            and w.active(now)
            and w.matches(cargo)
            and LEVEL_RANK[w.level] > LEVEL_RANK[levels[w.authority]]
        ):
            levels[w.authority] = w.level
    if not levels:
        return "UNKNOWN", None
    # Stricter side wins; on a tie the authority id decides, so the result is deterministic.
    best = max(sorted(levels), key=lambda a: LEVEL_RANK[levels[a]])
    return levels[best], best
