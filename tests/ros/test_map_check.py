"""``borderflow serve --fleet ros`` runs on the orchestrator node's map or not at all.

Over DDS with real processes: a node announces its map (id + content hash) and trusted key; a
bridge without --map adopts it, one given the same map starts, one given another map, or the
node's edited copy of a bundled map, or another decision key, exits 2 before its banner and
before touching its store, naming both sides and the fix. No node at all: a clear timeout.
Without a manifest and without arrivals of the node's own it starts with an empty manifest.
The messages themselves are checked without ROS first.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli.ros_cmd import ProcessGroup, node_argv
from cli.ros_serve import check_map
from maps import BUNDLED_MAPS
from maps.fingerprint import map_identity
from risk_bridge.security.decision_key import ensure_decision_key
from tests.live_server import free_port

pytestmark = pytest.mark.timeout(240)

BANNER = "borderflow bridge on http://"


def _announcement(map_id: str, sha256: str) -> Any:
    from borderflow_ros.fleet_info import FleetAnnouncement

    return FleetAnnouncement(map_id, "", sha256, "key", "", 0, (), 0.0)


def _edited_copy(folder: Path) -> Path:
    """test_crossing with one lane moved a little, under the bundled map's file name."""
    doc = json.loads(BUNDLED_MAPS["test_crossing"].read_text(encoding="utf-8"))
    lane = next(f for f in doc["features"] if f["geometry"]["type"] == "LineString")
    lane["properties"]["speed_limit_kph"] = 15.0  # still a valid map, another content
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "test_crossing.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_the_map_check_without_ros(ros_env: dict[str, str], tmp_path: Path) -> None:
    bundled = map_identity("test_crossing")
    node = _announcement("test_crossing", bundled.sha256)
    graph, how = check_map(node, None)  # adopted
    assert graph.name == "Test crossing (two small yards, fictitious)"
    assert "the node's" in how
    assert check_map(node, "test_crossing")[0].name == graph.name  # the same map
    with pytest.raises(ValueError, match="map mismatch") as exc:
        check_map(node, "erenhot_zamyn_uud")
    text = str(exc.value)
    assert bundled.sha256[:12] in text and map_identity("erenhot_zamyn_uud").short in text
    assert "serve --fleet ros --map test_crossing" in text and "ros up --map" in text
    edited = _edited_copy(tmp_path)
    other = replace(node, map_sha256=map_identity(edited).sha256)
    with pytest.raises(ValueError, match="was edited") as exc:
        check_map(other, None)
    assert map_identity(edited).sha256[:12] in str(exc.value)
    with pytest.raises(ValueError, match=r"map content \(same id, another file\) mismatch"):
        check_map(other, "test_crossing")
    assert check_map(other, str(edited))[0].name == graph.name  # given the node's file
    with pytest.raises(ValueError, match="not a bundled map"):
        check_map(_announcement("my_crossing", "0" * 64), None)


@pytest.fixture()
def node_on(ros_env: dict[str, str], tmp_path: Path) -> Iterator[Any]:
    """Starts an orchestrator node on a map (with the test bridge's key); stops it after."""
    group = ProcessGroup(ros_env, tmp_path / "logs")
    state = tmp_path / "state"
    key = ensure_decision_key(state)

    def start(map_ref: str) -> None:
        group.stop()
        group.procs.clear()
        group.start("orchestrator", node_argv("orchestrator_node", {
            "map": map_ref, "decision_key": str(key.public_path)}))  # fmt: skip

    start.state = state  # type: ignore[attr-defined]
    try:
        yield start
    finally:
        codes = group.stop()
    assert all(code == 0 for code in codes.values()), codes


def _serve(env: dict[str, str], state: Path, db: Path, *extra: str) -> subprocess.Popen[str]:
    argv = ["borderflow", "serve", "--fleet", "ros", "--domain-id", env["ROS_DOMAIN_ID"],
            "--port", str(free_port()), "--state-dir", str(state), "--db", f"sqlite:///{db}",
            "--log-format", "none", *extra]  # fmt: skip
    code = f"import sys; from cli import main; sys.argv = {argv!r}; main()"
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def _refused(proc: subprocess.Popen[str], db: Path) -> str:
    """The stderr of a serve that must exit 2 before its banner and its store."""
    try:
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2, err
    assert BANNER not in err and "Traceback" not in err, err
    assert not db.exists(), "the store was touched"
    return err


