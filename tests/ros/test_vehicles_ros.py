"""The control room's vehicles with the ROS fleet, over DDS: what
:meth:`borderflow_ros.bridge_fleet.RosBridgeFleet.vehicles` and the bridge app's
``GET /v1/vehicles`` (also ``/v1/vehicles/{id}`` and one frame of ``/v1/vehicles/stream``) say
while an orchestrator node drives three kinematic AGVs (one process each, 12x real time).

Checked: every AGV of the fleet is listed, at its node in the lane graph's frame (the frame of the
console's map and of the SimPy fleet's positions), and its position changes as it drives; the
records have the SimPy fleet's shape (same fields and JSON keys, same types; values differ); a
pickup shows the container on board and the vehicle ``loaded``, a HIGH verdict posted to the API
turns it ``held``; a vehicle whose process is killed shows as silent (``reporting`` false,
``faulted``) within a few seconds while the others keep reporting.
"""

from __future__ import annotations

import json
import math
import time
import types
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import pytest

from cli.ros_cmd import ProcessGroup, node_argv
from maps import load_map
from orchestrator.domain.iso6346 import container_number
from orchestrator.lanegraph import LaneGraph
from orchestrator.vehicle_status import Display, VehicleStatus
from risk_bridge.vehicle_feed import vehicle_json

pytestmark = pytest.mark.timeout(180)

MAP = "test_crossing"
# One process per vehicle, so one can be killed alone; each in a place of its own.
_STARTS = {"agv_01": "cn_parking_1", "agv_02": "mn_parking_1", "agv_03": "mn_buffer_1"}
AT_NODE_M = 0.5  # a parked vehicle is on its node (positions are rounded to 1 cm)


@dataclass
class Stack:
    group: ProcessGroup
    client: Any  # borderflow_ros.client.RosClient (orders, the node's status)
    fleet: Any  # borderflow_ros.bridge_fleet.RosBridgeFleet
    http: Any  # fastapi.testclient.TestClient on the bridge app with that fleet
    graph: LaneGraph
    tokens: Callable[[str, str | None], dict[str, str]]

    def api_vehicles(self) -> dict[str, dict[str, Any]]:
        r = self.http.get("/v1/vehicles", headers=self.tokens("viewer", None))
        assert r.status_code == 200, r.text
        return {v["vehicle_id"]: v for v in r.json()["vehicles"]}

    def fleet_vehicles(self) -> dict[str, VehicleStatus]:
        return {v.vehicle_id: v for v in self.fleet.vehicles()}


@pytest.fixture()
def stack(ros_env: dict[str, str], tmp_path: Path, decision_keys: Any) -> Iterator[Stack]:
    from borderflow_ros.bridge_fleet import RosBridgeFleet
    from borderflow_ros.bridge_link import BridgeLink
    from borderflow_ros.client import RosClient
    from fastapi.testclient import TestClient

    from risk_bridge.app import create_app
    from risk_bridge.domain import Role
    from risk_bridge.security import StateDir
    from risk_bridge.settings import BridgeSettings

    logs = tmp_path / "logs"
    group = ProcessGroup(ros_env, logs)
    killed: set[str] = set()
    group.killed = killed  # type: ignore[attr-defined]
    closers: list[Callable[[], Any]] = []
    try:
        group.start("orchestrator", node_argv("orchestrator_node", {
            "map": MAP, "decision_key": str(decision_keys.public_path),
            "dispatch_interval_s": 1.0, "heartbeat_timeout_s": 1.0}))  # fmt: skip
        for i, (vid, node) in enumerate(sorted(_STARTS.items()), start=1):
            group.start(vid, node_argv("agv_sim_node", {
                "map": MAP, "vehicles": 1, "first_index": i, "start_nodes": [node],
                "time_scale": 12.0, "load_time_s": 20.0, "unload_time_s": 20.0}))  # fmt: skip
        client = RosClient(sorted(_STARTS), decision_keys.signer())  # its orders signed
        closers.append(client.close)
        link = BridgeLink(decision_keys.signer())
        closers.append(link.stop)
        settings = BridgeSettings(
            db_url=f"sqlite:///{tmp_path / 'bridge.db'}", state_dir=tmp_path / "state"
        )
        keys = StateDir(settings.state_dir, issuer=settings.issuer, audience=settings.audience,
                        ttl_s=settings.token_ttl_s)  # fmt: skip
        keys.init()
        graph = load_map(MAP)
        cargo = [_cargo(container_number("BFL", 31))]
        fleet = RosBridgeFleet(graph, cargo, link)
        http = TestClient(create_app(settings, fleet=fleet))
        http.__enter__()
        closers.append(lambda: http.__exit__(None, None, None))

        def tokens(role: str, authority: str | None) -> dict[str, str]:
            token = keys.issue(f"{role}-{authority}", Role(role), authority)[0]
            return {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}

        yield Stack(group, client, fleet, http, graph, tokens)
    finally:
        for close in reversed(closers):
            close()
        codes = group.stop()
    for name, code in codes.items():
        if name not in killed:
            log = (logs / f"{name}.log").read_text(errors="replace")[-3000:]
            assert code == 0, f"{name} exited {code}; its log ends:\n{log}"


