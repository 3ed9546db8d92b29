"""``borderflow gazebo``: the files a Gazebo (gz-sim Harmonic) run of a crossing needs.

``world`` writes the SDF world, the AGV model, the ros_gz_bridge YAML and a manifest
(:mod:`gazebo.generate`). The AGVs' motion limits come from a scenario's ``[fleet]`` (by default
the first bundled scenario on the same map), so the simulated vehicles drive as the core plans.
Heavy imports happen inside the command so ``--help`` is instant. Bad input is one line on
stderr and exit 2; nothing is written then.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.outputs import cannot_write

if TYPE_CHECKING:
    from gazebo.spec import AgvSpec

__all__ = ["app"]

app = typer.Typer(
    help=(
        "Gazebo (gz-sim Harmonic) runs of a crossing over ROS 2.\n\n"
        "Examples:\n\n"
        "  borderflow gazebo world erenhot_zamyn_uud -o out/gz --agvs 6\n\n"
        "  borderflow gazebo world maps/test_crossing.geojson -o out/gz_test --agvs 2\n\n"
        "See docs/gazebo.md for running the world with ros2 launch."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)


def _fail(message: str) -> typer.Exit:
    print(f"error: {message}", file=sys.stderr)
    return typer.Exit(2)


def _fleet_spec(map_id: str, scenario: str | None) -> tuple[AgvSpec, str]:
    """The AGV spec from ``scenario`` or the first bundled scenario on ``map_id``."""
    from gazebo.spec import AgvSpec
    from sim.errors import ScenarioError
    from sim.scenario import bundled_scenarios, load_scenario

    try:
        if scenario is not None:
            return AgvSpec.from_fleet(load_scenario(scenario).fleet), scenario
        for name in bundled_scenarios():
            found = load_scenario(name)
            if Path(found.map_ref).name.removesuffix(".geojson") == map_id:
                return AgvSpec.from_fleet(found.fleet), name
    except ScenarioError as exc:
        raise _fail(str(exc).splitlines()[0]) from None
    except ValueError as exc:
        raise _fail(f"scenario {scenario}: {exc}") from None
    return AgvSpec(), "built-in defaults"


def _out_dir(out: Path) -> Path:
    """``out`` made if missing; exits 2 when it is a file or cannot be made or written."""
    if out.exists() and not out.is_dir():
        raise cannot_write(out, NotADirectoryError(20, "it is a file, not a folder"))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(out, exc) from None
    probe = out / ".borderflow-write-test"
    try:
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise cannot_write(out, exc) from None
    return out


@app.command(
    help=(
        "Write a Gazebo world of a crossing map, with N AGVs at their start places.\n\n"
        "MAP is a bundled map name (erenhot_zamyn_uud, ganqimaodu_gashuunsukhait, "
        "test_crossing) or a .geojson file. DIR gets world.sdf (SDFormat 1.9, in the map's "
        "local metric frame, the ROS 'map' frame), models/borderflow_agv/model.sdf, "
        "bridge.yaml (ros_gz_bridge: /agv/<id>/cmd_vel, /agv/<id>/odom, /agv/<id>/pose, "
        "/clock) and manifest.json (map id and sha256, AGV ids agv_01 ..., spawn poses).\n\n"
        "Examples:\n\n"
        "  borderflow gazebo world erenhot_zamyn_uud -o out/gz --agvs 6\n\n"
        "  borderflow gazebo world ganqimaodu_gashuunsukhait -o out/gq --agvs 30\n\n"
        "  borderflow gazebo world test_crossing -o out/gt --agvs 2 --scenario test_small\n\n"
        "Exit 0 when written, 2 on bad input (unknown map, too many AGVs for the map's "
        "start places, a folder that cannot be written)."
    )
)
def world(
    map_ref: Annotated[
        str,
        typer.Argument(
            metavar="MAP",
            help="Bundled map name or .geojson file.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("-o", "--out", help="Output folder (made if missing).", show_default=False),
    ],
    agvs: Annotated[int, typer.Option("--agvs", help="AGVs in the world, 1..200.")] = 3,
    scenario: Annotated[
        str | None,
        typer.Option(
            help="Scenario whose [fleet] gives the AGVs' speed, acceleration and length "
            "(default: the first bundled scenario on this map).",
            show_default=False,
        ),
    ] = None,
) -> None:
    from gazebo.spawn import MAX_AGVS

    if not 1 <= agvs <= MAX_AGVS:
        raise _fail(f"--agvs must be between 1 and {MAX_AGVS}, not {agvs}")
    from gazebo.generate import world_files, write_files
    from gazebo.spawn import SpawnError
    from maps import MapError, load_map
    from maps.fingerprint import map_identity

    try:
        graph = load_map(map_ref)
        identity = map_identity(map_ref)
    except MapError as err:
        first = err.problems[0].message if len(err.problems) == 1 else str(err).splitlines()[0]
        if len(err.problems) > 1:
            first += f"; `borderflow map validate {map_ref}` lists them"
        raise _fail(first) from None
    except ValueError as exc:
        raise _fail(str(exc)) from None
    spec, source = _fleet_spec(identity.map_id, scenario)
    try:
        files = world_files(graph, identity.map_id, identity.sha256, spec, agvs)
    except SpawnError as exc:
        raise _fail(str(exc)) from None
    folder = _out_dir(out)
    try:
        write_files(folder, files)
    except OSError as exc:
        raise cannot_write(Path(exc.filename or folder), exc) from None
    print(
        f"wrote {folder}/world.sdf with {agvs} AGVs on {identity.map_id} "
        f"(map {identity.short}; AGV limits from {source}: {spec.max_speed_mps:g} m/s, "
        f"{spec.accel_mps2:g} m/s^2), models/, bridge.yaml, manifest.json"
    )
