"""The simulated customs authorities: verdicts, NII scan results, officers and seal readers.

For every container the model sends the first verdict after its latency and, for a share of
them, a second different verdict later (which may reach the vehicle mid-route). It answers
scans with the pre-drawn outcome, reads seals at the gates, and plays the officer who reacts to
the core's HoldPlaced event: after the inspection and release time it sends
``HoldReleased``. It also keeps its OWN record of what it has cleared, independently of the
core, which :class:`~sim.invariants.InvariantMonitor` uses to count uncleared crossings.

Clearance rule (by what this model itself issued): a container is cleared when its latest
verdict is LOW, or MEDIUM and it has had a clear scan or an officer release, or HIGH and an
officer released it after the latest HIGH verdict; an escalated scan or a mismatching seal read
demands a release issued after it, whatever verdicts come later.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import simpy

from orchestrator.custody.events import CustodyEvent, CustodyEventKind, LedgerPort
from orchestrator.domain.customs_events import BorderCrossed, HoldLifted, HoldPlaced
from orchestrator.domain.eventlog import DomainEvent
from orchestrator.domain.events import OrderDelivered, OrderPickedUp
from orchestrator.lanegraph import NodeId, Side
from orchestrator.messages import (
    Event,
    HoldReleased,
    RiskLevel,
    ScanOutcome,
    SealChecked,
    VerdictIssued,
)
from orchestrator.risk_policy import RiskStatus
from sim.arrivals import Arrival
from sim.scenario import CustomsSpec
from sim.simtypes import ProcessGen

__all__ = ["ClearanceRecord", "CustomsModel", "SealTracker"]


@dataclass(slots=True)
class ClearanceRecord:
    arrival: Arrival
    level: RiskLevel = RiskLevel.UNKNOWN
    high_t_s: float = -1.0  # latest HIGH verdict
    scan_clear_t_s: float = -1.0
    release_t_s: float = -1.0
    demand_release_t_s: float = -1.0  # latest escalation / seal mismatch
    scans: int = 0
    seal_reads: int = 0
    on_hold: bool = False
    release_pending: bool = False
    hold_since_s: float = -1.0  # when the current hold was placed
    seals: list[str] = field(default_factory=list)  # the seals physically on the container
    broken_seal: str | None = None  # opened by an officer, waiting for the reseal

    def cleared(self) -> bool:
        if self.on_hold:
            return False
        if self.demand_release_t_s >= 0.0 and self.release_t_s < self.demand_release_t_s:
            return False
        if self.level is RiskLevel.LOW:
            return True
        if self.level is RiskLevel.MEDIUM:
            return self.scan_clear_t_s >= 0.0 or self.release_t_s >= 0.0
        if self.level is RiskLevel.HIGH:
            return self.release_t_s >= self.high_t_s
        return False


class CustomsModel:
    """Both sides' customs as seen by the runtime; events go out through ``deliver``."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: CustomsSpec,
        deliver: Callable[[Event], object],
        rng: random.Random,
    ) -> None:
        self.env = env
        self.spec = spec
        self.scan_time_s = spec.scan_time_s
        self._deliver = deliver
        self._rng = rng
        self.records: dict[str, ClearanceRecord] = {}
        self._officers = {Side.CN: 0, Side.MN: 0}
        # Scanner queue KPIs: a loaded container that needs a scan (MEDIUM, not scanned or
        # inspected yet) is queued from that moment until its scan starts, driving included.
        self._loaded: set[str] = set()
        self._react: dict[type, Callable[[Any], None]] = {
            HoldPlaced: self._hold_placed,
            HoldLifted: self._hold_lifted,
            OrderPickedUp: self._picked_up,
            OrderDelivered: self._delivered,
            BorderCrossed: self._crossed,
        }
        self._across: set[str] = set()  # containers whose crossing the core committed
        self._scan_requested: dict[str, float] = {}
        self.scan_waits_s: list[float] = []
        self.scan_queue: list[tuple[float, int]] = [(0.0, 0)]
        self.verdicts_sent = 0
        self._scripted = 0
        self.releases_sent = 0
        self.seal_mismatches = 0

    def redirect(self, deliver: Callable[[Event], object]) -> None:
        """Send the decisions somewhere else from now on (a forecast: straight to the core)."""
        self._deliver = deliver

    def resend_verdict(self, container_id: str, reason: str) -> None:
        """Send the container's latest verdict again, now (a forecast's copy: the live one went
        to the bridge and had not reached the core when the copy was made)."""
        rec = self.records[container_id]
        self._verdict(rec.arrival, rec.level, rec.arrival.direction.origin, 50, reason)

    def resume_hold(self, container_id: str, side: Side) -> None:
        """An officer of ``side`` takes up a hold the core has and no officer of this model is
        on (a forecast's copy: the live release went to the bridge, or none was made)."""
        rec = self.records[container_id]
        if not rec.release_pending:
            rec.on_hold = True
            rec.release_pending = True
            rec.hold_since_s = self.env.now
            self.env.process(self._officer(rec, side))

    def take_over(self, arrival: Arrival, seals: tuple[str, ...], status: RiskStatus,
                  loaded: bool, crossed: bool) -> None:  # fmt: skip
        """A container a live core already has (sim/forecast/world.py): its record as the
        core's risk status says, with the ``seals`` on it now. Without a verdict yet, this
        model grades it from now on (how long it already waited is not known here); a hold
        gets an officer of its side."""
        if status.level is RiskLevel.UNKNOWN:
            self.container_arrived(arrival)
        else:
            rec = self.records[arrival.container_id] = ClearanceRecord(arrival, level=status.level)
            now = self.env.now
            if status.level is RiskLevel.HIGH:
                rec.high_t_s = now
            if status.scanned_clear:
                rec.scan_clear_t_s = now
            if status.inspected:
                rec.release_t_s = now
        self.records[arrival.container_id].seals = list(seals)
        if loaded:
            self._loaded.add(arrival.container_id)
            self._refresh_queue(arrival.container_id)
        if crossed:
            self._across.add(arrival.container_id)
        if status.hold_side is not None:
            self.resume_hold(arrival.container_id, status.hold_side)

    # ------------------------------------------------------------------------------- arrivals

    def container_arrived(self, arrival: Arrival) -> None:
        self.records[arrival.container_id] = ClearanceRecord(arrival, seals=list(arrival.seals))
        self.env.process(self._verdicts(arrival))

    def _verdicts(self, arrival: Arrival) -> ProcessGen:
        fate = arrival.fate
        authority = arrival.direction.origin
        yield self.env.timeout(fate.verdict_after_s)
        self._verdict(arrival, fate.level, authority, 1, "risk assessment")
        if fate.second_level is not None:
            yield self.env.timeout(fate.second_after_s)
            self._verdict(arrival, fate.second_level, authority, 2, "re-assessment")

    def _verdict(
        self, arrival: Arrival, level: RiskLevel, authority: Side, n: int, reason: str
    ) -> None:
        rec = self.records[arrival.container_id]
        rec.level = level
        if level is RiskLevel.HIGH:
            rec.high_t_s = self.env.now
        self._refresh_queue(arrival.container_id)
        self.verdicts_sent += 1
        self._deliver(
            VerdictIssued(
                self.env.now,
                arrival.container_id,
                level,
                authority,
                f"{authority.value}-V-{arrival.order_id}-{n}",
                reason,
            )
        )

    def scripted_verdict(
        self, container_id: str, level: RiskLevel, authority: Side, reason: str
    ) -> None:
        """A verdict a scenario schedules (``[[verdicts]]``): recorded like the model's own and
        sent at once."""
        rec = self.records[container_id]
        self._scripted += 1
        self._verdict(rec.arrival, level, authority, 100 + self._scripted, reason)

    # ----------------------------------------------------------------------------------- scans

    def _refresh_queue(self, container_id: str) -> None:
        rec = self.records.get(container_id)
        needs = (
            rec is not None
            and container_id in self._loaded
            and rec.level is RiskLevel.MEDIUM
            and rec.scan_clear_t_s < 0.0
            and rec.release_t_s < 0.0
            and rec.demand_release_t_s < 0.0
        )
        queued = container_id in self._scan_requested
        if needs and not queued:
            self._scan_requested[container_id] = self.env.now
        elif queued and not needs:
            del self._scan_requested[container_id]
        else:
            return
        self.scan_queue.append((self.env.now, len(self._scan_requested)))

    def scan_started(self, container_id: str, t_s: float) -> None:
        requested = self._scan_requested.pop(container_id, None)
        if requested is not None:
            self.scan_waits_s.append(t_s - requested)
            self.scan_queue.append((t_s, len(self._scan_requested)))

    def scan_interrupted(self, container_id: str) -> None:
        """The vehicle broke down in the scanner: no image, so the container (if it still
        needs a scan) queues again from now, and its next scan is its first outcome."""
        self._refresh_queue(container_id)

    def scan_outcome(self, container_id: str, t_s: float) -> ScanOutcome:
        rec = self.records.get(container_id)
        if rec is None:
            return ScanOutcome.CLEAR
        rec.scans += 1
        escalate = (
            rec.arrival.fate.scan_escalates
            if rec.scans == 1
            else self._rng.random() < self.spec.escalation_rate
        )
        if escalate:
            rec.demand_release_t_s = t_s
            self._refresh_queue(container_id)
            return ScanOutcome.ESCALATE
        rec.scan_clear_t_s = t_s
        self._refresh_queue(container_id)
        return ScanOutcome.CLEAR

    # ----------------------------------------------------------------------------------- seals

    def read_seals(self, container_id: str, node: NodeId, *, env_now: float) -> list[Event]:
        rec = self.records.get(container_id)
        if rec is None:
            return []
        rec.seal_reads += 1
        out: list[Event] = []
        for i, seal in enumerate(rec.seals):
            matches = not (rec.seal_reads == 1 and i == 0 and rec.arrival.fate.seal_mismatch)
            if not matches:
                rec.demand_release_t_s = env_now
                self.seal_mismatches += 1
            out.append(SealChecked(env_now, container_id, seal, node, matches))
        return out

    # ------------------------------------------------------------------------- log reactions

    def on_event(self, event: DomainEvent) -> None:
        """React to the core: officers to holds, the scanner queue to loads and deliveries."""
        react = self._react.get(type(event))
        if react is not None:
            react(event)

    def _hold_placed(self, event: HoldPlaced) -> None:
        rec = self.records.get(event.container_id)
        if rec is not None and not rec.release_pending:
            rec.on_hold = True
            rec.release_pending = True
            rec.hold_since_s = self.env.now
            self.env.process(self._officer(rec, event.side))

    def _hold_lifted(self, event: HoldLifted) -> None:
        rec = self.records.get(event.container_id)
        if rec is not None:
            rec.on_hold = False

    def _picked_up(self, event: OrderPickedUp) -> None:
        self._loaded.add(event.container_id)
        self._refresh_queue(event.container_id)

    def _crossed(self, event: BorderCrossed) -> None:
        if event.container_id is not None:
            self._across.add(event.container_id)

    def past_the_line(self, container_id: str) -> bool:
        """Committed to the crossing (or across): a warning no longer concerns it."""
        return container_id in self._across

    def _delivered(self, event: OrderDelivered) -> None:
        self._loaded.discard(event.container_id)
        self._refresh_queue(event.container_id)

    def _officer(self, rec: ClearanceRecord, side: Side) -> ProcessGen:
        first = rec.release_t_s < 0.0
        fate = rec.arrival.fate
        inspect_s = fate.inspection_s if first else self._rng.uniform(*self.spec.inspection_time_s)
        release_s = fate.release_s if first else self._rng.uniform(*self.spec.release_time_s)
        yield self.env.timeout(inspect_s + release_s)
        self._officers[side] += 1
        officer = f"{side.value}-officer-{(self._officers[side] - 1) % 8 + 1}"
        rec.release_t_s = self.env.now
        rec.release_pending = False
        rec.on_hold = False
        self.releases_sent += 1
        self._deliver(
            HoldReleased(
                self.env.now, rec.arrival.container_id, officer, side, "inspected, no findings"
            )
        )

    def is_cleared(self, container_id: str) -> bool:
        rec = self.records.get(container_id)
        return rec is not None and rec.cleared()


