"""The README's ROS pair, as written, with no user code: ``borderflow ros up`` (its default
arrivals: the map's bundled demo scenario) and ``borderflow serve --fleet ros`` (no --map, no
--manifest: it adopts the node's map and takes the containers of its arrivals; its simulated
customs decide through the bridge). Containers arrive by themselves, customs clear them, AGVs
carry them across the line and deliver them, and the control room sees it all over HTTP.

And an order posted to the bridge (``POST /v1/orders``) with an idle fleet (``--arrivals
none``): the bridge signs it to the node, the node's core takes it, the simulated customs clear
it, and the order reads delivered.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestrator.domain.iso6346 import container_number
from risk_bridge.domain import Role
from risk_bridge.security import StateDir
from risk_bridge.store import open_store
from tests.live_server import free_port, wait_healthy

pytestmark = pytest.mark.timeout(240)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from cli import main; "
            f"sys.argv = ['borderflow', *{list(args)!r}]; main()"]  # fmt: skip


@dataclass
class Pair:
    http: httpx.Client
    keys: StateDir
    db: Path
    up_log: Path

    def token(self, role: Role, sub: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.issue(sub, role, None)[0]}"}


@contextmanager
def ros_pair(env: dict[str, str], tmp_path: Path, *up_args: str) -> Iterator[Pair]:
    """``ros up UP_ARGS`` and then ``serve --fleet ros``, both as the README runs them (same
    state directory and domain); both stopped with Ctrl-C and checked to exit 0."""
    dom, state, db = env["ROS_DOMAIN_ID"], tmp_path / "state", tmp_path / "bridge.db"
    up_log = tmp_path / "up.log"
    with up_log.open("w") as out:
        up = subprocess.Popen(_cli("ros", "up", *up_args, "--domain-id", dom,
                                   "--state-dir", str(state)),
                              env=env, stdout=out, stderr=subprocess.STDOUT,
                              start_new_session=True)  # fmt: skip
    port = free_port()
    serve: subprocess.Popen[str] | None = None
    try:
        time.sleep(3.0)  # ros up first, as the README says (serve would wait for it anyway)
        serve = subprocess.Popen(_cli("serve", "--fleet", "ros", "--domain-id", dom,
                                      "--state-dir", str(state), "--port", str(port),
                                      "--db", f"sqlite:///{db}"),
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)  # fmt: skip
        wait_healthy(serve, port, timeout_s=90)
        keys = StateDir(state, issuer="borderflow-bridge", audience="borderflow", ttl_s=900)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=15) as http:
            pair = Pair(http, keys, db, up_log)
            http.headers.update(pair.token(Role.VIEWER, "viewer-1"))
            yield pair
    finally:
        if serve is not None and serve.poll() is None:
            serve.send_signal(signal.SIGINT)
            serve.communicate(timeout=30)
        up.send_signal(signal.SIGINT)  # as Ctrl-C: ros up stops its nodes itself
        up.wait(timeout=30)
    assert serve is not None and serve.returncode == 0, serve.returncode
    text = up_log.read_text(errors="replace")
    assert up.returncode == 0 and "orchestrator=0" in text, text[-2000:]


def _events_of(db: Path, cid: str) -> list[str]:
    store = open_store(f"sqlite:///{db}")
    try:
        return [str(row[2]) for row in store.events_after(0, 10_000) if row[3] == cid]
    finally:
        store.close()


def test_ros_up_and_serve_move_containers_across_by_themselves(
    ros_env: dict[str, str], tmp_path: Path
) -> None:
    delivered: list[dict[str, Any]] = []
    with ros_pair(ros_env, tmp_path, "--agvs", "2", "--time-scale", "12") as pair:
        http = pair.http
        manifest = [row["container_id"] for row in http.get("/v1/containers").json()]
        assert len(manifest) >= 5, manifest  # the demo scenario's containers, declared
        vehicles: set[str] = set()
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and not delivered:
            frame = http.get("/v1/vehicles").json()
            vehicles |= {v["vehicle_id"] for v in frame["vehicles"] if v["reporting"]}
            for cid in manifest:
                doc = http.get(f"/v1/containers/{cid}").json()
                if (doc.get("position") or {}).get("state") == "delivered":
                    delivered.append(doc)
            time.sleep(1.0)
        up_text = pair.up_log.read_text(errors="replace")
        assert delivered, f"nothing delivered in 150 s; ros up said:\n{up_text[-3000:]}"
        assert vehicles == {"agv_01", "agv_02"}
        # The control room looks ahead: the node's core, frozen over DDS and signed with the
        # fork key of the shared state directory, played in a world rebuilt around it.
        body = {"horizon_h": 1.0, "seeds": 2, "what_if": {"remove_agvs": 1}}
        r = http.post("/v1/forecasts", json=body,
                      headers=pair.token(Role.OPERATOR, "operator-1"))  # fmt: skip
        assert r.status_code == 200, r.text
        doc = r.json()
        assert "orchestrator node" in doc["world"], doc["world"]
        assert doc["what_if"] == ["remove 1 AGVs"] and doc["difference"] is not None
        busy = doc["with_what_if"]["series"]["busy_agvs"]
        assert all(b["hi"] <= 1 for b in busy)  # 2 AGVs, 1 taken out
    assert "containers arrive over" in up_text and "map test_crossing" in up_text
    doc = delivered[0]
    assert doc["position"]["crossed"] is True and doc["position"]["held"] is False
    # The simulated customs decided through the bridge: stored, with the events customs
    # systems subscribe to, in order.
    assert doc["verdicts"], doc
    kinds = _events_of(pair.db, doc["container_id"])
    assert "verdict.effective" in kinds, kinds
    assert kinds.index("verdict.effective") < kinds.index("container.crossed")
    assert kinds.index("container.crossed") < kinds.index("container.delivered")


def test_an_order_posted_to_serve_is_signed_to_the_node_and_delivered(
    ros_env: dict[str, str], tmp_path: Path
) -> None:
    cid = container_number("BFL", 77)
    with ros_pair(ros_env, tmp_path, "--agvs", "1", "--time-scale", "12",
                  "--arrivals", "none") as pair:  # fmt: skip
        http = pair.http
        assert http.get("/v1/containers").json() == []  # an idle fleet declares nothing
        order = {"container_id": cid, "direction": "CN->MN", "origin_station": "cn_slot_01",
                 "cargo": {"consignor": "Erlian Trading Co", "hs_code": "842911",
                           "origin_country": "CN"}}  # fmt: skip
        yard = {**pair.token(Role.OPERATOR, "yard-tos"), "Idempotency-Key": uuid.uuid4().hex}
        r = http.post("/v1/orders", json=order, headers=yard)
        assert r.status_code == 201, r.text
        oid = r.json()["order_id"]
        seen: set[str] = set()
        deadline = time.monotonic() + 150
        doc: dict[str, Any] = {}
        while time.monotonic() < deadline:
            doc = http.get(f"/v1/orders/{oid}").json()
            seen.add(doc["status"])
            if doc["status"] in ("delivered", "refused"):
                break
            time.sleep(1.0)
        up_text = pair.up_log.read_text(errors="replace")
        assert doc.get("status") == "delivered", (doc, up_text[-3000:])
        assert doc["crossed"] is True and doc["sent_to_fleet_at"] is not None
    # The node took the order signed (nothing refused), then customs cleared it.
    assert "[order.assigned] order " + oid in up_text, up_text[-3000:]
    assert "refused" not in up_text
    kinds = _events_of(pair.db, cid)
    assert kinds.index("order.accepted") < kinds.index("verdict.effective")
    assert kinds.index("verdict.effective") < kinds.index("container.delivered")
