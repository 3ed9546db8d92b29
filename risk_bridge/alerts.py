"""Control-room alerts: what needs a person's eyes, raised and cleared as conditions come and
go, acknowledged by name.

This module owns the alert book (:class:`AlertBook`) and the conditions it watches
(:func:`scan`): seal mismatches and custody ledgers that fail verification (raised as they are
seen), vehicles that stopped reporting or broke down, containers at the crossing with no
verdict after ``verdict_overdue_s`` of simulated time, more vehicles waiting for a scanner than
``scanner_queue_max``, and containers or the whole bridge in the fail-safe. Alert ids are
``kind:subject:n`` (the n-th time that condition arose), so they are the same after a restart
that replays the same run; acknowledgements are durable as audit entries (``alert.ack``) and
read back from the audit trail at start-up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from orchestrator.vehicle_status import Display, VehicleStatus

__all__ = ["Alert", "AlertBook", "AlertKind", "Watch", "scan"]

AlertKind = Literal[
    "tamper", "seal_mismatch", "vehicle_silent", "verdict_overdue", "scanner_queue", "failsafe"
]
SEVERITY: dict[str, str] = {
    "tamper": "critical",
    "seal_mismatch": "critical",
    "failsafe": "critical",
    "vehicle_silent": "warning",
    "verdict_overdue": "warning",
    "scanner_queue": "info",
}


@dataclass(frozen=True, slots=True)
class Alert:
    alert_id: str
    kind: str
    severity: str
    subject: str
    message: str
    raised_at: str  # ISO 8601 UTC
    t_s: float  # fleet time when raised
    cleared_at: str | None = None
    acked_by: str | None = None
    acked_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "kind": self.kind,
            "severity": self.severity,
            "subject": self.subject,
            "message": self.message,
            "raised_at": self.raised_at,
            "t_s": self.t_s,
            "cleared_at": self.cleared_at,
            "acked_by": self.acked_by,
            "acked_at": self.acked_at,
            "open": self.acked_at is None,
        }


class AlertBook:
    """Thread-safe: raised from the pump and watch threads, read and acknowledged from routes."""

    def __init__(self, on_change: Callable[[str, Alert], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._alerts: dict[str, Alert] = {}
        self._active: dict[tuple[str, str], str] = {}  # (kind, subject) -> id while it holds
        self._count: dict[tuple[str, str], int] = {}
        self._acks: dict[str, tuple[str, str]] = {}  # acknowledged before (read at start-up)
        self._on_change = on_change

    def known_acks(self, acks: Iterable[tuple[str, str, str]]) -> None:
        """(alert id, who, when) from the audit trail: applied now and to alerts raised later."""
        with self._lock:
            for aid, who, when in acks:
                self._acks[aid] = (who, when)
                if aid in self._alerts:
                    self._alerts[aid] = replace(self._alerts[aid], acked_by=who, acked_at=when)

    def raise_(
        self, kind: str, subject: str, message: str, now_iso: str, t_s: float
    ) -> Alert | None:
        """Raise ``kind`` for ``subject`` unless it is raised already; the new alert, or None."""
        key = (kind, subject)
        with self._lock:
            if key in self._active:
                return None
            n = self._count.get(key, 0) + 1
            self._count[key] = n
            aid = f"{kind}:{subject}:{n}"
            who, when = self._acks.get(aid, (None, None))
            alert = Alert(
                aid,
                kind,
                SEVERITY.get(kind, "warning"),
                subject,
                message,
                now_iso,
                t_s,
                acked_by=who,
                acked_at=when,
            )
            self._alerts[aid] = alert
            self._active[key] = aid
        if self._on_change is not None:
            self._on_change("alert.raised", alert)
        return alert

    def clear(self, kind: str, subject: str, now_iso: str) -> None:
        """The condition is over: the alert stays listed (until acknowledged) as cleared."""
        with self._lock:
            aid = self._active.pop((kind, subject), None)
            if aid is None:
                return
            alert = self._alerts[aid] = replace(self._alerts[aid], cleared_at=now_iso)
        if self._on_change is not None:
            self._on_change("alert.cleared", alert)

    def active_subjects(self, kind: str) -> set[str]:
        with self._lock:
            return {s for k, s in self._active if k == kind}

    def get(self, alert_id: str) -> Alert | None:
        with self._lock:
            return self._alerts.get(alert_id)

    def ack(self, alert_id: str, who: str, when: str) -> Alert:
        with self._lock:
            alert = self._alerts[alert_id] = replace(
                self._alerts[alert_id], acked_by=who, acked_at=when
            )
            self._acks[alert_id] = (who, when)
        if self._on_change is not None:
            self._on_change("alert.acked", alert)
        return alert

    def listing(self, open_only: bool) -> list[Alert]:
        with self._lock:
            alerts = list(self._alerts.values())
        if open_only:
            alerts = [a for a in alerts if a.acked_at is None]
        return sorted(alerts, key=lambda a: (a.acked_at is not None, a.raised_at, a.alert_id))


@dataclass
class Watch:
    """What :func:`scan` remembers between rounds and its thresholds."""

    verdict_overdue_s: float = 1800.0  # simulated seconds at the crossing without a verdict
    scanner_queue_max: int = 3  # vehicles on their way to or waiting for a scanner
    first_seen: dict[str, float] = field(default_factory=dict)  # container -> fleet time


def scan(
    book: AlertBook,
    watch: Watch,
    *,
    now_iso: str,
    t_s: float,
    vehicles: Sequence[VehicleStatus],
    unverdicted: Iterable[str],
    at_crossing: Callable[[str], bool],
    failsafe: dict[str, str],
    degraded: str | None,
) -> None:
    """One round over the watched conditions (the control room's watch thread, ~1 s)."""
    silent = {
        v.vehicle_id: (v.fault or "stopped reporting")
        for v in vehicles
        if v.display is Display.FAULTED
    }
    for vid, why in sorted(silent.items()):
        book.raise_("vehicle_silent", vid, f"{vid}: {why}", now_iso, t_s)
    for vid in book.active_subjects("vehicle_silent") - set(silent):
        book.clear("vehicle_silent", vid, now_iso)

    queued = sum(1 for v in vehicles if v.purpose == "scan" and v.display is not Display.SCANNING)
    if queued > watch.scanner_queue_max:
        msg = f"{queued} vehicles queue for the NII scanner (threshold {watch.scanner_queue_max})"
        book.raise_("scanner_queue", "nii", msg, now_iso, t_s)
    else:
        book.clear("scanner_queue", "nii", now_iso)

    waiting = set()
    for cid in unverdicted:
        if not at_crossing(cid):
            continue
        waiting.add(cid)
        since = watch.first_seen.setdefault(cid, t_s)
        if t_s - since > watch.verdict_overdue_s:
            mins = (t_s - since) / 60.0
            book.raise_(
                "verdict_overdue",
                cid,
                f"{cid}: at the crossing {mins:.0f} min without a verdict",
                now_iso,
                t_s,
            )
    for cid in set(watch.first_seen) - waiting:
        del watch.first_seen[cid]
        book.clear("verdict_overdue", cid, now_iso)

    for cid, why in sorted(failsafe.items()):
        book.raise_("failsafe", cid, f"{cid} in the fail-safe (never across): {why}", now_iso, t_s)
    for cid in book.active_subjects("failsafe") - set(failsafe) - {"bridge"}:
        book.clear("failsafe", cid, now_iso)
    if degraded:
        book.raise_("failsafe", "bridge", f"the bridge is degraded: {degraded}", now_iso, t_s)
    else:
        book.clear("failsafe", "bridge", now_iso)