class SealTracker:
    """Custody ledger tee: follows officers' reseals so the gate readers read the new seal.

    After an inspection the officer breaks the seal and affixes a fresh one, whose number the
    core records in the custody ledger (``inspection_opened`` then ``resealed``). The readers
    read what is physically on the container, so the customs model takes the new number from
    there. Every event is passed on to the real ledger when there is one, stamped with the
    run's time (``stamp``).
    """

    def __init__(
        self,
        customs: CustomsModel,
        inner: LedgerPort | None = None,
        stamp: Callable[[float], str] | None = None,
    ) -> None:
        self._customs = customs
        self._inner = inner
        # The runtime's time for the ledger (the core has no clock): simulated seconds -> ISO
        # 8601 UTC by the scenario's epoch. None leaves events unstamped for the ledger's own
        # clock (a live fleet: the wall clock).
        self._stamp = stamp
        self._seq = 0

    def detach(self) -> None:
        """Keep following reseals but pass nothing on: a forecast's custody events are not
        custody (the live run's ledger stays the live run's)."""
        self._inner = None

    def append(self, event: CustodyEvent) -> int:
        if self._stamp is not None and event.timestamp is None:
            event = replace(event, timestamp=self._stamp(event.t_s))
        rec = self._customs.records.get(event.container_id)
        if rec is not None and event.seal_number is not None:
            if event.kind is CustodyEventKind.INSPECTION_OPENED:
                rec.broken_seal = event.seal_number
            elif event.kind is CustodyEventKind.RESEALED:
                if rec.broken_seal in rec.seals:
                    rec.seals[rec.seals.index(rec.broken_seal)] = event.seal_number
                else:
                    rec.seals.append(event.seal_number)
                rec.broken_seal = None
        if self._inner is not None:
            return self._inner.append(event)
        self._seq += 1
        return self._seq
