"""The ``borderflow`` command: one composition root with a sub-command group per concern.

Each group lives in its own module and imports its heavy dependencies inside the command
functions, so ``borderflow --help`` answers at once.
"""

from __future__ import annotations

import typer

from cli import users_cmd as _users_cmd  # noqa: F401  (registers the bridge's user-* commands)
from cli.bridge_cmd import app as bridge_app
from cli.custody_cmd import app as custody_app
from cli.forecast_cmd import forecast
from cli.map_cmd import app as map_app
from cli.orders_cmd import app as orders_app
from cli.report_cmd import app as report_app
from cli.ros_cmd import app as ros_app
from cli.serve_cmd import serve
from cli.simulate_cmd import simulate
from cli.sweep_cmd import sweep
from cli.traffic_cmd import app as traffic_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="borderflow",
    help=(
        "Orchestrate AGVs carrying containers across a customs-controlled land border.\n\n"
        "Start with the bundled Erenhot (CN) – Zamyn-Uud (MN) crossing:\n\n"
        "  borderflow map info maps/erenhot_zamyn_uud.geojson\n\n"
        "  borderflow map render maps/erenhot_zamyn_uud.geojson -o map.png\n\n"
        "Every sub-command has its own --help with examples."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
app.add_typer(map_app, name="map")
app.add_typer(traffic_app, name="traffic")
app.add_typer(custody_app, name="custody")
app.command("simulate")(simulate)
app.command("sweep")(sweep)
app.command("forecast")(forecast)
app.add_typer(report_app, name="report")
app.add_typer(bridge_app, name="bridge")
app.command("serve")(serve)
app.add_typer(orders_app, name="orders")
app.add_typer(ros_app, name="ros")
app.add_typer(__import__("cli.gazebo_cmd").gazebo_cmd.app, name="gazebo")
app.add_typer(__import__("cli.vda5050_cmd").vda5050_cmd.app, name="vda5050")


def main() -> None:
    app()
