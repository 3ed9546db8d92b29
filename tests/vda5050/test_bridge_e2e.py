"""End to end through the customs bridge: ``borderflow serve --fleet vda5050``'s fleet (the core
in-process, :class:`vda5050.fleet.VdaFleet`) behind the real bridge app, a real Mosquitto broker
and simulated VDA 5050 vehicles in their own processes (one per vehicle, so one can be killed).

- A HIGH verdict before the point of no return: the 3.0 vehicle's border-zone lease is revoked
  and it stops short of the line (never inside a border zone, the container not across); the
  core holds it in a secured bay; an MN officer's release through the API lets it go across
  (with a new lease) to delivery.
- A vehicle that drops off (killed: the broker publishes its last will) is isolated and the
  order it was on its way to is handed to the other vehicle, which delivers it.

Every message borderflow sent validates against its vehicle's version's official schema.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from maps import load_map
from maps.fingerprint import map_identity
from risk_bridge.app import create_app
from risk_bridge.domain import Role
from risk_bridge.security import StateDir
from sim.forecast.world import forecast_live
from sim.scenario import load_scenario
from tests.bridge.conftest import make_settings
from tests.bridge.helpers import verdict
from tests.bridge.order_helpers import fresh_container, fresh_seal
from vda5050.fleet import VdaFleet
from vda5050.fleet_file import load_fleet_file
from vda5050.mqtt import BrokerUrl
from vda5050.validate import check
from vda5050.zones import point_in_polygon

pytestmark = pytest.mark.timeout(420)

FLEET = Path("vda5050/fleets/test_crossing.toml")
CARGO = {"consignor": "Darkhan Metals", "hs_code": "720810", "origin_country": "MN"}


@dataclass
class Port:
    client: TestClient
    fleet: VdaFleet
    keys: StateDir
    sims: dict[str, subprocess.Popen[bytes]]
    logs: Path

    def headers(self, role: str, authority: str | None = None) -> dict[str, str]:
        tok = self.keys.issue(f"{role}-{authority or 'x'}", Role(role), authority)[0]
        return {"Authorization": f"Bearer {tok}", "Idempotency-Key": uuid.uuid4().hex}

    def wait(self, what: str, cond: Callable[[], Any], timeout_s: float) -> Any:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            got = cond()
            if got:
                return got
            time.sleep(0.02)
        tails = "\n".join(p.read_text()[-1500:] for p in sorted(self.logs.glob("*.log")))
        raise AssertionError(f"timed out waiting for {what}\n{tails}")

    def order(self, direction: str, station: str, cargo: dict[str, str]) -> tuple[str, str]:
        cid = fresh_container()
        body = {"container_id": cid, "direction": direction, "origin_station": station,
                "seal_numbers": [fresh_seal()], "cargo": cargo}  # fmt: skip
        r = self.client.post("/v1/orders", json=body, headers=self.headers("operator"))
        assert r.status_code == 201, r.text
        return cid, r.json()["order_id"]

    def verdict(self, cid: str, level: str, authority: str, vid: str) -> None:
        body = verdict(cid, level, authority, vid)
        r = self.client.post("/v1/verdicts", json=body,
                             headers=self.headers("authority_system", authority))  # fmt: skip
        assert r.status_code in (200, 201), r.text

    def view(self, cid: str) -> Any:
        return self.fleet.container_view(cid)

    def carrier(self, cid: str) -> str | None:
        with self.fleet.lock:
            for s in self.fleet.views.vehicles():
                if cid in s.container_ids:
                    return str(s.vehicle_id)
        return None


@pytest.fixture
def port(mqtt_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Port]:
    vehicles: tuple[str, ...] = request.param[0]
    scale: float = request.param[1]  # the vehicles' and the core's clock rate
    fleet_file = load_fleet_file(FLEET)
    graph = load_map(fleet_file.map_ref)
    sims = {}
    for vid in vehicles:
        with (tmp_path / f"{vid}.log").open("w") as out:
            sims[vid] = subprocess.Popen(
                [sys.executable, "-c", "from cli import main; main()", "vda5050", "sim",
                 "--fleet", str(FLEET), "--mqtt", mqtt_url, "--time-scale", str(scale),
                 "--state-hz", "2", "--vehicle", vid],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
    fleet = VdaFleet(fleet_file, graph, map_identity(fleet_file.map_ref).map_id,
                     BrokerUrl.parse(mqtt_url), time_scale=scale, tick_s=0.25,
                     forecaster=partial(forecast_live, load_scenario("erenhot_day"),
                                        graph))  # fmt: skip
    settings = make_settings(tmp_path)
    keys = StateDir(settings.state_dir, issuer=settings.issuer, audience=settings.audience,
                    ttl_s=settings.token_ttl_s)  # fmt: skip
    keys.init()
    client = TestClient(create_app(settings, fleet=fleet))
    client.__enter__()
    p = Port(client, fleet, keys, sims, tmp_path)
    try:
        p.wait("the vehicles to join",
               lambda: {str(v) for v in fleet.vehicle_ids()} == set(vehicles), 30)  # fmt: skip
        yield p
    finally:
        client.__exit__(None, None, None)
        for proc in sims.values():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=20)
    assert fleet.link.failure is None
    versions = {v.track.ref.serial_number: v.track.ref.version
                for v in fleet.link.vehicles.values()}  # fmt: skip
    for topic, msg in fleet.link.sent:
        check(topic.rsplit("/", 1)[1], versions[topic.split("/")[3]], msg)
    for log in tmp_path.glob("agv_*.log"):
        assert "refused" not in log.read_text(), log.read_text()[-2000:]


class Track:
    """Samples a vehicle's reported position in the background: was it ever in a zone?"""

    def __init__(self, p: Port, vehicle_id: str) -> None:
        self.p, self.vid = p, vehicle_id
        self.inside: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        from maps.frame import map_origin

        ox, oy = map_origin(self.p.fleet.graph)
        zones = self.p.fleet.link.zones
        while not self._stop.wait(0.01):
            for v in self.p.fleet.vehicles():
                if v.vehicle_id == self.vid:
                    xy = (v.x_m - ox, v.y_m - oy)
                    if any(point_in_polygon(xy, z.vertices) for z in zones):
                        self.inside.append(xy)

    def stop(self) -> None:
        self._stop.set()
        self._t.join(timeout=5)


