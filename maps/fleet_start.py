"""Where a fleet starts on a map: the depots first, so the yard slots are free for containers.

Shared by every runtime that places vehicles (the SimPy runtime, the ROS kinematic simulator):
parking places, then buffer places, then chargers (idle AGVs in yard slots would block
deliveries), both sides taken in turn, sorted by id, so the placement is deterministic. A fleet
larger than the places starts with the rest queued at those stations round-robin (the core counts
them at start-up). Maps without buffers or chargers start the fleet at yard slots.
"""

from __future__ import annotations

from maps.errors import MAP_ID, MapError, MapProblem
from orchestrator.lanegraph import LaneGraph, NodeId, StationRole

__all__ = ["START_ROLES", "start_nodes"]

START_ROLES = (StationRole.PARKING, StationRole.BUFFER, StationRole.CHARGER)


def start_nodes(graph: LaneGraph, count: int) -> list[NodeId]:
    """The start node of each of ``count`` vehicles (raises :class:`MapError` if the map has
    no station to start at)."""
    stations = next((found for role in START_ROLES if (found := graph.stations_with(role))), [])
    if not stations:
        stations = graph.stations_with(StationRole.YARD_SLOT)
    if not stations:
        raise MapError(
            [
                MapProblem(
                    MAP_ID,
                    "no-start-places",
                    f"the map {graph.name!r} has no buffer, charger or yard slot station to "
                    "start the fleet at; add stations to the map",
                )
            ],
            graph.name,
        )
    per_side: dict[str, list[NodeId]] = {}
    for st in stations:
        per_side.setdefault(st.side.value, []).extend([st.node] * st.capacity_vehicles)
    sides = [per_side[s] for s in sorted(per_side)]
    out: list[NodeId] = []
    i = 0
    while len(out) < count and any(i < len(s) for s in sides):
        out.extend(s[i] for s in sides if i < len(s))
        i += 1
    i = 0
    while len(out) < count:
        out.append(stations[i % len(stations)].node)
        i += 1
    return out[:count]
