"""``borderflow ros record`` over real DDS, and the recording package against the installed ROS 2.

- ``ros up`` (2 AGVs) and ``ros record --duration-s`` on this run's domain: the recording ends by
  itself, holds the latched map markers, the fleet markers, the node's announcement and both
  vehicles' odometry and state, every message decodable from the schema written beside it.
- ``ros mirror`` recorded the same way: the SimPy vehicles' messages on the wire have the very
  schemas ``simulate --mcap`` writes without ROS.
- The standard definitions bundled in ``recording.ros2_std``, the ``map`` origin and the vehicle
  topic names agree with the installed ROS 2 packages and the ROS package.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recording.msgdefs import bundled_lookup, schema_text, share_lookup
from recording.ros2_std import STANDARD
from tests.recording.helpers import Recording, read, stamp_ns

pytestmark = [pytest.mark.ros, pytest.mark.timeout(240)]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from cli import main; "
            f"sys.argv = ['borderflow', *{list(args)!r}]; main()"]  # fmt: skip


def _normal(text: str) -> list[str]:
    """A definition's field and constant lines, comments and spacing dropped."""
    out = []
    for line in text.splitlines():
        if re.search(r"^\s*string\s+\w+\s*=", line):
            out.append(line.strip())
            continue
        kept = re.sub(r"\s+", " ", line.split("#", 1)[0]).strip()
        if kept:
            out.append(kept)
    return out


