"""What a run is refused for before it starts, and where its fleet starts.

A scenario whose closures name no lane or zone of the map, or whose fleet could not stop before
the line at a gate, is a :class:`~sim.errors.ScenarioError` naming the key and the fix, raised
before anything is simulated (not at the closure's hour).
"""

from __future__ import annotations

from maps.errors import MapError
from maps.fleet_start import start_nodes as fleet_start
from orchestrator.crossing import gate_margins
from orchestrator.lanegraph import LaneGraph, NodeId
from sim.errors import ScenarioError
from sim.scenario import Scenario

__all__ = ["check_closures", "check_gates", "start_nodes"]


def start_nodes(graph: LaneGraph, count: int, source: str = "<scenario>") -> list[NodeId]:
    """Where the fleet starts (:func:`maps.fleet_start.start_nodes`), a map without stations
    to start at reported against the scenario."""
    try:
        return fleet_start(graph, count)
    except MapError as exc:
        raise ScenarioError(source, "map", exc.problems[0].message) from None


def check_gates(scenario: Scenario, graph: LaneGraph) -> None:
    """Refuse a fleet that could not stop before the line at a gate (the point of no return,
    orchestrator.crossing): better no run than one whose crossings are unsafe by design."""
    for margin in gate_margins(graph, scenario.fleet.dynamics()):
        if not margin.ok:
            raise ScenarioError(
                scenario.source,
                "fleet.max_speed_mps",
                f"{margin.explain()} on the map {graph.name!r}; lower fleet.max_speed_mps, "
                "raise fleet.decel_mps2 or lower fleet.reaction_s, or move the gate back / make "
                "it a stopping gate (gate_type smart or manual) in the map",
            )


def check_closures(scenario: Scenario, graph: LaneGraph) -> None:
    """Fail before the run, not at the closure's hour, when a closure names no lane or zone."""
    lanes = {e.lane_id for e in graph.edges.values()}
    for i, c in enumerate(scenario.closures):
        known = set(graph.zones) if c.is_zone else lanes
        if c.target not in known:
            what = "zone" if c.is_zone else "lane"
            some = ", ".join(sorted(known)[:8])
            raise ScenarioError(
                scenario.source,
                f"closures[{i}].{what}",
                f"{c.target!r} is no {what} of the map {graph.name!r}; known: {some}, ...",
            )
