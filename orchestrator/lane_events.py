"""Lane events: closing and opening lanes or zones, and the periodic Tick.

A closure hides the lane (or every edge touching the zone) from the router at once: the
tables in use are rebuilt in one batch and waiting vehicles retry, while vehicles on the move
follow the new tables from their next node. An opening lets every waiting vehicle retry and
calls for a dispatch round; so does a Tick (the runtime's safety net for waits that no event
ends).
"""

from __future__ import annotations

from orchestrator.agenda import Agenda
from orchestrator.closures import Closures
from orchestrator.domain.traffic_events import LaneReopened, LaneShut
from orchestrator.journal import Journal
from orchestrator.messages import LaneClosed, LaneOpened, Tick
from orchestrator.router import Router
from orchestrator.wakeups import Wakeups
from orchestrator.world import World

__all__ = ["LaneEvents"]


class LaneEvents:
    def __init__(
        self,
        world: World,
        closures: Closures,
        router: Router,
        wakeups: Wakeups,
        journal: Journal,
        agenda: Agenda,
    ) -> None:
        self._world = world
        self._closures = closures
        self._router = router
        self._wakeups = wakeups
        self._journal = journal
        self._agenda = agenda

    def check(self, e: LaneClosed | LaneOpened) -> None:
        self._closures.check(e.lane_id, e.is_zone)

    def apply_closed(self, e: LaneClosed, _: None) -> None:
        self._closures.close(e.lane_id, e.is_zone)
        self._router.invalidate()
        self._journal.emit(LaneShut(self._world.now_s, e.lane_id, e.is_zone, e.reason))
        self._wakeups.replan_routes()

    def apply_opened(self, e: LaneOpened, _: None) -> None:
        self._closures.open(e.lane_id, e.is_zone)
        self._router.invalidate()
        self._journal.emit(LaneReopened(self._world.now_s, e.lane_id, e.is_zone))
        self._wakeups.resume_all_waiting()
        self._agenda.request_dispatch()

    def apply_tick(self, e: Tick, _: None) -> None:
        self._wakeups.resume_all_waiting()
        self._agenda.request_dispatch()
