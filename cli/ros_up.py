"""``borderflow ros up`` and ``borderflow ros arrivals``: the simulated stack with containers that
arrive by themselves (registered on the ``ros`` group by :mod:`cli.ros_cmd`, whose process
helpers they use)."""

from __future__ import annotations

import signal
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cli.ros_arrivals import ArrivalsPlan

__all__ = ["DEFAULT_MAP", "arrivals_cmd", "up"]

DEFAULT_MAP = "test_crossing"


def _bundled_scenarios() -> str:
    from sim.scenario import bundled_scenarios

    return ", ".join(bundled_scenarios())


def _plan(arrivals: str | None, map_name: str | None) -> tuple[str, ArrivalsPlan | None, str]:
    """(map, arrivals or None, what to say about them) for ros up's options."""
    from cli.ros_arrivals import demo_scenario, plan_arrivals
    from maps.fingerprint import map_identity

    if arrivals is not None and arrivals.lower() == "none":
        return map_name or DEFAULT_MAP, None, "no arrivals (--arrivals none): an idle fleet"
    if arrivals is None:
        map_ref = map_name or DEFAULT_MAP
        demo = demo_scenario(map_identity(map_ref).map_id)
        if demo is None:
            return map_ref, None, (f"no arrivals: no bundled scenario runs on map {map_ref}; "
                                   "give --arrivals SCENARIO_OR_MANIFEST")  # fmt: skip
        arrivals = demo
    plan = plan_arrivals(arrivals, map_name)
    return plan.map_ref, plan, ""