@pytest.mark.parametrize("port", [(("agv_02",), 8.0)], indirect=True)
def test_high_verdict_revokes_the_lease_short_of_the_line_and_a_release_lets_it_go(
    port: Port,
) -> None:
    p = port
    leases = p.fleet.link.leases
    cid, _oid = p.order("MN->CN", "mn_slot_01", CARGO)
    p.verdict(cid, "LOW", "MN", "MN-v-low")
    # Loaded and on its way, it asked for the border zone's lease early and holds it.
    p.wait("agv_02 to carry the container", lambda: p.carrier(cid) == "agv_02", 120)
    p.wait("the lease to be granted", lambda: leases.holds("agv_02"), 60)
    track = Track(p, "agv_02")
    p.verdict(cid, "HIGH", "MN", "MN-v-high")
    p.wait("the lease to be revoked", lambda: leases.revoked >= 1, 10)
    held = lambda: (v := p.view(cid)) is not None and v.held and v.state == "held"  # noqa: E731
    p.wait("the core to hold it", held, 120)
    track.stop()
    assert not track.inside, f"agv_02 entered a border zone at {track.inside[:3]}"
    assert not p.view(cid).crossed
    # The control room looks ahead from here: the core frozen under the lock, played in a
    # world rebuilt around it; the live vehicles and the hold are untouched.
    body = {"horizon_h": 1.0, "seeds": 2, "bin_min": 10}
    r = p.client.post("/v1/forecasts", json=body, headers=p.headers("viewer"))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert "VDA 5050 fleet" in doc["world"] and len(doc["t_min"]) == 6
    assert doc["no_change"]["series"]["holds_active"][0]["mean"] >= 1  # the hold is there
    assert held() and p.carrier(cid) == "agv_02"
    granted = leases.granted
    # Only an MN officer releases it; then it goes across with a new lease.
    url = f"/v1/holds/{cid}/release"
    body = {"reason": "inspected, no findings"}
    r = p.client.post(url, json=body, headers=p.headers("officer", "CN"))
    assert r.status_code == 403
    r = p.client.post(url, json=body, headers=p.headers("officer", "MN"))
    assert r.status_code == 201, r.text
    p.wait("the container to be delivered", lambda: p.view(cid).state == "delivered", 240)
    assert p.view(cid).crossed and leases.granted > granted


@pytest.mark.parametrize("port", [(("agv_01", "agv_02"), 12.0)], indirect=True)
def test_a_vehicle_that_drops_off_is_isolated_and_its_order_handed_on(port: Port) -> None:
    p = port
    cid, _oid = p.order("CN->MN", "cn_slot_01", dict(CARGO, origin_country="CN"))
    p.verdict(cid, "LOW", "CN", "CN-v-low")

    def assigned() -> str | None:
        with p.fleet.lock:
            for s in p.fleet.views.vehicles():
                if s.purpose == "pickup" and s.target_node == "cn_slot_01" and s.path:
                    return str(s.vehicle_id)  # granted lanes towards it, not there yet
        return None

    first = p.wait("a vehicle on its way to the container", assigned, 60)
    p.sims[first].kill()  # no goodbye: the broker publishes its last will
    p.sims[first].wait(timeout=10)
    p.wait(f"{first} to be isolated",
           lambda: first in {str(v) for v in p.fleet.views.faulted_vehicles()}, 30)  # fmt: skip
    other = next(v for v in ("agv_01", "agv_02") if v != first)
    p.wait(f"{other} to take the container", lambda: p.carrier(cid) == other, 240)
    p.wait("the container to be delivered", lambda: p.view(cid).state == "delivered", 240)
