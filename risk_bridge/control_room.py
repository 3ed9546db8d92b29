"""What the control-room console reads, composed for one bridge: live vehicle frames, the map
document, KPIs and alerts.

:class:`ControlRoom` is built by ``create_app`` beside the service and handed the fleet and the
service; it owns the KPI tally (fed with the fleet's notices), the alert book and the watch
thread that raises and clears alerts about once a second, and the vehicle feed. It writes
nothing itself except through the service: alert events (``publish``) and acknowledgements
(an audited write, see :mod:`risk_bridge.routers.alerts`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from orchestrator.domain.customs_events import TamperAlert
from orchestrator.domain.eventlog import CustomsNotice
from orchestrator.vehicle_status import Display, VehicleStatus
from risk_bridge.alerts import Alert, AlertBook, Watch, scan
from risk_bridge.fleet_port import FleetPort
from risk_bridge.kpi_tally import KpiTally
from risk_bridge.map_doc import map_document
from risk_bridge.service import BridgeService
from risk_bridge.vehicle_feed import VehicleFeed

__all__ = ["ControlRoom"]

log = logging.getLogger("risk_bridge.control_room")


def _iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ControlRoom:
    def __init__(
        self, svc: BridgeService, fleet: FleetPort | None, *, watch: Watch | None = None
    ) -> None:
        self.svc = svc
        self.fleet = fleet
        self.kpis = KpiTally()
        self.alerts = AlertBook(on_change=self._announce)
        self.watch = watch or Watch()
        self.feed = VehicleFeed(self.read_vehicles)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        svc.observers.append(self.observe)

    # ------------------------------------------------------------------------------ reads

    def read_vehicles(self) -> tuple[float, Sequence[VehicleStatus]]:
        if self.fleet is None:
            return 0.0, []
        return self.fleet.now_s(), self.fleet.vehicles()

    @cached_property
    def map_json(self) -> bytes:
        """The map document as JSON bytes (built once: the map does not change while serving)."""
        if self.fleet is None:
            return b"null"
        return json.dumps(map_document(self.fleet.graph), separators=(",", ":")).encode()

    def kpi_snapshot(self) -> dict[str, Any]:
        out = self.kpis.snapshot()
        vehicles = self.fleet.vehicles() if self.fleet is not None else []
        busy = sum(1 for v in vehicles if v.display not in (Display.IDLE, Display.FAULTED))
        counts: dict[str, int] = {}
        for v in vehicles:
            counts[v.display.value] = counts.get(v.display.value, 0) + 1
        out["t_s"] = self.fleet.now_s() if self.fleet is not None else 0.0
        out["vehicles"] = len(vehicles)
        out["vehicles_by_display"] = counts
        out["utilisation"] = busy / len(vehicles) if vehicles else None
        out["holds_active"] = sum(
            1 for h in list(self.svc.state.holds.values()) if h["status"] == "active"
        )
        return out

    # ------------------------------------------------------------------------------ alerts

    def observe(self, notice: CustomsNotice) -> None:
        """A fleet notice (pump thread): KPIs, and a seal mismatch is an alert at once."""
        self.kpis.observe(notice)
        if isinstance(notice, TamperAlert):
            self.alerts.raise_(
                "seal_mismatch",
                str(notice.container_id),
                f"{notice.container_id}: seal {notice.seal_number} read at {notice.node} does "
                "not match the declaration (held automatically)",
                _iso_now(),
                notice.t_s,
            )

    def ledger_failed(self, container_id: str, why: str) -> None:
        """A custody timeline failed verification (the custody route saw it)."""
        t_s = self.fleet.now_s() if self.fleet is not None else 0.0
        self.alerts.raise_(
            "tamper", container_id, f"{container_id}: custody ledger {why}", _iso_now(), t_s
        )

    def _announce(self, kind: str, alert: Alert) -> None:
        self.svc.publish(kind, None, alert.to_json())

    def _acks_from_audit(self) -> None:
        after, acks = 0, []
        while True:
            rows = self.svc.store.audit(1000, after)
            if not rows:
                break
            for r in rows:
                after = int(str(r[0]))
                if r[5] == "alert.ack":
                    acks.append((str(r[6]), str(r[2]), str(r[1])))
        self.alerts.known_acks(acks)

    def watch_once(self) -> None:
        fleet = self.fleet
        if fleet is None:
            return
        st = self.svc.state
        try:
            unverdicted = [c for c in list(st.cargo) if not st.latest.get(c)]
            failsafe = dict(st.core_failsafe)
        except RuntimeError:  # a dict resized by the writer while copied: next round
            return
        scan(
            self.alerts,
            self.watch,
            now_iso=_iso_now(),
            t_s=fleet.now_s(),
            vehicles=fleet.vehicles(),
            unverdicted=unverdicted,
            at_crossing=lambda c: fleet.container_node(c) is not None,
            failsafe=failsafe,
            degraded=(self.svc.failure_reason or "store unavailable")
            if self.svc.degraded
            else None,
        )

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.watch_once()
            except Exception:  # the watch must not die silently on one bad round
                log.exception("control-room watch round failed")

    def start(self) -> None:
        self._acks_from_audit()
        self._thread = threading.Thread(target=self._run, name="control-room", daemon=True)
        self._thread.start()

    async def aclose(self) -> None:
        self._stop.set()
        await self.feed.close()
        if self._thread is not None:
            self._thread.join(timeout=3)