def _record_beside(
    env: dict[str, str], tmp_path: Path, source: list[str], seconds: float
) -> tuple[Recording, str]:
    """Start ``source`` (a borderflow command), record for ``seconds``, stop it with Ctrl-C."""
    dom = env["ROS_DOMAIN_ID"]
    log = tmp_path / "source.log"
    out = tmp_path / "ros.mcap"
    with log.open("w") as sink:
        proc = subprocess.Popen(_cli(*source, "--domain-id", dom), env=env, stdout=sink,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        time.sleep(2.0)
        done = subprocess.run(_cli("ros", "record", str(out), "--domain-id", dom,
                                   "--duration-s", str(seconds)),
                              env=env, capture_output=True, text=True, timeout=120,
                              check=False)  # fmt: skip
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{out}: " in done.stdout and "messages on" in done.stdout
    return read(out), log.read_text(errors="replace")


def _check_common(rec: Recording) -> None:
    assert rec.profile == "ros2"
    for topic, msgs in rec.messages.items():
        times = [t for t, _, _ in msgs]
        assert times == sorted(times), topic  # as received
        assert rec.encodings[topic] == ("ros2msg", "cdr"), topic
        assert all(m is not None for _, m, _ in msgs), topic


def test_ros_record_of_ros_up_holds_map_fleet_and_vehicles(
    ros_env: dict[str, str], tmp_path: Path
) -> None:
    rec, log = _record_beside(
        ros_env, tmp_path, ["ros", "up", "--agvs", "2", "--time-scale", "5",
                            "--state-dir", str(tmp_path / "state")], 10.0,
    )  # fmt: skip
    assert "orchestrator=0" in log, log[-2000:]
    _check_common(rec)
    schemas = {t: name for t, (name, _) in rec.schemas.items()}
    assert schemas["/borderflow/map_markers"] == "visualization_msgs/msg/MarkerArray"
    assert schemas["/borderflow/fleet_info"] == "borderflow_interfaces/msg/FleetInfo"
    for vid in ("agv_01", "agv_02"):
        assert schemas[f"/agv/{vid}/odom"] == "nav_msgs/msg/Odometry"
        assert schemas[f"/agv/{vid}/state"] == "borderflow_interfaces/msg/VehicleState"
        odom = rec.messages[f"/agv/{vid}/odom"]
        state = rec.messages[f"/agv/{vid}/state"]
        assert len(odom) >= 10 and len(state) >= 3  # odometry faster than state
        assert all(m.header.frame_id == "map" for _, m, _ in odom)
        assert {m.vehicle_id for _, m, _ in state} == {vid}
    # the map was published (latched) before the recorder started: it still arrives, once
    ((_, arr, _),) = rec.messages["/borderflow/map_markers"]
    # the Foxglove scene, as simulate --mcap writes it: lanes, stations, zones, the border
    assert {"lanes", "border_lanes", "stations", "zones", "zone_labels", "border"} <= {
        m.ns for m in arr.markers
    }
    fleet = rec.messages["/borderflow/fleet_markers"]
    assert len(fleet) >= 10 and {m.text for _, a, _ in fleet for m in a.markers if m.text} == {
        "agv_01",
        "agv_02",
    }
    ((_, info, _),) = rec.messages["/borderflow/fleet_info"]
    assert info.map_id == "test_crossing"
    # log time is when it arrived: after the message was stamped
    t, m, _ = rec.messages["/agv/agv_01/odom"][-1]
    assert 0 <= t - stamp_ns(m) < 5_000_000_000


def test_ros_record_of_ros_mirror_has_the_schemas_simulate_writes(
    ros_env: dict[str, str], tmp_path: Path
) -> None:
    rec, _ = _record_beside(ros_env, tmp_path, ["ros", "mirror", "test_small", "--speed", "20"],
                            6.0)  # fmt: skip
    _check_common(rec)
    odom = [t for t in rec.messages if t.endswith("/odom")]
    assert sorted(odom) == [f"/agv/AGV_00{i}/odom" for i in range(1, 5)]  # test_small's fleet
    for topic, (name, data) in rec.schemas.items():
        if topic.startswith("/agv/"):  # the same fields, types and order (comments aside)
            wire = data.decode().split("=" * 80)
            ours = schema_text(name, bundled_lookup).split("=" * 80)
            assert [_normal(s) for s in wire] == [_normal(s) for s in ours], topic
    # mirrored vehicles are in the map frame, as simulate --mcap records them
    for _, m, _ in rec.messages["/agv/AGV_001/state"]:
        assert m.header.frame_id == "map" and m.vehicle_id == "AGV-001"


def test_bundled_definitions_match_the_installed_ros_packages(ros_env: dict[str, str]) -> None:
    installed = share_lookup(p for p in os.environ["AMENT_PREFIX_PATH"].split(os.pathsep) if p)
    for type_name, text in STANDARD.items():
        found = installed(type_name)
        assert found is not None, f"{type_name} is not installed"
        assert _normal(text) == _normal(found), type_name
    for type_name in ("nav_msgs/msg/Odometry", "visualization_msgs/msg/MarkerArray",
                      "borderflow_interfaces/msg/VehicleState",
                      "borderflow_interfaces/msg/CustodyEvent"):  # fmt: skip
        ours = schema_text(type_name, bundled_lookup).split("=" * 80)
        theirs = schema_text(type_name, installed).split("=" * 80)
        assert [_normal(s) for s in ours] == [_normal(s) for s in theirs], type_name


def test_map_frame_and_topic_names_are_the_ros_packages(ros_env: dict[str, str]) -> None:
    """The recordings' map origin is the ROS package's, and the shared vehicle topic rule makes
    names rclpy accepts for any id (the messages carry the real id)."""
    from borderflow_ros.frame import map_origin as ros_origin
    from rclpy.validate_full_topic_name import validate_full_topic_name

    from maps import load_map
    from maps.frame import map_origin
    from recording.topics import vehicle_topic

    for name in ("test_crossing", "erenhot_zamyn_uud"):
        graph = load_map(name)
        assert map_origin(graph) == ros_origin(graph)
    ids = ("agv_01", "AGV-001", "7x", "a.b c", "", "维")
    names = {vid: vehicle_topic(vid, "odom") for vid in ids}
    for vid, topic in names.items():
        validate_full_topic_name(topic)  # raises on a name ROS refuses
        assert topic.startswith("/agv/") and topic.endswith("/odom"), vid
    assert names["agv_01"] == "/agv/agv_01/odom" and names["AGV-001"] == "/agv/AGV_001/odom"
