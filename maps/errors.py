"""The map loader's failure vocabulary: one problem record and the one exception carrying them.

A map is validated in full before anything is built from it, so a broken file yields *every*
problem at once (one :class:`MapError` listing them all), never a half-loaded graph.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.errors import BorderflowError

__all__ = ["MAP_ID", "MapError", "MapProblem"]

MAP_ID = "(map)"  # feature_id of a problem that concerns the file as a whole


@dataclass(frozen=True, slots=True, order=True)
class MapProblem:
    """One thing wrong with a map: which feature, a stable code, and what to do about it."""

    feature_id: str  # the GeoJSON feature id, or MAP_ID for file-level problems
    code: str  # stable, machine-readable ("unknown-property", "lane-crossing", ...)
    message: str  # says what is wrong and how to fix it

    def __str__(self) -> str:
        return f"{self.feature_id}: {self.message} [{self.code}]"


class MapError(BorderflowError, ValueError):
    """A map was rejected; ``problems`` lists everything found, sorted by feature id."""

    def __init__(self, problems: list[MapProblem], source: str = "") -> None:
        self.problems = sorted(problems)
        self.source = source
        where = f" {source}" if source else ""
        lines = [f"map{where} is invalid ({len(self.problems)} problem(s)):"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))
