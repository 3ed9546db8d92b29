"""The run's arrivals coming in: each container to the customs model and, as an order, to the
core, at its time; where in the origin yard it waits; and the arrivals still to come replaced
(a forecast's copy redraws them, sim/forecast/child.py)."""

from __future__ import annotations

from collections.abc import Callable

import simpy

from orchestrator.lanegraph import LaneGraph, StationId, StationRole
from orchestrator.messages import Direction, Event, OrderArrived
from sim.arrivals import Arrival
from sim.customs import CustomsModel
from sim.errors import ScenarioError
from sim.scenario import Scenario
from sim.simtypes import ProcessGen

__all__ = ["ArrivalFeeder"]


class ArrivalFeeder:
    def __init__(
        self,
        env: simpy.Environment,
        graph: LaneGraph,
        scenario: Scenario,
        customs: CustomsModel,
        deliver: Callable[[Event], object],
        arrivals: list[Arrival],
    ) -> None:
        self._env, self._graph, self._scenario = env, graph, scenario
        self._customs, self._deliver = customs, deliver
        self.arrivals = arrivals  # every arrival of the run, past and to come, by time
        self._staged = dict.fromkeys(Direction, 0)  # containers staged per direction so far
        self._process = env.process(self._feed(arrivals))

    def replace_future(self, arrivals: list[Arrival]) -> None:
        """From now on these arrive instead of the ones still to come (times after now)."""
        now = self._env.now
        if self._process.is_alive:
            self._process.interrupt("arrivals replaced")
        keep = [a for a in self.arrivals if a.t_s <= now]
        future = sorted((a for a in arrivals if a.t_s > now), key=lambda a: a.t_s)
        self.arrivals = keep + future
        self._process = self._env.process(self._feed(future))

    def _feed(self, arrivals: list[Arrival]) -> ProcessGen:
        env = self._env
        for a in arrivals:
            if a.t_s > env.now:
                try:
                    yield env.timeout(a.t_s - env.now)
                except simpy.Interrupt:
                    return  # replace_future: another feeder takes over
            self._customs.container_arrived(a)
            self._deliver(
                OrderArrived(
                    env.now, a.order_id, a.container_id, a.direction, self._origin(a), a.seals
                )
            )

    def _origin(self, a: Arrival) -> StationId:
        slots = self._graph.stations_with(StationRole.YARD_SLOT, a.direction.origin)
        if not slots:
            raise ScenarioError(
                self._scenario.source,
                "map",
                f"the map {self._graph.name!r} has no yard slot on the "
                f"{a.direction.origin.value} side for order {a.order_id}",
            )
        places = self._scenario.fleet.container_places
        if places == 1:
            return slots[int(a.order_id[1:]) % len(slots)].id
        # Two-place AGVs: the yard stages each direction's containers in pairs, two to a slot,
        # so a vehicle usually loads both at one place.
        k = self._staged[a.direction]
        self._staged[a.direction] = k + 1
        return slots[(k // places) % len(slots)].id
