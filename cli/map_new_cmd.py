"""``borderflow map new``: build a valid crossing map from a compact corridor spec (TOML).

The spec format is in docs/maps.md ("Building a map from a spec"); :data:`EXAMPLE_SPEC` is the
complete example the help shows and ``--example`` prints (the tests build it). Heavy imports
happen inside the command so ``--help`` is instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.map_report import (
    DecelOpt,
    HeadwayOpt,
    LengthOpt,
    ReactionOpt,
    SpeedOpt,
    console,
    fleet_profile,
    print_fleet_checks,
)
from cli.outputs import cannot_write, ready_to_write

if TYPE_CHECKING:
    from rich.console import Console

    from maps.spec import SpecError
    from maps.tools.corridor import CorridorMap
    from orchestrator.lanegraph import LaneGraph

__all__ = ["EXAMPLE_SPEC", "NEW_HELP", "new"]

EXAMPLE_SPEC = """\
# A corridor: WGS84 [lon, lat], from end a's yard to end b's yard.
[map]
name = "Example corridor (fictitious)"
sources = ["where each figure comes from"]
schematic = "fictitious: an example of the spec format"
# projected_crs = "EPSG:32648"  # default: UTM zone of the centreline

[corridor]
centreline = [[106.90, 42.44], [106.90, 42.41], [106.91, 42.38]]
lanes_each_way = 2            # one-way lanes per travel direction
speed_limit_kph = 25
border_at_m = 2500            # metres from end a; the line is drawn across

# Or the border line itself (then no border_at_m); the ends give its sides:
# [border]
# line = [[106.85, 42.41], [106.95, 42.415]]
# name = "China-Mongolia border (approximate)"

[ends.a]                      # where the centreline starts
side = "MN"
name = "Northtown"
yard = { slots = 12, places_per_slot = 2 }
# gate type: smart | manual | drive_through
gate = { type = "smart", distance_to_line_m = 30 }
buffers = { count = 3, places = 2 }
hold_bays = { count = 2, places = 4 }
scanner = { lanes = 1 }
inspection = { docks = 2 }
chargers = { count = 2, places = 4 }
depots = { count = 1, places = 30 }

