"""The API's request (Create) and response (Public) schemas, with OpenAPI examples.

Container numbers are validated here (ISO 6346, the error names the expected check digit), so
a malformed request is refused before anything is looked up or stored.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from orchestrator.domain.iso6346 import parse_container_number
from orchestrator.errors import InvalidContainerNumberError
from risk_bridge.api_enums import Authority, Level
from risk_bridge.domain import Channel, Treatment, VerdictInput, WarningInput
from risk_bridge.fleet_events import OutKind
from risk_bridge.schemas_out import (
    CargoPublic,
    ContainerPosition,
    CustodySummary,
    EffectiveLevel,
    HoldRecord,
    ReleaseRecord,
    VerdictInForce,
)

__all__ = [
    "ContainerPublic",
    "HoldPublic",
    "LaneChange",
    "Recognition",
    "Release",
    "TokenPublic",
    "VerdictBatch",
    "VerdictCreate",
    "VerdictResults",
    "WarningCreate",
    "WarningPublic",
    "WebhookCreate",
    "WebhookPublic",
    "Withdrawal",
    "check_container",
]

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _storable(text: str) -> str:
    """Free text the stores can hold and logs show: no NUL or other control characters
    (tab, line feed and carriage return allowed). PostgreSQL text cannot hold NUL at all; a
    request carrying one used to fail its whole group commit."""
    bad = _CONTROL.search(text)
    if bad is not None:
        raise ValueError(
            f"control character U+{ord(bad.group()):04X} is not allowed in text; remove it"
        )
    return text


Text = Annotated[str, Field(max_length=500), AfterValidator(_storable)]
# Bounded so a huge integer cannot overflow the store's BIGINT column; strict: "5", true and
# 1.0 are not a sequence number.
Sequence = Annotated[int, Field(ge=0, le=2**53, strict=True)]
Consignor = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_storable)]
HsPrefix = Annotated[str, Field(pattern=r"^[0-9]{2,10}$")]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


@lru_cache(maxsize=65536)
def check_container(raw: str) -> str:
    # Cached: a crossing's manifest is small and verdicts name the same containers again and
    # again (a 5,000-verdict batch spent a third of its validation here). Errors are not
    # cached (lru_cache does not keep exceptions), so every bad number gets its message.
    try:
        return str(parse_container_number(raw))
    except InvalidContainerNumberError as exc:
        raise ValueError(str(exc)) from exc


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VerdictCreate(_In):
    verdict_id: Id
    container_id: str = Field(max_length=20, description="ISO 6346 container number")
    authority: Authority
    level: Level
    channel: Channel | None = None
    treatment: Treatment = Treatment.NONE
    reasons: list[Text] = Field(default_factory=list, max_length=20)
    issued_at: AwareDatetime
    sequence: Sequence = Field(0, description="issuer's counter; breaks issued_at ties")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "verdict_id": "GACC-2026-000123",
                    "container_id": "CSQU3054383",
                    "authority": "CN",
                    "level": "HIGH",
                    "channel": "red",
                    "treatment": "physical_inspection",
                    "reasons": ["consignor on watch list"],
                    "issued_at": "2026-11-23T08:15:00+08:00",
                    "sequence": 1,
                }
            ]
        },
    )

    _container = field_validator("container_id")(check_container)

    def to_input(self) -> VerdictInput:
        """The typed record the service takes (field by field: no serializer work, which is
        measurable on 5,000-verdict batches)."""
        return VerdictInput(
            self.verdict_id,
            self.container_id,
            self.authority,
            self.level,
            self.channel,
            self.treatment,
            tuple(self.reasons),
            self.issued_at,
            self.sequence,
        )


class VerdictBatch(_In):
    verdicts: list[VerdictCreate] = Field(min_length=1)


class VerdictResult(BaseModel):
    verdict_id: str
    status: Literal["accepted", "superseded", "duplicate"]


class VerdictResults(BaseModel):
    accepted: int
    results: list[VerdictResult]


class WarningCreate(_In):
    warning_id: Id
    authority: Authority
    kind: Literal["raise_level", "close_lane", "close_zone"]
    level: Level | None = Field(None, description="raise_level: the level matching containers get")
    consignor: Consignor | None = None
    hs_prefix: HsPrefix | None = None
    origin_country: Country | None = None
    target: Id | None = Field(None, description="close_lane / close_zone: the lane or zone id")
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    reason: Text = ""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "warning_id": "GACC-W-2026-17",
                    "authority": "CN",
                    "kind": "raise_level",
                    "level": "MEDIUM",
                    "hs_prefix": "2603",
                    "origin_country": "MN",
                    "valid_until": "2026-12-31T00:00:00Z",
                    "reason": "Order 271 risk warning 17",
                }
            ]
        },
    )

    @model_validator(mode="after")
    def _shape(self) -> WarningCreate:
        if self.kind == "raise_level":
            if self.level is None:
                raise ValueError("a raise_level warning needs level (LOW, MEDIUM or HIGH)")
            if not (self.consignor or self.hs_prefix or self.origin_country):
                raise ValueError(
                    "a raise_level warning needs at least one of consignor, "
                    "hs_prefix, origin_country to match containers"
                )
            if self.target is not None:
                raise ValueError("target is for close_lane / close_zone warnings only")
        elif self.target is None:
            raise ValueError(f"a {self.kind} warning needs target (the lane or zone id)")
        elif self.level is not None:
            raise ValueError(f"a {self.kind} warning takes no level")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self

    def to_input(self) -> WarningInput:
        return WarningInput(
            self.warning_id,
            self.authority,
            self.kind,
            self.level,
            self.consignor,
            self.hs_prefix,
            self.origin_country,
            self.target,
            self.valid_from,
            self.valid_until,
            self.reason,
        )


class WarningPublic(BaseModel):
    warning_id: str
    authority: str
    kind: str
    level: str | None
    consignor: str | None
    hs_prefix: str | None
    origin_country: str | None
    target: str | None
    valid_from: datetime | None
    valid_until: datetime | None
    reason: str
    withdrawn_at: datetime | None
    active: bool


class Withdrawal(_In):
    reason: Text = Field(min_length=3)


class Release(_In):
    reason: Text = Field(min_length=3, description="mandatory: why the hold is released")

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "inspected, no findings"}]}
    )


class Recognition(_In):
    inspection_id: Id = Field(description="release_id of the other authority's inspection")
    reason: Text = Field(min_length=3)


class LaneChange(_In):
    reason: Text = ""
    is_zone: bool = False


class HoldPublic(HoldRecord):
    position: ContainerPosition | None = Field(
        None, description="where the container is now (null: the fleet does not know it)"
    )


class ContainerPublic(BaseModel):
    container_id: str
    cargo: CargoPublic
    effective_level: EffectiveLevel
    deciding_authority: str | None = Field(description="the authority whose verdict decides")
    verdicts: list[VerdictInForce] = Field(description="the risk history, oldest first")
    holds: list[HoldRecord]
    releases: list[ReleaseRecord] = Field(description="releases and recognitions")
    position: ContainerPosition | None
    custody: CustodySummary


class WebhookCreate(_In):
    url: str = Field(pattern=r"^https?://[^\s]{3,500}$")
    kinds: list[Literal["*"] | OutKind] = Field(["*"], min_length=1, max_length=20)


class WebhookPublic(BaseModel):
    webhook_id: str
    authority: str
    url: str
    kinds: list[str]
    secret: str | None = Field(None, description="HMAC key; returned once, at creation")


class TokenPublic(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
