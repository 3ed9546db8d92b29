"""Risk policy: what a container's customs status allows, and where it must go next.

Owns the clearance rules. LOW is cleared; MEDIUM is cleared by a CLEAR scan (or an officer's
inspection); HIGH needs a hold released by an officer of the side that placed it; UNKNOWN is
never cleared. An active hold blocks everything until released. Pure functions on a frozen
:class:`RiskStatus`, so the core's state changes only when a whole event has been accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from orchestrator.lanegraph import Side
from orchestrator.messages import RiskLevel, ScanOutcome

__all__ = ["RiskStatus", "StopKind", "next_stop"]


class StopKind(Enum):
    """The kind of station a loaded vehicle heads for next."""

    DESTINATION = "destination"
    SCANNER = "scanner"
    HOLD = "hold"
    BUFFER = "buffer"


@dataclass(frozen=True, slots=True)
class RiskStatus:
    level: RiskLevel = RiskLevel.UNKNOWN
    scanned_clear: bool = False
    inspected: bool = False  # an officer inspected and released a hold
    hold_side: Side | None = None  # authority whose officers may release the active hold
    hold_reason: str = ""
    # The authority whose HIGH verdict is in force: a hold it causes is that authority's,
    # wherever the vehicle stands (None: a HIGH of the runtime's own, a scan or seal finding,
    # held by the side where it is found).
    high_by: Side | None = None

    @property
    def held(self) -> bool:
        return self.hold_side is not None

    @property
    def cleared(self) -> bool:
        """May this container cross the border line now?"""
        if self.hold_side is not None:
            return False
        if self.level is RiskLevel.LOW:
            return True
        if self.level is RiskLevel.MEDIUM:
            return self.scanned_clear or self.inspected
        if self.level is RiskLevel.HIGH:
            return self.inspected
        return False

    @property
    def needs_hold(self) -> bool:
        """HIGH without an inspection since: a hold must be placed (if not already)."""
        return self.level is RiskLevel.HIGH and not self.inspected and self.hold_side is None

    def with_verdict(self, level: RiskLevel, authority: Side | None = None) -> RiskStatus:
        if level is RiskLevel.HIGH:
            # New adverse information: an earlier inspection no longer covers it.
            return replace(self, level=level, inspected=False, high_by=authority)
        return replace(self, level=level, high_by=None)

    def with_scan(self, outcome: ScanOutcome) -> RiskStatus:
        if outcome is ScanOutcome.CLEAR:
            return replace(self, scanned_clear=True)
        return replace(self, level=RiskLevel.HIGH, scanned_clear=False, inspected=False)

    def with_hold(self, side: Side, reason: str) -> RiskStatus:
        return replace(self, hold_side=side, hold_reason=reason)

    def with_release(self) -> RiskStatus:
        return replace(self, hold_side=None, hold_reason="", inspected=True)


def next_stop(status: RiskStatus) -> StopKind:
    """Where a loaded vehicle goes next, given its container's status."""
    if status.held or status.needs_hold:
        return StopKind.HOLD
    if status.cleared:
        return StopKind.DESTINATION
    if status.level is RiskLevel.MEDIUM:
        return StopKind.SCANNER
    return StopKind.BUFFER
