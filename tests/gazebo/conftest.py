"""Fixtures for the Gazebo world tests: the real SDFormat checker, generated worlds, ROS.

``ign sdf -k`` (Debian's libsdformat-dev + ignition-tools, installed by ``make sdf``) checks
every world. It missing is a failure with the install line, never a skip. ``ros_env`` is the
ROS test environment of tests/ros (built workspace, private domain), for the tests that compare
the bridge config with the fleet adapter's own topic table.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.ros.conftest import ros_env  # noqa: F401  (the ROS environment, built once)

INSTALL_HINT = (
    "run `make sdf` (or `bash scripts/sdf_tools.sh`: apt-get install --no-install-recommends "
    "libsdformat-dev ignition-tools)"
)


def require_ign(path_env: str | None = None) -> str:
    """The ``ign`` executable with its ``sdf`` command; fails the test run (no skip) when absent."""
    ign = shutil.which("ign", path=path_env if path_env is not None else os.environ.get("PATH"))
    if ign is None:
        pytest.fail(f"`ign sdf` (SDFormat checker) not found: {INSTALL_HINT}", pytrace=False)
    probe = subprocess.run(
        [ign, "sdf", "--help"], check=False, capture_output=True, text=True, timeout=60
    )
    if probe.returncode != 0:
        pytest.fail(
            f"`ign sdf` does not run ({probe.stderr.strip()[:200]}): {INSTALL_HINT}", pytrace=False
        )
    return ign


@pytest.fixture(scope="session")
def ign() -> str:
    return require_ign()


@pytest.fixture(scope="session")
def sdf_check(ign: str) -> Callable[[Path], subprocess.CompletedProcess[str]]:
    """``ign sdf -k FILE``, the completed process (exit 0 and "Valid." when valid)."""

    def check(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ign, "sdf", "-k", str(path)], check=False, capture_output=True, text=True, timeout=120
        )

    return check
