"""ISO 6346 container numbers: parsing and check-digit validation.

A number is an owner code (3 letters), a category identifier (U, J or Z), a 6-digit serial and
a check digit computed from the first ten characters (letters valued 10..38 skipping multiples
of 11, each character weighted 2**position, sum mod 11, 10 becoming 0).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NewType

from orchestrator.errors import InvalidContainerNumberError

__all__ = ["ContainerId", "check_digit", "container_number", "parse_container_number"]

ContainerId = NewType("ContainerId", str)

_CATEGORIES = "UJZ"


def _letter_values() -> dict[str, int]:
    values: dict[str, int] = {}
    value = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        values[letter] = value
        value += 1
    return values


_LETTER_VALUES = _letter_values()


def check_digit(first_ten: str) -> int:
    """The ISO 6346 check digit of owner code + category + serial (10 characters)."""
    total = 0
    for position, char in enumerate(first_ten):
        value = _LETTER_VALUES[char] if char.isalpha() else int(char)
        total += value << position
    return total % 11 % 10


# Valid numbers recur (every event of a container names it); failures are never cached.
@lru_cache(maxsize=1 << 16)
def parse_container_number(raw: str) -> ContainerId:
    """Validate ``raw`` (spaces and case tolerated) and return the canonical 11-char id.

    Raises :class:`InvalidContainerNumberError` saying exactly which part is wrong.
    """
    number = raw.replace(" ", "")
    if not number.isascii():
        # Checked before any case change: Unicode upper-casing maps e.g. "ſ" (long s) to "S",
        # so "CſQU3054383" would pass as another container's number.
        raise InvalidContainerNumberError(
            f"{raw!r}: an ISO 6346 container number is ASCII letters and digits only"
        )
    number = number.upper()
    if len(number) != 11:
        raise InvalidContainerNumberError(
            f"{raw!r}: an ISO 6346 container number has 11 characters "
            f"(3-letter owner code, category U/J/Z, 6-digit serial, check digit), got {len(number)}"
        )
    owner, category, serial, check = number[:3], number[3], number[4:10], number[10]
    if not (owner.isascii() and owner.isalpha()):
        raise InvalidContainerNumberError(f"{number}: owner code {owner!r} must be 3 letters A-Z")
    if category not in _CATEGORIES:
        raise InvalidContainerNumberError(
            f"{number}: category identifier {category!r} must be U, J or Z"
        )
    if not (serial.isascii() and serial.isdigit()):
        raise InvalidContainerNumberError(f"{number}: serial {serial!r} must be 6 digits")
    if not (check.isascii() and check.isdigit()):
        raise InvalidContainerNumberError(f"{number}: check digit {check!r} must be a digit")
    expected = check_digit(number[:10])
    if int(check) != expected:
        raise InvalidContainerNumberError(f"{number}: check digit is {check}, expected {expected}")
    return ContainerId(number)


def container_number(owner: str, serial: int, category: str = "U") -> ContainerId:
    """The valid number of a container: owner code (3 letters), category, 6-digit serial and
    the check digit (for tests, demos and simulated manifests)."""
    first = f"{owner}{category}{serial:06d}"
    return ContainerId(first + str(check_digit(first)))
