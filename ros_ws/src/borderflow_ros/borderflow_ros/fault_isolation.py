"""What the orchestrator node does when a vehicle's heartbeats stop and when they come back.

Plain Python around the core (tested without ROS): the host hands in how to feed the core an
event and how to publish a lane's status.

- Fault: the core gets ``VehicleFaulted`` (out of service: an order it had not loaded goes to
  another vehicle, a container on it stays; it keeps its lanes and places), then the lanes the
  vehicle stands on (:func:`~borderflow_ros.heartbeat.lanes_to_close`) are closed, so the core
  routes the others around it. Its own grant is not replanned (the core leaves out-of-service
  vehicles alone), which is why the fault goes in before the closures.
- Recovery: the core gets ``VehicleRecovered`` at the node the vehicle reports. Refused (a
  node not on its granted path) the vehicle stays faulted and a warning says what to do.
  Accepted, the lanes closed for it open again, unless another faulted vehicle blocks them too.
  An operator's closure is never opened here. A faulted vehicle the core takes back through
  ``VehicleJoined`` (parked off the lanes and restarted) is cleared the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from typing import Protocol

from borderflow_ros.heartbeat import lanes_to_close
from orchestrator.ids import VehicleId
from orchestrator.lanegraph import LaneGraph, NodeId
from orchestrator.messages import (
    Event,
    LaneClosed,
    LaneOpened,
    VehicleFaulted,
    VehicleRecovered,
)

__all__ = ["CoreViews", "FaultIsolation", "Feed"]


class Feed(Protocol):
    """Hands one event to the core and sends its commands; returns the refusal text or "".
    ``quiet``: a refusal is expected, the caller reports it (no error is logged or counted)."""

    def __call__(self, event: Event, *, quiet: bool = False) -> str: ...


class CoreViews(Protocol):
    """What fault isolation reads of the core (:class:`orchestrator.views.Views`)."""

    def has_vehicle(self, vehicle_id: str) -> bool: ...

    def closed_lanes(self) -> AbstractSet[str]: ...

    def faulted_vehicles(self) -> Mapping[VehicleId, str]: ...


class FaultIsolation:
    def __init__(
        self,
        core: CoreViews,
        graph: LaneGraph,
        *,
        feed: Feed,
        publish_lane: Callable[[str, bool, str], None],
        warn: Callable[[str], object],
        info: Callable[[str], object],
    ) -> None:
        self.core = core
        self.graph = graph
        self._feed = feed
        self._publish_lane = publish_lane
        self._warn = warn
        self._info = info
        # Vehicles held faulted here (heartbeats stopped, or recovery refused), with the reason.
        self.faulted: dict[str, str] = {}
        # Lanes closed here for faulted vehicles, and the ones each faulted vehicle blocks.
        self.fault_lanes: set[str] = set()
        self.blocking: dict[str, list[str]] = {}

    def fault(self, vid: str, t_s: float, why: str, node: str, next_node: str) -> None:
        """``vid`` went silent, last known at ``node`` (heading to ``next_node`` or "")."""
        self.faulted[vid] = why
        self._warn(f"{why} (last at {node or '?'} -> {next_node or '-'})")
        # A vehicle the core has not met yet (it never stood at a node) has nothing to hand back.
        if self.core.has_vehicle(vid) and vid not in self.core.faulted_vehicles():
            self._feed(VehicleFaulted(t_s, VehicleId(vid), why))
        blocked: list[str] = []
        for lane in lanes_to_close(self.graph, node, next_node) if node else []:
            if lane in self.fault_lanes:
                blocked.append(lane)  # closed for another faulted vehicle already
            elif lane in self.core.closed_lanes():
                continue  # an operator's closure stays theirs
            elif not self._feed(LaneClosed(t_s, lane, reason=why)):
                self.fault_lanes.add(lane)
                blocked.append(lane)
                self._publish_lane(lane, True, why)
        self.blocking[vid] = blocked

    def recover(self, vid: str, t_s: float, node: str, battery_kwh: float) -> bool:
        """``vid`` is heard again, standing at ``node``; False: it stays faulted."""
        if vid in self.core.faulted_vehicles():
            refused = self._feed(
                VehicleRecovered(t_s, VehicleId(vid), NodeId(node), battery_kwh), quiet=True
            )
            if refused:
                self._warn(
                    f"vehicle {vid} is heard again at {node} but stays out of service: {refused}. "
                    "Its recovery is tried again when it reports another node."
                )
                return False
        self._info(f"vehicle {vid} back in service at {node}")
        self._clear(vid, t_s, f"vehicle {vid} recovered")
        return True

    def rejoined(self, vid: str, t_s: float) -> None:
        """The core took ``VehicleJoined`` for faulted ``vid`` (parked off the lanes, restarted)."""
        self._info(f"vehicle {vid} joined again: back in service")
        self._clear(vid, t_s, f"vehicle {vid} joined again")

    def _clear(self, vid: str, t_s: float, why: str) -> None:
        self.faulted.pop(vid, None)
        mine = self.blocking.pop(vid, [])
        still = {lane for lanes in self.blocking.values() for lane in lanes}
        for lane in mine:
            if lane in still:
                continue  # another faulted vehicle stands there too
            self.fault_lanes.discard(lane)
            if lane in self.core.closed_lanes() and not self._feed(LaneOpened(t_s, lane)):
                self._publish_lane(lane, False, why)
