"""Resolve a scenario's ``map`` entry (a bundled map name or a path) into a LaneGraph."""

from __future__ import annotations

from pathlib import Path

from orchestrator.lanegraph import LaneGraph
from sim.errors import ScenarioError
from sim.scenario import Scenario

__all__ = ["load_scenario_map", "resolve_map_path"]


def resolve_map_path(scenario: Scenario) -> Path:
    import maps

    ref = scenario.map_ref
    as_path = Path(ref)
    if not as_path.is_absolute():
        as_path = Path(scenario.source).resolve().parent / as_path
    if as_path.is_file():
        return as_path
    if Path(ref).is_file():
        return Path(ref)
    try:
        return Path(maps.bundled_map_path(Path(ref).stem))
    except Exception as exc:  # the maps package names the bundled maps in its message
        raise ScenarioError(
            scenario.source,
            "map",
            f"{ref!r} is neither a file (looked at {as_path}) nor a bundled map: {exc}",
        ) from exc


def load_scenario_map(scenario: Scenario) -> LaneGraph:
    import maps

    graph: LaneGraph = maps.load_map(resolve_map_path(scenario))
    return graph
