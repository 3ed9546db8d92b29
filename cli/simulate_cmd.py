"""``borderflow simulate``: run a SimPy scenario against the real core and report its KPIs.

Heavy imports (SimPy, the core, matplotlib) happen inside the command so ``--help`` is instant.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated, Any

import typer

from orchestrator.custody.errors import CustodyError
from orchestrator.errors import CoreInconsistentError
from sim.scenario import bundled_scenarios

__all__ = ["simulate"]

_BUNDLED = ", ".join(bundled_scenarios())  # sim/scenarios/*.toml, listed at import


def simulate(
    scenario: Annotated[
        str,
        typer.Argument(
            help=f"Scenario TOML file, or a bundled scenario name ({_BUNDLED}).",
            show_default=False,
        ),
    ],
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
    hours: Annotated[
        float | None, typer.Option(help="Simulated hours (default: the scenario's duration_h).")
    ] = None,
    agvs: Annotated[int | None, typer.Option(help="Override the fleet size.")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the KPIs as JSON here.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write a self-contained HTML report with plots here.")
    ] = None,
    events: Annotated[
        Path | None, typer.Option(help="Write the run's event log as JSON lines here.")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            help="Custody ledger: an SQLite file path (or sqlite:///path) or a "
            "postgresql://user@host:port/dbname URL (default: none)."
        ),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="The ledger's signing key (from `borderflow custody keygen`). Default: "
            "$BORDERFLOW_LEDGER_KEY, else (SQLite) ~/.config/borderflow/keys/ledger.key, made "
            "on first use; a PostgreSQL ledger needs one of the two.",
            show_default=False,
        ),
    ] = None,
    realtime: Annotated[
        float | None,
        typer.Option(help="Run in real time at FACTOR simulated seconds per wall second."),
    ] = None,
    mcap: Annotated[
        Path | None,
        typer.Option(
            "--mcap",
            help="Record the run as MCAP here (ROS 2 messages: map, vehicles, fleet markers, "
            "and the event log) for Foxglove or ROS 2 tools (docs/recording.md).",
        ),
    ] = None,
    mcap_hz: Annotated[
        float,
        typer.Option(
            "--mcap-hz", help="Vehicle samples per simulated second in the --mcap recording."
        ),
    ] = 1.0,
    quiet: Annotated[bool, typer.Option(help="No progress bar and no KPI table.")] = False,
) -> None:
    """Simulate the crossing: virtual AGVs, customs and the real orchestrator core.

    SCENARIO is a TOML file or a bundled name. A progress bar counts simulated hours
    (with the scenario's local clock time) and a KPI table closes the run. Times in
    the files are the scenario's: its epoch (start date-time) and time zone, e.g.
    erenhot_day runs 00:00-00:00 next day, Asia/Shanghai (docs/simulation.md). The
    same scenario and seed give byte-identical --json and --events files.

    Examples:

      borderflow simulate erenhot_day --json out/kpis.json --report out/run.html

      borderflow simulate test_small --hours 1 --agvs 2 --events out/ev.jsonl

      borderflow simulate my_study.toml --seed 42 --realtime 60

      borderflow simulate test_small --hours 2 --db out/custody.db

      borderflow simulate test_small --db postgresql://bf@db/bf --key ~/keys/ledger.key

      borderflow simulate test_small --hours 0.5 --mcap out/run.mcap

    (--realtime 60 runs one simulated minute per wall second.) Exit code: 0 when
    every safety invariant stayed 0 (collisions, deadlocks, uncleared crossings),
    3 when one was violated, 2 for bad input (a scenario, a ledger that cannot be
    opened, a signing key), 4 when the run could not go on (its custody ledger
    failed: the message says how), 130 when interrupted (Ctrl-C keeps the partial results:
    the files are written up to the simulated hour reached).
    """
    from rich.console import Console
    from rich.markup import escape

    from sim.errors import SimError
    from sim.eventlog import dumps
    from sim.runner import Simulation
    from sim.scenario import load_scenario

    console = Console(stderr=False)
    err = Console(stderr=True)
    if key is not None and db is None:
        err.print("[red]error:[/red] --key signs the custody ledger: give --db too")
        raise typer.Exit(2)
    if mcap is not None and not (0 < mcap_hz <= _MAX_MCAP_HZ):
        err.print(
            f"[red]error:[/red] --mcap-hz must be > 0 and <= {_MAX_MCAP_HZ:g}, got {mcap_hz:g}"
        )
        raise typer.Exit(2)
    ledger = None
    recorder = None
    try:
        sc = load_scenario(scenario).with_overrides(seed=seed, hours=hours, agvs=agvs)
        ledger = _open_ledger(db, key) if db else None
        sim = Simulation(sc, realtime_factor=realtime, ledger=ledger)
        if mcap is not None:
            recorder = _recorder(sim, mcap, mcap_hz)
    except (SimError, ValueError) as exc:  # map and config errors name the file/field
        if ledger is not None:
            ledger.close()
        err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None

    interrupted = False
    try:
        result = sim.run() if quiet else _run_with_progress(sim, err)
    except CoreInconsistentError as exc:
        if recorder is not None:
            recorder.close()  # what was simulated up to the failure
        # The core stops at the first event it could not apply; when the ledger's database
        # failed (locked, disk full, server gone) say so, and what to do, instead of a traceback.
        entries = 0
        if ledger is not None:
            entries = ledger.size
            ledger.close()
        why = _stopped_why(exc, sim, db, entries)
        err.print(f"[red]error:[/red] {escape(why)}", soft_wrap=True)
        raise typer.Exit(4) from None
    except KeyboardInterrupt:
        # Ctrl-C: keep what was simulated so far; the files say how far it got (simulated_h).
        interrupted = True
        result = sim.result()
        err.print(f"[yellow]interrupted at {sim.now_s / 3600:.2f} simulated h[/yellow]")
    if recorder is not None:
        recorder.close()

    if ledger is not None:
        # The run's custody commitment: customs can check a later export or proof against it.
        head = ledger.tree_head()
        result.kpis["custody_ledger"] = {
            "entries": ledger.size,
            "tree_head": head.to_obj() if head is not None else None,
        }
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(dumps(result.kpis, indent=2) + "\n", encoding="utf-8")
    if events is not None:
        result.log.write(events)
    if report is not None:
        from sim.report import write_report

        write_report(sim, result, report)
    ledger_note = ""
    if ledger is not None:
        ledger_note = f"{db} ({ledger.size} custody entries, signed tree head)"
        ledger.close()
    if not quiet:
        _print_table(console, result.kpis)
        outputs = (("KPIs", json_out), ("report", report), ("event log", events),
                   ("recording", mcap))  # fmt: skip
        for label, path in outputs:
            if path is not None:
                console.print(f"{label}: {path}")
        if ledger_note:
            console.print(f"custody ledger: {ledger_note}")
    if interrupted:
        raise typer.Exit(130)
    invariants: Any = result.kpis["kpis"]["invariants"]  # type: ignore[index]
    bad = {k: v for k, v in invariants.items() if v}
    if bad:
        err.print(f"[red]safety invariant violated:[/red] {bad}; see invariant.* in the log")
        raise typer.Exit(3)


_MAX_MCAP_HZ = 50.0  # beyond that a recording is mostly repeats of the same position


def _recorder(sim: Any, path: Path, rate_hz: float) -> Any:
    """The run's MCAP recorder; a path that cannot be written is a :class:`SimError`."""
    from recording.msgdefs import RecordingError
    from sim.errors import SimError
    from sim.recorder import SimRecorder

    try:
        return SimRecorder(sim, path, rate_hz)
    except RecordingError as exc:
        raise SimError(f"--mcap: {exc}") from None


def _stopped_why(exc: CoreInconsistentError, sim: Any, db: str | None, entries: int) -> str:
    """What stopped the run, in one paragraph: where in simulated time, the ledger's error if
    it was the ledger, and what to try."""
    when = f"{sim.scenario.timebase.day_clock(sim.now_s)} {sim.scenario.timebase.time_zone}"
    causes = [
        e
        for e in _chain(exc)
        if isinstance(e, sqlite3.Error | CustodyError) or type(e).__module__.startswith("psycopg")
    ]
    if db is None or not causes:
        return f"the run stopped at {when} (simulated {sim.now_s / 3600:.2f} h): {exc}"
    from risk_bridge.ledger import redact_url

    cause = causes[0]
    return (
        f"the custody ledger {redact_url(str(db))} failed at {when} (simulated "
        f"{sim.now_s / 3600:.2f} h): {type(cause).__name__}: {cause}. The run stopped there: a "
        "container without its custody record may not cross. The ledger keeps the "
        f"{entries} entries written before (`borderflow custody verify` checks them). Is another "
        "process writing to it, the disk full, or the database server gone? Fix that and run "
        "the study again."
    )


def _chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _run_with_progress(sim: Any, err: Any) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    clock = sim.scenario.timebase
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.1f}/{task.total:.0f} simulated h"),
        TextColumn("{task.fields[clock]}"),
        TextColumn("{task.fields[delivered]} delivered"),
        TimeElapsedColumn(),
        console=err,
    ) as progress:
        task = progress.add_task(
            sim.scenario.name,
            total=sim.duration_s / 3600.0,
            delivered=0,
            clock=f"{clock.day_clock(0.0)} {clock.time_zone}",
        )

        def tick(now_s: float) -> None:
            delivered = sum(sim.kpi.delivered.values())
            progress.update(
                task,
                completed=now_s / 3600.0,
                delivered=delivered,
                clock=f"{clock.day_clock(now_s)} {clock.time_zone}",  # the scenario's local time
            )

        # Chunks of 6 simulated minutes keep the bar lively without slowing the run.
        return sim.run(progress=tick, chunk_s=360.0)


