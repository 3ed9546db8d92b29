"""ROS 2 test fixtures: build the workspace once, make the built packages importable here, and
give every test run its own ROS_DOMAIN_ID with DDS kept on loopback.

The session fixture runs scripts/ros_setup.sh (idempotent); when that fails the tests fail with
its output (they never skip). The built message libraries are preloaded with ctypes because the
dynamic loader read LD_LIBRARY_PATH before pytest started.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from cli.ros_cmd import activate_in_process

_DOMAIN = 60 + os.getpid() % 40  # private per pytest run (0..101 is the safe range on Linux)


@pytest.fixture(scope="session")
def ros_env() -> Iterator[dict[str, str]]:
    """Build once, export the DDS settings into this process, and return the env for children."""
    try:
        env = activate_in_process(_DOMAIN)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield env
