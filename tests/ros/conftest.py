"""ROS 2 test fixtures: build the workspace once, make the built packages importable here, and
give every test run its own ROS_DOMAIN_ID with DDS kept on loopback.

The session fixture runs scripts/ros_setup.sh (idempotent); when that fails the tests fail with
its output (they never skip). The built message libraries are preloaded with ctypes because the
dynamic loader read LD_LIBRARY_PATH before pytest started.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from risk_bridge.cli.ros_cmd import INSTALL, ensure_built, ros_environment

_DOMAIN = 60 + os.getpid() % 40  # private per pytest run (0..101 is the safe range on Linux)


def _preload(lib_dir: Path) -> None:
    pending = sorted(lib_dir.glob("lib*.so"))
    for _ in range(len(pending) + 1):  # load in any order: retry until dependencies are in
        failed = []
        for lib in pending:
            try:
                ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)
            except OSError:
                failed.append(lib)
        if not failed:
            return
        pending = failed
    raise RuntimeError(f"cannot load {[p.name for p in pending]} from {lib_dir}")


@pytest.fixture(scope="session")
def ros_env() -> Iterator[dict[str, str]]:
    """Build once, export the DDS settings into this process, and return the env for children."""
    try:
        ensure_built()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    env = ros_environment(_DOMAIN)
    keys = ("AMENT_PREFIX_PATH", "ROS_AUTOMATIC_DISCOVERY_RANGE", "ROS_DOMAIN_ID")
    keys += ("FASTDDS_DEFAULT_PROFILES_FILE", "RMW_IMPLEMENTATION", "LD_LIBRARY_PATH")
    for key in keys:
        os.environ[key] = env[key]
    site = str(INSTALL / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
               / "site-packages")  # fmt: skip
    if site not in sys.path:
        sys.path.insert(0, site)
    _preload(INSTALL / "lib")
    yield env
