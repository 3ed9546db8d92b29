"""Scenario files: the typed, validated description of one simulation study.

A scenario is a TOML file (read with :mod:`tomllib`) naming the map, the fleet and its AGV
specifications, container arrival rates per direction and hour of day, the customs behaviour
(risk mix, verdict latency and mid-route verdict changes, NII scan time and escalation rate,
inspection and release times, seal mismatches), lane/zone closures, vehicle faults (scheduled
``[[faults]]`` and a random breakdown rate), the seed, and when the run starts (``epoch``,
``time_zone``: :mod:`sim.timebase`). This module
owns the schema, the loader and its error messages; ``sim/scenarios/`` holds the bundled files.
Every problem is reported as a :class:`~sim.errors.ScenarioError` naming file, key, what is
wrong and what is allowed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from orchestrator.crossing import VehicleDynamics
from orchestrator.ids import VehicleId
from orchestrator.lanegraph import GateType
from sim.errors import ScenarioError
from sim.scripted import ScriptedEvents
from sim.timebase import TimeBase, time_base

__all__ = [
    "SCENARIO_DIR",
    "ArrivalSpec",
    "Closure",
    "CustomsSpec",
    "Fault",
    "FleetSpec",
    "GateSpec",
    "Scenario",
    "bundled_scenarios",
    "fleet_vehicle_ids",
    "load_scenario",
    "resolve_scenario_path",
]

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"


@dataclass(frozen=True, slots=True)
class FleetSpec:
    agvs: int
    max_speed_mps: float  # the vehicle's own limit; each lane's speed limit also applies
    accel_mps2: float
    decel_mps2: float
    battery_kwh: float  # usable capacity
    initial_soc: float  # state of charge at start, 0..1
    drive_kwh_per_km: float
    idle_kw: float  # base load while switched on (electronics, sensors, heating)
    charger_power_kw: float
    load_time_s: float
    unload_time_s: float
    vehicle_length_m: float
    headway_m: float  # gap kept between consecutive AGVs on one lane (collision invariant)
    breakdowns_per_agv_day: float = 0.0  # mean random breakdowns per vehicle in service per 24 h
    repair_min: tuple[float, float] = (20.0, 20.0)  # uniform range of a random breakdown's repair
    # From a refused grant to the brakes (radio latency plus control cycle): part of the
    # stopping distance at a gate (orchestrator.crossing).
    reaction_s: float = 0.5
    # Containers an AGV carries at once: 1, or 2 as at Ganqimaodu (the core pairs like risk).
    container_places: int = 1
    # With two places: how long a container with no partner waits before it goes alone.
    pair_wait_s: float = 0.0

    def dynamics(self) -> VehicleDynamics:
        """What the point of no return at a gate needs to know of these AGVs."""
        return VehicleDynamics(
            self.max_speed_mps, self.decel_mps2, self.reaction_s, self.vehicle_length_m
        )


@dataclass(frozen=True, slots=True)
class GateSpec:
    """How long an AGV stands at a border gate, by the gate's type (uniform [min, max] s)."""

    smart_dwell_s: tuple[float, float] = (10.0, 30.0)  # seal and document read at a smart gate
    manual_dwell_s: tuple[float, float] = (120.0, 300.0)  # an officer checks the AGV

    def dwell_range_s(self, gate_type: GateType) -> tuple[float, float]:
        if gate_type is GateType.SMART:
            return self.smart_dwell_s
        if gate_type is GateType.MANUAL:
            return self.manual_dwell_s
        return (0.0, 0.0)  # drive-through: e-seals are read on the move


@dataclass(frozen=True, slots=True)
class ArrivalSpec:
    cn_to_mn_per_h: tuple[float, ...]  # 24 mean arrival rates, containers per hour, by hour of day
    mn_to_cn_per_h: tuple[float, ...]
    owner_codes: tuple[str, ...]  # ISO 6346 owner codes (3 letters) the containers belong to
    seals_per_container: int
    # Share of each direction's containers that travel empty (coal goes south at Ganqimaodu,
    # the empties come back north); their first verdict comes from CustomsSpec.empty_risk.
    cn_to_mn_empty_share: float = 0.0
    mn_to_cn_empty_share: float = 0.0