def _open_ledger(url: str, key: Path | None) -> Any:
    """The run's custody ledger; every way opening it fails is a :class:`SimError` saying
    what failed and how to fix it (the ledger's own messages do), never a traceback."""
    from sim.errors import SimError

    try:
        from orchestrator.custody.errors import CustodyError
        from risk_bridge.ledger import open_ledger, redact_url
    except ImportError as exc:
        raise SimError(f"--db {url}: the custody ledger package is not available") from exc
    try:
        return open_ledger(url, key=key)
    except CustodyError as exc:
        raise SimError(f"--db: {exc}") from None
    except OSError as exc:  # e.g. the public key copy beside the ledger cannot be written
        where = exc.filename or redact_url(url)
        raise SimError(f"--db {redact_url(url)}: {where}: {exc.strerror}") from None


def _print_table(console: Any, doc: dict[str, Any]) -> None:
    """The KPIs for people: grouped, labelled, in minutes / % / km / kWh, each with its meaning
    (sim/kpi_labels.py); the JSON keeps the machine keys. The meanings need a terminal of
    at least 110 columns; a narrower one gets the table without them and says so."""
    from rich.table import Table

    from sim.kpi_labels import kpi_rows

    explain = console.width >= _EXPLAIN_WIDTH
    span = doc.get("time", {}).get("local")  # the run's local clock time (scenario's epoch)
    title = f"{doc['scenario']}: {doc['agvs']} AGVs, {doc['simulated_h']:.1f} h"
    table = Table(title=f"{title}, {span}" if span else title)
    table.add_column("KPI", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("unit", no_wrap=True)
    if explain:
        table.add_column("what it means", style="dim")
    section = None
    for row in kpi_rows(doc["kpis"]):
        if row.section != section:
            if section is not None:
                table.add_section()
            section = row.section
            table.add_row(f"[bold]{section}[/bold]")
        cells = [f"  {row.label}", row.shown, row.unit]
        table.add_row(*cells, row.meaning) if explain else table.add_row(*cells)
    console.print(table)
    if not explain:
        console.print(
            f"(what each KPI means: in a terminal of {_EXPLAIN_WIDTH}+ columns, or the --report)"
        )


_EXPLAIN_WIDTH = 110
