"""The orchestrator node's frozen core for the bridge's forecasts, over real DDS: the node hands
it out only to a request the bridge signed and signs it with the shared fork key; an outsider's
request is refused and counted; a node without a fork key says how to give it one; the bytes
thaw into a working core with the fork key and with no other; a forecast played from them
delivers the node's containers."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli.ros_cmd import ProcessGroup, node_argv
from maps import load_map
from orchestrator.core import Orchestrator
from orchestrator.domain.forecast import ForecastRequest, LiveCore
from orchestrator.domain.iso6346 import container_number
from orchestrator.errors import ForkError
from orchestrator.ids import OrderId, StationId
from orchestrator.lanegraph import Side
from orchestrator.messages import Direction, OrderArrived, RiskLevel, VerdictIssued
from risk_bridge.security.fork_key import ensure_fork_key
from sim.forecast.world import forecast_live
from sim.scenario import load_scenario

pytestmark = pytest.mark.timeout(150)


def _group(ros_env: dict[str, str], logs: Path, **params: object) -> ProcessGroup:
    group = ProcessGroup(ros_env, logs)
    group.start("orchestrator", node_argv("orchestrator_node", {
        "map": "test_crossing", "dispatch_interval_s": 1.0, **params}))  # fmt: skip
    return group


@pytest.fixture()
def closers() -> Iterator[list[Any]]:
    out: list[Any] = []
    yield out
    for close in reversed(out):
        close()


def _stopped(group: ProcessGroup, logs: Path) -> None:
    for name, code in group.stop().items():
        log = (logs / f"{name}.log").read_text(errors="replace")[-3000:]
        assert code == 0, f"{name} exited {code}; its log ends:\n{log}"


def _freeze(link: Any, timeout_s: float = 30.0) -> tuple[bytes, float]:
    deadline = time.monotonic() + timeout_s
    while True:  # the service may take a moment to be discovered
        try:
            return link.freeze_core(timeout_s=5.0)  # type: ignore[no-any-return]
        except TimeoutError:
            if time.monotonic() > deadline:
                raise


def test_the_node_hands_its_core_only_to_the_bridge_signed_with_the_fork_key(
    ros_env: dict[str, str], tmp_path: Path, decision_keys: Any, closers: list[Any]
) -> None:
    from borderflow_interfaces.srv import FreezeCore
    from borderflow_ros import qos
    from borderflow_ros.bridge_link import BridgeLink
    from borderflow_ros.client import RosClient

    fork = ensure_fork_key(tmp_path / "state")
    logs = tmp_path / "logs"
    group = _group(ros_env, logs, decision_key=str(decision_keys.public_path),
                   fork_key=str(fork.path), vehicle_ids=["agv_01"])  # fmt: skip
    try:
        group.start("agv_01", node_argv("agv_sim_node", {"map": "test_crossing",
                                                         "vehicle_ids": ["agv_01"],
                                                         "time_scale": 10.0}))  # fmt: skip
        outsider = RosClient([])
        closers.append(outsider.close)
        outsider.wait_for("the node", lambda: _status(outsider) is not None, 30)
        # An outsider asks for the core: refused, counted, nothing handed out.
        cli: Any = outsider.node.create_client(FreezeCore, qos.FREEZE_SERVICE)
        assert cli.wait_for_service(timeout_sec=20)
        res = _call(cli, FreezeCore.Request(request_id="outsider-1"))
        assert not res.accepted and "unsigned forecast 'outsider-1' refused" in res.message
        assert len(res.core) == 0
        assert outsider.status()["decisions_refused"] == 1

        link = BridgeLink(decision_keys.signer())
        closers.append(link.stop)
        cid = container_number("FRC", 1)
        link.deliver(OrderArrived(0.0, OrderId("o-f1"), cid, Direction.CN_TO_MN,
                                  StationId("cn_slot_01")))  # fmt: skip
        link.deliver(VerdictIssued(0.0, cid, RiskLevel.LOW, Side.CN, "v-f1", "cleared"))
        outsider.wait_for("the order taken", lambda: _orders(_status(outsider)) >= 1, 30)
        # The vehicle joins with its first state message, which may come after the order.
        joined = lambda: "agv_01" in (_status(outsider) or {}).get("vehicles", {})  # noqa: E731
        outsider.wait_for("agv_01 joined", joined, 30)
        blob, now_s = _freeze(link)
        assert now_s > 0 and len(blob) > 1000
        graph = load_map("test_crossing")
        with pytest.raises(ForkError, match="signature"):
            Orchestrator.thaw(blob, os.urandom(32), graph=graph, clock=_Clock(now_s),
                              sink=_Sink())  # fmt: skip
        core = Orchestrator.thaw(blob, fork.key, graph=graph, clock=_Clock(now_s), sink=_Sink(),
                                 ledger=_Ledger())  # fmt: skip
        assert core.views.has_order("o-f1") and core.views.has_vehicle("agv_01")
        # Played ahead in a world rebuilt around it: the container is delivered.
        doc = forecast_live(load_scenario("erenhot_day"), graph,
                            LiveCore(blob, now_s, "orchestrator node"), fork.key,
                            ForecastRequest(horizon_h=1.0, seeds=1))  # fmt: skip
        assert doc["no_change"]["summary"]["delivered"]["mean"] >= 1
        assert "orchestrator node" in doc["world"]
    finally:
        for close in reversed(closers):
            close()
        closers.clear()
        _stopped(group, logs)


def test_a_node_without_a_fork_key_says_how_to_give_it_one(
    ros_env: dict[str, str], tmp_path: Path, decision_keys: Any, closers: list[Any]
) -> None:
    from borderflow_ros.bridge_link import BridgeLink
    from borderflow_ros.errors import NodeRefusedError

    logs = tmp_path / "logs"
    group = _group(ros_env, logs, decision_key=str(decision_keys.public_path))
    try:
        link = BridgeLink(decision_keys.signer())
        closers.append(link.stop)
        with pytest.raises(NodeRefusedError, match=r"fork_key:=.*borderflow bridge fork-key"):
            _freeze(link)
    finally:
        for close in reversed(closers):
            close()
        closers.clear()
        _stopped(group, logs)


@pytest.mark.parametrize("case", ["short", "not hex", "open to others", "missing"])
def test_a_bad_fork_key_file_is_refused_with_the_fix(
    ros_env: dict[str, str], tmp_path: Path, case: str
) -> None:
    from borderflow_ros.core_freezer import load_fork_key
    from borderflow_ros.errors import ParameterError

    path = tmp_path / "forks.key"
    if case != "missing":
        path.write_text({"short": "abcd", "not hex": "zz" * 32}.get(case, "ab" * 32))
        path.chmod(0o644 if case == "open to others" else 0o600)
    with pytest.raises(ParameterError, match=r"borderflow bridge fork-key|chmod 600"):
        load_fork_key(str(path))
    path.unlink(missing_ok=True)
    good = ensure_fork_key(tmp_path)
    assert load_fork_key(str(good.path)) == good.key and load_fork_key("") is None


class _Clock:
    def __init__(self, t_s: float) -> None:
        self.t_s = t_s

    def now_s(self) -> float:
        return self.t_s


class _Sink:
    def emit(self, event: object) -> None:
        return None


class _Ledger:
    def append(self, event: object) -> int:
        return 1


def _status(c: Any) -> dict[str, Any] | None:
    try:
        return c.status()  # type: ignore[no-any-return]
    except TimeoutError:
        return None


def _orders(status: dict[str, Any] | None) -> int:
    return sum(int(v) for k, v in (status or {}).items() if k.startswith("orders_"))


def _call(cli: Any, req: Any) -> Any:
    fut = cli.call_async(req)
    deadline = time.monotonic() + 10
    while not fut.done():
        assert time.monotonic() < deadline, "no answer"
        time.sleep(0.01)
    return fut.result()