def _starts(proc: subprocess.Popen[str]) -> str:
    """The banner of a serve that must start; then Ctrl-C, exit 0."""
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                raise AssertionError(f"serve exited {proc.returncode}: {''.join(lines)}")
            lines.append(line)
            if line.startswith(BANNER):
                break
        else:
            raise AssertionError(f"no banner in 90 s: {''.join(lines)}")
        port = int(lines[-1][len(BANNER) :].split(":")[1].split(" ")[0])
        _until_healthy(proc, port)  # a Ctrl-C while uvicorn still starts would be exit 130
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "".join(lines)
    return lines[-1]


def _until_healthy(proc: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"serve on port {port} never answered /healthz")


def test_serve_adopts_the_nodes_map_and_refuses_another(
    ros_env: dict[str, str], node_on: Any, tmp_path: Path
) -> None:
    state = node_on.state
    node_on("test_crossing")
    manifest = tmp_path / "cargo.csv"
    manifest.write_text("container_id,consignor,hs_code,origin_country\n"
                        "CSQU3054383,Erlian Trading Co,8429,CN\n")  # fmt: skip
    cargo = ("--manifest", str(manifest))  # the node has no arrivals of its own
    sha = map_identity("test_crossing").short
    # Adopted: the serve default (--map absent) can no longer disagree with the node's.
    banner = _starts(_serve(ros_env, state, tmp_path / "adopt.db", *cargo))
    assert f"map test_crossing (the node's; sha256 {sha})" in banner
    banner = _starts(_serve(ros_env, state, tmp_path / "match.db", *cargo,
                            "--map", "test_crossing"))  # fmt: skip
    assert f"map test_crossing (sha256 {sha}, as the node's)" in banner
    err = _refused(_serve(ros_env, state, tmp_path / "mismatch.db", *cargo,
                          "--map", "erenhot_zamyn_uud"), tmp_path / "mismatch.db")  # fmt: skip
    assert "map mismatch" in err and "erenhot_zamyn_uud" in err and sha in err
    assert map_identity("erenhot_zamyn_uud").short in err
    assert "`borderflow serve --fleet ros --map test_crossing`" in err
    # Another bridge's key: the node would refuse everything it sends.
    err = _refused(_serve(ros_env, tmp_path / "other-state", tmp_path / "key.db", *cargo),
                   tmp_path / "key.db")  # fmt: skip
    assert "the orchestrator node trusts decision key" in err and "--state-dir" in err
    # Neither a manifest nor arrivals of the node's own: an empty manifest, orders declare.
    banner = _starts(_serve(ros_env, state, tmp_path / "nocargo.db"))
    assert "manifest empty" in banner and "POST /v1/orders" in banner


def test_an_edited_copy_of_a_bundled_map_is_told_apart(
    ros_env: dict[str, str], node_on: Any, tmp_path: Path
) -> None:
    state = node_on.state
    edited = _edited_copy(tmp_path / "maps")
    node_on(str(edited))
    manifest = tmp_path / "cargo.csv"
    manifest.write_text("container_id,consignor,hs_code,origin_country\n"
                        "CSQU3054383,Erlian Trading Co,8429,CN\n")  # fmt: skip
    cargo = ("--manifest", str(manifest))
    theirs = map_identity(edited).short
    err = _refused(_serve(ros_env, state, tmp_path / "a.db", *cargo), tmp_path / "a.db")
    assert "the node's map file was edited" in err and theirs in err
    assert map_identity("test_crossing").short in err
    err = _refused(_serve(ros_env, state, tmp_path / "b.db", *cargo, "--map", "test_crossing"),
                   tmp_path / "b.db")  # fmt: skip
    assert "map content (same id, another file) mismatch" in err and theirs in err
    # The fix the message gives: the node's own file.
    banner = _starts(_serve(ros_env, state, tmp_path / "c.db", *cargo, "--map", str(edited)))
    assert f"map test_crossing (sha256 {theirs}, as the node's)" in banner


def test_no_node_is_a_clear_timeout(ros_env: dict[str, str], tmp_path: Path) -> None:
    env = dict(ros_env, ROS_DOMAIN_ID="101")  # no test starts nodes there
    db = tmp_path / "bridge.db"
    err = _refused(_serve(env, tmp_path / "state", db, "--node-timeout-s", "2"), db)
    assert ("no orchestrator node answered on ROS domain 101 within 2s; start `borderflow ros "
            "up` first") in err  # fmt: skip
