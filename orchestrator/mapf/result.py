"""What a MAPF solver returns: an outcome enum, the plan, and counters for the report.

A plan is a tuple of configurations: ``plan[t][i]`` is the vertex of agent ``i`` at timestep
``t``; ``plan[0]`` is the starts and the last configuration is the goals.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["Configuration", "Plan", "SolveResult", "SolveStatus"]

Configuration = tuple[int, ...]
Plan = tuple[Configuration, ...]


class SolveStatus(Enum):
    SOLVED = "solved"
    NO_SOLUTION = "no_solution"  # the complete search exhausted every configuration
    TIMEOUT = "timeout"  # the caller's time limit ran out first
    LIMIT = "limit"  # the node / step limit ran out first


@dataclass(frozen=True, slots=True)
class SolveResult:
    status: SolveStatus
    plan: Plan
    reason: str = ""  # why it is not solved, in words; empty when solved
    pibt_calls: int = 0  # PIBT steps run (configurations generated)
    hl_nodes: int = 0  # LaCAM high-level nodes (distinct configurations) created
    planning_time_s: float = 0.0  # by the caller's clock; 0 when no clock was given

    @property
    def solved(self) -> bool:
        return self.status is SolveStatus.SOLVED
