"""``borderflow traffic``: the traffic planner on standard multi-agent path-finding benchmarks.

This module owns the ``traffic`` command group. ``bench`` reads a MovingAI map and scenario,
runs the core's MAPF solver (``orchestrator.mapf``), checks the plan with the independent
checker and prints the figures published MAPF results use. Heavy imports live inside the
command so ``borderflow --help`` stays instant.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from cli.outputs import ready_to_write

__all__ = ["app"]

app = typer.Typer(
    help="Multi-agent traffic planning on standard MAPF benchmark instances.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


@app.callback()
def _group() -> None:
    """Multi-agent traffic planning on standard MAPF benchmark instances."""


class _MonotonicClock:
    """The CLI is a runtime, so it may read the clock the core must not."""

    def now_s(self) -> float:
        return time.perf_counter()


_BENCH_TEXT = """Solve one MovingAI MAPF instance and check the plan.

[bold]Benchmark[/bold]: Stern et al., "Multi-Agent Pathfinding: Definitions, Variants, and
Benchmarks", SoCS 2019 (movingai.com/benchmarks/mapf). Maps and scenarios are downloaded from there.

[bold]MAP[/bold] (.map): 'type octile', 'height H', 'width W', 'map', then H rows of W cells;
'.' and 'G' are free, '@ O T W' blocked. Agents move 4-connected, one cell or wait per step.

[bold]SCEN[/bold] (.scen): 'version 1', then one agent per tab-separated line: bucket, map,
width, height, start_x, start_y, goal_x, goal_y, optimal_length (x = column, y = row from the
top-left). The N-agent instance is the first N lines.

[bold]Reported[/bold]: success, makespan, sum of costs (an agent's cost is the step of its
last arrival at its goal), the lower bound (sum of shortest distances), planning time
(including distance tables), and the checker's verdict (no vertex or swap conflicts, every
move along an edge). Exit code 0 only for a solved and checked plan.

[bold]Example[/bold]:

  borderflow traffic bench random-32-32-20.map random-32-32-20-random-1.scen --agents 200

Published reference: LaCAM2 (C++) solves 400 agents on random-32-32-20 in about 31 ms.
"""
# Rich rewraps help text itself: give it one line per paragraph.
_BENCH_HELP = "\n\n".join(" ".join(p.split()) for p in _BENCH_TEXT.split("\n\n"))


@app.command(help=_BENCH_HELP)
def bench(
    map_path: Annotated[Path, typer.Argument(metavar="MAP", help="MovingAI .map file")],
    scen_path: Annotated[Path, typer.Argument(metavar="SCEN", help="MovingAI .scen file")],
    agents: Annotated[int, typer.Option("--agents", "-n", help="first N agents of SCEN")] = 100,
    solver: Annotated[
        str, typer.Option(help="lacam (complete search) or pibt (fast, incomplete)")
    ] = "lacam",
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="seconds of planning before giving up")
    ] = 60.0,
    seed: Annotated[int, typer.Option(help="tie-break seed; same seed, same plan")] = 0,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="also write the figures as JSON here")
    ] = None,
) -> None:
    from rich.console import Console

    from orchestrator.mapf import (
        DistanceTable,
        MapfError,
        SolverName,
        check_plan,
        lower_bound,
        parse_map,
        parse_scen,
        solve,
    )

    try:
        solver_name = SolverName(solver)
    except ValueError:
        _fail(f"unknown solver {solver!r}; use one of: lacam, pibt")
    if time_limit <= 0:
        _fail(f"--time-limit {time_limit:g}: give a positive number of seconds")
    texts = []
    for path in (map_path, scen_path):
        try:
            texts.append(path.read_text())
        except OSError as exc:
            _fail(f"cannot read {path}: {exc.strerror}; check the path")
    try:
        graph = parse_map(texts[0], map_path.name)
        instance = parse_scen(texts[1], graph, agents)
    except MapfError as exc:
        _fail(str(exc))
    clock = _MonotonicClock()
    table = DistanceTable(graph)
    status = f"planning {agents} agents on {graph.num_vertices} cells ({solver_name.value})..."
    with Console(stderr=True).status(status):
        result = solve(
            instance, solver_name, seed=seed, clock=clock, time_limit_s=time_limit, table=table
        )
    report = check_plan(instance, result.plan) if result.solved else None
    ok = report is not None and report.valid
    figures: dict[str, object] = {
        "map": map_path.name,
        "scenario": scen_path.name,
        "agents": agents,
        "vertices": graph.num_vertices,
        "solver": solver_name.value,
        "seed": seed,
        "status": result.status.value,
        "solved": ok,
        "planning_time_s": round(result.planning_time_s, 6),
        "makespan": report.makespan if ok and report else None,
        "sum_of_costs": report.sum_of_costs if ok and report else None,
        "sum_of_costs_lower_bound": lower_bound(instance, table),
        "configurations": result.hl_nodes,
        "pibt_calls": result.pibt_calls,
        "checker": "ok" if ok else (report.first_problem if report else "no plan"),
        "reason": result.reason,
    }
    _print(figures)
    if json_out is not None:
        try:
            ready_to_write(json_out).write_text(json.dumps(figures, indent=2) + "\n")
        except OSError as exc:
            _fail(f"cannot write {json_out}: {exc.strerror}; pick a writable path")
    if not ok:
        why = result.reason or (report.first_problem if report else "no plan")
        typer.echo(f"error: not solved: {why}", err=True)
        raise typer.Exit(1)


def _print(figures: dict[str, object]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{figures['map']} · {figures['agents']} agents · {figures['solver']}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    lb = figures["sum_of_costs_lower_bound"]
    soc = figures["sum_of_costs"]
    rows = [
        ("success", "yes" if figures["solved"] else f"no ({figures['status']})"),
        ("makespan (steps)", figures["makespan"]),
        ("sum of costs (steps)", soc),
        ("sum-of-costs lower bound", lb),
        (
            "SoC / lower bound",
            f"{soc / lb:.3f}" if isinstance(soc, int) and isinstance(lb, int) and lb else "-",
        ),
        ("planning time", f"{figures['planning_time_s']:.3f} s"),
        ("configurations searched", figures["configurations"]),
        ("checker", figures["checker"]),
    ]
    for name, value in rows:
        table.add_row(name, "-" if value is None else str(value))
    Console().print(table)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)
