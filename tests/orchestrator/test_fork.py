"""Freezing and thawing the core: only bytes this runtime signed are thawed, and a thaw without a
collaborator the frozen core needs says which one."""

from __future__ import annotations

import pickle
import secrets

import pytest

from orchestrator.config import OrchestratorConfig
from orchestrator.core import Orchestrator
from orchestrator.errors import ForkError
from orchestrator.messages import VehicleJoined
from tests.orchestrator.fleet import FakeClock, ListSink
from tests.orchestrator.graphs import two_yard_crossing
from tests.orchestrator.helpers import CheckingLedger

KEY = secrets.token_bytes(32)


def _core(ledger: object | None = None) -> Orchestrator:
    graph = two_yard_crossing()
    core = Orchestrator(graph, OrchestratorConfig(), clock=FakeClock(), sink=ListSink(),
                        ledger=ledger)  # type: ignore[arg-type]  # fmt: skip
    node = sorted(graph.nodes)[0]
    core.handle(VehicleJoined(0.0, "AGV-001", node, 100.0))  # type: ignore[arg-type]
    return core


def _thaw(blob: bytes, key: bytes = KEY, **ports: object) -> Orchestrator:
    return Orchestrator.thaw(blob, key, graph=two_yard_crossing(), clock=FakeClock(),
                             sink=ListSink(), **ports)  # type: ignore[arg-type]  # fmt: skip


def test_round_trip_keeps_the_state_and_takes_the_new_ports() -> None:
    core = _core()
    sink, clock = ListSink(), FakeClock()
    copy = Orchestrator.thaw(core.freeze(KEY), KEY, graph=two_yard_crossing(), clock=clock,
                             sink=sink)  # fmt: skip
    assert copy.snapshot() == core.snapshot()
    clock.t_s = 5.0
    assert copy.views is not core.views


@pytest.mark.parametrize(
    ("mangle", "words"),
    [
        (lambda b: b[:-1] + bytes([b[-1] ^ 1]), "signature does not match"),
        (lambda b: b[:40], "signature does not match"),
        (lambda b: b"hello", "header is missing"),
        (lambda b: pickle.dumps({"a": 1}), "header is missing"),
    ],
)
def test_altered_or_foreign_bytes_are_refused_before_unpickling(mangle, words) -> None:  # type: ignore[no-untyped-def]
    blob = mangle(_core().freeze(KEY))
    with pytest.raises(ForkError, match=words):
        _thaw(blob)


def test_another_key_is_refused_and_a_short_key_is_an_error() -> None:
    blob = _core().freeze(KEY)
    with pytest.raises(ForkError, match="signature does not match"):
        _thaw(blob, key=secrets.token_bytes(32))
    with pytest.raises(ForkError, match="at least 16"):
        _core().freeze(b"short")


def test_a_missing_collaborator_is_named() -> None:
    blob = _core(ledger=CheckingLedger()).freeze(KEY)
    with pytest.raises(ForkError, match="needs a 'ledger'"):
        _thaw(blob)
    copy = _thaw(blob, ledger=CheckingLedger())
    assert copy.healthy