def _cargo(cid: str) -> Any:
    from risk_bridge.domain import Cargo

    return Cargo(cid, "Erlian Trading Co", "8429", "CN")


def _wait(what: str, cond: Callable[[], Any], timeout_s: float, every_s: float = 0.1) -> Any:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        got = cond()
        if got:
            return got
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


# ------------------------------------------------------------------ shape (against SimPy)

_HINTS = get_type_hints(VehicleStatus)


def _conforms(value: object, hint: Any) -> bool:
    """``value`` is of the declared type exactly (an int where a float is declared is not)."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_conforms(value, arg) for arg in get_args(hint))
    if hint is type(None):
        return value is None
    if origin is tuple:
        item = get_args(hint)[0]
        return isinstance(value, tuple) and all(_conforms(x, item) for x in value)
    if hint is float:
        return type(value) is float
    return isinstance(value, hint)


def _nullable(name: str) -> bool:
    return _conforms(None, _HINTS[name])


def _sim_vehicles() -> list[VehicleStatus]:
    """The SimPy fleet on the same map (scenario test_small), read once a simulated minute
    for its first half hour, so that its records include vehicles driving, carrying and
    parked (nullable fields both empty and set)."""
    from sim.live import SimFleet
    from sim.scenario import load_scenario

    scenario = load_scenario("test_small")
    assert scenario.map_ref == MAP
    sim = SimFleet(scenario, realtime=False)
    out: list[VehicleStatus] = []
    try:
        for minute in range(1, 31):
            sim.advance(60.0 * minute)
            out += sim.vehicles()
    finally:
        sim.stop()
    return out


def _assert_same_shape(ros: list[VehicleStatus], api: list[dict[str, Any]]) -> None:
    sim = _sim_vehicles()
    names = [f.name for f in fields(VehicleStatus)]
    for v in [*sim, *ros]:
        assert type(v) is VehicleStatus
        bad = {n: getattr(v, n) for n in names if not _conforms(getattr(v, n), _HINTS[n])}
        assert not bad, f"{v.vehicle_id}: fields not of VehicleStatus's types: {bad}"
    sim_json = [vehicle_json(v) for v in sim]
    seen: dict[str, set[type]] = {}
    for doc in sim_json:
        for key, value in doc.items():
            seen.setdefault(key, set()).add(type(value))
    for doc in api:
        assert list(doc) == list(sim_json[0]), (list(doc), list(sim_json[0]))
        for key, value in doc.items():
            ok = type(value) in seen[key] or (value is None and _nullable(key))
            assert ok, f"{doc['vehicle_id']}: {key} = {value!r}; the SimPy fleet gives {seen[key]}"


# ------------------------------------------------------------------ positions


def _assert_in_map(graph: LaneGraph, vid: str, x_m: float, y_m: float) -> None:
    x0, y0, x1, y1 = graph.metadata["bbox_m"]
    assert x0 - 1.0 <= x_m <= x1 + 1.0 and y0 - 1.0 <= y_m <= y1 + 1.0, (
        f"{vid} at ({x_m}, {y_m}): outside the map's bbox {graph.metadata['bbox_m']} "
        "(the lane graph's frame, as the console's map and the SimPy fleet)"
    )


def _off_node_m(graph: LaneGraph, node: str, x_m: float, y_m: float) -> float:
    n = graph.nodes[node]  # type: ignore[index]
    return math.hypot(x_m - n.x_m, y_m - n.y_m)


def _parked_at(s: Stack, vid: str, node_prefix: str) -> bool:
    v = s.fleet_vehicles().get(vid)
    return (
        v is not None
        and v.node.startswith(node_prefix)
        and v.next_node is None
        and v.speed_mps == 0.0
        and _off_node_m(s.graph, v.node, v.x_m, v.y_m) <= AT_NODE_M
    )


def test_ros_fleet_vehicles_move_load_hold_and_fall_silent_in_the_console_shape(
    stack: Stack,
) -> None:
    s = stack
    graph = s.graph
    _wait("the bridge lists every AGV", lambda: set(s.fleet_vehicles()) == set(_STARTS), 30)
    _wait("the API lists every AGV", lambda: set(s.api_vehicles()) == set(_STARTS), 10)
    s.client.wait_for("the node sees every AGV",
                      lambda: len(s.client.status()["vehicles"]) == 3, 30)  # fmt: skip

    # Each one reporting, empty, in the lane graph's frame; the ones at rest on their node (the
    # core may already move an idle vehicle to a better place: that one is "empty", driving).
    at_rest = 0
    for vid, v in s.fleet_vehicles().items():
        assert v.reporting and v.display in (Display.IDLE, Display.EMPTY), v
        assert v.container_ids == (), v
        _assert_in_map(graph, vid, v.x_m, v.y_m)
        if v.display is Display.IDLE and v.speed_mps == 0.0:
            at_rest += 1
            off = _off_node_m(graph, v.node, v.x_m, v.y_m)
            assert off <= AT_NODE_M, f"{vid} at ({v.x_m}, {v.y_m}) is {off:.1f} m from {v.node}"
    assert at_rest >= 1
    api = s.api_vehicles()
    for doc in api.values():
        assert doc["reporting"] is True and doc["display"] in ("idle", "empty"), doc
        if doc["display"] == "idle" and doc["speed_mps"] == 0.0:
            assert _off_node_m(graph, doc["node"], doc["x_m"], doc["y_m"]) <= AT_NODE_M, doc
    _assert_same_shape(list(s.fleet_vehicles().values()), list(api.values()))

    # An order without a verdict: a vehicle fetches the container and takes it to the CN
    # pre-border buffer, where it waits for customs (never across the line).
    cid = container_number("BFL", 31)
    s.client.order("o-31", cid, "CN->MN", "cn_slot_01")
    tracks: dict[str, set[tuple[float, float]]] = {vid: set() for vid in _STARTS}
    api_tracks: dict[str, set[tuple[float, float]]] = {vid: set() for vid in _STARTS}

    def carrier_waits_at_the_buffer() -> str | None:
        for vid, v in s.fleet_vehicles().items():
            _assert_in_map(graph, vid, v.x_m, v.y_m)
            tracks[vid].add((v.x_m, v.y_m))
        for vid, doc in s.api_vehicles().items():
            _assert_in_map(graph, vid, doc["x_m"], doc["y_m"])
            api_tracks[vid].add((doc["x_m"], doc["y_m"]))
        for vid, v in s.fleet_vehicles().items():
            if v.container_ids == (cid,) and _parked_at(s, vid, "cn_buffer"):
                return vid
        return None

    carrier = _wait("the container on a vehicle parked at a CN buffer",
                    carrier_waits_at_the_buffer, 60, every_s=0.2)  # fmt: skip
    assert len(tracks[carrier]) >= 5, (carrier, sorted(tracks[carrier]))
    assert len(api_tracks[carrier]) >= 5, (carrier, sorted(api_tracks[carrier]))
    assert _STARTS[carrier] != s.fleet_vehicles()[carrier].node  # it did go somewhere
    v = s.fleet_vehicles()[carrier]
    assert v.display is Display.LOADED and v.reporting, v
    doc = s.http.get(f"/v1/vehicles/{carrier}", headers=s.tokens("viewer", None)).json()
    assert doc["display"] == "loaded" and doc["container_ids"] == [cid], doc
    assert _off_node_m(graph, doc["node"], doc["x_m"], doc["y_m"]) <= AT_NODE_M, doc

    # A HIGH verdict posted to the bridge's API: the node holds the container, the vehicle
    # shows held (by the node's HoldPlaced notice, with the container still on board).
    body = {"verdict_id": "v-31", "container_id": cid, "authority": "CN", "level": "HIGH",
            "reasons": ["manifest mismatch"],
            "issued_at": datetime.now(UTC).isoformat()}  # fmt: skip
    r = s.http.post("/v1/verdicts", json=body, headers=s.tokens("authority_system", "CN"))
    assert r.status_code == 201, r.text
    _wait(f"{carrier} shown held",
          lambda: s.fleet_vehicles()[carrier].display is Display.HELD, 60)  # fmt: skip
    assert s.fleet_vehicles()[carrier].container_ids == (cid,)
    _wait(f"{carrier} shown held by the API",
          lambda: s.api_vehicles()[carrier]["display"] == "held", 5)  # fmt: skip

    # One vehicle's process is killed: within a few seconds it shows silent; the rest report.
    victim = min(set(_STARTS) - {carrier})
    assert s.fleet_vehicles()[victim].reporting
    s.group.kill(victim)
    s.group.killed.add(victim)  # type: ignore[attr-defined]
    t_kill = time.monotonic()
    _wait(f"{victim} shown silent", lambda: not s.fleet_vehicles()[victim].reporting, 10)
    assert time.monotonic() - t_kill < 6.0
    now = s.fleet_vehicles()
    assert set(now) == set(_STARTS)  # still listed, where it was last heard
    assert now[victim].display is Display.FAULTED
    assert all(v.reporting for vid, v in now.items() if vid != victim), now
    doc = s.http.get(f"/v1/vehicles/{victim}", headers=s.tokens("viewer", None)).json()
    assert doc["reporting"] is False and doc["display"] == "faulted", doc
    _assert_in_map(graph, victim, doc["x_m"], doc["y_m"])
    api = s.api_vehicles()
    assert api[victim]["reporting"] is False
    assert api[carrier]["reporting"] is True and api[carrier]["display"] == "held"
    frame = _one_stream_frame(s)
    shown = {v["vehicle_id"]: v for v in frame["vehicles"]}
    assert set(shown) == set(_STARTS)
    assert shown[victim]["display"] == "faulted" and shown[carrier]["display"] == "held"
    _assert_same_shape(list(now.values()), list(api.values()))


def _one_stream_frame(s: Stack) -> dict[str, Any]:
    with s.http.stream("GET", "/v1/vehicles/stream?max_frames=1",
                       headers=s.tokens("viewer", None)) as r:  # fmt: skip
        assert r.status_code == 200
        text = "".join(r.iter_text())
    data = [line[len("data: ") :] for line in text.splitlines() if line.startswith("data: ")]
    assert len(data) == 1, text
    frame: dict[str, Any] = json.loads(data[0])
    return frame
