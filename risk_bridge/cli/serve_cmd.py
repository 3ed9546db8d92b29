"""``borderflow serve``: the customs risk bridge with the orchestrator and the SimPy fleet.

Heavy imports (FastAPI, uvicorn, SimPy, the core) happen inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.scenario import bundled_scenarios

__all__ = ["serve"]

_BUNDLED = ", ".join(bundled_scenarios())  # sim/scenarios/*.toml, listed at import


def serve(  # noqa: PLR0917 (typer maps parameters to options)
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
        str, typer.Option(help=f"Scenario TOML or bundled name ({_BUNDLED}).")
    ] = "erenhot_day",
    speed: Annotated[
        float, typer.Option(help="Simulated seconds per wall second.", min=0.001)
    ] = 1.0,
    auto_customs: Annotated[
        bool,
        typer.Option(
            help="Simulated authorities submit verdicts and releases THROUGH the bridge "
            "(stored and audited); --no-auto-customs: only API clients decide."
        ),
    ] = True,
    ledger: Annotated[
        str | None,
        typer.Option(
            help="Custody ledger URL (default: custody-e<N>.db next to the store, one "
            "per fleet run); 'none' to run without."
        ),
    ] = None,
    state_dir: Annotated[
        Path | None, typer.Option(help="Keys and client secrets (see `borderflow bridge`).")
    ] = None,
) -> None:
    """Run the customs risk bridge API with the orchestrator and a real-time SimPy fleet.

    Starts on the bundled Erenhot – Zamyn-Uud map with nothing to set up: the state
    directory (signing key) is created on first use. Then, for example:

      borderflow bridge token --role officer --authority CN --sub CN-officer-1

      curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8750/v1/holds

    API docs: http://127.0.0.1:8750/docs. Restart on the same --db after a crash:
    every acknowledged verdict, warning, hold, release and audit entry is there and
    holds stay enforced (the simulated fleet replays its scenario from the start).
    """
    import uvicorn

    from risk_bridge.app import create_app, tune_gc_for_serving
    from risk_bridge.cli.bridge_cmd import default_state_dir
    from risk_bridge.errors import BridgeError
    from risk_bridge.fleet import SimFleet
    from risk_bridge.security import StateDir
    from risk_bridge.settings import BridgeSettings
    from risk_bridge.store import WriteBatch, open_store
    from sim.errors import SimError
    from sim.scenario import load_scenario

    sdir = state_dir or default_state_dir()
    db_url = db or f"sqlite:///{sdir / 'bridge.db'}"
    try:
        StateDir(sdir, issuer="borderflow-bridge", audience="borderflow", ttl_s=900).init()
        store = open_store(db_url)
        epoch = int(store.snapshot().meta.get("epoch", "0")) + 1
        batch = WriteBatch()
        batch.meta.append(("epoch", str(epoch)))
        store.commit(batch)
        store.close()
        ledger_obj = None
        if ledger != "none":
            from risk_bridge.ledger import open_ledger

            if ledger is None:
                base = (
                    Path(db_url[len("sqlite:///") :]).parent
                    if db_url.startswith("sqlite:///")
                    else sdir
                )
                ledger = f"sqlite:///{base / f'custody-e{epoch}.db'}"
            ledger_obj = open_ledger(ledger)
        sc = load_scenario(scenario)
        fleet = SimFleet(sc, speed=speed, ledger=ledger_obj, auto_customs=auto_customs)
        app = create_app(BridgeSettings(db_url=db_url, state_dir=sdir), fleet=fleet)
    except (BridgeError, SimError, ValueError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"borderflow bridge on http://{host}:{port} (docs /docs); store {db_url}; "
        f"scenario {sc.name} at {speed:g}x; fleet run {epoch}; ledger {ledger}",
        err=True,
    )
    tune_gc_for_serving()
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
