"""Identifier rules: ISO 17712 seal numbers and classes, ISO 6346 container numbers.

ISO 17712 fixes the seal classes (I indicative, S security, H high security) but leaves the
number's layout to the maker; borderflow accepts what seal makers print in practice: 4 to 20
upper-case letters, digits and hyphens, starting and ending with a letter or digit, with at least
four digits. ISO 6346 container numbers carry a check digit, which is verified.
"""

from __future__ import annotations

from functools import lru_cache

from orchestrator.custody.errors import MalformedCustodyEvent
from orchestrator.domain import seals as _seals
from orchestrator.domain.iso6346 import parse_container_number
from orchestrator.domain.seals import SealClass
from orchestrator.errors import InvalidContainerNumberError, InvalidSealError

__all__ = ["SealClass", "check_container_id", "check_seal_number", "parse_seal_class"]


# A ledger names the same seals and containers many times over: remember the valid ones (an
# exception is never cached, so every malformed id still gets its message).
@lru_cache(maxsize=1 << 16)
def check_seal_number(seal_number: str) -> str:
    """Return ``seal_number`` if well formed, else raise naming it and the expected layout."""
    try:
        return _seals.check_seal_number(seal_number)
    except InvalidSealError as exc:
        raise MalformedCustodyEvent(f"malformed {exc}") from None


def parse_seal_class(value: str | None, seal_number: str) -> SealClass:
    try:
        return SealClass(value)
    except ValueError:
        raise MalformedCustodyEvent(
            f"seal {seal_number}: seal_class {value!r} is not an ISO 17712 class; "
            "pass details seal_class='I', 'S' or 'H'"
        ) from None


@lru_cache(maxsize=1 << 16)
def check_container_id(container_id: str) -> str:
    """Return ``container_id`` if it is a valid ISO 6346 number (check digit included).

    Ledger entries hold the canonical form only: no spaces, upper case.
    """
    try:
        canonical = parse_container_number(container_id)
    except InvalidContainerNumberError as exc:
        raise MalformedCustodyEvent(
            f"malformed container number {exc}; re-read the number from the container door"
        ) from None
    if canonical != container_id:
        raise MalformedCustodyEvent(
            f"container number {container_id!r}: write it in canonical form {canonical!r}"
        )
    return container_id
