"""What each KPI is called, in which unit it is shown and what it means: the one definitions
table behind the KPI table of ``borderflow simulate``, the HTML report and ``report compare``.

The KPI JSON keeps its machine keys (``crossing_time_s.p95``, seconds, shares as fractions);
this module only turns them into rows for people: grouped in sections, labelled, scaled to the
shown unit (minutes, %, km, kWh) and rounded. A key with no definition still shows (under
*Other*, by its dotted key), and :func:`undefined_kpis` lists it, so a test fails until the
new KPI is explained here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "HIDDEN",
    "SECTIONS",
    "KpiDef",
    "KpiRow",
    "Section",
    "flat_kpis",
    "format_number",
    "kpi_rows",
    "undefined_kpis",
]

# Sections of the KPI document that are no KPIs for people (the event log's lines per kind).
HIDDEN = ("log_kinds",)

_MIN = 1 / 60.0  # seconds -> minutes
_PCT = 100.0  # fraction -> %


@dataclass(frozen=True, slots=True)
class KpiDef:
    """One KPI: ``key`` is its dotted path under ``kpis`` (``*`` stands for one key of a
    per-direction or per-cargo table, and ``{}`` in the label for that key); the shown value
    is the stored one times ``scale``, to ``digits`` decimals, in ``unit``."""

    key: str
    label: str
    unit: str
    meaning: str
    scale: float = 1.0
    digits: int = 0


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    kpis: tuple[KpiDef, ...]


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One KPI of one run as shown: ``value`` is already in ``unit``."""

    section: str  # the section's title
    key: str  # the dotted machine key under "kpis"
    label: str
    unit: str
    meaning: str
    value: float
    digits: int

    @property
    def shown(self) -> str:
        return format_number(self.value, self.digits)


def _d(
    key: str, label: str, unit: str, meaning: str, scale: float = 1.0, digits: int = 0
) -> KpiDef:
    return KpiDef(key, label, unit, meaning, scale, digits)


