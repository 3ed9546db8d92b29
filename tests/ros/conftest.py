"""ROS 2 test fixtures: build the workspace once, make the built packages importable here, and
give every test run its own ROS_DOMAIN_ID with DDS kept on loopback.

The session fixture runs scripts/ros_setup.sh (idempotent); when that fails the tests fail with
its output (they never skip). The built message libraries are preloaded with ctypes because the
dynamic loader read LD_LIBRARY_PATH before pytest started.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cli.ros_cmd import ProcessGroup, activate_in_process

if TYPE_CHECKING:  # the built package is importable once the ros_env fixture ran
    from borderflow_ros.client import RosClient

_DOMAIN = 60 + os.getpid() % 40  # private per pytest run (0..101 is the safe range on Linux)


@pytest.fixture(scope="session")
def ros_env() -> Iterator[dict[str, str]]:
    """Build once, export the DDS settings into this process, and return the env for children."""
    try:
        env = activate_in_process(_DOMAIN)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield env


class DecisionKeys:
    """A test bridge's decision key: the public PEM for the node's decision_key parameter and
    signers of its decisions (one per sender; the node keeps one counter per channel)."""

    def __init__(self, folder: Path) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from risk_bridge.ledger.keys import public_key_pem

        self.private_key = Ed25519PrivateKey.generate()
        self.public_path = folder / "decisions.pub"
        self.public_path.write_bytes(public_key_pem(self.private_key.public_key()))

    def signer(self) -> Any:
        from borderflow_ros.decision_auth import DecisionSigner

        return DecisionSigner(self.private_key)


@pytest.fixture(scope="session")
def decision_keys(ros_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Any:
    return DecisionKeys(tmp_path_factory.mktemp("decision-key"))


@pytest.fixture()
def stack(
    ros_env: dict[str, str], tmp_path: Path, decision_keys: Any
) -> Iterator[tuple[ProcessGroup, Any]]:
    """The node processes and a connect(vehicle_ids) -> RosClient (signing as the bridge); all
    stopped afterwards, and every process not killed on purpose must have exited 0."""
    group = ProcessGroup(ros_env, tmp_path / "logs")
    group.decision_keys = decision_keys  # type: ignore[attr-defined]
    helpers: list[Any] = []

    def connect(ids: list[str]) -> RosClient:
        from borderflow_ros.client import RosClient

        client = RosClient(ids, decision_keys.signer())
        helpers.append(client.close)
        return client

    group.helpers = helpers  # type: ignore[attr-defined]
    try:
        yield group, connect
    finally:
        for close in reversed(helpers):
            close()
        codes = group.stop()
        for name, code in codes.items():
            if name not in getattr(group, "killed", set()):
                log = (tmp_path / "logs" / f"{name}.log").read_text(errors="replace")[-3000:]
                assert code == 0, f"{name} exited {code}; its log ends:\n{log}"
