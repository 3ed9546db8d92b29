"""The README's ROS pair, as written, with no user code: ``borderflow ros up`` (its default
arrivals: the map's bundled demo scenario) and ``borderflow serve --fleet ros`` (no --map, no
--manifest: it adopts the node's map and takes the containers of its arrivals; its simulated
customs decide through the bridge). Containers arrive by themselves, customs clear them, AGVs
carry them across the line and deliver them, and the control room sees it all over HTTP.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from risk_bridge.domain import Role
from risk_bridge.security import StateDir
from risk_bridge.store import open_store
from tests.live_server import free_port, wait_healthy

pytestmark = pytest.mark.timeout(240)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from cli import main; "
            f"sys.argv = ['borderflow', *{list(args)!r}]; main()"]  # fmt: skip


def test_ros_up_and_serve_move_containers_across_by_themselves(
    ros_env: dict[str, str], tmp_path: Path
) -> None:
    dom, state, db = ros_env["ROS_DOMAIN_ID"], tmp_path / "state", tmp_path / "bridge.db"
    up_log = (tmp_path / "up.log").open("w")
    up = subprocess.Popen(_cli("ros", "up", "--agvs", "2", "--time-scale", "12",
                               "--domain-id", dom, "--state-dir", str(state)),
                          env=ros_env, stdout=up_log, stderr=subprocess.STDOUT,
                          start_new_session=True)  # fmt: skip
    port = free_port()
    serve: subprocess.Popen[str] | None = None
    delivered: list[dict[str, Any]] = []
    try:
        time.sleep(3.0)  # ros up first, as the README says (serve would wait for it anyway)
        serve = subprocess.Popen(_cli("serve", "--fleet", "ros", "--domain-id", dom,
                                      "--state-dir", str(state), "--port", str(port),
                                      "--db", f"sqlite:///{db}"),
                                 env=ros_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)  # fmt: skip
        wait_healthy(serve, port, timeout_s=90)
        keys = StateDir(state, issuer="borderflow-bridge", audience="borderflow", ttl_s=900)
        token = keys.issue("viewer-1", Role.VIEWER, None)[0]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=15,
                          headers={"Authorization": f"Bearer {token}"}) as http:  # fmt: skip
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
            up_text = (tmp_path / "up.log").read_text(errors="replace")
            assert delivered, f"nothing delivered in 150 s; ros up said:\n{up_text[-3000:]}"
            assert vehicles == {"agv_01", "agv_02"}
    finally:
        if serve is not None and serve.poll() is None:
            serve.send_signal(signal.SIGINT)
            serve.communicate(timeout=30)
        up.send_signal(signal.SIGINT)  # as Ctrl-C: ros up stops its nodes itself
        up.wait(timeout=30)
        up_log.close()
    assert serve is not None and serve.returncode == 0, serve.returncode
    up_text = (tmp_path / "up.log").read_text(errors="replace")
    assert up.returncode == 0 and "orchestrator=0" in up_text, up_text[-2000:]
    assert "containers arrive over" in up_text and "map test_crossing" in up_text
    doc = delivered[0]
    cid = doc["container_id"]
    assert doc["position"]["crossed"] is True and doc["position"]["held"] is False
    # The simulated customs decided through the bridge: stored, with the events customs
    # systems subscribe to, in order.
    assert doc["verdicts"], doc
    store = open_store(f"sqlite:///{db}")
    try:
        kinds = [str(row[2]) for row in store.events_after(0, 10_000) if row[3] == cid]
    finally:
        store.close()
    assert "verdict.effective" in kinds, kinds
    assert kinds.index("verdict.effective") < kinds.index("container.crossed")
    assert kinds.index("container.crossed") < kinds.index("container.delivered")
