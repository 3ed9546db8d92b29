"""Multi-agent path finding on graphs: MovingAI benchmark grids and the port's lane graph.

Solvers (PIBT, LaCAM), an independent plan checker, and action-dependency graphs for executing
a plan robustly when vehicles are delayed. Pure: text in, plans out; no I/O and no wall clock.
See ``docs/mapf.md``.
"""

from orchestrator.mapf.checker import PlanReport, Violation, check_plan
from orchestrator.mapf.distance import DistanceTable
from orchestrator.mapf.errors import InstanceError, MapfError, MapFormatError, ScenarioFormatError
from orchestrator.mapf.grid import (
    MapfGraph,
    MapfInstance,
    graph_from_digraph,
    instance_from_labels,
    parse_map,
    parse_scen,
)
from orchestrator.mapf.result import Plan, SolveResult, SolveStatus
from orchestrator.mapf.solve import SolverName, lower_bound, solve

__all__ = [
    "DistanceTable",
    "InstanceError",
    "MapFormatError",
    "MapfError",
    "MapfGraph",
    "MapfInstance",
    "Plan",
    "PlanReport",
    "ScenarioFormatError",
    "SolveResult",
    "SolveStatus",
    "SolverName",
    "Violation",
    "check_plan",
    "graph_from_digraph",
    "instance_from_labels",
    "lower_bound",
    "parse_map",
    "parse_scen",
    "solve",
]
