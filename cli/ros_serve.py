"""``borderflow serve --fleet ros``: the bridge's fleet port over DDS, checked against the node.

Before the bridge prints its banner or touches its store it reads what the orchestrator node
announces (``/borderflow/fleet_info``: map id and content hash, the decision key it trusts, the
containers its own arrivals bring) and refuses, with exit code 2 and the fix, to run

- when no node answers on the domain within ``--node-timeout-s``;
- on another map than the node's: another id, or the same id with other content (an edited copy
  of a bundled map). Without ``--map`` it adopts the node's map: a bundled one of that id whose
  hash matches, else it says which file to give;
- with another decision key than the node trusts (a ``ros up`` with another ``--state-dir``).

The manifest is ``--manifest`` when given, else the declarations of the node's own arrivals
(empty when it has none: containers are then declared with their orders, ``POST /v1/orders``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

__all__ = ["check_map", "ros_fleet", "ros_options"]


def ros_options(
    manifest: Path | None,
    *,
    ledger: str | None,
    speed: float,
    domain_id: int | None,
) -> tuple[list[Any] | None, int]:
    """Check the --fleet ros options and read the manifest if given: (cargo or None, domain).

    Options that belong to the SimPy fleet make no sense with the ROS one: they are refused
    (``--scenario`` is the forecasts' model here)."""
    from cli.ros_cmd import default_domain_id
    from risk_bridge.manifest_file import read_manifest

    if ledger is not None:
        raise ValueError(
            "--ledger is for the SimPy fleet; with --fleet ros the orchestrator node keeps the "
            "custody ledger (its `ledger` parameter)"
        )
    if speed != 1.0:
        raise ValueError(
            "--speed is for the SimPy fleet; with --fleet ros the robots run on their own "
            "clock (`borderflow ros up --time-scale`)"
        )
    try:
        dom = domain_id if domain_id is not None else default_domain_id()
    except typer.BadParameter as exc:
        raise ValueError(str(exc)) from None
    cargo = read_manifest(manifest) if manifest is not None else None
    return cargo, dom


def check_map(info: Any, map_name: str | None) -> tuple[Any, str]:
    """The lane graph to serve (the node's map) and how it was chosen; ValueError naming both
    maps, their hashes and the fix when the bridge's map is not the node's."""
    from maps import BUNDLED_MAPS, load_map
    from maps.fingerprint import map_identity

    node = f"{info.map_id} (sha256 {info.map_sha256[:12]})"
    if map_name is None:
        if info.map_id not in BUNDLED_MAPS:
            raise ValueError(
                f"the orchestrator node runs map {node}, which is not a bundled map: give this "
                f"bridge the same file, `borderflow serve --fleet ros --map PATH/"
                f"{info.map_id}.geojson`"
            )
        mine = map_identity(info.map_id)
        if mine.sha256 != info.map_sha256:
            raise ValueError(
                f"the orchestrator node runs map {node}, but the bundled {mine.map_id} here is "
                f"sha256 {mine.short}: the node's map file was edited (or this checkout is "
                f"another version); give this bridge the node's file, `borderflow serve "
                f"--fleet ros --map PATH/{info.map_id}.geojson`, or restart the node on the "
                f"bundled map, `borderflow ros up --map {mine.map_id}`"
            )
        return load_map(info.map_id), f"map {info.map_id} (the node's; sha256 {mine.short})"
    mine = map_identity(map_name)
    if (mine.map_id, mine.sha256) != (info.map_id, info.map_sha256):
        what = "map" if mine.map_id != info.map_id else "map content (same id, another file)"
        raise ValueError(
            f"{what} mismatch: this bridge was given --map {map_name} = {mine.map_id} (sha256 "
            f"{mine.short}), the orchestrator node runs {node}; run both on one map: "
            f"`borderflow serve --fleet ros --map {info.map_id}` (or leave --map out to adopt "
            f"the node's), or restart the node with `borderflow ros up --map {map_name}`"
        )
    return load_map(map_name), f"map {mine.map_id} (sha256 {mine.short}, as the node's)"


def ros_fleet(
    cargo: list[Any] | None,
    dom: int,
    map_name: str | None,
    state_dir: Path,
    *,
    auto_customs: bool,
    timeout_s: float,
    model: Any = None,
) -> tuple[Any, str]:
    """The bridge's fleet port over DDS to the orchestrator node (builds ros_ws/ if needed),
    checked against the node's announcement; what it sends is signed with the decision key of
    the state directory (made if absent). Its forecasts play the scenario ``model`` ahead from
    the node's frozen core (signed with the state directory's fork key; no ``model``: none).
    Raises ValueError (the fleet stopped) on a mismatch."""
    from cli.ros_cmd import activate_in_process
    from risk_bridge.security.decision_key import ensure_decision_key

    key = ensure_decision_key(state_dir)
    typer.echo(
        f"decision key {key.key_id} ({'new, ' if key.created else ''}{key.private_path}): the "
        f"orchestrator node acts on this bridge's decisions when started with "
        f"decision_key:={key.public_path}",
        err=True,
    )
    # The first run installs the ROS 2 wheels and builds ros_ws/ (minutes); later ones ~1 s.
    typer.echo("preparing ROS 2 (scripts/ros_setup.sh; the first run builds ros_ws/) ...", err=True)
    activate_in_process(dom)
    from borderflow_ros.bridge_fleet import RosBridgeFleet
    from borderflow_ros.bridge_link import BridgeLink
    from borderflow_ros.decision_auth import DecisionSigner

    link = BridgeLink(DecisionSigner(key.private_key))
    try:
        info = link.fleet_info(timeout_s)
        if info is None:
            raise ValueError(
                f"no orchestrator node answered on ROS domain {dom} within {timeout_s:g}s; start "
                f"`borderflow ros up` first (or give this bridge the domain it printed: "
                f"--domain-id N)"
            )
        graph, map_note = check_map(info, map_name)
        if info.decision_key_id != key.key_id:
            raise ValueError(
                f"the orchestrator node trusts decision key {info.decision_key_id}, this bridge "
                f"signs with {key.key_id} ({key.private_path}): it would refuse every verdict "
                f"and order; start both with the same --state-dir (or the node with "
                f"decision_key:={key.public_path})"
            )
        if cargo is None:
            cargo = list(info.declared)
            what_cargo = (
                f"manifest: the {len(cargo)} containers of the node's {info.arrivals}"
                if cargo
                else "manifest empty (the node has no arrivals of its own: containers are "
                "declared with their orders, POST /v1/orders, or give --manifest CARGO.csv)"
            )
        else:
            what_cargo = f"manifest {len(cargo)} containers"
    except BaseException:
        link.stop()
        raise
    forecaster, fork = None, None
    if model is not None:
        from functools import partial

        from risk_bridge.security.fork_key import ensure_fork_key
        from sim.forecast.world import check_model, forecast_live

        try:
            check_model(model, graph)
        except BaseException:
            link.stop()
            raise
        fork = ensure_fork_key(state_dir).key
        forecaster = partial(forecast_live, model, graph)
    fleet = RosBridgeFleet(graph, cargo, link, auto_customs=auto_customs,
                           run_token=info.run_token, forecaster=forecaster,
                           fork_key=fork)  # fmt: skip
    customs = ("simulated customs decide (--no-auto-customs: only API clients)" if auto_customs
               else "only API clients decide")  # fmt: skip
    return fleet, f"ROS fleet on ROS_DOMAIN_ID={dom}, {map_note}; {what_cargo}; {customs}"
