"""Sweeps (sim/sweep/): what a sweep costs over its runs, what a second worker buys, and the
200-run sweep of the Erenhot day.

- overhead: sixteen 24 h runs of ``erenhot_day`` (2 fleet sizes x 8 seeds) timed one by one
  with ``Simulation.run`` (the map loaded once, as a sweep's worker keeps it), against the same
  sixteen as a sweep on one worker (in this process): planning, every point checked, each run
  stored, the CSV / Parquet tables and the HTML report with its plots. Both are measured twice,
  alternating, and the best of each is taken (the machine's speed drifts). Goal <= 10 %.
- workers: the same sweep on a local pool of 2 processes and on a Dask ``LocalCluster`` of 2
  workers (started, and its workers warmed with one short run each, before the clock: a
  cluster's workers are long-lived), against one worker. Goal >= 1.7x on this 2-core machine.
- ``docs/studies/erenhot_200.toml``: 200 runs (40 fleet sizes x 5 seeds) on 2 workers, and its
  report opened in headless Chromium (every plot decoded).
"""

from __future__ import annotations

import gc
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.figures import Figure

__all__ = ["run"]

ROOT = Path(__file__).resolve().parent.parent
_SPEC = """
name = "bench_overhead"
scenario = "erenhot_day"
seeds = {seeds}
hours = {hours}
[parameters]
"fleet.agvs" = [50, 60]
[target]
p95_crossing_min = 60
"""


def _spec(tmp: Path, hours: float, seeds: int = 8, name: str = "overhead") -> Any:
    from sim.sweep.spec import load_spec

    path = tmp / f"{name}.toml"
    path.write_text(_SPEC.format(hours=hours, seeds=seeds), encoding="utf-8")
    return load_spec(path)


def _singles(tasks: list[Any]) -> float:
    """Sum of the runs' wall times, each a plain Simulation.run of its scenario."""
    from sim.runner import Simulation
    from sim.sweep.runs import scenario_and_graph

    gc.collect()
    total = 0.0
    for task in tasks:
        sc, graph = scenario_and_graph(task)  # built outside the clock, like `simulate`'s load
        t0 = time.perf_counter()
        Simulation(sc, graph=graph, keep_log=False).run()
        total += time.perf_counter() - t0
    return total


def _sweep(spec: Any, out: Path, workers: int, dask: str | None = None) -> tuple[float, Any]:
    from sim.sweep.plan import execute, plan
    from sim.sweep.report import write_report
    from sim.sweep.store import RunStore

    gc.collect()
    t0 = time.perf_counter()
    points, tasks = plan(spec)
    store = RunStore(out)
    outcome = execute(tasks, store, workers=workers, dask=dask)
    store.write_tables(outcome.rows)
    write_report(spec, points, outcome.rows, out / "report.html", len(outcome.failures))
    return time.perf_counter() - t0, outcome


def _rows(outcome: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "wall_s"} for r in outcome.rows]


def _open_report(path: Path) -> tuple[int, int]:
    """(plots, plots decoded) of the report in headless Chromium."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"]  # fmt: skip
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args, headless=True)
        page = b.new_page()
        page.goto(path.resolve().as_uri())
        got = page.evaluate("() => [...document.images].map(i => i.complete && i.naturalWidth > 0)")
        b.close()
    return len(got), sum(bool(g) for g in got)


def run(quick: bool) -> list[Figure]:
    from distributed import LocalCluster

    hours = 2.0 if quick else 24.0
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp_s:
        tmp = Path(tmp_s)
        spec = _spec(tmp, hours)
        from sim.sweep.plan import plan

        _, tasks = plan(spec)
        singles, sweeps = [], []
        for _ in range(2):
            singles.append(_singles(tasks))
            shutil.rmtree(tmp / "one", ignore_errors=True)
            one_s, one = _sweep(spec, tmp / "one", 1)
            sweeps.append(one_s)
        single_s, one_s = min(singles), min(sweeps)
        two_s, two = _sweep(spec, tmp / "two", 2)
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address="127.0.0.1:0")  # fmt: skip
        try:
            warm = _spec(tmp, 0.05, seeds=1, name="warm")  # one short run per worker
            _sweep(warm, tmp / "warm", 2, dask=cluster.scheduler_address)
            dask_s, dask = _sweep(spec, tmp / "dask", 2, dask=cluster.scheduler_address)
        finally:
            cluster.close()
        same = _rows(one) == _rows(two) == _rows(dask)
        overhead = (one_s - single_s) / single_s * 100.0
        n = len(tasks)
        figures.append(Figure(
            "sweep", f"sweep overhead over the sum of its {n} runs, one worker", overhead, "%",
            "<= 10 %", overhead <= 10.0,
            f"{n} x {hours:g} h erenhot_day: runs alone {single_s:.1f} s, as a sweep "
            f"{one_s:.1f} s (plan, store, CSV + Parquet, HTML report with plots); best of "
            f"{', '.join(f'{x:.1f}' for x in singles)} / {', '.join(f'{x:.1f}' for x in sweeps)} s",
        ))  # fmt: skip
        figures.append(Figure(
            "sweep", "2 workers (process pool) / 1 worker", one_s / two_s, "x", ">= 1.7x",
            one_s / two_s >= 1.7,
            f"{one_s:.1f} s -> {two_s:.1f} s on this 2-core machine; rows identical on every "
            f"engine: {same}",
        ))  # fmt: skip
        figures.append(Figure(
            "sweep", "2 workers (Dask LocalCluster) / 1 worker", one_s / dask_s, "x", ">= 1.7x",
            one_s / dask_s >= 1.7, f"{one_s:.1f} s -> {dask_s:.1f} s (cluster started first)",
        ))  # fmt: skip
        if not quick:
            from sim.sweep.spec import load_spec

            big = load_spec(ROOT / "docs" / "studies" / "erenhot_200.toml")
            big_s, outcome = _sweep(big, tmp / "200", 2)
            plots, decoded = _open_report(tmp / "200" / "report.html")
            ok = len(outcome.rows) == 200 and not outcome.failures and plots == decoded >= 1
            figures.append(Figure(
                "sweep", "200-run sweep of the Erenhot day (2 workers)", big_s, "s",
                "finishes, report opens", ok,
                f"{len(outcome.rows)} runs, {len(outcome.failures)} failed, "
                f"{big_s / 200:.2f} s per run; report.html in headless Chromium: {decoded} of "
                f"{plots} plots decoded",
            ))  # fmt: skip
    return figures
