"""Pairing: a second container for a vehicle with two container places.

The AGVs at Ganqimaodu carry two containers per trip. When a dispatch round assigns a container
to such a vehicle, :class:`Pairing` looks for a partner among the waiting orders:

- the same direction (one delivery place takes both) and *like risk*: the same next customs stop
  (:func:`orchestrator.risk_policy.next_stop`), so a LOW container is not taken to the scanner or
  to a hold bay with a MEDIUM or HIGH one; verdicts can still change on the way, and the
  co-loaded container's delay is then logged (:class:`orchestrator.domain.events.CoLoadWait`);
- a pick-up place that is free, or the first container's own station (its place is the
  vehicle's already), in an open zone;
- energy for the whole job: empty run, both pick-ups, the delivery and the way to a charger.

Ranked: the first container's station first, then orders no other vehicle of this round was
planned for, then the travel time from the first pick-up, then age. A round scans at most
:data:`MAX_CANDIDATES` open orders per assignment, oldest first, so a long backlog keeps rounds
cheap. Pairing owns no state; the round applies what it returns.
"""

from __future__ import annotations

from collections.abc import Collection

from orchestrator.closures import Closures
from orchestrator.costs import Profile
from orchestrator.domain.states import ContainerState
from orchestrator.energy import EnergyRule
from orchestrator.ids import OrderId
from orchestrator.lanegraph import Station, StationId
from orchestrator.risk_policy import next_stop
from orchestrator.router import Router
from orchestrator.state import ContainerRun, VehicleRun
from orchestrator.stations import StationIndex
from orchestrator.traffic.allocator import Allocator
from orchestrator.world import World

__all__ = ["MAX_CANDIDATES", "Pairing", "Partner"]

# Open orders looked at per assignment, oldest first (bounded cost with a long backlog).
MAX_CANDIDATES = 64


class Partner:
    """A container to load second, and whether its pick-up place must be taken."""

    __slots__ = ("container", "pickup", "take_place")

    def __init__(self, container: ContainerRun, pickup: Station, take_place: bool) -> None:
        self.container = container
        self.pickup = pickup
        self.take_place = take_place


class Pairing:
    def __init__(
        self,
        world: World,
        stations: StationIndex,
        closures: Closures,
        router: Router,
        alloc: Allocator,
        energy: EnergyRule,
    ) -> None:
        self._world = world
        self._stations = stations
        self._closures = closures
        self._router = router
        self._alloc = alloc
        self._energy = energy

    def partner(
        self,
        v: VehicleRun,
        first: ContainerRun,
        pickup: Station,
        dest: StationId,
        tail_m: float,
        planned: Collection[OrderId],
    ) -> Partner | None:
        """The best partner for ``first`` on ``v`` (None: none fits). ``tail_m``: metres from
        the delivery place on to the nearest charger; ``planned``: orders this round planned
        for other vehicles (taken only when nothing else fits)."""
        world = self._world
        containers, container_of = world.containers, world.orders.container_of
        stations = world.graph.stations
        direction, kind = first.order.direction, next_stop(first.risk)
        candidates: list[tuple[ContainerRun, Station]] = []
        looked = 0
        for oid in world.orders.open:
            if looked >= MAX_CANDIDATES:
                break
            c = containers[container_of[oid]]
            if c is first or c.state is not ContainerState.WAITING:
                continue
            looked += 1
            if c.order.direction is not direction or next_stop(c.risk) is not kind:
                continue
            st = stations[c.order.origin_station]
            if st.id != pickup.id and not (
                self._alloc.has_room(self._stations.place[st.id])
                and self._closures.station_open(st)
            ):
                continue
            candidates.append((c, st))
        if not candidates:
            return None
        router = self._router
        dnode = stations[dest].node
        nodes = sorted({st.node for _, st in candidates} | {dnode})
        router.prepare(Profile.TIME, nodes)
        router.prepare(Profile.LENGTH, nodes)
        to_first_m = router.cost(Profile.LENGTH, v.lanes.plan_end, pickup.node)
        best: tuple[tuple[bool, bool, float, int], Partner] | None = None
        for age, (c, st) in enumerate(candidates):
            t_s = router.cost(Profile.TIME, pickup.node, st.node)
            job_m = (
                to_first_m
                + router.cost(Profile.LENGTH, pickup.node, st.node)
                + router.cost(Profile.LENGTH, st.node, dnode)
                + tail_m
            )
            if not (job_m < float("inf") and t_s < float("inf")):
                continue
            if not self._energy.has_energy_for(v.battery_kwh, job_m):
                continue
            key = (st.id != pickup.id, c.order.order_id in planned, t_s, age)
            if best is None or key < best[0]:
                best = (key, Partner(c, st, st.id != pickup.id))
        return None if best is None else best[1]
