"""A thawed core is the same core: fed the same events as the original it answers with the same
commands, domain events and custody events, to the end of the day.

The event stream is a real one: everything the core handled in a simulated Erenhot morning
(arrivals, verdicts changing mid-route, scans, holds and releases, seal reads, a closure),
recorded, then replayed into a fresh core that is frozen part-way and thawed on new ports.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

import pytest

from orchestrator.core import Orchestrator
from orchestrator.messages import Command, Event
from sim.core_adapter import build_core
from sim.runner import Simulation
from sim.scenario import load_scenario

KEY = secrets.token_bytes(32)


class Clock:
    def __init__(self) -> None:
        self.t_s = 0.0

    def now_s(self) -> float:
        return self.t_s


class Sink:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def emit(self, event: Any) -> None:
        self.events.append(event)


class Ledger:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def append(self, event: Any) -> int:
        self.events.append(event)
        return len(self.events)


class Recording:
    """The real core behind the runtime, every (clock, event, commands) written down."""

    def __init__(self, core: Orchestrator, clock: Any) -> None:
        self.core, self.clock = core, clock
        self.log: list[tuple[float, Event, list[Command]]] = []

    def handle(self, event: Event) -> list[Command]:
        commands = self.core.handle(event)
        self.log.append((self.clock.now_s(), event, list(commands)))
        return commands


@pytest.fixture(scope="module")
def recorded() -> tuple[Any, Any, list[tuple[float, Event, list[Command]]]]:
    sc = load_scenario("erenhot_reassessment").with_overrides(hours=7.0)
    sc = replace(sc, tick_s=120.0)
    holder: dict[str, Recording] = {}

    def factory(graph: Any, scenario: Any, clock: Any, log: Any) -> Recording:
        rec = Recording(build_core(graph, scenario, clock=clock, sink=log, ledger=Ledger()), clock)
        holder["rec"] = rec
        return rec

    sim = Simulation(sc, core_factory=factory, keep_log=False)
    sim.run()
    return sc, sim.graph, holder["rec"].log


def _fresh(sc: Any, graph: Any) -> tuple[Orchestrator, Clock, Sink, Ledger]:
    clock, sink, ledger = Clock(), Sink(), Ledger()
    return build_core(graph, sc, clock=clock, sink=sink, ledger=ledger), clock, sink, ledger  # type: ignore[arg-type]


def _feed(core: Orchestrator, clock: Clock, items: Any) -> list[list[Command]]:
    out = []
    for t_s, event, _ in items:
        clock.t_s = t_s
        out.append(core.handle(event))
    return out


@pytest.mark.parametrize("share", [0.15, 0.5, 0.85])
def test_a_thawed_core_answers_like_the_original(recorded: Any, share: float) -> None:
    sc, graph, log = recorded
    assert len(log) > 5000
    kinds = {type(e).__name__ for _, e, _ in log}
    assert {"VerdictIssued", "HoldReleased", "ScanCompleted", "SealChecked", "LaneClosed"} <= kinds
    k = int(len(log) * share)
    original, clock_a, sink_a, ledger_a = _fresh(sc, graph)
    # the replayed core is the runtime's core: the same answers up to the fork
    assert _feed(original, clock_a, log[:k]) == [cmds for _, _, cmds in log[:k]]
    blob = original.freeze(KEY)
    clock_b, sink_b, ledger_b = Clock(), Sink(), Ledger()
    clock_b.t_s = clock_a.t_s
    copy = Orchestrator.thaw(blob, KEY, graph=graph, clock=clock_b, sink=sink_b, ledger=ledger_b)
    assert copy.snapshot() == original.snapshot()
    n_sink, n_ledger = len(sink_a.events), len(ledger_a.events)
    after_a = _feed(original, clock_a, log[k:])
    after_b = _feed(copy, clock_b, log[k:])
    assert after_a == after_b == [cmds for _, _, cmds in log[k:]]
    assert sum(map(len, after_b)) > 100
    # (by repr: a copy's resources are its own objects, and resources compare by identity)
    assert list(map(repr, sink_b.events)) == list(map(repr, sink_a.events[n_sink:]))
    assert len(sink_b.events) > 100
    assert ledger_b.events == ledger_a.events[n_ledger:]
    assert copy.snapshot() == original.snapshot()
    assert copy.views is not original.views
    assert clock_b.now_s() == clock_a.now_s()


def test_the_copy_is_independent_of_the_original(recorded: Any) -> None:
    sc, graph, log = recorded
    core, clock, _, _ = _fresh(sc, graph)
    k = len(log) // 2
    _feed(core, clock, log[:k])
    before = core.snapshot()
    copy = Orchestrator.thaw(core.freeze(KEY), KEY, graph=graph, clock=Clock(), sink=Sink(),
                             ledger=Ledger())  # fmt: skip
    _feed(copy, Clock(), log[k : k + 2000])  # the copy moves on...
    assert core.snapshot() == before  # ...the original did not
    assert copy.snapshot() != before
