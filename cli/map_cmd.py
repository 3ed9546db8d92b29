"""``borderflow map``: check, summarise, draw and build crossing maps (GeoJSON, WGS84).

``validate``, ``info`` and ``render`` live here; ``new`` (a map from a corridor spec) in
:mod:`cli.map_new_cmd`, and the shared AGV options and problem printing in :mod:`cli.map_report`.
Heavy imports (pyproj, shapely, matplotlib) happen inside the commands so ``--help`` is instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.map_new_cmd import NEW_HELP, new
from cli.map_report import (
    CRS_WORDS,
    DecelOpt,
    HeadwayOpt,
    LengthOpt,
    ReactionOpt,
    SpeedOpt,
    fleet_profile,
    print_fleet_checks,
    print_problems,
)
from cli.map_report import console as _console
from cli.outputs import cannot_write, ready_to_write

if TYPE_CHECKING:
    from rich.console import Console

    from orchestrator.lanegraph import LaneGraph

__all__ = ["app"]

app = typer.Typer(
    help=(
        "Check, summarise, draw and build crossing maps.\n\n"
        "A map is a GeoJSON FeatureCollection in WGS84 lon/lat with zones, lanes, stations, "
        "gates and (optionally) the border line; the format is documented in docs/maps.md. "
        "PATH may also name a bundled map: erenhot_zamyn_uud, ganqimaodu_gashuunsukhait or "
        "test_crossing. The metric projection comes from the map (its projected_crs, else "
        "the UTM zone of its centre), so a map of any crossing needs no setting.\n\n"
        "Examples:\n\n"
        "  borderflow map validate my_crossing.geojson\n\n"
        "  borderflow map info erenhot_zamyn_uud\n\n"
        "  borderflow map render maps/erenhot_zamyn_uud.geojson -o erenhot.png\n\n"
        "  borderflow map new my_corridor.toml -o my_corridor.geojson"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)

PathArg = Annotated[
    str,
    typer.Argument(
        help="Map file (.geojson), or a bundled map name: erenhot_zamyn_uud, "
        "ganqimaodu_gashuunsukhait, test_crossing.",
        show_default=False,
    ),
]
CrsOpt = Annotated[
    str | None,
    typer.Option(
        "--crs",
        help="Override the projected CRS of the metric graph, e.g. EPSG:32649 (UTM 49N). "
        "Default: the map's projected_crs property, else the UTM zone of the map's centre.",
        show_default=False,
    ),
]
TolOpt = Annotated[
    float,
    typer.Option(
        "--tolerance",
        min=0.001,
        help="Snap tolerance in metres: vertices, stations and gates closer than this are one "
        "node.",
    ),
]


def _load_or_exit(console: Console, path: str, crs: str | None, tolerance_m: float) -> LaneGraph:
    from maps import MapError, load_map

    try:
        return load_map(path, crs=crs, snap_tolerance_m=tolerance_m)
    except MapError as err:
        print_problems(console, path, err.problems)
        raise typer.Exit(1) from None


@app.command(
    help=(
        "Check a map and list every problem (exit 0 when valid, 1 when not).\n\n"
        "All problems are reported at once, each naming the feature id and how to fix it: "
        "unknown or missing properties, invalid polygons, lanes that do not connect or cross "
        "without a junction, stations unreachable from the yards, border crossings away from "
        "a gate, non-WGS84 coordinates; a hint when the border looks drawn the wrong way "
        "round, and one error with the fix when longitude and latitude look swapped. A name "
        "that is no file and no bundled map is answered with the bundled names.\n\n"
        "Then the checks for the AGV (see the options): an error for a gate where an AGV "
        "refused the crossing could not stop before the line (reaction, braking, half its "
        "length), and a warning (yellow, exit 0) for lane segments shorter than a vehicle "
        "plus its headway, which hold one vehicle at a time.\n\n"
        "Examples:\n\n"
        "  borderflow map validate my_crossing.geojson\n\n"
        "  borderflow map validate my_crossing.geojson --agv-speed-kph 15 --decel-mps2 0.5\n\n"
        "  borderflow map validate far_away.geojson --crs EPSG:32633"
    )
)
def validate(
    path: PathArg,
    crs: CrsOpt = None,
    tolerance_m: TolOpt = 1.0,
    agv_speed_kph: SpeedOpt = 25.0,
    decel_mps2: DecelOpt = 0.7,
    reaction_s: ReactionOpt = 0.5,
    vehicle_length_m: LengthOpt = 15.0,
    headway_m: HeadwayOpt = 8.0,
) -> None:
    out = _console()
    graph = _load_or_exit(out, path, crs, tolerance_m)
    profile = fleet_profile(agv_speed_kph, decel_mps2, reaction_s, vehicle_length_m, headway_m)
    errors, warnings = print_fleet_checks(out, graph, profile)
    source = CRS_WORDS.get(str(graph.metadata.get("crs_source")), "")
    counts = (
        f"{graph.name} — {len(graph.nodes)} nodes, {len(graph.edges)} edges, "
        f"{len(graph.zones)} zones, {len(graph.stations)} stations, {len(graph.gates)} gates; "
        f"metres in {graph.crs} ({source})"
    )
    also = f", [yellow]{warnings} warning(s)[/yellow]" if warnings else ""
    if errors:
        out.print(f"[red]invalid for this AGV[/red]: {errors} problem(s){also} — {counts}")
        raise typer.Exit(1)
    out.print(f"[green]valid[/green]{also}: {counts}")


@app.command(
    help=(
        "Summarise a map: lanes and stations per side of the border, gates, zones.\n\n"
        "Examples:\n\n"
        "  borderflow map info erenhot_zamyn_uud\n\n"
        "  borderflow map info maps/test_crossing.geojson"
    )
)
def info(
    path: PathArg,
    crs: CrsOpt = None,
    tolerance_m: TolOpt = 1.0,
) -> None:
    from rich.table import Table

    from maps.summary import summarize

    console = _console()
    s = summarize(_load_or_exit(console, path, crs, tolerance_m))
    w, so, e, n = s.bbox_lonlat
    console.print(f"[bold]{s.name}[/bold]")
    console.print(
        f"{s.nodes} nodes, {s.edges} directed lane edges, {s.length_m / 1000:.2f} km of lanes; "
        f"metres in {s.crs} ({CRS_WORDS.get(s.crs_source, s.crs_source)}); "
        f"border: {s.border_source}; "
        f"extent lon {w:.5f}..{e:.5f}, lat {so:.5f}..{n:.5f}"
    )
    sides = Table(title="Per side of the border", title_justify="left")
    sides.add_column("")
    for r in s.sides:
        sides.add_column(r.side, justify="right")
    rows: list[tuple[str, list[str]]] = [
        ("lanes (features)", [str(r.lanes) for r in s.sides]),
        ("directed edges", [str(r.edges) for r in s.sides]),
        ("one-way edges", [str(r.one_way_edges) for r in s.sides]),
        ("exclusive edges", [str(r.exclusive_edges) for r in s.sides]),
        ("lane length (km)", [f"{r.length_m / 1000:.2f}" for r in s.sides]),
        ("nodes", [str(r.nodes) for r in s.sides]),
    ]
    roles = sorted({role for r in s.sides for role, _ in r.stations})
    for role in roles:
        rows.append((f"{role} stations", [str(dict(r.stations).get(role, 0)) for r in s.sides]))
    rows.append(("parking places", [str(r.parking_places) for r in s.sides]))
    for label, values in rows:
        sides.add_row(label, *values)
    console.print(sides)
    gates = Table(title="Gates", title_justify="left")
    for col in ("gate", "name", "side", "type", "to line (m)", "node", "crossing lanes"):
        gates.add_column(
            col,
            justify="right" if col.startswith("to line") else "left",
            no_wrap=col != "name",  # ids and lane names stay whole; the name may wrap
        )
    for g in s.gates:
        to_line = f"{g.line_distance_m:.1f}" if g.line_distance_m != float("inf") else "-"
        gates.add_row(
            g.id, g.name, g.side, g.gate_type, to_line, g.node, ", ".join(g.crossing_lanes)
        )
    console.print(gates)
    zones = Table(title="Zones", title_justify="left")
    for col in ("zone", "kind", "side"):
        zones.add_column(col, no_wrap=True)
    for col in ("m²", "cap.", "stations", "lane m"):
        zones.add_column(col, justify="right", no_wrap=True)
    for z in s.zones:
        zones.add_row(
            z.id,
            z.kind,
            z.side,
            f"{z.area_m2:.0f}",
            "" if z.capacity_vehicles is None else str(z.capacity_vehicles),
            str(z.stations),
            f"{z.lane_length_m:.0f}",
        )
    console.print(zones)


@app.command(
    help=(
        "Draw a map: zones, lanes (arrows on one-way lanes, exclusive single-vehicle "
        "sections highlighted), stations, gates and the border line, with a scale bar and a "
        "north arrow.\n\n"
        "Examples:\n\n"
        "  borderflow map render erenhot_zamyn_uud -o erenhot.png\n\n"
        "  borderflow map render my_crossing.geojson -o crossing.svg --no-labels"
    )
)
def render(
    path: PathArg,
    *,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Picture to write (.png, .svg, .pdf).")
    ] = Path("map.png"),
    dpi: Annotated[int, typer.Option(min=30, max=1200, help="Resolution of raster output.")] = 150,
    labels: Annotated[bool, typer.Option(help="Write zone and gate names.")] = True,
    crs: CrsOpt = None,
    tolerance_m: TolOpt = 1.0,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from maps.render import render_map

    console = _console()
    graph = _load_or_exit(console, path, crs, tolerance_m)
    try:
        out = render_map(graph, ready_to_write(output), dpi=dpi, labels=labels)
    except OSError as exc:
        raise cannot_write(output, exc) from None
    except ValueError as exc:  # matplotlib: an extension it cannot write
        console.print(f"[red]error[/red]: {exc} (use .png, .svg or .pdf)")
        raise typer.Exit(2) from None
    console.print(f"wrote {out}")


# After validate, info and render, so `borderflow map --help` lists it last.
app.command(name="new", help=NEW_HELP)(new)
