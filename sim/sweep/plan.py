"""A sweep from spec to results: plan the tasks, check every point, run what is not stored.

:func:`plan` expands the design into tasks (points × seeds) and builds every point's scenario
and map here, before anything runs, so a value the scenario reader or the map refuses is an
error naming the point, not a failure an hour into the sweep. :func:`execute` runs the tasks
that have no stored result on the chosen engine, stores each row as it arrives and reports
progress through a callback.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.sweep.engine import RunFailure, run_dask, run_local
from sim.sweep.params import apply_graph, apply_raw
from sim.sweep.runs import RunTask, code_hash, task_key
from sim.sweep.spec import SweepSpec
from sim.sweep.store import RunStore

__all__ = ["Outcome", "execute", "plan"]


def plan(spec: SweepSpec) -> tuple[list[dict[str, Any]], list[RunTask]]:
    """The design's points and its tasks (row-major: every seed of point 0, then point 1...)."""
    import maps
    from sim.mapref import resolve_map_path
    from sim.run_checks import check_closures, check_gates
    from sim.scenario_reader import ScenarioReader

    text = spec.scenario_path.read_text(encoding="utf-8")
    source = str(spec.scenario_path)
    raw = tomllib.loads(text)
    points = spec.points()
    graphs: dict[Path, tuple[Any, str]] = {}
    tasks: list[RunTask] = []
    code = code_hash()
    for i, point in enumerate(points):
        try:
            sc = ScenarioReader(source).scenario(apply_raw(raw, point, source))
            sc = sc.with_overrides(hours=spec.hours)
            map_path = resolve_map_path(sc)
            if map_path not in graphs:
                sha = hashlib.sha256(map_path.read_bytes()).hexdigest()
                graphs[map_path] = (maps.load_map(map_path), sha)
            graph, map_sha = graphs[map_path]
            graph = apply_graph(graph, point, source)
            check_closures(sc, graph)
            check_gates(sc, graph)
        except (ScenarioError, ValueError) as exc:
            raise ScenarioError(
                spec.source, f"parameters (point {i}: {point})", f"this point is invalid: {exc}"
            ) from None
        for seed in spec.seeds:
            key = task_key(text, map_sha, point, seed, spec.hours)
            tasks.append(RunTask(len(tasks), i, point, seed, spec.hours, text, source, code, key))
    return points, tasks


@dataclass
class Outcome:
    rows: list[dict[str, Any]] = field(default_factory=list)
    failures: list[RunFailure] = field(default_factory=list)
    reused: int = 0  # rows found in the store, not run again
    ran: int = 0


def execute(
    tasks: Sequence[RunTask],
    store: RunStore,
    *,
    workers: int,
    dask: str | None = None,
    progress: Callable[[Outcome], None] | None = None,
) -> Outcome:
    out = Outcome()
    todo = []
    for task in tasks:
        row = store.get(task.key)
        if row is None:
            todo.append(task)
            continue
        row.update({"index": task.index, "point": task.point_index})  # the design may be new
        out.rows.append(row)
        out.reused += 1
    if progress is not None:
        progress(out)
    results = run_dask(todo, dask) if dask else run_local(todo, workers)
    for result in results:
        if isinstance(result, RunFailure):
            out.failures.append(result)
        else:
            store.put(result)
            out.rows.append(result)
            out.ran += 1
        if progress is not None:
            progress(out)
    out.rows.sort(key=lambda r: int(r["index"]))
    return out
