"""Node processes: a bad parameter fails at start-up with one clear line; ``borderflow ros up``
starts the stack and stops it cleanly on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli.ros_cmd import node_argv

pytestmark = pytest.mark.timeout(90)


def test_bad_parameter_exits_2_with_a_clear_message(ros_env: dict[str, str]) -> None:
    argv = node_argv("agv_sim_node", {"map": "test_crossing", "vehicles": 0})
    done = subprocess.run(
        argv, env=ros_env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "parameter 'vehicles' = 0 must be >= 1" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_start_node_is_refused(ros_env: dict[str, str]) -> None:
    argv = node_argv("agv_sim_node", {"vehicles": 1, "start_nodes": ["nowhere"]})
    done = subprocess.run(
        argv, env=ros_env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2 and "start node 'nowhere' is not on the map" in done.stderr


def test_ros_up_starts_the_stack_and_stops_it_on_ctrl_c(
    ros_env: dict[str, str], tmp_path: Path
) -> None:
    env = dict(ros_env)
    env["ROS_DOMAIN_ID"] = str((int(env["ROS_DOMAIN_ID"]) + 1) % 100)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli import app; app()", "ros", "up", "--agvs", "2",
         "--domain-id", env["ROS_DOMAIN_ID"], "--state-dir", str(tmp_path / "bridge")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        time.sleep(6.0)
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "3 processes up" in out or "4 processes up" in out
    assert "orchestrator=0" in out and "agv_sim_01=0" in out and "markers=0" in out
    # It made the bridge's decision key in the state directory and gave the node its public half.
    assert (tmp_path / "bridge" / "decisions.key.pub").is_file()
    assert "decisions signed by key" in out
    # Containers arrive by themselves: the map's bundled demo scenario.
    assert "on map test_crossing" in out and "scenario test_small" in out
    assert "containers arrive over" in out


def test_ros_mirror_publishes_a_simpy_runs_vehicles(ros_env: dict[str, str]) -> None:
    """``borderflow ros mirror``: a SimPy scenario's AGVs appear as odometry on ROS 2 (the
    SimPy runtime and the ROS package meet only in the command line)."""
    from borderflow_ros.client import RosClient

    env = dict(ros_env)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli import app; app()", "ros", "mirror", "test_small",
         "--speed", "30", "--domain-id", env["ROS_DOMAIN_ID"]],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    client = RosClient(["AGV-001", "AGV-002"])
    try:
        client.wait_for("mirrored odometry", lambda: len(client.odom) == 2, 40)
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        client.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "mirroring 4 SimPy vehicles" in out
