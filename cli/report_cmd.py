"""``borderflow report``: reports on finished runs. ``compare`` sets the KPI files of two runs
side by side (sim/kpi_compare.py): the difference and ratio per KPI, and a plot of the main
ones. matplotlib is imported only when a plot is written, so ``--help`` stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["app"]

app = typer.Typer(
    help="Reports on finished runs: compare the KPI files of two runs.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


@app.callback()
def _group() -> None:
    """Reports on finished runs: compare the KPI files of two runs."""


@app.command()
def compare(
    a: Annotated[
        Path, typer.Argument(help="KPI JSON of run A (`simulate --json`).", show_default=False)
    ],
    b: Annotated[
        Path, typer.Argument(help="KPI JSON of run B (`simulate --json`).", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            help="Also write compare.png (the main KPIs side by side) and compare.md here."
        ),
    ] = None,
) -> None:
    """Two runs side by side: every KPI of A and B, B − A and B / A.

    The KPIs are grouped and labelled as in the table of `borderflow simulate` (times in
    minutes, shares in %); "—" marks a KPI only one run has, or a ratio over 0.

    Examples:

      borderflow simulate test_small --hours 2 --agvs 4 --json out/a.json --quiet

      borderflow simulate test_small --hours 2 --agvs 6 --json out/b.json --quiet

      borderflow report compare out/a.json out/b.json --out out/compare

    Exit code: 0, or 2 when a file is missing or is no KPI file of `simulate --json`.
    """
    from rich.console import Console
    from rich.markup import escape

    from sim.kpi_compare import KpiFileError, compare, load_kpi_file, plot_main

    console = Console()
    try:
        doc_a, doc_b = load_kpi_file(a), load_kpi_file(b)
    except KpiFileError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    pairs = compare(doc_a, doc_b)
    names = (_name(a, doc_a), _name(b, doc_b))
    console.print(f"A: {escape(names[0])}\nB: {escape(names[1])}")
    console.print(_table(pairs))
    if out is not None:
        plot = plot_main(pairs, names, out / "compare.png")
        (out / "compare.md").write_text(_markdown(pairs, names), encoding="utf-8")
        console.print(f"plot: {plot}\ntable: {out / 'compare.md'}")


def _name(path: Path, doc: dict[str, Any]) -> str:
    time = doc.get("time")
    # When the run was, by its scenario's clock (KPI files of older versions have no "time").
    when = f" {time['local']} from {time['start_utc']}" if isinstance(time, dict) else ""
    return (
        f"{path} ({doc['scenario']}, {doc.get('agvs', '?')} AGVs, "
        f"{float(doc['simulated_h']):g} h{when}, seed {doc.get('seed', '?')})"
    )


def _table(pairs: list[Any]) -> Any:
    from rich.table import Table

    table = Table()
    table.add_column("KPI")  # labels wrap in a narrow terminal; numbers never do
    for name in ("A", "B", "B − A", "B / A"):
        table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    table.add_column("unit")
    section = None
    for p in pairs:
        if p.row.section != section:
            if section is not None:
                table.add_section()
            section = p.row.section
            table.add_row(f"[bold]{section}[/bold]")
        table.add_row(f"  {p.row.label}", p.shown(p.a), p.shown(p.b), p.diff, p.ratio, p.row.unit)
    return table


def _markdown(pairs: list[Any], names: tuple[str, str]) -> str:
    lines = [f"A: {names[0]}  ", f"B: {names[1]}", ""]
    section = None
    for p in pairs:
        if p.row.section != section:
            section = p.row.section
            lines += ["", f"### {section}", "", "| KPI | A | B | B − A | B / A | unit |",
                      "|---|--:|--:|--:|--:|---|"]  # fmt: skip
        lines.append(
            f"| {p.row.label} | {p.shown(p.a)} | {p.shown(p.b)} | {p.diff} | {p.ratio} "
            f"| {p.row.unit} |"
        )
    return "\n".join(lines) + "\n"
