"""The API's request schema for transport orders (``POST /v1/orders``); the answer is
:class:`risk_bridge.schemas_out.OrderPublic`.

Container and seal numbers are validated here (ISO 6346 with its check digit, ISO 17712 seal
numbers), so a malformed order is refused before anything is looked up or stored.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from orchestrator.domain.records import Cargo
from orchestrator.domain.seals import check_seal_number
from orchestrator.errors import InvalidSealError
from orchestrator.messages import Direction
from risk_bridge.domain import OrderInput
from risk_bridge.schemas import Consignor, Country, Id, check_container

__all__ = ["CargoDeclaration", "OrderCreate"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CargoDeclaration(_In):
    """What the manifest declares of a container (customs' warnings match on it)."""

    consignor: Consignor
    hs_code: Annotated[str, Field(pattern=r"^[0-9]{4,10}$", description="HS code, 4-10 digits")]
    origin_country: Country = Field(description="ISO 3166 alpha-2, e.g. CN")


# The numbers the core gives the seals officers affix after an inspection
# (orchestrator.journal.Journal.new_seal_number): a client's seal with one would collide.
_RESEAL = re.compile(r"^BF-(CN|MN)[0-9]{7}$")


def _seal(raw: str) -> str:
    try:
        number = check_seal_number(raw)
    except InvalidSealError as exc:
        raise ValueError(str(exc)) from exc
    if _RESEAL.match(number):
        raise ValueError(
            f"seal number {number!r} has the form borderflow gives the seals officers affix "
            "after an inspection (BF-<side><7 digits>); give the number printed on the seal"
        )
    return number


SealNumber = Annotated[str, Field(max_length=20), AfterValidator(_seal)]


class OrderCreate(_In):
    order_id: Id | None = Field(
        None,
        description="your id for the order; without one the bridge makes ORD-<container>-<n> "
        "(n: 1 + the container's delivered or refused orders, so a retry gets the same order)",
    )
    container_id: str = Field(max_length=20, description="ISO 6346 container number")
    direction: Literal["CN->MN", "MN->CN"] = Field(description="which way it crosses the line")
    origin_station: Id = Field(
        description="the yard slot it waits at, on the side it leaves (e.g. cn_slot_01)"
    )
    seal_numbers: list[SealNumber] = Field(
        default_factory=list, max_length=10, description="the seals on it (ISO 17712)"
    )
    cargo: CargoDeclaration | None = Field(
        None, description="needed for a container not on the manifest: put on it with the order"
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "container_id": "CSQU3054383",
                    "direction": "CN->MN",
                    "origin_station": "cn_slot_01",
                    "seal_numbers": ["EZ-20260001"],
                    "cargo": {
                        "consignor": "Erlian Trading Co",
                        "hs_code": "842911",
                        "origin_country": "CN",
                    },
                }
            ]
        },
    )

    _container = field_validator("container_id")(check_container)

    @field_validator("seal_numbers")
    @classmethod
    def _distinct(cls, seals: list[str]) -> list[str]:
        twice = sorted({s for s in seals if seals.count(s) > 1})
        if twice:
            raise ValueError(f"seal {twice[0]} is listed twice; list each seal once")
        return seals

    def to_input(self) -> OrderInput:
        c, cid = self.cargo, self.container_id
        cargo = None if c is None else Cargo(cid, c.consignor, c.hs_code, c.origin_country)
        return OrderInput(
            self.order_id,
            self.container_id,
            Direction(self.direction),
            self.origin_station,
            tuple(self.seal_numbers),
            cargo,
        )
