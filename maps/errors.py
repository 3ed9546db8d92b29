"""The loader's failure vocabulary: one problem record, its severity, and the one exception.

A map is validated in full before anything is built from it, so a broken file yields *every*
problem at once (one :class:`MapError` listing them all), never a half-loaded graph. A problem is
an error (the map is refused) or a warning (it loads, but something is probably not what its
author meant: a hint next to the errors it explains, or a check for a given AGV fleet).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from orchestrator.errors import BorderflowError

__all__ = ["MAP_ID", "MapError", "MapProblem", "Severity", "errors_of", "warnings_of"]

MAP_ID = "(map)"  # feature_id of a problem that concerns the file as a whole


class Severity(StrEnum):
    """Does a problem refuse the map? (A str enum, so problems still sort and compare.)"""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class MapProblem:
    """One thing wrong with a map: which feature, a stable code, and what to do about it."""

    feature_id: str  # the GeoJSON feature id, or MAP_ID for file-level problems
    code: str  # stable, machine-readable ("unknown-property", "lane-crossing", ...)
    message: str  # says what is wrong and how to fix it
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        label = "" if self.is_error else "warning: "
        return f"{self.feature_id}: {label}{self.message} [{self.code}]"


def errors_of(problems: list[MapProblem]) -> list[MapProblem]:
    return [p for p in problems if p.is_error]


def warnings_of(problems: list[MapProblem]) -> list[MapProblem]:
    return [p for p in problems if not p.is_error]


class MapError(BorderflowError, ValueError):
    """A map was rejected; ``problems`` lists everything found (errors and the warnings that
    explain them), sorted by feature id."""

    def __init__(self, problems: list[MapProblem], source: str = "") -> None:
        self.problems = sorted(problems)
        self.source = source
        where = f" {source}" if source else ""
        n_err = len(errors_of(self.problems))
        n_warn = len(self.problems) - n_err
        also = f", {n_warn} warning(s)" if n_warn else ""
        lines = [f"map{where} is invalid ({n_err} problem(s){also}):"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))