SECTIONS: tuple[Section, ...] = (
    Section("throughput", "Throughput", (
        _d("containers.arrived.*", "arrived, {}", "containers",
           "containers that arrived at the origin yard in this direction"),
        _d("containers.delivered.*", "delivered, {}", "containers",
           "containers delivered across the line to the destination yard"),
        _d("containers.delivered_total", "delivered, both directions", "containers",
           "all containers delivered in the run"),
        _d("containers.delivered_by_cargo.*", "delivered {}", "containers",
           "delivered containers by cargo: empty boxes or loaded ones"),
        _d("containers.received_by_core", "orders received", "orders",
           "transport orders the orchestrator received, one per arrived container"),
        _d("containers.picked_up", "picked up", "containers",
           "containers an AGV picked up at the origin"),
        _d("containers.in_flight_at_end", "in flight at the end", "containers",
           "picked up but not yet delivered when the run ended"),
    )),
    Section("crossing_time", "Crossing time", (
        _d("crossing_time_s.p50", "median", "min",
           "half the delivered containers took less, from ready at the origin to delivered",
           _MIN, 1),
        _d("crossing_time_s.p95", "95th percentile", "min",
           "95 % of the delivered containers took less than this", _MIN, 1),
        _d("crossing_time_s.mean", "mean", "min", "average crossing time of the delivered",
           _MIN, 1),
        _d("crossing_time_s.max", "longest", "min", "the slowest delivered container", _MIN, 1),
    )),
    Section("customs", "Customs", (
        _d("customs.verdicts_sent", "verdicts", "verdicts",
           "risk verdicts customs sent: first verdicts and later changes"),
        _d("customs.scans", "X-ray scans", "scans",
           "non-intrusive (X-ray) scans done, for MEDIUM-risk containers"),
        _d("customs.holds", "holds placed", "holds",
           "containers sent to a secured hold bay: HIGH risk or a suspicious scan"),
        _d("customs.releases", "holds released", "holds", "holds an officer released"),
        _d("customs.reroutes", "reroutes", "reroutes",
           "routes changed on the way because a verdict changed"),
        _d("customs.seal_mismatches", "seal mismatches", "reads",
           "seal reads at a gate that did not match the container's record"),
        _d("customs.customs_wait_stalls", "waits on customs only", "stalls",
           "watchdog windows with nothing to move but customs decisions awaited (no deadlock)"),
        _d("customs.late_verdicts", "late verdicts", "verdicts",
           "verdicts that withdrew a clearance after the crossing was committed"),
        _d("customs.late_crossings", "late crossings", "crossings",
           "crossings made with a late verdict: the AGV is held on the other side"),
    )),
    Section("fleet", "Fleet", (
        _d("fleet.agvs", "AGVs", "AGVs", "vehicles in the fleet"),
        _d("fleet.utilisation", "utilisation", "%",
           "time spent driving, lifting or scanning, over the fleet's time", _PCT, 1),
        _d("fleet.empty_run_share", "empty running", "%",
           "share of the distance driven with nothing on board", _PCT, 1),
        _d("fleet.distance_km", "distance", "km", "distance driven by the whole fleet",
           digits=1),
        _d("fleet.empty_distance_km", "empty distance", "km",
           "of it, driven with nothing on board", digits=1),
        _d("fleet.crossings", "border crossings", "crossings",
           "AGV crossings of the border line, loaded or empty (a two-place AGV counts once)"),
        _d("fleet.empty_crossings", "empty crossings", "crossings",
           "crossings with nothing on board"),
        _d("fleet.empty_crossing_share", "empty crossings share", "%",
           "share of the crossings made with nothing on board", _PCT, 1),
        _d("fleet.trips_per_agv.min", "loaded crossings per AGV, fewest", "crossings",
           "loaded crossings of the AGV that made the fewest", digits=1),
        _d("fleet.trips_per_agv.median", "loaded crossings per AGV, median", "crossings",
           "loaded crossings of the median AGV", digits=1),
        _d("fleet.trips_per_agv.max", "loaded crossings per AGV, most", "crossings",
           "loaded crossings of the AGV that made the most", digits=1),
    )),
    Section("energy", "Energy", (
        _d("energy_kwh.driving", "driving", "kWh", "energy the AGVs used driving", digits=1),
        _d("energy_kwh.idle", "idle load", "kWh",
           "energy used while switched on: electronics, sensors, heating", digits=1),
        _d("energy_kwh.charged", "charged", "kWh", "energy put into the batteries at chargers",
           digits=1),
        _d("fleet.lowest_battery_kwh", "lowest battery level", "kWh",
           "the lowest charge any AGV reached", digits=1),
        _d("fleet.battery_empty_events", "batteries run empty", "times",
           "a battery ran empty (the run goes on; a real AGV would be stranded)"),
    )),
    Section("invariants", "Safety invariants (each must be 0)", (
        _d("invariants.collisions", "collisions", "",
           "more AGVs on a lane or at a station than its room allows"),
        _d("invariants.deadlocks", "deadlocks", "",
           "work that could move, but no AGV moved for the watchdog's window"),
        _d("invariants.uncleared_crossings", "uncleared crossings", "",
           "an AGV sent across the line with a container customs had not cleared"),
        _d("invariants.short_commitments", "short commitments", "",
           "a crossing committed when the AGV could no longer stop before the line"),
    )),
    Section("scanner_queue", "Scanner queue", (
        _d("scanner_queue.mean_waiting_s", "mean wait", "min",
           "from a container needing a scan to its scan starting, driving there included",
           _MIN, 1),
        _d("scanner_queue.max_waiting_s", "longest wait", "min",
           "the longest of these waits", _MIN, 1),
        _d("scanner_queue.max_length", "longest queue", "containers",
           "most containers waiting for the scanner at once"),
    )),
    Section("faults", "Breakdowns", (
        _d("faults.scheduled", "scheduled", "breakdowns",
           "breakdowns the scenario schedules within the run"),
        _d("faults.faults", "happened", "breakdowns", "AGVs that went out of service"),
        _d("faults.recovered", "repaired", "breakdowns", "AGVs back in service after repair"),
        _d("faults.out_of_service_h", "out of service", "h",
           "AGV hours out of service, summed over the fleet", digits=1),
        _d("faults.orders_returned", "orders returned", "orders",
           "orders taken back from a broken-down AGV and given to another"),
        _d("faults.containers_stranded", "containers stranded", "containers",
           "containers left on board a broken-down AGV"),
    )),
    Section("co_load", "Two containers per AGV", (
        _d("co_load.containers_per_loaded_crossing", "containers per loaded crossing",
           "containers", "how full the loaded crossings were (2 is full)", digits=2),
        _d("co_load.waits", "waits for a partner", "containers",
           "cleared containers that waited for the customs of the one loaded with them"),
        _d("co_load.mean_wait_s", "mean partner wait", "min", "average of these waits",
           _MIN, 1),
        _d("co_load.max_wait_s", "longest partner wait", "min", "the longest of these waits",
           _MIN, 1),
    )),
)  # fmt: skip


