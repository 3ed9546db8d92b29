"""The core's one exception hierarchy: every failure the orchestrator reports.

Messages name the offending id and say how to fix the input. The core checks an event
completely before it changes any state, so a rejected event leaves the orchestrator exactly as
it was (tests/orchestrator/test_atomic.py feeds random events and compares snapshots). An error
*after* the checks passed is a fault of the core itself: it is raised as
:class:`CoreInconsistentError`, and the core refuses every later event, because its state may
be half-changed; the runtime must stop the fleet safely and rebuild it.
"""

from __future__ import annotations

__all__ = [
    "BorderflowError",
    "ConfigError",
    "CoreInconsistentError",
    "DuplicateIdError",
    "ForkError",
    "IllegalTransitionError",
    "InvalidContainerNumberError",
    "InvalidSealError",
    "StaleReportError",
    "UnauthorisedReleaseError",
    "UnexpectedEventError",
    "UnknownContainerError",
    "UnknownLaneError",
    "UnknownStationError",
    "UnknownVehicleError",
]


class BorderflowError(Exception):
    """Base of every error the borderflow core raises."""


class ConfigError(BorderflowError, ValueError):
    """An OrchestratorConfig field is out of range."""


class InvalidContainerNumberError(BorderflowError, ValueError):
    """A container number is not a valid ISO 6346 number."""


class InvalidSealError(BorderflowError, ValueError):
    """A seal number or seal class is malformed."""


class IllegalTransitionError(BorderflowError):
    """A state machine was asked for a transition its table does not allow."""


class UnknownVehicleError(BorderflowError, KeyError):
    """An event names a vehicle the orchestrator has never seen join."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class UnknownContainerError(BorderflowError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


class UnknownStationError(BorderflowError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


class UnknownLaneError(BorderflowError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


class DuplicateIdError(BorderflowError, ValueError):
    """An order, container or vehicle id is already in use."""


class UnexpectedEventError(BorderflowError):
    """An event does not fit the addressed vehicle's or container's current state."""


class UnauthorisedReleaseError(BorderflowError):
    """A hold release came from an authority that did not place the hold, or no hold exists."""


class StaleReportError(UnexpectedEventError):
    """A vehicle report answers a command that is superseded, already answered or unknown (a
    late, duplicated or replayed message): refused, and it changes nothing."""


class CoreInconsistentError(BorderflowError):
    """The core failed while applying an event it had accepted (a bug, or a port that raised
    mid-way, such as a ledger refusing a custody event). Its state may be half-changed, so it
    refuses every later event; the message names the first failure."""


class ForkError(BorderflowError, ValueError):
    """Bytes that are not a core this runtime froze (wrong key, truncated, altered), or a thaw
    without a collaborator the frozen core needs (orchestrator/fork.py)."""
