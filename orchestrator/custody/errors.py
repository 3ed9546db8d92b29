"""The custody ledger's one exception hierarchy.

Every failure names the offending container, seal or entry and says how to fix it. Callers catch
:class:`CustodyError` (a :class:`~orchestrator.errors.BorderflowError`); the CLI turns it into
a one-line message and a non-zero exit code.
"""

from __future__ import annotations

from orchestrator.errors import BorderflowError

__all__ = [
    "CustodyError",
    "IllegalCustodyEvent",
    "LedgerIntegrityError",
    "MalformedCustodyEvent",
    "ProofError",
    "UnknownContainer",
    "UnknownSeal",
]


class CustodyError(BorderflowError):
    """Base class of every custody ledger failure (part of the core's one hierarchy)."""


class MalformedCustodyEvent(CustodyError):
    """An event field is missing or badly formed (seal number, container id, side ...)."""


class UnknownContainer(CustodyError):
    """The event names a container the ledger has never seen sealed."""


class UnknownSeal(CustodyError):
    """The event names a seal that is not (or no longer) on the container."""


class IllegalCustodyEvent(CustodyError):
    """The event is out of order for its container (e.g. border handoff before sealing)."""


class LedgerIntegrityError(CustodyError):
    """The stored ledger or an export does not verify; ``seq`` is the first bad entry."""

    def __init__(self, message: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.seq = seq


class ProofError(CustodyError):
    """An inclusion or consistency proof is malformed or does not check out."""
