"""The MAPF package's exception hierarchy: malformed maps and scenarios, unsolvable instances.

Expected outcomes of a search (solved, no solution, out of time) are not exceptions: the solvers
return a :class:`~orchestrator.mapf.lacam.SolveResult` whose ``status`` says which. Exceptions are
for input that is wrong, and every message names the offending line, agent or vertex and says how
to fix it.
"""

from __future__ import annotations

from orchestrator.errors import BorderflowError

__all__ = ["InstanceError", "MapFormatError", "MapfError", "ScenarioFormatError"]


class MapfError(BorderflowError, ValueError):
    """Base class of every error raised by ``orchestrator.mapf``."""


class MapFormatError(MapfError):
    """A MovingAI ``.map`` text (or a graph to convert) is malformed."""


class ScenarioFormatError(MapfError):
    """A MovingAI ``.scen`` text is malformed or does not fit its map."""


class InstanceError(MapfError):
    """Starts / goals that no solver can accept (shared start, unreachable goal, ...)."""
