"""The one exception hierarchy of the ROS layer (parameters and message conversions)."""

from __future__ import annotations

__all__ = [
    "BorderflowRosError",
    "ConversionError",
    "DecisionRefusedError",
    "NodeRefusedError",
    "ParameterError",
]


class BorderflowRosError(Exception):
    """Base of every error raised by borderflow_ros."""


class ParameterError(BorderflowRosError, ValueError):
    """A node parameter is missing or out of range; the message names it and the fix."""


class ConversionError(BorderflowRosError, ValueError):
    """A ROS message cannot become a core event (unknown enum value, empty id, ...)."""


class NodeRefusedError(BorderflowRosError, ValueError):
    """The orchestrator node refused a request (its core's reason is the message)."""


class DecisionRefusedError(BorderflowRosError, ValueError):
    """A verdict, release or lane request is unsigned, signed by another key, altered or
    replayed: the orchestrator node does not act on it (the message says which)."""