[ends.b]                      # side, name, yard.slots: the rest defaults
side = "CN"
name = "Southtown"
yard = { slots = 8 }
"""


def _rich(text: str) -> str:
    return text.replace("[", "\\[")  # TOML tables are not rich markup


def _print_spec_error(out: Console, err: SpecError) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table()
    table.add_column("key", style="bold")
    table.add_column("problem")
    for p in err.problems:
        table.add_row(escape(p.key), escape(p.message))
    out.print(table)
    out.print(f"[red]invalid spec[/red]: {len(err.problems)} problem(s) in {escape(err.source)}")


def _print_summary(out: Console, result: CorridorMap, graph: LaneGraph, path: Path) -> None:
    from rich.table import Table

    from orchestrator.lanegraph import Side, StationRole

    out.print(
        f"[green]wrote[/green] {path}: {graph.name} — corridor {result.length_m:.0f} m "
        f"(centreline, yard to yard), border {result.border_at_m:.0f} m from end a; "
        f"{len(graph.nodes)} nodes, {len(graph.edges)} edges; metres in {graph.crs}"
    )
    table = Table(title="Per side", title_justify="left")
    table.add_column("")
    for side in Side:
        table.add_column(side.value, justify="right")
    roles = (
        ("yard slots (places)", StationRole.YARD_SLOT),
        ("buffers (places)", StationRole.BUFFER),
        ("hold bays (places)", StationRole.HOLD),
        ("scanner portals (lanes)", StationRole.SCANNER),
        ("inspection docks", StationRole.INSPECTION),
        ("chargers (places)", StationRole.CHARGER),
        ("depots (places)", StationRole.PARKING),
    )
    for label, role in roles:
        cells = []
        for side in Side:
            found = graph.stations_with(role, side)
            cells.append(f"{len(found)} ({sum(s.capacity_vehicles for s in found)})")
        table.add_row(label, *cells)
    gates = {graph.nodes[g.node].side: g for g in graph.gates.values()}
    table.add_row(
        "gate (type, m to line)",
        *(f"{gates[s].gate_type.value}, {gates[s].line_distance_m:.1f}" for s in Side),
    )
    out.print(table)


NEW_HELP = (
    "Build a valid crossing map from a compact corridor spec (TOML).\n\n"
    "The spec gives the corridor's centreline in WGS84 (first point at end a's yard), the "
    "lanes each way and the speed limit, where the border crosses (border_at_m, or the line "
    "itself), and for each end its side and its yard layout as counts: yard slots, gate, "
    "buffers, hold bays, scanner lanes, inspection docks, chargers, depots. The builder lays "
    "out each end by the layout rules of docs/maps.md (yard ring -> link road along the "
    "centreline -> customs ring -> buffers -> gate with its turn-back lane -> border), "
    "projects it in the UTM zone of the corridor (written as projected_crs), checks that the "
    "map loads with no problem, runs the AGV checks of `map validate`, and only then writes "
    "it. A mistake in the spec names its key (ends.a.yard.slots) and how to fix it.\n\n"
    "A complete spec (`borderflow map new --example > my.toml` writes it):\n\n"
    f"{_rich(EXAMPLE_SPEC)}\n"
    "Defaults for a left-out end table: gate smart 25 m, buffers 2 x 2, hold_bays 2 x 4, "
    "scanner 1 lane, inspection 2 docks, chargers 2 x 2, depots 1 x 20. The format is in "
    'docs/maps.md ("Building a map from a spec"); maps/specs/ holds the spec of the bundled '
    "Ganqimaodu - Gashuunsukhait map.\n\n"
    "Examples:\n\n"
    "  borderflow map new my_corridor.toml -o my_corridor.geojson\n\n"
    "  borderflow map new maps/specs/ganqimaodu_gashuunsukhait.toml -o g.geojson "
    "--render g.png"
)


def new(
    spec: Annotated[
        Path | None,
        typer.Argument(help="The corridor spec (.toml).", show_default=False),
    ] = None,
    *,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Map file to write (.geojson).", show_default=False),
    ] = None,
    render: Annotated[
        Path | None,
        typer.Option(help="Also draw the map to this picture (.png, .svg).", show_default=False),
    ] = None,
    example: Annotated[
        bool, typer.Option("--example", help="Print a complete example spec and exit.")
    ] = False,
    agv_speed_kph: SpeedOpt = 25.0,
    decel_mps2: DecelOpt = 0.7,
    reaction_s: ReactionOpt = 0.5,
    vehicle_length_m: LengthOpt = 15.0,
    headway_m: HeadwayOpt = 8.0,
) -> None:
    if example:
        typer.echo(EXAMPLE_SPEC, nl=False)
        return
    out = console()
    if spec is None or output is None:
        out.print(
            "[red]usage[/red]: borderflow map new SPEC.toml -o MAP.geojson "
            "(`borderflow map new --example` prints a spec to start from)"
        )
        raise typer.Exit(2)
    from maps import load_map
    from maps.spec import SpecError, load_spec
    from maps.tools.corridor import build_corridor_map, map_json

    try:
        result = build_corridor_map(load_spec(spec))
    except SpecError as err:
        _print_spec_error(out, err)
        raise typer.Exit(1) from None
    graph = load_map(result.doc)
    profile = fleet_profile(agv_speed_kph, decel_mps2, reaction_s, vehicle_length_m, headway_m)
    errors, warnings = print_fleet_checks(out, graph, profile)
    if errors:
        out.print(
            f"[red]not written[/red]: {errors} problem(s) for this AGV; change the ends' gate "
            "(distance_to_line_m, type) in the spec, or give the AGV you mean (see --help)"
        )
        raise typer.Exit(1)
    try:
        ready_to_write(output).write_text(map_json(result.doc), encoding="utf-8")
    except OSError as exc:
        raise cannot_write(output, exc) from None
    _print_summary(out, result, graph, output)
    if warnings:
        out.print(f"[yellow]{warnings} warning(s)[/yellow] (the map is valid)")
    if render is not None:
        import matplotlib

        matplotlib.use("Agg")
        from maps.render import render_map

        out.print(f"wrote {render_map(graph, render)}")
