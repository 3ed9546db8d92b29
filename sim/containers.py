"""Deterministic, valid ISO 6346 container numbers and seal numbers for simulated arrivals.

A container number is owner code (3 letters) + equipment category ``U`` + 6-digit serial + the
check digit; the digit comes from the core's ISO 6346 module and every issued number passes the
core's validator, so the simulation can never feed the core a number it would reject. Numbers
are drawn from a seeded ``random.Random`` (same seed, same numbers) and kept unique in a run.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from orchestrator.domain.iso6346 import check_digit, parse_container_number

__all__ = ["ContainerNumbers"]


class ContainerNumbers:
    """Issues unique container and seal numbers from one seeded stream."""

    def __init__(
        self, owner_codes: tuple[str, ...], rng: random.Random, taken: Iterable[str] = ()
    ) -> None:
        """``taken``: numbers already in use (a forecast's new arrivals avoid the live ones)."""
        self._owners = tuple(sorted(owner_codes))
        self._rng = rng
        self._issued: set[str] = set(taken)

    def next_container(self) -> str:
        while True:
            owner = self._owners[self._rng.randrange(len(self._owners))]
            head = f"{owner}U{self._rng.randrange(1_000_000):06d}"
            number = parse_container_number(f"{head}{check_digit(head)}")
            if number not in self._issued:
                self._issued.add(number)
                return number

    def next_seal(self, side: str) -> str:
        while True:
            number = f"{side}{self._rng.randrange(100_000_000):08d}"
            if number not in self._issued:
                self._issued.add(number)
                return number
