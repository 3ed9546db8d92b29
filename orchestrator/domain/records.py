"""Immutable records of the domain: transport orders as received."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.domain.iso6346 import ContainerId
from orchestrator.domain.seals import Seal
from orchestrator.messages import Direction

__all__ = ["TransportOrder"]


@dataclass(frozen=True, slots=True)
class TransportOrder:
    """One container to move across the border, CN->MN or MN->CN."""

    order_id: str
    container_id: ContainerId
    direction: Direction
    origin_station: str
    seals: tuple[Seal, ...]
    received_t_s: float
