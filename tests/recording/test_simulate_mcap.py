"""``borderflow simulate --mcap``: what the recording holds, read back with the mcap readers.

One short run of test_small (with its event log) is recorded once per module; the tests check
the channels and their schemas, the counts (the map once at the start, every vehicle at t = 0,
then what changed; replayed, the simulation's own poses at every sample), the times (the
scenario's epoch plus simulated seconds), the poses (the ``map`` frame), the event channel
against the event log, determinism, and that recording changes nothing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from maps.frame import map_origin
from sim.mapref import load_scenario_map
from sim.scenario import load_scenario
from tests.recording.helpers import Recording, read, stamp_ns

runner = CliRunner()
HOURS = 1.0
HZ = 0.5
SAMPLES = math.ceil(HOURS * 3600 * HZ)  # t = 0, 2 s, 4 s, ... up to (not at) the end


def _simulate(out: Path, *extra: str) -> Any:
    args = ["simulate", "test_small", "--hours", str(HOURS), "--quiet", *extra]
    return runner.invoke(app, args)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Recording]:
    out = tmp_path_factory.mktemp("rec")
    mcap, events = out / "run.mcap", out / "events.jsonl"
    result = _simulate(out, "--mcap", str(mcap), "--mcap-hz", str(HZ), "--events", str(events))
    assert result.exit_code == 0, result.output
    return mcap, events, read(mcap)


def _epoch_ns() -> int:
    epoch = load_scenario("test_small").timebase.epoch
    return round(epoch.timestamp()) * 1_000_000_000


def test_channels_schemas_and_profile(run: tuple[Path, Path, Recording]) -> None:
    _, _, rec = run
    assert rec.profile == "ros2"
    vehicles = sorted(t.split("/")[2] for t in rec.schemas if t.endswith("/odom"))
    assert vehicles == ["AGV_001", "AGV_002", "AGV_003", "AGV_004"]  # test_small's fleet
    expected = {
        "/borderflow/map_markers": "visualization_msgs/msg/MarkerArray",
        "/borderflow/fleet_markers": "visualization_msgs/msg/MarkerArray",
        "/borderflow/events": "borderflow.EventLogEntry",
    }
    for vid in vehicles:
        expected[f"/agv/{vid}/odom"] = "nav_msgs/msg/Odometry"
        expected[f"/agv/{vid}/state"] = "borderflow_interfaces/msg/VehicleState"
    assert {t: name for t, (name, _) in rec.schemas.items()} == expected
    for topic, (schema_encoding, message_encoding) in rec.encodings.items():
        json_topic = topic == "/borderflow/events"
        assert (schema_encoding, message_encoding) == (
            ("jsonschema", "json") if json_topic else ("ros2msg", "cdr")
        )
    # rosbag2's form: the type's own text, then each dependency after a line of 80 '='
    state_schema = rec.schemas["/agv/AGV_001/state"][1].decode()
    interface = (Path("ros_ws/src/borderflow_interfaces/msg/VehicleState.msg")).read_text()
    assert state_schema.startswith(interface.rstrip("\n") + "\n" + "=" * 80 + "\n")
    assert (
        "MSG: std_msgs/Header\n" in state_schema
        and "MSG: builtin_interfaces/Time\n" in state_schema
    )
    marker_schema = rec.schemas["/borderflow/map_markers"][1].decode()
    for dep in ("visualization_msgs/Marker", "geometry_msgs/Pose", "std_msgs/ColorRGBA",
                "sensor_msgs/CompressedImage", "visualization_msgs/MeshFile"):  # fmt: skip
        assert f"\nMSG: {dep}\n" in marker_schema
    assert rec.metadata["borderflow"]["scenario"] == "test_small"
    assert rec.metadata["borderflow"]["epoch_utc"] == "2026-12-03T00:00:00.000000Z"


def test_the_map_once_at_the_start_then_samples_of_what_changed(
    run: tuple[Path, Path, Recording],
) -> None:
    _, _, rec = run
    t0 = _epoch_ns()
    assert rec.order[0] == ("/borderflow/map_markers", t0)  # the first message of the file
    assert len(rec.messages["/borderflow/map_markers"]) == 1
    sample_times = {t0 + round(k / HZ * 1e9) for k in range(SAMPLES)}
    vehicles = sorted(t.split("/")[2] for t in rec.messages if t.endswith("/odom"))
    for topic, msgs in rec.messages.items():
        if topic.startswith("/agv/") or topic == "/borderflow/fleet_markers":
            times = [t for t, _, _ in msgs]
            assert times[0] == t0, topic  # every vehicle and the whole fleet at t = 0
            assert set(times) <= sample_times and times == sorted(set(times)), topic
            assert [stamp_ns(m if topic.startswith("/agv/") else m.markers[0])
                    for _, m, _ in msgs] == times  # fmt: skip
    fleet = rec.messages["/borderflow/fleet_markers"]
    assert len(fleet[0][1].markers) == 2 * len(vehicles)  # a box and a label each, at t = 0
    # later arrays carry the vehicles that changed; each vehicle keeps its marker id
    ids = {m.text: m.id for m in fleet[0][1].markers if m.ns == "fleet_labels"}
    for _, arr, _ in fleet[1:]:
        assert 0 < len(arr.markers) <= 2 * len(vehicles)
        assert all(ids[m.text] == m.id for m in arr.markers if m.ns == "fleet_labels")
        assert all(m.lifetime.sec == 0 for m in arr.markers)  # shown until replaced
    assert len(fleet) > SAMPLES // 10  # vehicles do move
    # the file is written in time order (Foxglove streams it from the start)
    times = [t for _, t in rec.order]
    assert times == sorted(times)


def _latest(msgs: list[tuple[int, Any, bytes]], t_ns: int) -> Any:
    """The last message at or before ``t_ns`` (what a player shows then)."""
    found = None
    for t, m, _ in msgs:
        if t > t_ns:
            break
        found = m
    return found


def test_what_a_player_shows_at_each_sample_is_where_the_vehicle_was(tmp_path: Path) -> None:
    """Replaying the recording (last message per topic) gives every vehicle's pose and state
    at every sample time, as the simulation had them then."""
    from sim.recorder import SimRecorder
    from sim.runner import Simulation

    sim = Simulation(load_scenario("test_small"))
    rec = SimRecorder(sim, tmp_path / "r.mcap", HZ)
    truth: dict[int, dict[str, Any]] = {}
    original = rec.sample

    def sample(now_s: float) -> None:
        truth[rec.t_ns(now_s)] = {str(v): a.snapshot() for v, a in sim.vehicles.items()}
        original(now_s)

    rec.sample = sample  # type: ignore[method-assign]
    sim.advance(HOURS * 3600)
    rec.close()
    recording = read(tmp_path / "r.mcap")
    ox, oy = map_origin(sim.graph)
    assert len(truth) == SAMPLES
    moving = 0
    for t_ns, snaps in truth.items():
        for vid, snap in snaps.items():
            topic = vid.replace("-", "_")
            odom = _latest(recording.messages[f"/agv/{topic}/odom"], t_ns)
            state = _latest(recording.messages[f"/agv/{topic}/state"], t_ns)
            p = odom.pose.pose.position
            assert (p.x, p.y) == (snap.x_m - ox, snap.y_m - oy), (vid, t_ns)
            assert odom.twist.twist.linear.x == snap.speed_mps
            assert state.node == snap.node and state.next_node == (snap.next_node or "")
            assert state.container_id == (snap.container_ids[0] if snap.container_ids else "")
            assert state.battery_kwh == snap.battery_kwh
            moving += snap.next_node is not None
    assert moving > 0


def test_poses_are_in_the_map_frame_and_agree_between_channels(
    run: tuple[Path, Path, Recording],
) -> None:
    _, _, rec = run
    graph = load_scenario_map(load_scenario("test_small"))
    ox, oy = map_origin(graph)
    xs = [n.x_m - ox for n in graph.nodes.values()]
    ys = [n.y_m - oy for n in graph.nodes.values()]
    moved = 0
    for vid in ("AGV_001", "AGV_002", "AGV_003", "AGV_004"):
        odom = rec.messages[f"/agv/{vid}/odom"]
        state = rec.messages[f"/agv/{vid}/state"]
        first = odom[0][1]
        real_id = vid.replace("_", "-")  # the topic's ROS name of AGV-001
        odom_at = {t: o for t, o, _ in odom}
        for t, s, _ in state:
            o = odom_at.get(t) or _latest(odom, t)  # a state's pose is the odometry's then
            p = o.pose.pose.position
            assert o.header.frame_id == "map" and o.child_frame_id == f"{real_id}/base_link"
            assert (p.x, p.y) == (s.x_m, s.y_m) and s.vehicle_id == real_id
            assert (
                min(xs) - 1e-6 <= p.x <= max(xs) + 1e-6 and min(ys) - 1e-6 <= p.y <= max(ys) + 1e-6
            )
            q = o.pose.pose.orientation
            assert math.isclose(2 * math.atan2(q.z, q.w), s.yaw_rad, abs_tol=1e-9) or s.yaw_rad == 0
        moved += any(o.pose.pose.position.x != first.pose.pose.position.x for _, o, _ in odom)
        # a vehicle's state at t = 0 stands at its start node
        assert state[0][1].mode == 0 and state[0][1].next_node == ""
    assert moved >= 1  # the first containers arrive after 26 min and are moved
    driving = [s for vid in ("AGV_001", "AGV_002") for _, s, _ in rec.messages[f"/agv/{vid}/state"]
               if s.next_node]  # fmt: skip
    assert all(s.mode in (1, 2) and s.speed_mps >= 0 for s in driving)


def test_map_markers_draw_lanes_stations_zones_and_the_border(
    run: tuple[Path, Path, Recording],
) -> None:
    _, _, rec = run
    graph = load_scenario_map(load_scenario("test_small"))
    ((_, arr, _),) = rec.messages["/borderflow/map_markers"]
    by_ns: dict[str, list[Any]] = {}
    for m in arr.markers:
        assert m.header.frame_id == "map" and m.action == 0
        by_ns.setdefault(m.ns, []).append(m)
    assert set(by_ns) == {"lanes", "border_lanes", "stations", "station_labels", "zones",
                          "zone_labels", "border"}  # fmt: skip
    segments = sum(len(e.shape_m) + 1 for e in graph.edges.values())
    assert len(by_ns["lanes"][0].points) + len(by_ns["border_lanes"][0].points) == 2 * segments
    assert len(by_ns["stations"]) == len(graph.stations)
    assert sorted(m.text for m in by_ns["station_labels"]) == sorted(graph.stations)
    assert sorted(m.text for m in by_ns["zone_labels"]) == sorted(
        z.name for z in graph.zones.values()
    )
    assert len(by_ns["border"][0].points) >= 2 and by_ns["border"][0].type == 4  # LINE_STRIP


def test_event_channel_holds_the_event_log_line_for_line(
    run: tuple[Path, Path, Recording],
) -> None:
    _, events, rec = run
    lines = events.read_text().splitlines()
    recorded = rec.messages["/borderflow/events"]
    assert len(lines) >= 3  # vehicles joining at least
    assert [data.decode() for _, _, data in recorded] == lines
    t0 = _epoch_ns()
    for log_time, entry, _ in recorded:
        assert log_time == t0 + round(entry["t_s"] * 1e9)
    assert json.loads(rec.schemas["/borderflow/events"][1])["type"] == "object"


def test_cdr_is_what_the_reference_encoder_writes(run: tuple[Path, Path, Recording]) -> None:
    """Re-encoding each decoded message with mcap_ros2's own serializer gives the same bytes."""
    from mcap_ros2._dynamic import serialize_dynamic

    _, _, rec = run
    for topic in ("/agv/AGV_001/odom", "/agv/AGV_001/state", "/borderflow/fleet_markers",
                  "/borderflow/map_markers"):  # fmt: skip
        name, schema = rec.schemas[topic]
        short = name.replace("/msg/", "/")
        encode = serialize_dynamic(short, schema.decode())[short]
        for _, decoded, data in rec.messages[topic][:: max(1, len(rec.messages[topic]) // 50)]:
            assert encode(decoded) == data, topic


def test_same_seed_same_bytes_and_recording_changes_nothing(
    run: tuple[Path, Path, Recording], tmp_path: Path
) -> None:
    mcap, events, _ = run
    again, plain = tmp_path / "again.mcap", tmp_path / "plain.jsonl"
    result = _simulate(tmp_path, "--mcap", str(again), "--mcap-hz", str(HZ))
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == mcap.read_bytes()
    assert _simulate(tmp_path, "--events", str(plain)).exit_code == 0
    assert plain.read_bytes() == events.read_bytes()  # the recorder only reads the run


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--mcap", "/proc/no/run.mcap"], "cannot write the recording /proc/no/run.mcap"),
        (["--mcap", "{dir}"], "is a directory"),
        (["--mcap", "{dir}/r.mcap", "--mcap-hz", "0"], "--mcap-hz must be > 0"),
        (["--mcap", "{dir}/r.mcap", "--mcap-hz", "-1"], "--mcap-hz must be > 0"),
        (["--mcap", "{dir}/r.mcap", "--mcap-hz", "nan"], "--mcap-hz must be > 0"),
    ],
)
def test_bad_recording_options_exit_2_with_one_line(
    extra: list[str], needle: str, tmp_path: Path
) -> None:
    args = [a.replace("{dir}", str(tmp_path)) for a in extra]
    result = _simulate(tmp_path, *args)
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "r.mcap").exists()
