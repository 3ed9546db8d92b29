"""Sweep specifications: the TOML file that names a study, and the design it expands to.

A spec names a scenario, the seeds, the parameters to vary and how (``design = "grid"``: every
combination; ``"random"``: ``samples`` points drawn with ``design_seed`` from each parameter's
list or ``{ min, max, integer }`` range) and optionally a target (``p95_crossing_min``) the
report looks for the smallest fleet that meets. :func:`load_spec` validates it all and names
the file and key of every problem; :meth:`SweepSpec.points` is the design, in a fixed order.
"""

from __future__ import annotations

import itertools
import math
import random
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario import resolve_scenario_path
from sim.sweep.params import check_name

__all__ = ["Range", "SweepSpec", "load_spec"]

_KEYS = {"name", "scenario", "hours", "seeds", "design", "samples", "design_seed", "parameters",
         "target"}  # fmt: skip
_TARGET_KEYS = {"p95_crossing_min", "min_delivered_share"}
MAX_RUNS = 100_000  # a typo (seeds = 1e6) should not queue a year of work


@dataclass(frozen=True, slots=True)
class Range:
    """A random design's continuous (or integer) range for one parameter."""

    lo: float
    hi: float
    integer: bool

    def draw(self, rng: random.Random) -> float | int:
        if self.integer:
            return rng.randint(int(self.lo), int(self.hi))
        return round(rng.uniform(self.lo, self.hi), 6)  # 6 digits: stable in CSV and hashes


@dataclass(frozen=True, slots=True)
class SweepSpec:
    name: str
    source: str
    scenario_path: Path
    hours: float | None
    seeds: tuple[int, ...]
    design: str  # "grid" | "random"
    samples: int
    design_seed: int
    parameters: Mapping[str, tuple[Any, ...] | Range]  # in file order
    target_p95_min: float | None
    target_delivered_share: float

    def points(self) -> list[dict[str, Any]]:
        """The design's parameter points, in a fixed order (file order of the parameters)."""
        names = list(self.parameters)
        if not names:
            return [{}]
        if self.design == "grid":
            lists = [self.parameters[n] for n in names]
            return [
                dict(zip(names, combo, strict=True))
                for combo in itertools.product(*lists)  # type: ignore[arg-type]
            ]
        rng = random.Random(self.design_seed)
        out = []
        for _ in range(self.samples):
            point: dict[str, Any] = {}
            for n in names:
                p = self.parameters[n]
                point[n] = p.draw(rng) if isinstance(p, Range) else rng.choice(p)
            out.append(point)
        return out


def _fail(path: str, key: str, problem: str) -> ScenarioError:
    return ScenarioError(path, key, problem)


def _int(path: str, raw: Mapping[str, Any], key: str, default: int, lo: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise _fail(path, key, f"must be an integer >= {lo}, got {value!r}")
    return value


def _seeds(path: str, raw: Mapping[str, Any], base: int) -> tuple[int, ...]:
    value = raw.get("seeds", 1)
    if isinstance(value, list):
        ok = value and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in value)
        if not ok or len(set(value)) != len(value):
            raise _fail(path, "seeds", f"must be distinct integers >= 0, got {value!r}")
        return tuple(value)
    count = _int(path, raw, "seeds", 1, 1)
    return tuple(base + i for i in range(count))


def _parameter(path: str, name: str, value: Any, design: str) -> tuple[Any, ...] | Range:
    key = f"parameters.{name}"
    if isinstance(value, list):
        if not value:
            raise _fail(path, key, "must list at least one value")
        return tuple(value)
    if isinstance(value, dict) and design == "random":
        extra = set(value) - {"min", "max", "integer"}
        if extra:
            bad = f"{key}.{sorted(extra)[0]}"
            raise _fail(path, bad, "unknown key; allowed: integer, max, min")
        lo, hi = value.get("min"), value.get("max")
        nums = all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in (lo, hi)
        )
        if not nums or lo > hi:  # type: ignore[operator]
            raise _fail(path, key, f"needs numbers min <= max, got min={lo!r} max={hi!r}")
        integer = value.get("integer", False)
        if not isinstance(integer, bool):
            raise _fail(path, f"{key}.integer", f"must be true or false, got {integer!r}")
        return Range(float(lo), float(hi), integer)  # type: ignore[arg-type]
    allowed = "a list of values" + (" or { min, max, integer }" if design == "random" else "")
    raise _fail(path, key, f"must be {allowed}, got {value!r}")


def load_spec(ref: str | Path) -> SweepSpec:
    """Read and validate a sweep spec; the scenario path is relative to the spec's file."""
    path = Path(ref)
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _fail(where, "", f"not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(where, "", f"cannot read the file: {exc}") from exc
    for k in sorted(raw):
        if k not in _KEYS:
            raise _fail(where, k, f"unknown key; allowed keys: {', '.join(sorted(_KEYS))}")
    ref_s = raw.get("scenario")
    if not isinstance(ref_s, str) or not ref_s:
        raise _fail(where, "scenario", "missing; give a scenario file or a bundled name")
    candidate = path.resolve().parent / ref_s
    scenario_path = resolve_scenario_path(candidate if candidate.is_file() else ref_s)
    from sim.scenario import load_scenario

    base = load_scenario(scenario_path)
    hours = raw.get("hours")
    if hours is not None and (
        isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours < 1e4
    ):
        raise _fail(where, "hours", f"must be a number of simulated hours > 0, got {hours!r}")
    design = raw.get("design", "grid")
    if design not in ("grid", "random"):
        raise _fail(where, "design", f'must be "grid" or "random", got {design!r}')
    params_raw = raw.get("parameters", {})
    if not isinstance(params_raw, dict):
        raise _fail(where, "parameters", "must be a table of parameter = [values]")
    params: dict[str, tuple[Any, ...] | Range] = {}
    for name, value in params_raw.items():
        check_name(name, where)
        params[name] = _parameter(where, name, value, design)
    target = raw.get("target", {})
    if not isinstance(target, dict):
        raise _fail(where, "target", "must be a table, e.g. [target] p95_crossing_min = 60")
    for k in sorted(target):
        if k not in _TARGET_KEYS:
            raise _fail(where, f"target.{k}", f"unknown key; allowed: {', '.join(_TARGET_KEYS)}")
    p95 = target.get("p95_crossing_min")
    if p95 is not None and (isinstance(p95, bool) or not isinstance(p95, int | float) or p95 <= 0):
        raise _fail(where, "target.p95_crossing_min", f"must be minutes > 0, got {p95!r}")
    share = target.get("min_delivered_share", 0.95)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        raise _fail(where, "target.min_delivered_share", f"must be in [0, 1], got {share!r}")
    spec = SweepSpec(
        name=str(raw.get("name", path.stem)),
        source=where,
        scenario_path=scenario_path,
        hours=float(hours) if hours is not None else None,
        seeds=_seeds(where, raw, base.seed),
        design=design,
        samples=_int(where, raw, "samples", 10, 1),
        design_seed=_int(where, raw, "design_seed", 0, 0),
        parameters=params,
        target_p95_min=float(p95) if p95 is not None else None,
        target_delivered_share=float(share),
    )
    sizes = [len(p) if isinstance(p, tuple) else 1 for p in params.values()]
    points = math.prod(sizes) if design == "grid" else spec.samples
    runs = (points if params else 1) * len(spec.seeds)
    if runs > MAX_RUNS:
        raise _fail(where, "seeds", f"the design has {runs:,} runs; at most {MAX_RUNS:,}")
    return spec
