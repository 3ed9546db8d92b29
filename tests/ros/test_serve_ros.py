"""``borderflow serve --fleet ros`` as its own process, over DDS to the orchestrator node.

The control room's path for real robots or a Gazebo run: a customs system posts a HIGH verdict
to the bridge's HTTP API, the bridge (``--fleet ros``) forwards it to the orchestrator node,
whose AGV (a simulator process, 12x real time) takes the container into a hold bay; the node's
hold comes back to the bridge, an officer's release posted to the API reaches the node's
``release_hold`` service, and the container is delivered; the crossing and the delivery come
back as the events customs systems subscribe to. A verdict for a container not on the manifest
file is refused by the bridge. Only API clients decide here (``--no-auto-customs``); the order
comes signed with the bridge's key, as the bridge's own orders do (an unsigned one is refused).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from orchestrator.domain.iso6346 import container_number

if TYPE_CHECKING:  # the built package is importable once the ros_env fixture ran
    from borderflow_ros.client import RosClient

from cli.ros_cmd import ProcessGroup, node_argv
from risk_bridge.domain import Role
from risk_bridge.security import StateDir
from risk_bridge.security.decision_key import ensure_decision_key
from risk_bridge.store import open_store

pytestmark = pytest.mark.timeout(180)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited {proc.returncode}: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"serve did not become healthy in 60 s: {log.read_text()[-3000:]}")


def _verdict(cid: str, level: str, vid: str) -> dict[str, object]:
    return {"verdict_id": vid, "container_id": cid, "authority": "CN", "level": level,
            "reasons": ["manifest mismatch"],
            "issued_at": datetime.now(UTC).isoformat()}  # fmt: skip


def test_verdicts_and_releases_posted_to_serve_reach_the_orchestrator_node(
    ros_env: dict[str, str], tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    group = ProcessGroup(ros_env, logs)
    client: RosClient | None = None
    # The bridge's decision key, made in its state directory before the node starts: the node
    # trusts it, and `serve` must sign with that same key (it finds it there).
    state = tmp_path / "state"
    key = ensure_decision_key(state)
    try:
        group.start(
            "orchestrator",
            node_argv("orchestrator_node", {"map": "test_crossing", "dispatch_interval_s": 1.0,
                                            "decision_key": str(key.public_path)}),
        )  # fmt: skip
        group.start("agv_sim", node_argv("agv_sim_node", {"map": "test_crossing", "vehicles": 1,
                    "time_scale": 12.0, "load_time_s": 20.0, "unload_time_s": 20.0}))  # fmt: skip
        from borderflow_ros.client import RosClient
        from borderflow_ros.decision_auth import DecisionSigner

        client = RosClient(["agv_01"], DecisionSigner(key.private_key))
        c = client
        c.wait_for("the AGV joined", lambda: len(c.status()["vehicles"]) == 1, 30)
        cid, stranger = container_number("BFL", 21), container_number("BFL", 22)
        manifest = tmp_path / "cargo.csv"
        manifest.write_text(
            f"container_id,consignor,hs_code,origin_country\n{cid},Erlian Trading Co,8429,CN\n"
        )
        port = _free_port()
        argv = ["borderflow", "serve", "--fleet", "ros", "--map", "test_crossing",
                "--domain-id", ros_env["ROS_DOMAIN_ID"], "--manifest", str(manifest),
                "--port", str(port), "--state-dir", str(state), "--no-auto-customs",
                "--db", f"sqlite:///{tmp_path / 'bridge.db'}"]  # fmt: skip
        code = f"import sys; from cli import main; sys.argv = {argv!r}; main()"
        serve = group.start("serve", [sys.executable, "-c", code])
        _wait_healthy(serve, port, logs / "serve.log")
        keys = StateDir(state, issuer="borderflow-bridge", audience="borderflow", ttl_s=900)

        def headers(role: str, authority: str | None) -> dict[str, str]:
            token = keys.issue(f"{role}-{authority}", Role(role), authority)[0]
            return {"Authorization": f"Bearer {token}", "Idempotency-Key": os.urandom(8).hex()}

        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=15) as http:
            r = http.post("/v1/verdicts", json=_verdict(stranger, "LOW", "v-0"),
                          headers=headers("authority_system", "CN"))  # fmt: skip
            assert r.status_code == 404 and "not on the manifest" in r.text
            r = http.post("/v1/verdicts", json=_verdict(cid, "HIGH", "v-1"),
                          headers=headers("authority_system", "CN"))  # fmt: skip
            assert r.status_code == 201, r.text
            c.order("o-1", cid, "CN->MN", "cn_slot_01")
            c.wait_for("the container held in a hold bay",
                       lambda: c.status()["holds_active"] == 1, 90)  # fmt: skip
            assert any(h.active and h.container_id == cid for h in c.holds)
            c.wait_for("the AGV parked in the hold bay",
                       lambda: c.status()["vehicles"]["agv_01"][0] == "holding", 60)  # fmt: skip
            bay = c.status()["vehicles"]["agv_01"][1]
            assert bay.startswith("cn_hold")

            def held_here() -> bool:
                rows = http.get("/v1/holds", headers=headers("viewer", None)).json()
                pos = rows[0]["position"] if len(rows) == 1 else None
                return bool(pos) and pos["vehicle_id"] == "agv_01" and pos["node"] == bay

            # The control room sees the hold, and where: the vehicle states came back too.
            c.wait_for("the hold listed with the AGV's position", held_here, 20)
            r = http.post(f"/v1/holds/{cid}/release", json={"reason": "inspected, no findings"},
                          headers=headers("officer", "CN"))  # fmt: skip
            assert r.status_code == 201, r.text
            c.wait_for("the container delivered after the release",
                       lambda: c.status()["orders_delivered"] == 1, 90)  # fmt: skip
            assert c.status()["holds_active"] == 0

            def position() -> dict[str, object]:
                doc = http.get(f"/v1/containers/{cid}", headers=headers("viewer", None)).json()
                return doc["position"] or {}

            # The node's custody events came back: crossed, delivered, no hold left.
            c.wait_for("the bridge heard the delivery",
                       lambda: position().get("state") == "delivered", 20)  # fmt: skip
            assert position()["crossed"] is True and position()["held"] is False
    finally:
        if client is not None:
            client.close()
        codes = group.stop()
    for name, code in codes.items():
        log = (logs / f"{name}.log").read_text(errors="replace")[-3000:]
        assert code == 0, f"{name} exited {code}; its log ends:\n{log}"
    # What customs systems were told (SSE / webhooks read these from the store), in order.
    store = open_store(f"sqlite:///{tmp_path / 'bridge.db'}")
    try:
        kinds = [str(row[2]) for row in store.events_after(0, 1000) if row[3] == cid]
    finally:
        store.close()
    for kind in ("hold.placed", "release.recorded", "hold.released", "container.crossed",
                 "container.delivered"):  # fmt: skip
        assert kind in kinds, (kind, kinds)
    assert kinds.index("hold.placed") < kinds.index("container.crossed")
    assert kinds.index("container.crossed") < kinds.index("container.delivered")
