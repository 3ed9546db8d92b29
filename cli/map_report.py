"""What the ``borderflow map`` commands share: the AGV options of the fleet checks and the
printing of map problems (errors in red, warnings in yellow).

Heavy imports (rich tables, the maps package) happen inside the functions so ``--help`` is
instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from maps import MapProblem
    from maps.fleet_checks import FleetProfile
    from orchestrator.lanegraph import LaneGraph

__all__ = [
    "CRS_WORDS",
    "DecelOpt",
    "HeadwayOpt",
    "LengthOpt",
    "ReactionOpt",
    "SpeedOpt",
    "console",
    "fleet_profile",
    "print_fleet_checks",
    "print_problems",
]

_AGV = "AGV (fleet checks)"
SpeedOpt = Annotated[
    float,
    typer.Option(
        "--agv-speed-kph",
        min=1.0,
        max=60.0,
        help="Top speed of the AGV: how fast it may reach a drive-through gate.",
        rich_help_panel=_AGV,
    ),
]
DecelOpt = Annotated[
    float,
    typer.Option(
        "--decel-mps2",
        min=0.05,
        help="Braking deceleration a loaded AGV is sure to reach (m/s²).",
        rich_help_panel=_AGV,
    ),
]
ReactionOpt = Annotated[
    float,
    typer.Option(
        "--reaction-s",
        min=0.0,
        help="From a refused crossing to the brakes: message latency plus control cycle (s).",
        rich_help_panel=_AGV,
    ),
]
LengthOpt = Annotated[
    float,
    typer.Option(
        "--vehicle-length-m", min=1.0, help="Length of the AGV (m).", rich_help_panel=_AGV
    ),
]
HeadwayOpt = Annotated[
    float,
    typer.Option(
        "--headway-m",
        min=0.0,
        help="Gap kept between consecutive AGVs on a lane (m).",
        rich_help_panel=_AGV,
    ),
]
CRS_WORDS = {
    "given": "given with --crs",
    "map": "the map's projected_crs",
    "utm-of-centroid": "the UTM zone of the map's centre",
}


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def fleet_profile(
    speed_kph: float, decel_mps2: float, reaction_s: float, length_m: float, headway_m: float
) -> FleetProfile:
    from maps.fleet_checks import FleetProfile

    return FleetProfile(speed_kph, decel_mps2, reaction_s, length_m, headway_m)


def _table(console: Console, problems: list[MapProblem], colour: str, title: str) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left", title_style=f"bold {colour}")
    table.add_column("feature", style="bold")
    table.add_column("problem", style=colour if colour == "yellow" else "")
    table.add_column("code", style="dim")
    for p in problems:
        table.add_row(escape(p.feature_id), escape(p.message), p.code)
    console.print(table)


def print_problems(console: Console, path: str, problems: list[MapProblem]) -> None:
    """A refused map: its errors, then the warnings that explain them."""
    from rich.markup import escape

    errors = [p for p in problems if p.is_error]
    warnings = [p for p in problems if not p.is_error]
    if errors:
        _table(console, errors, "red", "Errors")
    if warnings:
        _table(console, warnings, "yellow", "Warnings")
    also = f" and {len(warnings)} warning(s)" if warnings else ""
    console.print(
        f"[red]invalid[/red]: {len(errors)} problem(s){also} in {escape(path)}", soft_wrap=True
    )


def print_fleet_checks(
    console: Console, graph: LaneGraph, profile: FleetProfile
) -> tuple[int, int]:
    """Run the AGV-dependent checks and print what they find: (errors, warnings)."""
    from maps.fleet_checks import check_fleet

    found = check_fleet(graph, profile)
    errors = [p for p in found if p.is_error]
    warnings = [p for p in found if not p.is_error]
    agv = (
        f"for an AGV of {profile.vehicle_length_m:g} m at up to {profile.max_speed_kph:g} km/h, "
        f"braking {profile.decel_mps2:g} m/s² after {profile.reaction_s:g} s, "
        f"{profile.headway_m:g} m headway"
    )
    if errors:
        _table(console, errors, "red", f"Errors {agv}")
    if warnings:
        _table(console, warnings, "yellow", f"Warnings {agv}")
    return len(errors), len(warnings)
