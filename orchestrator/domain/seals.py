"""Container seals: number and ISO 17712 class (I indicative, S security, H high security)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from orchestrator.errors import InvalidSealError

__all__ = ["Seal", "SealClass"]

_SEAL_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,18}[A-Z0-9]$")


class SealClass(Enum):
    """ISO 17712 seal classes; customs seals for cross-border transport are class H."""

    INDICATIVE = "I"
    SECURITY = "S"
    HIGH_SECURITY = "H"


@dataclass(frozen=True, slots=True)
class Seal:
    number: str
    seal_class: SealClass = SealClass.HIGH_SECURITY

    def __post_init__(self) -> None:
        if not _SEAL_RE.match(self.number) or sum(c.isdigit() for c in self.number) < 4:
            raise InvalidSealError(
                f"seal number {self.number!r}: expected 4-20 upper-case letters, digits or "
                "hyphens with at least 4 digits, e.g. 'EZ-20260001'"
            )

    @classmethod
    def parse(cls, number: str, seal_class: str = "H") -> Seal:
        try:
            klass = SealClass(seal_class.upper())
        except ValueError:
            raise InvalidSealError(
                f"seal {number!r}: class {seal_class!r} must be I, S or H (ISO 17712)"
            ) from None
        return cls(number.strip(), klass)
