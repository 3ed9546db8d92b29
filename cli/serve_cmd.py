"""``borderflow serve``: the customs risk bridge with the orchestrator and its fleet.

``--fleet sim`` (default): the core and a real-time SimPy fleet run in this process.
``--fleet vda5050``: the core runs here and drives VDA 5050 vehicles over MQTT
(:mod:`cli.vda5050_serve`).
``--fleet ros``: the core runs in the ROS orchestrator node; verdicts, releases, lane requests
and orders accepted over HTTP go to it over DDS (:class:`borderflow_ros.bridge_fleet.
RosBridgeFleet`), after the node's map and key were checked (:mod:`cli.ros_serve`); the manifest
comes from a CSV file (:mod:`risk_bridge.manifest_file`) or the node's own arrivals.

Heavy imports (FastAPI, uvicorn, SimPy, rclpy, the core) happen inside the command.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import sys
import uuid
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.ros_serve import ros_fleet, ros_options
from cli.vda5050_serve import vda_fleet, vda_options, vda_probe
from sim.scenario import bundled_scenarios

__all__ = ["FleetKind", "serve"]

_BUNDLED = ", ".join(bundled_scenarios())  # sim/scenarios/*.toml, listed at import


class FleetKind(StrEnum):
    SIM = "sim"
    ROS = "ros"
    VDA5050 = "vda5050"


class LogChoice(StrEnum):
    TEXT = "text"
    JSON = "json"
    NONE = "none"


def serve(
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8750,
    host: Annotated[str, typer.Option(help="Bind address (loopback unless you mean it).")] = (
        "127.0.0.1"
    ),
    db: Annotated[
        str | None,
        typer.Option(
            help="Store: sqlite:///path.db or postgresql://... (default: bridge.db in --state-dir)"
        ),
    ] = None,
    scenario: Annotated[
        str,
        typer.Option(
            help=f"Scenario TOML or bundled name ({_BUNDLED}). With --fleet ros or vda5050: "
            "the model its forecasts (POST /v1/forecasts) play ahead with (arrival rates, "
            "customs, AGV dynamics; docs/studies.md)."
        ),
    ] = "erenhot_day",
    speed: Annotated[
        float, typer.Option(help="Simulated seconds per wall second.", min=0.001)
    ] = 1.0,
    auto_customs: Annotated[
        bool | None,
        typer.Option(
            help="Simulated authorities submit verdicts and releases THROUGH the bridge "
            "(stored and audited); --no-auto-customs: only API clients decide. Default: on "
            "with --fleet sim and ros; --fleet vda5050 has no simulated customs."
        ),
    ] = None,
    ledger: Annotated[
        str | None,
        typer.Option(
            help="Custody ledger URL (default: custody-<store id>-e<N>.db next to the store, "
            "one per fleet run; an existing ledger with entries is refused); 'none' to run "
            "without."
        ),
    ] = None,
    state_dir: Annotated[
        Path | None, typer.Option(help="Keys and client secrets (see `borderflow bridge`).")
    ] = None,
    fleet_kind: Annotated[
        FleetKind,
        typer.Option(
            "--fleet",
            help="sim: a real-time SimPy fleet in this process; ros: the ROS 2 orchestrator "
            "node (start it with `borderflow ros up` or ros2 launch) on --domain-id; vda5050: "
            "the core in this process driving VDA 5050 vehicles over MQTT (--fleet-file, "
            "--mqtt).",
        ),
    ] = FleetKind.SIM,
    manifest: Annotated[
        Path | None,
        typer.Option(
            help="With --fleet ros or vda5050: the cargo manifest, a CSV file with the columns "
            "container_id,consignor,hs_code,origin_country (verdicts are accepted only for "
            "containers on it); default: the containers of the node's own arrivals."
        ),
    ] = None,
    map_name: Annotated[
        str | None,
        typer.Option(
            "--map",
            help="With --fleet ros: the map the orchestrator node runs on, checked against it "
            "(id and content hash) before the bridge starts; default: the node's map.",
        ),
    ] = None,
    domain_id: Annotated[
        int | None,
        typer.Option(
            help="With --fleet ros: ROS_DOMAIN_ID of the nodes (default: $ROS_DOMAIN_ID, else "
            "one per user, as `borderflow ros up`)."
        ),
    ] = None,
    node_timeout_s: Annotated[
        float,
        typer.Option(
            "--node-timeout-s",
            help="With --fleet ros: how long to wait for the orchestrator node to answer.",
            min=0.1,
        ),
    ] = 15.0,
    fleet_file: Annotated[
        Path | None,
        typer.Option(
            help="With --fleet vda5050: the vehicles (TOML: manufacturer, serial number and "
            "VDA 5050 version of each, their map), or a bundled fleet by name "
            "(test_crossing). See docs/vda5050.md.",
        ),
    ] = None,
    mqtt: Annotated[
        str | None,
        typer.Option(
            help="With --fleet vda5050: the broker, mqtt://HOST:PORT or mqtts://HOST:PORT "
            "(TLS); user and password from $BORDERFLOW_MQTT_USER / $BORDERFLOW_MQTT_PASSWORD. "
            "Default mqtt://127.0.0.1:1883 (`make mqtt`).",
        ),
    ] = None,
    interface: Annotated[
        str | None,
        typer.Option(
            help="With --fleet vda5050: the topics' first level (VDA 5050's interfaceName; "
            "default: the fleet file's, uagv).",
        ),
    ] = None,
    mqtt_ca_file: Annotated[
        str | None,
        typer.Option(help="With --fleet vda5050 and mqtts://: the CA certificate to trust."),
    ] = None,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies",
            help="Mark the console's session cookies Secure, so browsers send them over HTTPS "
            "only: set it when a TLS proxy fronts the bridge (a request that arrives over "
            "https gets Secure cookies anyway).",
        ),
    ] = False,
    log_format: Annotated[
        LogChoice,
        typer.Option(
            help="What happens (holds, releases, crossings, deliveries, lane closures, alerts) "
            "printed on stdout: text, one readable line per event; json, one JSON object per "
            "line for a log shipper; none.",
        ),
    ] = LogChoice.TEXT,
    webhook_allow: Annotated[
        list[str] | None,
        typer.Option(
            "--webhook-allow",
            help="A webhook target allowed although internal (loopback, private, link-local): "
            "a host name, an IP address or a CIDR network; repeat for more. Without it, "
            "webhooks go to public addresses only.",
        ),
    ] = None,
) -> None:
    """Run the customs risk bridge API with the orchestrator and its fleet.

    Starts on the bundled Erenhot – Zamyn-Uud map with nothing to set up: the state
    directory (signing key) is created on first use. Then, for example:

      borderflow bridge token --role officer --authority CN --sub CN-officer-1

      curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8750/v1/holds

    API docs: http://127.0.0.1:8750/docs. Restart on the same --db after a crash:
    every acknowledged verdict, warning, hold, release and audit entry is there and
    holds stay enforced (the simulated fleet replays its scenario from the start).

    With real robots or a Gazebo run, the core lives in the ROS orchestrator node:

      borderflow ros up --agvs 4 --time-scale 5        # or: ros2 launch ...

      borderflow serve --fleet ros

    serves on the node's map (checked: id and content hash) with simulated customs
    clearing the containers of its arrivals; verdicts, releases, lane closures and orders
    posted here reach the node over DDS, signed with the decision key of the state
    directory (the node acts on nothing else; see `borderflow bridge decision-key`).
    """
    from cli.bridge_cmd import default_state_dir
    from orchestrator.errors import BorderflowError
    from risk_bridge.app import create_app, tune_gc_for_serving
    from risk_bridge.errors import BridgeError
    from risk_bridge.security import StateDir
    from risk_bridge.settings import BridgeSettings
    from risk_bridge.store import WriteBatch, open_store
    from sim.errors import SimError
    from sim.forecast.world import check_model
    from sim.live import SimFleet
    from sim.scenario import load_scenario

    sdir = state_dir or default_state_dir()
    db_url = db or f"sqlite:///{sdir / 'bridge.db'}"
    sock: socket.socket | None = None
    fleet: Any = None
    try:
        # Everything the options name is checked before anything is written (the store's
        # fleet-run counter, the ledger): a bad option or file changes nothing.
        ros: tuple[list[Any] | None, int] | None = None
        vda = None
        _check_fleet_options(fleet_kind, fleet_file, mqtt, interface, mqtt_ca_file, domain_id,
                             map_name, manifest, auto_customs)  # fmt: skip
        sc = load_scenario(scenario)  # the SimPy fleet's run, or the other fleets' model
        if fleet_kind is FleetKind.ROS:
            ros = ros_options(manifest, ledger=ledger, speed=speed, domain_id=domain_id)
        elif fleet_kind is FleetKind.VDA5050:
            vda = vda_options(fleet_file, mqtt, interface, manifest)
            check_model(sc, vda.graph)
        # The port before anything is written or started: a busy one is the first error.
        sock = _bind(host, port)
        if vda is not None:
            vda_probe(vda, mqtt_ca_file)  # the broker answers before the store is touched
        if ros is not None:
            # The node answers, runs this map and trusts this key before the store is touched.
            fleet, what = ros_fleet(*ros, map_name, sdir, auto_customs=auto_customs is not False,
                                    timeout_s=node_timeout_s, model=sc)  # fmt: skip
        StateDir(sdir, issuer="borderflow-bridge", audience="borderflow", ttl_s=900).init()
        store = open_store(db_url)
        meta = store.snapshot().meta
        epoch = int(meta.get("epoch", "0")) + 1
        # The store's own id names its default ledgers: a new store in the same folder never
        # picks up an older store's custody-e<N>.db (its replayed run would re-affix seals
        # already there and the fleet would stop).
        store_id = meta.get("store_id") or uuid.uuid4().hex[:8]
        ledger_obj = None
        if ros is None and ledger != "none":
            from risk_bridge.ledger import open_ledger

            if ledger is None:
                base = (
                    Path(db_url[len("sqlite:///") :]).parent
                    if db_url.startswith("sqlite:///")
                    else sdir
                )
                ledger = f"sqlite:///{base / f'custody-{store_id}-e{epoch}.db'}"
            ledger_obj = open_ledger(ledger)
            held = ledger_obj.size
            if held > 0:
                ledger_obj.close()
                raise ValueError(
                    f"the ledger {ledger} already holds {held} entries of an earlier run; a "
                    "fleet run starts its own ledger: give a new --ledger path, or leave "
                    "--ledger out for one per run"
                )
        batch = WriteBatch()
        batch.meta.append(("epoch", str(epoch)))
        batch.meta.append(("store_id", store_id))
        store.commit(batch)
        store.close()
        if vda is not None:
            # The broker is reached here, before the bridge listens (exit 3 when it is not).
            fleet = vda_fleet(vda, ledger=ledger_obj, speed=speed, ca_file=mqtt_ca_file,
                              model=sc)  # fmt: skip
            what = (f"VDA 5050 fleet {vda.path} ({len(vda.fleet.vehicles)} vehicles on "
                    f"{vda.map_id}) over {vda.url.display()}; fleet run {epoch}; "
                    f"ledger {ledger}")  # fmt: skip
        elif ros is None:
            fleet = SimFleet(sc, speed=speed, ledger=ledger_obj,
                             auto_customs=auto_customs is not False)  # fmt: skip
            what = f"scenario {sc.name} at {speed:g}x; fleet run {epoch}; ledger {ledger}"
        settings = BridgeSettings(
            db_url=db_url,
            state_dir=sdir,
            webhook_allow=tuple(webhook_allow or ()),
            secure_cookies=secure_cookies,
        )
        app = create_app(settings, fleet=fleet)
    except (BorderflowError, BridgeError, SimError, ValueError, OSError, RuntimeError) as exc:
        if sock is not None:
            sock.close()
        if (ros is not None or vda is not None) and fleet is not None:
            fleet.stop()
        typer.echo(f"error: {exc}", err=True)
        # A broker that cannot be reached: exit 3, as `borderflow vda5050 sim`.
        raise typer.Exit(3 if type(exc).__name__ == "MqttError" else 2) from exc
    typer.echo(
        f"borderflow bridge on http://{host}:{port} (console /, docs /docs); store {db_url}; "
        f"{what}",
        err=True,
    )
    events = None
    if log_format is not LogChoice.NONE:
        from risk_bridge.serve_log import EventLog

        events = EventLog(sys.stdout, "json" if log_format is LogChoice.JSON else "text")
        app.state.service.broker.taps.append(events.tap)
        events.start()
    tune_gc_for_serving()
    try:
        run_server(app, sock)
    finally:
        if events is not None:
            events.stop()


def _check_fleet_options(kind: FleetKind, fleet_file: Path | None, mqtt: str | None,
                         interface: str | None, ca_file: str | None, domain_id: int | None,
                         map_name: str | None, manifest: Path | None,
                         auto_customs: bool | None) -> None:  # fmt: skip
    """Options that go with another --fleet are an error, not ignored."""
    vda_only = {"--fleet-file": fleet_file, "--mqtt": mqtt, "--interface": interface,
                "--mqtt-ca-file": ca_file}  # fmt: skip
    given = [k for k, v in vda_only.items() if v is not None]
    if kind is not FleetKind.VDA5050 and given:
        raise ValueError(f"{', '.join(given)} go with --fleet vda5050")
    if kind is not FleetKind.ROS and (domain_id is not None or map_name is not None):
        raise ValueError("--map and --domain-id go with --fleet ros")
    if kind is FleetKind.SIM and manifest is not None:
        raise ValueError("--manifest goes with --fleet ros or vda5050 (a scenario brings its own)")
    if kind is FleetKind.VDA5050 and auto_customs:
        raise ValueError("--fleet vda5050 has no simulated customs: verdicts and releases come "
                         "from the bridge's clients (leave --auto-customs out)")  # fmt: skip


def _bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on host:port, or a clear error (busy port, unknown host)."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ValueError(f"--host {host}: not an address of this machine ({exc})") from exc
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ValueError(
                f"port {port} on {host} is in use (another borderflow serve?): stop that "
                f"process or pick another with --port"
            ) from exc
        raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def run_server(app: Any, sock: socket.socket) -> None:
    """uvicorn on the already bound socket (tests replace this)."""
    import uvicorn

    # Open event streams (the console, SSE clients) end at shutdown after 5 s at most.
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=5)
    # Server.run re-raises the SIGINT it shut down on, after a clean shutdown (as uvicorn.run
    # does not): Ctrl-C is the normal way to stop serving, exit 0.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])