def flat_kpis(kpis: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, float]]:
    """``("fleet.utilisation", 0.42)``, ... for every number under ``kpis`` (hidden sections
    left out), in the document's key order."""
    for key, value in kpis.items():
        if not prefix and key in HIDDEN:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from flat_kpis(value, name + ".")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield name, value


def _match(pattern: str, key: str) -> str | None:
    """``""`` for an exact match, the wildcard's key for a ``*`` match, else None."""
    if pattern == key:
        return ""
    head, star, _ = pattern.partition("*")
    if star and key.startswith(head) and "." not in key[len(head) :]:
        return key[len(head) :]
    return None


def _lookup(key: str) -> tuple[int, int, Section, KpiDef, str] | None:
    for s_i, section in enumerate(SECTIONS):
        for d_i, d in enumerate(section.kpis):
            part = _match(d.key, key)
            if part is not None:
                return s_i, d_i, section, d, part
    return None


def _nice(part: str) -> str:
    return part.replace("->", " → ")


def kpi_rows(kpis: Mapping[str, Any]) -> list[KpiRow]:
    """The run's KPIs (the JSON's ``kpis`` object) as rows, in section and definition order
    (per-direction rows by direction); KPIs with no definition come last, under *Other*."""
    known: list[tuple[tuple[int, int, str], KpiRow]] = []
    other: list[KpiRow] = []
    for key, value in flat_kpis(kpis):
        found = _lookup(key)
        if found is None:
            other.append(KpiRow("Other", key, key, "", "(no definition yet)", value, 3))
            continue
        s_i, d_i, section, d, part = found
        label = d.label.format(_nice(part)) if part else d.label
        shown = value * d.scale if d.scale != 1.0 else value  # counts stay integers
        row = KpiRow(section.title, key, label, d.unit, d.meaning, shown, d.digits)
        known.append(((s_i, d_i, part), row))
    known.sort(key=lambda item: item[0])
    return [row for _, row in known] + sorted(other, key=lambda r: r.key)


def undefined_kpis(kpis: Mapping[str, Any]) -> list[str]:
    """The dotted keys under ``kpis`` this module has no definition for (should be none)."""
    return sorted(key for key, _ in flat_kpis(kpis) if _lookup(key) is None)


def format_number(value: float, digits: int) -> str:
    """``1,234.5``: thousands separated, ``digits`` decimals (integers stay integers)."""
    if digits == 0 or (isinstance(value, int) and not isinstance(value, bool)):
        return f"{round(value):,}"
    return f"{value:,.{digits}f}"
