"""``borderflow serve --fleet vda5050``: the options checked, the fleet made and connected.

The core runs in the bridge's process (:class:`vda5050.fleet.VdaFleet`) and drives the fleet
file's vehicles over MQTT. Everything is checked before anything is written (the fleet file,
its map, the broker URL, the manifest); the broker is reached before the bridge listens, so a
broker that is down is one line and exit 3, not a bridge that answers for a fleet it cannot
drive.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

__all__ = ["VdaOptions", "vda_fleet", "vda_options", "vda_probe"]


@dataclasses.dataclass(frozen=True)
class VdaOptions:
    fleet: Any  # vda5050.fleet_file.FleetFile
    graph: Any
    map_id: str
    url: Any  # vda5050.mqtt.BrokerUrl
    manifest: list[Any]
    path: Path


def vda_options(fleet_file: Path | None, mqtt: str | None, interface: str | None,
                manifest: Path | None) -> VdaOptions:  # fmt: skip
    """The checked options (ValueError naming the one that is wrong)."""
    from cli.vda5050_cmd import load_fleet
    from risk_bridge.manifest_file import read_manifest
    from vda5050.mqtt import BrokerUrl
    from vda5050.versions import topic

    if fleet_file is None:
        raise ValueError("--fleet vda5050 needs --fleet-file (which vehicles: a TOML file, or "
                         "a bundled one by name, e.g. --fleet-file test_crossing)")  # fmt: skip
    fleet, graph, map_id = load_fleet(fleet_file)
    if interface is not None:
        for v in fleet.vehicles:  # the same topic-level rules the fleet file follows
            topic(interface, v.ref.version, v.ref.manufacturer, v.ref.serial_number, "state")
        fleet = dataclasses.replace(fleet, interface=interface)
    url = BrokerUrl.parse(mqtt or "mqtt://127.0.0.1:1883")
    cargo = read_manifest(manifest) if manifest is not None else []
    return VdaOptions(fleet, graph, map_id, url, list(cargo), fleet_file)


def vda_probe(opts: VdaOptions, ca_file: str | None) -> None:
    """Reach the broker once (MqttError, one line, when it cannot be), before anything is
    written."""
    from vda5050.mqtt import MqttLink

    link = MqttLink(opts.url, "borderflow-probe", lambda _t, _p: None, ca_file=ca_file)
    link.connect()
    link.close()


def vda_fleet(opts: VdaOptions, *, ledger: Any, speed: float, ca_file: str | None,
              model: Any) -> Any:  # fmt: skip
    """The VDA 5050 fleet, connected to its broker (MqttError when it cannot be reached);
    its forecasts play the scenario ``model`` ahead from its frozen core."""
    from functools import partial

    from sim.forecast.world import forecast_live
    from vda5050.fleet import VdaFleet

    fleet = VdaFleet(opts.fleet, opts.graph, opts.map_id, opts.url, manifest=opts.manifest,
                     ledger=ledger, time_scale=speed, ca_file=ca_file,
                     forecaster=partial(forecast_live, model, opts.graph))  # fmt: skip
    try:
        fleet.start()
    except Exception:
        fleet.stop()
        raise
    return fleet
