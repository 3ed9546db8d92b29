"""``borderflow ros record``: the options and the output path are checked before ROS starts
(bad ones exit 2 with one line), and which topics it records."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from cli.ros_record import wanted_topic

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["{dir}/r.mcap", "--duration-s", "0"], "--duration-s must be a number of seconds > 0"),
        (["{dir}/r.mcap", "--duration-s", "-5"], "--duration-s must be a number of seconds > 0"),
        (["{dir}/r.mcap", "--duration-s", "inf"], "--duration-s must be a number of seconds > 0"),
        (["/proc/no/r.mcap", "--duration-s", "1"], "cannot write the recording /proc/no/r.mcap"),
        (["{dir}", "--duration-s", "1"], "is a directory"),
        (["{dir}/r.mcap", "--domain-id", "300"], "outside 0..101"),
    ],
)
def test_bad_input_exits_2_with_one_line_before_ros(
    args: list[str], needle: str, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["ros", "record", *(a.replace("{dir}", str(tmp_path)) for a in args)]
    )
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "r.mcap").exists()


def test_records_borderflow_topics_and_vehicle_odometry_and_state_only() -> None:
    for name in ("/borderflow/map_markers", "/borderflow/custody", "/agv/agv_01/odom",
                 "/agv/AGV_001/state"):  # fmt: skip
        assert wanted_topic(name), name
    for name in ("/rosout", "/parameter_events", "/agv/agv_01/command", "/agv/a/b/odom",
                 "/borderflow/transport_container/_action/status", "/tf"):  # fmt: skip
        assert not wanted_topic(name), name
