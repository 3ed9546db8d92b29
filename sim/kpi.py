"""KPIs of a run: accumulated from the core's log entries and the runtime's own counters.

:class:`KpiAccumulator` listens to the core's typed domain events while the run goes
(deliveries per direction and crossing times, holds, reroutes, order backlog; the event log's
count of lines per kind) and :meth:`KpiAccumulator.summary` adds the
vehicles' utilisation, empty-run share and energy, the scanner queue from the customs model and
the three invariant counters; a run with breakdowns scheduled also gets a ``faults`` section
(breakdowns, out-of-service hours, orders returned, containers stranded). The summary holds no
wall-clock values: it is part of the byte-identical JSON.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from orchestrator.domain.customs_events import (
    BorderCrossed,
    HoldLifted,
    HoldPlaced,
    LateVerdict,
    Rerouted,
    ScanResult,
)
from orchestrator.domain.eventlog import DomainEvent
from orchestrator.domain.events import (
    CoLoadWait,
    ContainerStranded,
    OrderDelivered,
    OrderPickedUp,
    OrderReceived,
    OrderReturned,
    VehicleBackInService,
    VehicleOutOfService,
)
from orchestrator.domain.traffic_events import VehicleWaiting

if TYPE_CHECKING:
    from sim.customs import CustomsModel
    from sim.invariants import InvariantMonitor
    from sim.vehicle import VirtualAGV

__all__ = ["KpiAccumulator", "percentile"]


def _spread(values: Sequence[float]) -> dict[str, float]:
    """min / median / max of a per-vehicle count (all 0 for an empty fleet)."""
    if not values:
        return {"min": 0, "median": 0, "max": 0}
    return {"min": min(values), "median": percentile(values, 50), "max": max(values)}


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of the values; 0.0 when empty."""
    if not values:
        return 0.0
    s = sorted(values)
    pos = (len(s) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


class KpiAccumulator:
    def __init__(self, kinds: Counter[str]) -> None:
        self.kinds = kinds  # the event log's lines per kind (it counts them): log_kinds
        self.events: Counter[type] = Counter()  # the core's domain events per type
        self.delivered: Counter[str] = Counter()
        self.crossing_times_s: list[float] = []
        self.delivery_times_s: list[tuple[float, str]] = []  # (t_s, direction)
        self.delivered_ids: set[str] = set()
        self.received = 0
        self.picked_up = 0
        self.backlog: list[tuple[float, int]] = [(0.0, 0)]  # orders not yet picked up
        self.holds_active: list[tuple[float, int]] = [(0.0, 0)]
        self._holds = 0
        self.lane_waits: Counter[str] = Counter()  # node -> traffic.wait entries
        self._faulted_at: dict[str, float] = {}  # vehicle -> when it went out of service
        self.out_of_service_s = 0.0  # finished faults only; summary adds the open ones
        self.crossings = 0
        self.empty_crossings = 0  # an AGV sent across the line with nothing on board
        self.trips: Counter[str] = Counter()  # loaded crossings per vehicle
        self.containers_crossed = 0  # a two-place AGV carries one or two per loaded crossing
        self._last_crossing: tuple[str, float, str] | None = None
        self.coload_waits_s: list[float] = []  # cleared containers that waited for their partner
        self.empty_ids: frozenset[str] = frozenset()  # empty containers (set by the runner)
        self.delivered_empty = 0
        self._on: dict[type, Callable[[Any], None]] = {
            OrderDelivered: self._delivered,
            OrderReceived: self._received,
            OrderPickedUp: self._picked_up,
            HoldPlaced: self._hold_placed,
            HoldLifted: self._hold_lifted,
            VehicleWaiting: self._waiting,
            BorderCrossed: self._crossed,
            CoLoadWait: self._coload_wait,
            VehicleOutOfService: self._faulted,
            VehicleBackInService: self._recovered,
        }

    def start_from(self, t_s: float, received: int, picked_up: int, holds: int) -> None:
        """Counts a world built around a live core starts with (sim/forecast/world.py): the
        orders it had, how many of them are on board, its active holds."""
        self.received, self.picked_up, self._holds = received, picked_up, holds
        self.backlog.append((t_s, received - picked_up))
        self.holds_active.append((t_s, holds))

    def on_event(self, event: DomainEvent) -> None:
        self.events[type(event)] += 1
        handler = self._on.get(type(event))
        if handler is not None:
            handler(event)

    def _delivered(self, e: OrderDelivered) -> None:
        direction = e.direction.value
        self.delivered[direction] += 1
        self.crossing_times_s.append(float(e.crossing_time_s))
        self.delivery_times_s.append((e.t_s, direction))
        self.delivered_ids.add(e.container_id)
        if e.container_id in self.empty_ids:
            self.delivered_empty += 1

    def _received(self, e: OrderReceived) -> None:
        self.received += 1
        self.backlog.append((e.t_s, self.received - self.picked_up))

    def _picked_up(self, e: OrderPickedUp) -> None:
        self.picked_up += 1
        self.backlog.append((e.t_s, self.received - self.picked_up))

    def _hold_placed(self, e: HoldPlaced) -> None:
        self._holds += 1
        self.holds_active.append((e.t_s, self._holds))

    def _hold_lifted(self, e: HoldLifted) -> None:
        self._holds = max(0, self._holds - 1)
        self.holds_active.append((e.t_s, self._holds))

    def _crossed(self, e: BorderCrossed) -> None:
        # One notice per container on board: the second of a two-place AGV is the same crossing.
        crossing = (e.vehicle_id, e.t_s, e.gate_id)
        same = crossing == self._last_crossing
        self._last_crossing = crossing
        if e.container_id is None:
            self.crossings += 1
            self.empty_crossings += 1
            return
        self.containers_crossed += 1
        if not same:
            self.crossings += 1
            self.trips[e.vehicle_id] += 1

    def _coload_wait(self, e: CoLoadWait) -> None:
        self.coload_waits_s.append(e.waited_s)

    def _waiting(self, e: VehicleWaiting) -> None:
        self.lane_waits[str(e.node)] += 1

    def _faulted(self, e: VehicleOutOfService) -> None:
        self._faulted_at[e.vehicle_id] = e.t_s

    def _recovered(self, e: VehicleBackInService) -> None:
        t0 = self._faulted_at.pop(e.vehicle_id, None)
        if t0 is not None:
            self.out_of_service_s += e.t_s - t0

    def faults(self, *, duration_s: float, scheduled: int) -> dict[str, object]:
        """The ``faults`` KPI section (faults still open count up to ``duration_s``)."""
        open_s = sum(duration_s - t0 for t0 in self._faulted_at.values())
        return {
            "scheduled": scheduled,
            "faults": self.events[VehicleOutOfService],
            "recovered": self.events[VehicleBackInService],
            "out_of_service_h": (self.out_of_service_s + open_s) / 3600.0,
            "orders_returned": self.events[OrderReturned],
            "containers_stranded": self.events[ContainerStranded],
        }

    def summary(
        self,
        *,
        duration_s: float,
        vehicles: Iterable[VirtualAGV],
        customs: CustomsModel,
        monitor: InvariantMonitor,
        arrivals: dict[str, int],
        faults_scheduled: int | None = None,
        container_places: int = 1,
        empties: bool = False,
    ) -> dict[str, object]:
        """The KPI document; ``faults_scheduled`` (breakdowns due within the run) adds the
        ``faults`` section, ``container_places`` 2 the ``co_load`` section and ``empties`` (a
        scenario with empty containers) the cargo split; each is left out otherwise so runs
        without them keep their bytes."""
        fleet = sorted(vehicles, key=lambda v: v.id)
        for v in fleet:
            v.battery_now()
        distance_m = sum(v.distance_m for v in fleet)
        empty_m = sum(v.empty_distance_m for v in fleet)
        busy_s = sum(v.busy_s for v in fleet)
        waits = customs.scan_waits_s
        queue_lengths = [n for _, n in customs.scan_queue]
        out: dict[str, object] = {
            "containers": {
                "arrived": arrivals,
                "delivered": dict(sorted(self.delivered.items())),
                "delivered_total": sum(self.delivered.values()),
                "received_by_core": self.received,
                "picked_up": self.picked_up,
                "in_flight_at_end": self.picked_up - sum(self.delivered.values()),
            },
            "crossing_time_s": {
                "p50": percentile(self.crossing_times_s, 50),
                "p95": percentile(self.crossing_times_s, 95),
                "mean": (
                    sum(self.crossing_times_s) / len(self.crossing_times_s)
                    if self.crossing_times_s
                    else 0.0
                ),
                "max": max(self.crossing_times_s, default=0.0),
            },
            "fleet": {
                "agvs": len(fleet),
                "utilisation": busy_s / (duration_s * len(fleet)) if fleet and duration_s else 0.0,
                "empty_run_share": empty_m / distance_m if distance_m else 0.0,
                "distance_km": distance_m / 1000.0,
                "empty_distance_km": empty_m / 1000.0,
                "crossings": self.crossings,
                "empty_crossings": self.empty_crossings,
                "empty_crossing_share": (
                    self.empty_crossings / self.crossings if self.crossings else 0.0
                ),
                # loaded crossings per AGV over the whole fleet (AGVs without any count as 0)
                "trips_per_agv": _spread([self.trips[v.id] for v in fleet]),
                "lowest_battery_kwh": min((v.battery.lowest_kwh for v in fleet), default=0.0),
                "battery_empty_events": monitor.battery_empty_events,
            },
            "energy_kwh": {
                "driving": sum(v.battery.drive_kwh for v in fleet),
                "idle": sum(v.battery.idle_kwh for v in fleet),
                "charged": sum(v.battery.charged_kwh for v in fleet),
            },
            "customs": {
                "holds": self.events[HoldPlaced],
                "releases": self.events[HoldLifted],
                "reroutes": self.events[Rerouted],
                "verdicts_sent": customs.verdicts_sent,
                "scans": self.events[ScanResult],
                "seal_mismatches": customs.seal_mismatches,
                # watchdog windows where only customs decisions were awaited (not a deadlock)
                "customs_wait_stalls": monitor.customs_wait_stalls,
                # verdicts that withdrew a clearance after the crossing was committed (core),
                # and the crossings the runtime saw carry one (docs/traffic.md)
                "late_verdicts": self.events[LateVerdict],
                "late_crossings": monitor.late_crossings,
            },
            "scanner_queue": {
                "max_waiting_s": max(waits, default=0.0),
                "mean_waiting_s": sum(waits) / len(waits) if waits else 0.0,
                "max_length": max(queue_lengths, default=0),
            },
            "invariants": {
                "collisions": monitor.collisions,
                "deadlocks": monitor.deadlocks,
                "uncleared_crossings": monitor.uncleared_crossings,
                "short_commitments": monitor.short_commitments,
            },
            "log_kinds": dict(sorted(self.kinds.items())),
        }
        if faults_scheduled is not None:
            out["faults"] = self.faults(duration_s=duration_s, scheduled=faults_scheduled)
        if container_places == 2:
            out["co_load"] = self.co_load()
        if empties:
            box = out["containers"]
            assert isinstance(box, dict)
            total = sum(self.delivered.values())
            box["delivered_by_cargo"] = {
                "empty": self.delivered_empty,
                "loaded": total - self.delivered_empty,
            }
        return out

    def co_load(self) -> dict[str, object]:
        """Two containers per AGV: how full the loaded crossings were, and what a cleared
        container paid in waiting for the customs of the one loaded with it."""
        loaded = self.crossings - self.empty_crossings
        waits = self.coload_waits_s
        return {
            "containers_per_loaded_crossing": self.containers_crossed / loaded if loaded else 0.0,
            "waits": len(waits),
            "mean_wait_s": sum(waits) / len(waits) if waits else 0.0,
            "max_wait_s": max(waits, default=0.0),
        }
