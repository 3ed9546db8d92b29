"""Identifier rules: ISO 17712 seal numbers and classes, ISO 6346 container numbers.

ISO 17712 fixes the seal classes (I indicative, S security, H high security) but leaves the
number's layout to the maker; borderflow accepts what seal makers print in practice: 4 to 20
upper-case letters, digits and hyphens, starting and ending with a letter or digit, with at least
four digits. ISO 6346 container numbers carry a check digit, which is verified.
"""

from __future__ import annotations

import re
from enum import Enum

from orchestrator.custody.errors import MalformedCustodyEvent

__all__ = ["SealClass", "check_container_id", "check_seal_number", "parse_seal_class"]

_SEAL_RE = re.compile(r"^[A-Z0-9](?:[A-Z0-9-]{2,18})[A-Z0-9]$")
_CONTAINER_RE = re.compile(r"^[A-Z]{3}[UJZR][0-9]{7}$")
# ISO 6346 letter values skip multiples of 11.
_LETTER_VALUES = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [v for v in range(10, 39) if v % 11 != 0],
        strict=True,
    )
)


class SealClass(Enum):
    """ISO 17712 seal class."""

    INDICATIVE = "I"
    SECURITY = "S"
    HIGH_SECURITY = "H"


def check_seal_number(seal_number: str) -> str:
    """Return ``seal_number`` if well formed, else raise naming it and the expected layout."""
    if not _SEAL_RE.match(seal_number) or sum(c.isdigit() for c in seal_number) < 4:
        hint = " (use upper case)" if seal_number.upper() != seal_number else ""
        raise MalformedCustodyEvent(
            f"malformed seal number {seal_number!r}{hint}: expected 4-20 upper-case letters, "
            "digits or hyphens with at least 4 digits, e.g. 'EZ-20260001'"
        )
    return seal_number


def parse_seal_class(value: str | None, seal_number: str) -> SealClass:
    try:
        return SealClass(value)
    except ValueError:
        raise MalformedCustodyEvent(
            f"seal {seal_number}: seal_class {value!r} is not an ISO 17712 class; "
            "pass details seal_class='I', 'S' or 'H'"
        ) from None


def check_container_id(container_id: str) -> str:
    """Return ``container_id`` if it is a valid ISO 6346 number (check digit included)."""
    if not _CONTAINER_RE.match(container_id):
        raise MalformedCustodyEvent(
            f"malformed container number {container_id!r}: expected ISO 6346 like 'CSQU3054383' "
            "(owner code, category U/J/Z/R, 6-digit serial, check digit)"
        )
    total = 0
    for i, ch in enumerate(container_id[:10]):
        total += (_LETTER_VALUES[ch] if ch.isalpha() else int(ch)) << i
    expected = total % 11 % 10
    if int(container_id[10]) != expected:
        raise MalformedCustodyEvent(
            f"container {container_id}: ISO 6346 check digit is {container_id[10]}, "
            f"expected {expected}; re-read the number from the container door"
        )
    return container_id
