"""The simulated customs of ``serve --fleet ros`` (borderflow_ros.bridge_customs) on their own:
what they decide, for which containers, by whom, and that every run decides the same."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest

from orchestrator.domain.iso6346 import container_number
from orchestrator.lanegraph import Side
from orchestrator.messages import Event, HoldReleased, RiskLevel, VerdictIssued


@pytest.fixture()
def customs(ros_env: dict[str, str]) -> Any:
    from borderflow_ros import bridge_customs

    return bridge_customs


class Sink:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)

    def wait(self, n: int, timeout_s: float = 5.0) -> list[Event]:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            with self.lock:
                if len(self.events) >= n:
                    return list(self.events)
            time.sleep(0.01)
        raise AssertionError(f"{n} events expected, got {self.events}")


def test_each_declared_container_gets_one_verdict_from_its_origin_side(customs: Any) -> None:
    cn, mn, stranger = (container_number("BFL", n) for n in (1, 2, 3))
    sink = Sink()
    c = customs.SimulatedCustoms(sink, lambda: 42.0, {cn, mn}, run_token="r7",
                                 latency_s=(0.05, 0.1), release_s=(0.05, 0.1))  # fmt: skip
    try:
        c.order_taken("O1", cn, "CN->MN")
        c.order_taken("O2", mn, "MN->CN")
        c.order_taken("O3", stranger, "CN->MN")  # not declared: the bridge would refuse it
        c.order_taken("O1", cn, "CN->MN")  # heard again (a replay): decided once
        events = sink.wait(2)
        time.sleep(0.2)
        assert len(sink.events) == 2 and c.verdicts_sent == 2
    finally:
        c.stop()
    by_cid = {e.container_id: e for e in events if isinstance(e, VerdictIssued)}
    assert set(by_cid) == {cn, mn}
    assert by_cid[cn].authority is Side.CN and by_cid[mn].authority is Side.MN
    assert by_cid[cn].verdict_id == "CN-V-O1-r7" and by_cid[cn].t_s == 42.0
    assert by_cid[cn].level is customs.SimulatedCustoms.fate(cn)


def test_a_hold_is_released_by_an_officer_of_the_holding_side(customs: Any) -> None:
    cid = container_number("BFL", 4)
    sink = Sink()
    c = customs.SimulatedCustoms(sink, lambda: 0.0, {cid}, latency_s=(0.05, 0.1),
                                 release_s=(0.05, 0.1))  # fmt: skip
    try:
        c.hold_placed(cid, Side.MN)
        (release,) = sink.wait(1)
    finally:
        c.stop()
    assert isinstance(release, HoldReleased)
    assert (release.container_id, release.authority) == (cid, Side.MN)
    assert release.officer_id.startswith("MN-officer-") and c.releases_sent == 1


def test_fates_are_the_same_every_run_and_follow_the_mix(customs: Any) -> None:
    ids = [container_number("MSK", n) for n in range(1, 2001)]
    fates = [customs.SimulatedCustoms.fate(cid) for cid in ids]
    assert fates == [customs.SimulatedCustoms.fate(cid) for cid in ids]
    share = Counter(fates)
    for level, weight in customs.RISK_MIX:
        assert abs(share[level] / len(ids) - weight) < 0.04, (level, share)
    assert set(share) == {RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH}


def test_stop_ends_the_worker_with_decisions_still_pending(customs: Any) -> None:
    cid = container_number("BFL", 5)
    sink = Sink()
    c = customs.SimulatedCustoms(sink, lambda: 0.0, {cid}, latency_s=(30.0, 30.0))
    c.order_taken("O1", cid, "CN->MN")
    c.stop()
    assert not c._thread.is_alive() and sink.events == []
