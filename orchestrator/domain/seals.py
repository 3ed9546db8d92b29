"""Container seals: number and ISO 17712 class (I indicative, S security, H high security)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from orchestrator.errors import InvalidSealError

__all__ = ["Seal", "SealClass", "check_seal_number"]

_SEAL_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,18}[A-Z0-9]$")


class SealClass(Enum):
    """ISO 17712 seal classes; customs seals for cross-border transport are class H."""

    INDICATIVE = "I"
    SECURITY = "S"
    HIGH_SECURITY = "H"


def check_seal_number(number: str) -> str:
    """Return ``number`` if it is a well-formed seal number, else raise naming it.

    ISO 17712 fixes the classes but not the number's layout; borderflow accepts what makers print
    in practice: 4-20 upper-case letters, digits or hyphens, letter or digit at both ends, with at
    least 4 digits.
    """
    if not _SEAL_RE.match(number) or sum(c.isdigit() for c in number) < 4:
        hint = " (use upper case)" if number.upper() != number else ""
        raise InvalidSealError(
            f"seal number {number!r}{hint}: expected 4-20 upper-case letters, digits or "
            "hyphens with at least 4 digits, e.g. 'EZ-20260001'"
        )
    return number


@dataclass(frozen=True, slots=True)
class Seal:
    number: str
    seal_class: SealClass = SealClass.HIGH_SECURITY

    def __post_init__(self) -> None:
        check_seal_number(self.number)

    @classmethod
    def parse(cls, number: str, seal_class: str = "H") -> Seal:
        try:
            klass = SealClass(seal_class.upper())
        except ValueError:
            raise InvalidSealError(
                f"seal {number!r}: class {seal_class!r} must be I, S or H (ISO 17712)"
            ) from None
        return cls(number.strip(), klass)
