"""``borderflow sweep``: many SimPy runs of one scenario over a design, here or on Dask.

The spec, the engines and the report live in :mod:`sim.sweep`; this module is the front end:
options, the progress bar, the closing summary and exit codes. Heavy imports happen inside.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["sweep"]


def sweep(
    spec_file: Annotated[
        Path, typer.Argument(metavar="SPEC.toml", help="The sweep spec.", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output directory (default: sweeps/<spec name>)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Local worker processes (default: one per CPU); 1 runs in-process."),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            help="Run on the Dask scheduler at tcp://HOST:8786, or 'local' for a LocalCluster "
            "of --workers processes on this machine."
        ),
    ] = None,
    report: Annotated[bool, typer.Option(help="Write report.html.")] = True,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the spec and list the runs; run nothing.")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar and no summary.")] = False,
) -> None:
    """Sweep a scenario over a grid or random design of parameters x seeds.

    The spec (TOML) names the scenario, the seeds, the parameters and, optionally, a
    target. Every point is checked before anything runs. Finished runs are stored
    under OUT/runs/ by the hash of their inputs (scenario, map, point, seed, code):
    rerun the same command after an interruption, or after adding seeds or values,
    and only the missing runs execute. Results: OUT/runs.csv, OUT/runs.parquet and
    OUT/report.html (throughput and p95 crossing time against each parameter, 95 %
    bands over seeds, the smallest fleet that meets the target). The results are the
    same whatever the engine or the worker count.

    A spec (docs/studies.md lists every parameter):

      scenario = "erenhot_day"

      seeds = 5

      [parameters]

      "fleet.agvs" = [30, 40, 50, 60]

      "arrivals.per_day" = [1200, 1500]

      [target]

      p95_crossing_min = 60

    Examples:

      borderflow sweep docs/studies/fleet_sizing.toml

      borderflow sweep my_study.toml --workers 2 -o out/study

      borderflow sweep my_study.toml --dask tcp://10.0.0.5:8786

    Exit code: 0 when every run finished, 1 when some failed (rerun to retry them),
    2 for a bad spec, 3 when the Dask scheduler cannot be reached, 130 when
    interrupted (finished runs are kept).
    """
    from rich.console import Console
    from rich.markup import escape

    from sim.errors import SimError
    from sim.sweep.engine import default_workers
    from sim.sweep.plan import plan
    from sim.sweep.spec import load_spec

    err = Console(stderr=True)
    console = Console()
    n_workers = workers if workers is not None else default_workers()
    if n_workers < 1:
        err.print(f"[red]error:[/red] --workers must be >= 1, got {n_workers}")
        raise typer.Exit(2)
    try:
        spec = load_spec(spec_file)
        points, tasks = plan(spec)
    except (SimError, ValueError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    out_dir = out if out is not None else Path("sweeps") / spec.name
    if dry_run:
        console.print(
            f"{spec.name}: {len(points)} points x {len(spec.seeds)} seeds = {len(tasks)} runs"
        )
        for i, p in enumerate(points):
            console.print(f"  point {i}: {escape(str(p))}")
        return
    _run(spec, points, tasks, out_dir, n_workers, dask, report, quiet, console, err)


def _run(
    spec: Any,
    points: list[dict[str, Any]],
    tasks: list[Any],
    out_dir: Path,
    workers: int,
    dask: str | None,
    report: bool,
    quiet: bool,
    console: Any,
    err: Any,
) -> None:
    from rich.markup import escape

    from sim.sweep.plan import Outcome, execute
    from sim.sweep.store import RunStore

    store = RunStore(out_dir)
    cluster = None
    address = dask
    try:
        if dask == "local":
            cluster = _local_cluster(workers)
            address = cluster.scheduler_address
        with _progress(quiet, len(tasks)) as bar:
            outcome: Outcome = execute(tasks, store, workers=workers, dask=address, progress=bar)
    except KeyboardInterrupt:
        err.print(f"[yellow]interrupted: finished runs are kept in {out_dir}/runs[/yellow]")
        raise typer.Exit(130) from None
    except OSError as exc:  # the scheduler is not there (distributed raises OSError subclasses)
        err.print(
            f"[red]error:[/red] cannot reach the Dask scheduler at {escape(str(address))}: "
            f"{escape(str(exc))}; start one with `dask scheduler` and workers with "
            "`dask worker tcp://HOST:8786`, or leave out --dask to run locally",
            soft_wrap=True,
        )
        raise typer.Exit(3) from None
    finally:
        if cluster is not None:
            cluster.close()
    paths = store.write_tables(outcome.rows)
    if report:
        from sim.sweep.report import write_report

        write_report(spec, points, outcome.rows, out_dir / "report.html", len(outcome.failures))
        paths.append(out_dir / "report.html")
    for f in outcome.failures:
        err.print(
            f"[red]run {f.task.index} failed[/red] (point {f.task.point_index}, seed "
            f"{f.task.seed}): {escape(f.error)}",
            soft_wrap=True,
        )
    if not quiet:
        _summary(console, spec, points, outcome)
        for p in paths:
            console.print(f"wrote {p}")
    if outcome.failures:
        raise typer.Exit(1)


def _local_cluster(workers: int) -> Any:
    from distributed import LocalCluster

    return LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # loopback, any free port
    )  # fmt: skip


class _progress:
    """A rich progress bar with ETA over the runs (stored ones count as done at once)."""

    def __init__(self, quiet: bool, total: int) -> None:
        self.quiet = quiet
        self.total = total
        self.bar: Any = None

    def __enter__(self) -> _progress:
        if not self.quiet:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("runs"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[note]}"), TimeElapsedColumn(), TextColumn("ETA"),
                TimeRemainingColumn(),
            )  # fmt: skip
            self.bar.start()
            self.task = self.bar.add_task("runs", total=self.total, note="")
        return self

    def __call__(self, outcome: Any) -> None:
        if self.bar is not None:
            done = len(outcome.rows) + len(outcome.failures)
            note = f"({outcome.reused} stored)" if outcome.reused else ""
            if outcome.failures:
                note += f" [red]{len(outcome.failures)} failed[/red]"
            self.bar.update(self.task, completed=done, note=note)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _summary(console: Any, spec: Any, points: list[dict[str, Any]], outcome: Any) -> None:
    from rich.table import Table

    from sim.sweep.report import KPIS
    from sim.sweep.stats import point_stats, smallest_fleets

    stats = point_stats(outcome.rows, points, KPIS)
    table = Table(title=f"{spec.name}: mean over seeds [95 % band]")
    for name in [*spec.parameters, "throughput/h", "p95 crossing min", "delivered"]:
        table.add_column(name, justify="right")
    for p in stats:
        t, c, d = (p.kpi[k] for k in ("throughput_per_h", "crossing_p95_min", "delivered_share"))
        table.add_row(
            *(str(p.point[n]) for n in spec.parameters),
            f"{t.mean:.1f}",
            f"{c.mean:.1f} [{c.lo:.1f}, {c.hi:.1f}]",
            f"{d.mean:.1%}",
        )
    console.print(table)
    console.print(f"{outcome.ran} runs executed, {outcome.reused} reused from the store")
    if spec.target_p95_min is not None and "fleet.agvs" in spec.parameters:
        for others, agvs in smallest_fleets(
            stats, spec.target_p95_min, spec.target_delivered_share
        ):
            where = ", ".join(f"{k}={v}" for k, v in others.items()) or "as given"
            got = f"{agvs} AGVs" if agvs is not None else "none of the swept sizes"
            console.print(f"smallest fleet for p95 <= {spec.target_p95_min:g} min ({where}): {got}")