def up(
    agvs: Annotated[int, typer.Option(help="Simulated AGVs.", min=1, max=500)] = 3,
    map_name: Annotated[
        str | None,
        typer.Option(
            "--map",
            help=f"Bundled map name or GeoJSON path (default: the --arrivals scenario's map, "
            f"else {DEFAULT_MAP}).",
        ),
    ] = None,
    arrivals: Annotated[
        str | None,
        typer.Option(
            help="Containers that arrive by themselves and become transport orders: a bundled "
            f"scenario ({_bundled_scenarios()}) or scenario TOML (its arrivals), a manifest "
            "CSV (one order per row), or 'none' for an idle fleet. Default: the map's bundled "
            "demo scenario (test_small on test_crossing).",
        ),
    ] = None,
    time_scale: Annotated[
        float, typer.Option(help="Vehicle (and arrival) seconds per wall second.", min=0.01)
    ] = 1.0,
    per_process: Annotated[
        int, typer.Option(help="AGVs hosted per simulator process.", min=1)
    ] = 10,
    adapters: Annotated[
        int,
        typer.Option(
            help="Fleet adapter shards, each its own process serving its share of the vehicles "
            "(agv_07 goes to shard 7 mod N); 0 runs the adapter inside the orchestrator node. "
            "Worth it from about 100 AGVs (docs/ros.md, Scaling out).",
            min=0,
            max=64,
        ),
    ] = 0,
    domain_id: Annotated[
        int | None,
        typer.Option(help="ROS_DOMAIN_ID (default: $ROS_DOMAIN_ID, else one per user)."),
    ] = None,
    state_dir: Annotated[
        Path | None,
        typer.Option(
            "--state-dir",
            help="The risk bridge's state directory: the orchestrator acts only on decisions "
            "signed with its decision key (made there if absent; default as `borderflow "
            "serve`).",
        ),
    ] = None,
) -> None:
    """Start orchestrator + N simulated AGVs + markers; Ctrl-C stops them all cleanly.

    Example: borderflow ros up --agvs 4 --time-scale 5

    A large fleet, its adapter in 4 shard processes: borderflow ros up --agvs 200 --adapters 4

    Containers arrive by themselves (--arrivals) and wait for customs: in another terminal,

      borderflow serve --fleet ros

    runs the customs bridge on the same map and domain, with simulated customs authorities
    clearing them (its --no-auto-customs leaves that to API clients); watch the AGVs cross on
    its console or with `curl http://127.0.0.1:8750/v1/vehicles`. Verdicts, releases, lane
    requests and orders reach the orchestrator from that bridge (the same --state-dir: signed
    with its decision key), nobody else.
    """
    from cli.bridge_cmd import default_state_dir
    from cli.ros_arrivals import write_arrivals
    from maps.errors import MapError
    from orchestrator.errors import BorderflowError
    from risk_bridge.errors import BridgeError
    from risk_bridge.security.decision_key import ensure_decision_key
    from risk_bridge.security.fork_key import ensure_fork_key
    from sim.errors import SimError

    try:
        key = ensure_decision_key(state_dir or default_state_dir())
        fork = ensure_fork_key(state_dir or default_state_dir())
        map_ref, plan, note = _plan(arrivals, map_name)
    except (BorderflowError, BridgeError, SimError, MapError, ValueError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    from cli.ros_cmd import (
        ProcessGroup,
        default_domain_id,
        ensure_built,
        ros_environment,
        stack_processes,
    )

    ensure_built()
    dom = domain_id if domain_id is not None else default_domain_id()
    group = ProcessGroup(ros_environment(dom))
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with tempfile.TemporaryDirectory(prefix="borderflow-ros-") as tmp:
        arrivals_file = None
        if plan is not None:
            arrivals_file = Path(tmp) / "arrivals.json"
            write_arrivals(plan, arrivals_file)
            span_min = plan.span_s / time_scale / 60
            note = (f"{len(plan.rows)} containers arrive over {span_min:.0f} min ({plan.source}"
                    f"{f', at --time-scale {time_scale:g}' if time_scale != 1 else ''}); customs "
                    "clear them through `borderflow serve --fleet ros`")  # fmt: skip
        for name, argv in stack_processes(agvs, map_ref, time_scale, per_process,
                                          key.public_path, arrivals_file,
                                          fork.path, adapters):  # fmt: skip
            group.start(name, argv)
        typer.echo(f"ROS_DOMAIN_ID={dom}: {len(group.procs)} processes up on map {map_ref} "
                   f"(decisions signed by key {key.key_id}); Ctrl-C stops them")  # fmt: skip
        typer.echo(note)
        try:
            while not stopping:
                dead = [n for n, p in group.procs.items() if p.poll() is not None]
                if dead:
                    typer.echo(f"process {dead[0]} exited ({group.procs[dead[0]].returncode}); "
                               "stopping the rest", err=True)  # fmt: skip
                    break
                time.sleep(0.2)
        finally:
            codes = group.stop()
            typer.echo("stopped: " + ", ".join(f"{n}={c}" for n, c in codes.items()))


def arrivals_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="The JSON file to write.")],
    source: Annotated[
        str | None,
        typer.Argument(
            help="A bundled scenario name, a scenario TOML or a manifest CSV (default: the "
            "map's bundled demo scenario, as `ros up`)."
        ),
    ] = None,
    map_name: Annotated[
        str | None,
        typer.Option(
            "--map",
            help=f"The map the node runs on (default: the scenario's, else {DEFAULT_MAP}).",
        ),
    ] = None,
) -> None:
    """Write an orchestrator node's arrivals file (its arrivals_file parameter), as `ros up
    --arrivals` does: for ros2 launch or a node started by hand.

    Example: borderflow ros arrivals test_small -o arrivals.json
    """
    from cli.ros_arrivals import write_arrivals
    from maps.errors import MapError
    from orchestrator.errors import BorderflowError
    from risk_bridge.errors import BridgeError
    from sim.errors import SimError

    try:
        _, plan, note = _plan(source, map_name)
        if plan is None:
            raise ValueError(note)
        write_arrivals(plan, out)
    except (BorderflowError, BridgeError, SimError, MapError, ValueError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{out}: {len(plan.rows)} arrivals over {plan.span_s / 60:.0f} min on map "
               f"{plan.map_ref} ({plan.source}); node parameters arrivals_file:={out} "
               "arrivals_time_scale:=<the AGVs' time_scale>")  # fmt: skip
