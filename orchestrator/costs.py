"""Composable edge costs for the router.

A cost is a small function ``Edge -> float | None``; ``None`` hides the edge (closed lane,
closed zone, a border edge an uncleared container may not use). :func:`compose` adds costs and
hides an edge as soon as one part hides it, so a route cost is built from independent pieces.
The parametrised costs are small callable classes rather than closures, so a frozen core
(orchestrator/fork.py) can carry them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from enum import Enum

from orchestrator.lanegraph import Edge, Node, NodeId, ZoneId

__all__ = [
    "EdgeCost",
    "Profile",
    "closures",
    "compose",
    "exclusive_penalty",
    "length_m",
    "no_border",
    "standard_profiles",
    "travel_time_s",
]

EdgeCost = Callable[[Edge], float | None]


class Profile(Enum):
    """The router's cost profiles: how a vehicle weighs the lanes."""

    TIME = "time"  # travel time, single-vehicle sections penalised: cleared or empty vehicles
    TIME_NO_BORDER = "time_nb"  # the same with the border edges hidden: uncleared containers
    LENGTH = "length"  # metres: energy estimates and job lengths

    __hash__ = object.__hash__  # singletons; keys of the router's tables on every move


def standard_profiles(exclusive_penalty_s: float) -> dict[Profile, EdgeCost]:
    """The core's three profiles (closures are the router's live ``blocked`` test)."""
    time_cost = compose(travel_time_s, exclusive_penalty(exclusive_penalty_s))
    return {
        Profile.TIME: time_cost,
        Profile.TIME_NO_BORDER: compose(time_cost, no_border),
        Profile.LENGTH: length_m,
    }


def travel_time_s(edge: Edge) -> float:
    return edge.travel_time_s


def length_m(edge: Edge) -> float:
    return edge.length_m


def no_border(edge: Edge) -> float | None:
    """Hides border-crossing edges: the view of a vehicle whose container is not cleared."""
    return None if edge.crosses_border else 0.0


class exclusive_penalty:
    """Adds ``penalty_s`` to single-vehicle sections so two-lane roads are preferred."""

    __slots__ = ("penalty_s",)

    def __init__(self, penalty_s: float) -> None:
        self.penalty_s = penalty_s

    def __call__(self, edge: Edge) -> float:
        return self.penalty_s if edge.exclusive else 0.0


class closures:
    """Hides closed lanes and every edge touching a closed zone (live view of both sets)."""

    __slots__ = ("lanes", "nodes", "zones")

    def __init__(
        self,
        closed_lanes: Collection[str],
        closed_zones: Collection[ZoneId],
        nodes: Mapping[NodeId, Node],
    ) -> None:
        self.lanes, self.zones, self.nodes = closed_lanes, closed_zones, nodes

    def __call__(self, edge: Edge) -> float | None:
        if edge.lane_id in self.lanes:
            return None
        zones = self.zones
        if zones and (
            edge.zone in zones
            or self.nodes[edge.source].zone in zones
            or self.nodes[edge.target].zone in zones
        ):
            return None
        return 0.0


class compose:
    """Sum of ``parts``; ``None`` (closed) if any part returns ``None``."""

    __slots__ = ("parts",)

    def __init__(self, *parts: EdgeCost) -> None:
        self.parts = parts

    def __call__(self, edge: Edge) -> float | None:
        total = 0.0
        for part in self.parts:
            value = part(edge)
            if value is None:
                return None
            total += value
        return total
