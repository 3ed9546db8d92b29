"""Validation of a parsed scenario TOML document into the typed :class:`~sim.scenario.Scenario`.

Owns the allowed keys of every table and the wording of every error: each one names the file,
the dotted key (``fleet.agvs``, ``closures[2].to_h``, ``faults[0].vehicle``, ``epoch``), what is
wrong and what is allowed. ``[[faults]]`` are read by :func:`sim.faults.read_faults`, the
scripted tables by :mod:`sim.scripted`, ``epoch`` / ``time_zone`` through :mod:`sim.timebase`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.faults import read_faults
from sim.scenario import (
    ArrivalSpec,
    Closure,
    CustomsSpec,
    FleetSpec,
    GateSpec,
    Scenario,
)
from sim.scripted import (
    CLOSURE_TRIGGER_KEYS,
    ScriptedClosure,
    read_scripted,
    read_triggered_closure,
)
from sim.timebase import TimeBase, check_time_zone, time_base

__all__ = ["ScenarioReader"]

_TOP_KEYS = {
    "name", "description", "map", "seed", "duration_h", "tick_s", "watchdog_min",
    "fleet", "arrivals", "risk", "scan", "inspection", "seals", "closures",
    "faults", "gates", "verdicts", "warnings", "epoch", "time_zone",
}  # fmt: skip
_FLEET_KEYS = {
    "agvs", "max_speed_mps", "accel_mps2", "decel_mps2", "battery_kwh", "initial_soc",
    "drive_kwh_per_km", "idle_kw", "charger_power_kw", "load_time_s", "unload_time_s",
    "vehicle_length_m", "headway_m", "breakdowns_per_agv_day", "repair_min", "reaction_s",
    "container_places", "pair_wait_s",
}  # fmt: skip
_GATE_KEYS = {"smart_dwell_s", "manual_dwell_s"}
_ARRIVAL_KEYS = {
    "cn_to_mn_per_h", "mn_to_cn_per_h", "owner_codes", "seals_per_container",
    "cn_to_mn_empty_share", "mn_to_cn_empty_share",
}  # fmt: skip
_RISK_KEYS = {
    "low", "medium", "high", "verdict_latency_s", "change_fraction", "change_delay_s", "empty",
}  # fmt: skip
_MIX_KEYS = {"low", "medium", "high"}
_SCAN_KEYS = {"time_s", "escalation_rate"}
_INSPECTION_KEYS = {"inspection_time_s", "release_time_s"}
_SEAL_KEYS = {"mismatch_rate"}
_CLOSURE_KEYS = {"lane", "zone", "from_h", "to_h", "reason"}


class ScenarioReader:
    """Typed access to the parsed TOML with file + dotted key in every error."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> ScenarioError:
        return ScenarioError(self.path, key, problem)

    def table(self, raw: Mapping[str, Any], key: str, allowed: set[str]) -> Mapping[str, Any]:
        value = raw.get(key.rsplit(".", 1)[-1])
        if value is None:
            raise self.fail(key, f"missing table [{key}]")
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table [{key}], got {type(value).__name__}")
        self.known(value, key, allowed)
        return value

    def known(self, raw: Mapping[str, Any], prefix: str, allowed: set[str]) -> None:
        for k in sorted(raw):
            if k not in allowed:
                where = f"{prefix}.{k}" if prefix else k
                raise self.fail(where, f"unknown key; allowed keys: {', '.join(sorted(allowed))}")

    def number(
        self,
        raw: Mapping[str, Any],
        prefix: str,
        name: str,
        *,
        default: float | None = None,
        lo: float | None = None,
        hi: float | None = None,
        lo_open: bool = False,
    ) -> float:
        key = f"{prefix}.{name}" if prefix else name
        value = raw.get(name, default)
        if value is None:
            raise self.fail(key, "missing; give a number")
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise self.fail(key, f"must be a number, got {value!r}")
        if math.isinf(value):
            raise self.fail(key, f"must be finite, got {value!r}")
        rng = f"{'(' if lo_open else '['}{lo if lo is not None else '-inf'}, "
        rng += f"{hi if hi is not None else 'inf'}]"
        if lo is not None and (value < lo or (lo_open and value == lo)):
            raise self.fail(key, f"must be in {rng}, got {value!r}")
        if hi is not None and value > hi:
            raise self.fail(key, f"must be in {rng}, got {value!r}")
        return float(value)

    def integer(
        self, raw: Mapping[str, Any], prefix: str, name: str, *, default: int | None = None, lo: int
    ) -> int:
        key = f"{prefix}.{name}" if prefix else name
        value = raw.get(name, default)
        if value is None:
            raise self.fail(key, "missing; give an integer")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be an integer, got {value!r}")
        if value < lo:
            raise self.fail(key, f"must be an integer >= {lo}, got {value!r}")
        return value

    def span(
        self, raw: Mapping[str, Any], prefix: str, name: str, default: tuple[float, float]
    ) -> tuple[float, float]:
        key = f"{prefix}.{name}"
        value = raw.get(name, list(default))
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = [value, value]
        ok = (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        )
        if not ok:
            raise self.fail(key, f"must be a number or a [min, max] pair of numbers, got {value!r}")
        lo_v, hi_v = float(value[0]), float(value[1])
        if not (0 <= lo_v <= hi_v) or math.isinf(hi_v):
            raise self.fail(key, f"must satisfy 0 <= min <= max < inf, got {value!r}")
        return (lo_v, hi_v)

    def rates(self, raw: Mapping[str, Any], name: str) -> tuple[float, ...]:
        key = f"arrivals.{name}"
        value = raw.get(name)
        if not isinstance(value, list) or len(value) != 24:
            got = f"{len(value)} values" if isinstance(value, list) else repr(value)
            raise self.fail(key, f"must be a list of 24 hourly rates (containers/h), got {got}")
        for i, v in enumerate(value):
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < math.inf:
                raise self.fail(f"{key}[{i}]", f"must be a rate >= 0 (containers/h), got {v!r}")
        return tuple(float(v) for v in value)

    def text(self, raw: Mapping[str, Any], key: str, name: str, default: str | None = None) -> str:
        value = raw.get(name, default)
        if value is None:
            raise self.fail(key, "missing; give a string")
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {value!r}")
        return value

    def scenario(self, raw: Mapping[str, Any]) -> Scenario:
        self.known(raw, "", _TOP_KEYS)
        map_ref = self.text(raw, "map", "map")
        if not map_ref.strip():
            raise self.fail("map", "must name a bundled map or a path to a .geojson file")
        closures, triggered = self.closures(raw.get("closures", []))
        scripted = read_scripted(self, raw)
        duration_h = self.number(raw, "", "duration_h", default=24.0, lo=0.0, lo_open=True)
        fleet = self.fleet(self.table(raw, "fleet", _FLEET_KEYS))
        faults = read_faults(self, raw.get("faults", []), fleet.agvs)
        return Scenario(
            name=self.text(raw, "name", "name", Path(self.path).stem),
            description=self.text(raw, "description", "description", ""),
            source=self.path,
            map_ref=map_ref,
            seed=self.integer(raw, "", "seed", default=0, lo=0),
            duration_h=duration_h,
            fleet=fleet,
            arrivals=self.arrivals(self.table(raw, "arrivals", _ARRIVAL_KEYS)),
            customs=self.customs(raw),
            closures=closures,
            tick_s=self.number(raw, "", "tick_s", default=30.0, lo=0.0),
            watchdog_min=self.number(raw, "", "watchdog_min", default=30.0, lo=1.0),
            faults=faults,
            gates=self.gates(raw),
            scripted=replace(scripted, closures=triggered),
            timebase=self.timebase(raw),
        )

    def timebase(self, raw: Mapping[str, Any]) -> TimeBase:
        zone = raw.get("time_zone")
        if zone is not None:
            if not isinstance(zone, str):
                raise self.fail("time_zone", f"must be an IANA time zone name, got {zone!r}")
            try:
                check_time_zone(zone)
            except ValueError as exc:
                raise self.fail("time_zone", str(exc)) from None
        try:
            return time_base(raw.get("epoch"), zone)
        except ValueError as exc:
            raise self.fail("epoch", str(exc)) from None

    def fleet(self, t: Mapping[str, Any]) -> FleetSpec:
        n = self.number
        return FleetSpec(
            agvs=self.integer(t, "fleet", "agvs", lo=1),
            max_speed_mps=n(t, "fleet", "max_speed_mps", default=5.0, lo=0.0, lo_open=True),
            accel_mps2=n(t, "fleet", "accel_mps2", default=0.5, lo=0.0, lo_open=True),
            decel_mps2=n(t, "fleet", "decel_mps2", default=0.7, lo=0.0, lo_open=True),
            battery_kwh=n(t, "fleet", "battery_kwh", default=200.0, lo=0.0, lo_open=True),
            initial_soc=n(t, "fleet", "initial_soc", default=0.9, lo=0.0, hi=1.0),
            drive_kwh_per_km=n(t, "fleet", "drive_kwh_per_km", default=1.5, lo=0.0),
            idle_kw=n(t, "fleet", "idle_kw", default=0.5, lo=0.0),
            charger_power_kw=n(t, "fleet", "charger_power_kw", default=150.0, lo=0, lo_open=True),
            load_time_s=n(t, "fleet", "load_time_s", default=90.0, lo=0.0),
            unload_time_s=n(t, "fleet", "unload_time_s", default=90.0, lo=0.0),
            vehicle_length_m=n(t, "fleet", "vehicle_length_m", default=12.0, lo=0, lo_open=True),
            headway_m=n(t, "fleet", "headway_m", default=8.0, lo=0.0),
            breakdowns_per_agv_day=n(t, "fleet", "breakdowns_per_agv_day", default=0.0, lo=0.0),
            repair_min=self.positive_span(t, "fleet", "repair_min", (20.0, 20.0)),
            reaction_s=n(t, "fleet", "reaction_s", default=0.5, lo=0.0, hi=10.0),
            container_places=self.places(t),
            pair_wait_s=n(t, "fleet", "pair_wait_s", default=0.0, lo=0.0, hi=7200.0),
        )

    def places(self, t: Mapping[str, Any]) -> int:
        places = self.integer(t, "fleet", "container_places", default=1, lo=1)
        if places > 2:
            raise self.fail(
                "fleet.container_places",
                f"must be 1 or 2 (containers an AGV carries at once), got {places}",
            )
        return places

    def gates(self, raw: Mapping[str, Any]) -> GateSpec:
        t = raw.get("gates", {})
        if not isinstance(t, dict):
            raise self.fail("gates", f"must be a table [gates], got {type(t).__name__}")
        self.known(t, "gates", _GATE_KEYS)
        d = GateSpec()
        return GateSpec(
            smart_dwell_s=self.span(t, "gates", "smart_dwell_s", d.smart_dwell_s),
            manual_dwell_s=self.span(t, "gates", "manual_dwell_s", d.manual_dwell_s),
        )

    def positive_span(
        self, raw: Mapping[str, Any], prefix: str, name: str, default: tuple[float, float]
    ) -> tuple[float, float]:
        lo_v, hi_v = self.span(raw, prefix, name, default)
        if lo_v <= 0.0:
            raise self.fail(f"{prefix}.{name}", f"must be > 0, got {raw.get(name)!r}")
        return (lo_v, hi_v)

    def arrivals(self, t: Mapping[str, Any]) -> ArrivalSpec:
        codes = t.get("owner_codes", ["BFL"])
        if not isinstance(codes, list) or not codes:
            raise self.fail("arrivals.owner_codes", f"must be a non-empty list, got {codes!r}")
        for i, c in enumerate(codes):
            if not (isinstance(c, str) and len(c) == 3 and c.isascii() and c.isalpha()):
                raise self.fail(
                    f"arrivals.owner_codes[{i}]",
                    f"must be an ISO 6346 owner code of 3 letters A-Z (e.g. 'CSQ'), got {c!r}",
                )
        return ArrivalSpec(
            cn_to_mn_per_h=self.rates(t, "cn_to_mn_per_h"),
            mn_to_cn_per_h=self.rates(t, "mn_to_cn_per_h"),
            owner_codes=tuple(c.upper() for c in codes),
            seals_per_container=self.integer(t, "arrivals", "seals_per_container", default=1, lo=0),
            cn_to_mn_empty_share=self.number(
                t, "arrivals", "cn_to_mn_empty_share", default=0.0, lo=0.0, hi=1.0
            ),
            mn_to_cn_empty_share=self.number(
                t, "arrivals", "mn_to_cn_empty_share", default=0.0, lo=0.0, hi=1.0
            ),
        )

    def customs(self, raw: Mapping[str, Any]) -> CustomsSpec:
        risk = self.table(raw, "risk", _RISK_KEYS)
        scan = raw.get("scan", {})
        insp = raw.get("inspection", {})
        seals = raw.get("seals", {})
        for key, t, allowed in (
            ("scan", scan, _SCAN_KEYS),
            ("inspection", insp, _INSPECTION_KEYS),
            ("seals", seals, _SEAL_KEYS),
        ):
            if not isinstance(t, dict):
                raise self.fail(key, f"must be a table [{key}], got {type(t).__name__}")
            self.known(t, key, allowed)
        low, medium, high = self.mix(risk, "risk", None)
        empty = risk.get("empty", {"low": 1.0})
        if not isinstance(empty, dict):
            raise self.fail(
                "risk.empty", f"must be a table [risk.empty], got {type(empty).__name__}"
            )
        self.known(empty, "risk.empty", _MIX_KEYS)
        return CustomsSpec(
            risk_low=low,
            risk_medium=medium,
            risk_high=high,
            verdict_latency_s=self.span(risk, "risk", "verdict_latency_s", (30.0, 300.0)),
            change_fraction=self.number(risk, "risk", "change_fraction", default=0.0, lo=0, hi=1),
            change_delay_s=self.span(risk, "risk", "change_delay_s", (120.0, 900.0)),
            scan_time_s=self.number(scan, "scan", "time_s", default=180.0, lo=0.0),
            escalation_rate=self.number(scan, "scan", "escalation_rate", default=0.0, lo=0, hi=1),
            inspection_time_s=self.span(insp, "inspection", "inspection_time_s", (1200.0, 3600.0)),
            release_time_s=self.span(insp, "inspection", "release_time_s", (60.0, 600.0)),
            seal_mismatch_rate=self.number(seals, "seals", "mismatch_rate", default=0, lo=0, hi=1),
            empty_risk=self.mix(empty, "risk.empty", 0.0),
        )

    def mix(
        self, t: Mapping[str, Any], key: str, default: float | None
    ) -> tuple[float, float, float]:
        """A risk mix: low, medium and high shares that sum to 1."""
        low = self.number(t, key, "low", default=default, lo=0.0, hi=1.0)
        medium = self.number(t, key, "medium", default=default, lo=0.0, hi=1.0)
        high = self.number(t, key, "high", default=default, lo=0.0, hi=1.0)
        if abs(low + medium + high - 1.0) > 1e-9:
            raise self.fail(
                key,
                f"low + medium + high must sum to 1, got {low} + {medium} + {high} = "
                f"{low + medium + high:g}",
            )
        return low, medium, high

    def closures(self, raw: object) -> tuple[tuple[Closure, ...], tuple[ScriptedClosure, ...]]:
        """Closures by the clock (``from_h``/``to_h``) and closures a container's arrival
        somewhere starts (``node`` / ``within_m`` + ``for_min``: :mod:`sim.scripted`)."""
        if not isinstance(raw, list):
            raise self.fail("closures", "must be an array of tables [[closures]]")
        out: list[Closure] = []
        triggered: list[ScriptedClosure] = []
        for i, c in enumerate(raw):
            key = f"closures[{i}]"
            if not isinstance(c, dict):
                raise self.fail(key, "must be a table with lane or zone, from_h, to_h")
            self.known(c, key, _CLOSURE_KEYS | CLOSURE_TRIGGER_KEYS)
            if ("lane" in c) == ("zone" in c):
                raise self.fail(key, "give exactly one of lane = '<lane id>' or zone = '<zone id>'")
            target = self.text(c, f"{key}.lane" if "lane" in c else f"{key}.zone",
                               "lane" if "lane" in c else "zone")  # fmt: skip
            if "from_h" not in c and ("node" in c or "within_m" in c):
                triggered.append(read_triggered_closure(self, c, key, target, "zone" in c))
                continue
            extra = sorted(set(c) & (CLOSURE_TRIGGER_KEYS - {"reason"}))
            if extra:
                raise self.fail(
                    f"{key}.{extra[0]}",
                    "a closure by the clock has from_h and to_h; one that a container starts "
                    "has node or within_m, container or order, and for_min (not both kinds)",
                )
            from_h = self.number(c, key, "from_h", lo=0.0)
            to_h = self.number(c, key, "to_h", lo=0.0)
            if to_h <= from_h:
                raise self.fail(f"{key}.to_h", f"must be later than from_h={from_h}, got {to_h}")
            out.append(
                Closure(
                    target=target,
                    is_zone="zone" in c,
                    from_s=from_h * 3600.0,
                    to_s=to_h * 3600.0,
                    reason=self.text(c, f"{key}.reason", "reason", "scheduled closure"),
                )
            )
        return tuple(out), tuple(triggered)  # file order, so indices match what the user wrote