@dataclass(frozen=True, slots=True)
class CustomsSpec:
    risk_low: float
    risk_medium: float
    risk_high: float
    verdict_latency_s: tuple[float, float]  # uniform range from arrival to the first verdict
    change_fraction: float  # share of containers that get a second, different verdict
    change_delay_s: tuple[float, float]  # uniform range from first to second verdict
    scan_time_s: float
    escalation_rate: float  # share of NII scans whose image is suspicious
    inspection_time_s: tuple[float, float]  # uniform range: hold placed -> inspection finished
    release_time_s: tuple[float, float]  # uniform range: inspection finished -> release sent
    seal_mismatch_rate: float  # share of gate seal reads that do not match
    empty_risk: tuple[float, float, float] = (1.0, 0.0, 0.0)  # low, medium, high of empties


@dataclass(frozen=True, slots=True)
class Closure:
    target: str  # a lane feature id, or a zone id when ``is_zone``
    is_zone: bool
    from_s: float
    to_s: float
    reason: str


@dataclass(frozen=True, slots=True)
class Fault:
    """A vehicle breakdown: out of service from ``at_s`` for ``repair_s`` (it first rolls on to
    the node it is heading to, so it may come back a little later)."""

    vehicle_id: str
    at_s: float
    repair_s: float
    reason: str


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    source: str  # the file it was read from
    map_ref: str  # a bundled map name or a path (relative paths are relative to the file)
    seed: int
    duration_h: float
    fleet: FleetSpec
    arrivals: ArrivalSpec
    customs: CustomsSpec
    closures: tuple[Closure, ...]
    tick_s: float  # interval of Tick events to the core; 0 sends none
    watchdog_min: float  # no-progress window of the deadlock watchdog, simulated minutes
    faults: tuple[Fault, ...] = ()  # scheduled breakdowns, in file order
    gates: GateSpec = GateSpec()
    # [[verdicts]], [[warnings]] and closures a container starts
    scripted: ScriptedEvents = field(default_factory=ScriptedEvents)
    # Which instant simulated second 0 is and whose clock to show (``epoch``, ``time_zone``)
    timebase: TimeBase = field(default_factory=time_base)

    def with_overrides(
        self, *, seed: int | None = None, hours: float | None = None, agvs: int | None = None
    ) -> Scenario:
        """The same scenario with the CLI's ``--seed`` / ``--hours`` / ``--agvs`` applied."""
        out = self
        if seed is not None:
            out = replace(out, seed=seed)
        if hours is not None:
            if not hours > 0:
                raise ScenarioError(self.source, "--hours", f"must be > 0, got {hours}")
            out = replace(out, duration_h=hours)
        if agvs is not None:
            if agvs < 1:
                raise ScenarioError(self.source, "--agvs", f"must be >= 1, got {agvs}")
            out = replace(out, fleet=replace(out.fleet, agvs=agvs))
        return out


def fleet_vehicle_ids(agvs: int) -> list[VehicleId]:
    """The ids the runtime gives a fleet of ``agvs`` vehicles: AGV-001, AGV-002, ..."""
    width = max(3, len(str(agvs)))
    return [VehicleId(f"AGV-{i + 1:0{width}d}") for i in range(agvs)]


# ------------------------------------------------------------------------------------ loading


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped in ``sim/scenarios/``, sorted."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def resolve_scenario_path(ref: str | Path) -> Path:
    """A path as given if it exists, else the bundled scenario of that name."""
    path = Path(ref)
    if path.is_file():
        return path
    bundled = SCENARIO_DIR / f"{Path(str(ref)).stem}.toml"
    if path.suffix in ("", ".toml") and path.parent == Path(".") and bundled.is_file():
        return bundled
    raise ScenarioError(
        str(ref),
        "",
        "no such scenario file; give a path to a .toml file or one of the bundled names: "
        + ", ".join(bundled_scenarios()),
    )


def load_scenario(ref: str | Path) -> Scenario:
    """Read and validate a scenario file (a path or a bundled name)."""
    path = resolve_scenario_path(ref)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(path), "", f"not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), "", f"cannot read the file: {exc}") from exc
    from sim.scenario_reader import ScenarioReader

    return ScenarioReader(str(path)).scenario(raw)
