"""The bridge service's link to the fleet: the core's log entries and the simulated customs'
decisions come in through a pump thread; lane closures go out to the core.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from orchestrator.messages import Event, HoldReleased, LaneClosed, LaneOpened, VerdictIssued
from orchestrator.ports import LogEntry
from risk_bridge.committer import Prepared
from risk_bridge.domain import Role
from risk_bridge.errors import NotFound
from risk_bridge.security import Principal
from risk_bridge.store import WriteBatch

if TYPE_CHECKING:
    import threading

    from risk_bridge.committer import Committer
    from risk_bridge.service import Pending, Write
    from risk_bridge.state import BridgeState

__all__ = ["FleetLinkMixin"]


class FleetLinkMixin:
    """Part of :class:`risk_bridge.service.BridgeService` (split out to keep modules small)."""

    if TYPE_CHECKING:  # provided by BridgeService
        state: BridgeState
        committer: Committer
        fleet: Any
        _stop: threading.Event

        def _deliver(self, event: Event) -> None: ...
        def _t(self) -> float: ...
        def verdicts(self, w: Write, items: list[dict[str, Any]]) -> Pending: ...
        def _event(
            self,
            batch: WriteBatch,
            effects: list[Callable[[], None]],
            kind: str,
            container_id: str | None,
            data: dict[str, Any],
        ) -> None: ...
    # ---------------------------------------------------------------------------- fleet log

    def _fleet_pump(self) -> None:
        """Moves fleet log entries and simulated customs decisions into the committer."""
        import queue as q

        while not self._stop.is_set():
            fleet = self.fleet
            if fleet is None:
                self._stop.wait(0.2)
                continue
            try:
                entry = fleet.log_queue.get(timeout=0.05)
                self.on_fleet_log(entry)
            except q.Empty:
                pass
            while True:
                try:
                    ev = fleet.customs_queue.get_nowait()
                except q.Empty:
                    break
                self.on_sim_customs(ev)

    def on_fleet_log(self, entry: LogEntry) -> None:
        from risk_bridge.fleet_events import translate

        out = translate(entry)
        if out is None:
            return
        self.committer.submit(lambda: self._fleet_job(entry, *out))

    def _fleet_job(
        self, entry: LogEntry, kind: str, cid: str | None, data: dict[str, Any]
    ) -> Prepared:
        from risk_bridge.holds import on_hold_placed, on_hold_released

        batch = WriteBatch()
        effects: list[Callable[[], None]] = []
        if kind == "hold.placed" and cid:
            on_hold_placed(
                self,  # type: ignore[arg-type]
                batch,
                effects,
                cid,
                entry,
                data,
            )
        elif kind == "hold.released" and cid:
            on_hold_released(
                self,  # type: ignore[arg-type]
                batch,
                cid,
                data,
            )
        self._event(batch, effects, kind, cid, data)
        return Prepared(batch, None, effects)

    def on_sim_customs(self, ev: Event) -> None:
        """Auto-customs mode: the simulated authorities submit through the bridge like others."""

        from risk_bridge.holds import release
        from risk_bridge.recovery import now_utc
        from risk_bridge.service import Write

        if isinstance(ev, VerdictIssued):
            side = ev.authority.value
            p = Principal(f"sim-{side}-customs", Role.AUTHORITY_SYSTEM, side)
            item = {
                "verdict_id": ev.verdict_id,
                "container_id": ev.container_id,
                "authority": side,
                "level": ev.level.value,
                "channel": None,
                "treatment": "none",
                "reasons": [ev.reason],
                "issued_at": now_utc(),
                "sequence": 0,
            }
            w = Write(p, f"sim:{ev.verdict_id}", hashlib.sha256(ev.verdict_id.encode()).hexdigest())
            self.verdicts(w, [item])
        elif isinstance(ev, HoldReleased):
            p = Principal(ev.officer_id, Role.OFFICER, ev.authority.value)
            key = f"sim:rel:{ev.container_id}:{ev.t_s}"
            release(
                self,  # type: ignore[arg-type]
                Write(p, key, key),
                ev.container_id,
                ev.reason,
            )

    # ---------------------------------------------------------------------------- lanes

    def set_lane(  # noqa: PLR0917 (one internal call shape per caller)
        self,
        target: str,
        is_zone: bool,
        closer: str,
        closed: bool,
        reason: str,
        batch: WriteBatch,
        effects: list[Callable[[], None]],
    ) -> None:
        closers = self.state.lanes_closed.setdefault(target, set())
        was_closed = bool(closers)
        if closed:
            closers.add(closer)
        else:
            closers.discard(closer)
        now_closed = bool(closers)
        if was_closed == now_closed:
            return
        if now_closed:
            effects.append(lambda: self._deliver(LaneClosed(self._t(), target, is_zone, reason)))
        else:
            effects.append(lambda: self._deliver(LaneOpened(self._t(), target, is_zone)))
        kind = "lane.closed" if now_closed else "lane.opened"
        self._event(
            batch,
            effects,
            kind,
            None,
            {"target": target, "is_zone": is_zone, "by": closer, "reason": reason},
        )

    def check_target(self, target: str, is_zone: bool) -> None:
        if self.fleet is None:
            return
        known = self.fleet.zone_ids if is_zone else self.fleet.lane_ids
        if target not in known:
            what = "zone" if is_zone else "lane"
            raise NotFound(
                f"{what} {target!r} is not on the map; GET /v1/lanes lists the {what} ids"
            )
