"""``borderflow vda5050``: VDA 5050 vehicles over MQTT.

``sim`` runs a fleet file's vehicles, simulated (:mod:`vda5050.sim_process`), against a broker.
Bad input is one line on stderr and exit
2, before anything connects; a broker that cannot be reached is exit 3.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["app", "load_fleet"]

app = typer.Typer(
    help=(
        "VDA 5050 (2.1 and 3.0) AGVs over MQTT.\n\n"
        "Examples:\n\n"
        "  make mqtt      # Mosquitto on 127.0.0.1:1883\n\n"
        "  borderflow vda5050 sim --mqtt mqtt://127.0.0.1:1883 "
        "--fleet vda5050/fleets/test_crossing.toml\n\n"
        "See docs/vda5050.md."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
)

_BUNDLED = Path(__file__).resolve().parent.parent / "vda5050" / "fleets"


def _fail(message: str, code: int = 2) -> typer.Exit:
    print(f"error: {message}", file=sys.stderr)
    return typer.Exit(code)


def load_fleet(path: Path):  # type: ignore[no-untyped-def]
    """The fleet file at ``path`` (or bundled by that name), its map and map id; exit 2 with
    one line on any problem."""
    from maps import MapError, load_map
    from maps.fingerprint import map_identity
    from vda5050.fleet_file import FleetFileError, load_fleet_file

    if not path.exists() and (_BUNDLED / f"{path}.toml").exists():
        path = _BUNDLED / f"{path}.toml"
    try:
        fleet = load_fleet_file(path)
        graph = load_map(fleet.map_ref)
        map_id = map_identity(fleet.map_ref).map_id
        for v in fleet.vehicles:
            fleet.start_node(graph, v)
    except FleetFileError as exc:
        raise _fail(str(exc)) from None
    except MapError as exc:
        raise _fail(f"{path}: map {fleet.map_ref!r}: {str(exc).splitlines()[0]}") from None
    return fleet, graph, map_id


FleetOpt = Annotated[Path, typer.Option("--fleet", help="Fleet file (TOML) or a bundled name.")]
MqttOpt = Annotated[str, typer.Option("--mqtt", help="Broker, mqtt://HOST:PORT or mqtts://...")]


@app.command(help="Run a fleet file's vehicles, simulated, against an MQTT broker (Ctrl-C stops).")
def sim(
    fleet_path: FleetOpt,
    mqtt: MqttOpt = "mqtt://127.0.0.1:1883",
    state_hz: Annotated[float, typer.Option(help="States per second per vehicle.")] = 1.0,
    time_scale: Annotated[float, typer.Option(help="Simulated seconds per second.")] = 1.0,
    duration_s: Annotated[
        float | None, typer.Option("--duration-s", help="Stop after this many seconds.")
    ] = None,
    ca_file: Annotated[
        str | None, typer.Option(help="CA certificate for mqtts:// (a private CA).")
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--vehicle",
            help="Run only this vehicle of the fleet file (repeat for more): a process per "
            "group of vehicles, so one group can be stopped or killed on its own.",
        ),
    ] = None,
) -> None:
    from vda5050.mqtt import BrokerUrl, MqttError
    from vda5050.sim_process import VehicleSimProcess

    try:
        url = BrokerUrl.parse(mqtt)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    for name, value in (("--state-hz", state_hz), ("--time-scale", time_scale)):
        if not 0 < value <= 100:
            raise _fail(f"{name} must be > 0 and <= 100, not {value:g}")
    fleet, graph, map_id = load_fleet(fleet_path)
    if only:
        import dataclasses

        known = {v.ref.vehicle_id for v in fleet.vehicles}
        unknown = sorted(set(only) - known)
        if unknown:
            raise _fail(f"--vehicle {', '.join(unknown)}: not in {fleet_path} "
                        f"(its vehicles: {', '.join(sorted(known))})")  # fmt: skip
        picked = tuple(v for v in fleet.vehicles if v.ref.vehicle_id in set(only))
        fleet = dataclasses.replace(fleet, vehicles=picked)
    proc = VehicleSimProcess(fleet, graph, map_id, url, state_hz=state_hz, time_scale=time_scale,
                             ca_file=ca_file, log=lambda m: print(m, flush=True))  # fmt: skip
    try:
        proc.start()
    except MqttError as exc:
        raise _fail(str(exc), 3) from None
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"{len(fleet.vehicles)} simulated VDA 5050 vehicles on {url.display()} "
          f"({map_id}); Ctrl-C stops", flush=True)  # fmt: skip
    try:
        proc.run(stop, duration_s)
    finally:
        proc.close()
