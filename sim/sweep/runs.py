"""One run of a sweep: its task, the hash of its inputs, and the worker function that runs it.

A :class:`RunTask` carries everything a worker needs as plain data (the scenario's text, not a
path a remote worker may not have; the bundled map is found by name), so the same task runs in
this process, a process pool or on a Dask worker. Its ``key`` hashes the scenario text, the map
file, the point, the seed, the hours and the code of the core and the simulator: a stored result
with that key is the result, so a sweep resumes where it stopped and reruns what code changed.
:func:`run_task` checks the worker runs the same code before it simulates anything.
"""

from __future__ import annotations

import hashlib
import json
import time
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.sweep.params import apply_graph, apply_raw

__all__ = [
    "KPI_COLUMNS",
    "RunTask",
    "cell",
    "code_hash",
    "kpi_row",
    "run_task",
    "scenario_and_graph",
    "task_key",
]

_CODE_DIRS = ("orchestrator", "sim", "maps")


@cache
def code_hash() -> str:
    """sha256 over the source of the core, the simulator and the map loader (this install)."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256()
    for top in _CODE_DIRS:
        for f in sorted((root / top).rglob("*")):
            if f.suffix in (".py", ".toml", ".geojson") and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(root)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class RunTask:
    index: int  # position in the design: points x seeds, row-major
    point_index: int
    point: dict[str, Any]
    seed: int
    hours: float | None
    scenario_text: str
    scenario_source: str  # for error messages and relative map paths
    code: str  # the code hash the sweep was planned with
    key: str


def task_key(
    scenario_text: str, map_sha: str, point: dict[str, Any], seed: int, hours: float | None
) -> str:
    doc = {"scenario": scenario_text, "map": map_sha, "point": point, "seed": seed,
           "hours": hours, "code": code_hash()}  # fmt: skip
    blob = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


@cache
def _base_graph(map_path: str, mtime_ns: int) -> Any:
    import maps

    return maps.load_map(Path(map_path))  # a worker keeps each map it has read (mtime in key)


def scenario_and_graph(task: RunTask) -> tuple[Any, Any]:
    from sim.mapref import resolve_map_path
    from sim.scenario_reader import ScenarioReader

    raw = tomllib.loads(task.scenario_text)
    raw = apply_raw(raw, task.point, task.scenario_source)
    sc = ScenarioReader(task.scenario_source).scenario(raw)
    sc = sc.with_overrides(seed=task.seed, hours=task.hours)
    map_path = resolve_map_path(sc)
    graph = _base_graph(str(map_path), map_path.stat().st_mtime_ns)
    return sc, apply_graph(graph, task.point, task.scenario_source)


KPI_COLUMNS = ("arrived", "delivered", "delivered_share", "throughput_per_h", "crossing_p50_min",
               "crossing_p95_min", "crossing_max_min", "utilisation", "empty_run_share",
               "distance_km", "energy_kwh", "holds", "scanner_wait_max_min",
               "invariant_violations")  # fmt: skip


def kpi_row(kpis: dict[str, Any]) -> dict[str, float | int]:
    """The flat numbers a sweep table keeps of one run's KPI document."""
    k = kpis["kpis"]
    arrived = sum(k["containers"]["arrived"].values())
    delivered = k["containers"]["delivered_total"]
    row = {
        "arrived": arrived,
        "delivered": delivered,
        "delivered_share": delivered / arrived if arrived else 1.0,
        "throughput_per_h": delivered / kpis["simulated_h"] if kpis["simulated_h"] else 0.0,
        "crossing_p50_min": k["crossing_time_s"]["p50"] / 60.0,
        "crossing_p95_min": k["crossing_time_s"]["p95"] / 60.0,
        "crossing_max_min": k["crossing_time_s"]["max"] / 60.0,
        "utilisation": k["fleet"]["utilisation"],
        "empty_run_share": k["fleet"]["empty_run_share"],
        "distance_km": k["fleet"]["distance_km"],
        "energy_kwh": k["energy_kwh"]["driving"] + k["energy_kwh"]["idle"],
        "holds": k["customs"]["holds"],
        "scanner_wait_max_min": k["scanner_queue"]["max_waiting_s"] / 60.0,
        "invariant_violations": sum(k["invariants"].values()),
    }
    assert tuple(row) == KPI_COLUMNS  # the table's column order
    return row


def cell(value: Any) -> Any:
    """A parameter value as a table cell: lists (a risk mix, closed lanes) as JSON text."""
    return json.dumps(value) if isinstance(value, list | tuple | dict) else value


def run_task(task: RunTask) -> dict[str, Any]:
    """Simulate one task; the row: index, key, seed, the point, its KPIs, and ``wall_s``."""
    if task.code != code_hash():
        raise ScenarioError(
            task.scenario_source,
            "",
            f"this worker runs different borderflow code (code hash {code_hash()[:12]}, the "
            f"sweep's {task.code[:12]}): install the same version on every Dask worker",
        )
    from sim.runner import Simulation

    t0 = time.perf_counter()
    sc, graph = scenario_and_graph(task)
    result = Simulation(sc, graph=graph, keep_log=False).run()
    row: dict[str, Any] = {"index": task.index, "point": task.point_index, "seed": task.seed}
    row.update({f"param:{n}": cell(v) for n, v in task.point.items()})
    row.update(kpi_row(result.kpis))
    row["key"] = task.key
    row["wall_s"] = time.perf_counter() - t0  # not part of the result's identity
    return row
