"""Which thread runs what in the bridge process: the one place that says it.

================  ==========================  ===========================================
thread (name)     started by                  runs
================  ==========================  ===========================================
event loop        uvicorn (or the tests'      routers, :mod:`~risk_bridge.deps`, the fast
                  TestClient)                 path (:mod:`~risk_bridge.fastpath`): parse,
                                              authenticate, the checks that need no state
                                              (``verdicts.check_verdicts``,
                                              ``lanes.check_target``,
                                              ``warnings.check_warning``,
                                              ``orders.check_order``), submit a job,
                                              await it, map its outcome to a status code.
                                              GET routes read ``BridgeState`` (whole
                                              records); they never change it.
writer            ``Committer``               every job: the writer-side functions of
(``committer``)                               :mod:`~risk_bridge.verdicts`,
                                              :mod:`~risk_bridge.holds`,
                                              :mod:`~risk_bridge.releases`,
                                              :mod:`~risk_bridge.warnings`,
                                              :mod:`~risk_bridge.lanes`,
                                              :mod:`~risk_bridge.orders`,
                                              :mod:`~risk_bridge.webhooks`,
                                              :mod:`~risk_bridge.fleet_log`,
                                              :mod:`~risk_bridge.recovery`,
                                              :mod:`~risk_bridge.idempotency`; the durable
                                              commit; then the effects: feeding the core
                                              (:class:`~risk_bridge.core_link.CoreLink`,
                                              the only caller of ``fleet.deliver``), the
                                              fail-safes, publishing to the SSE broker.
                                              The ONLY thread that changes ``BridgeState``.
fleet pump        ``BridgeService.start``     :func:`risk_bridge.fleet_log.pump`: the
(``fleet-pump``)  (with a fleet)              fleet's log entries through ``translate``
                                              into jobs; the simulated customs' decisions
                                              into ordinary writes (queued, not applied).
ticker            ``BridgeService.start``     once a second: store ping, then a fail-safe,
(``ticker``)                                  recovery or warnings-tick job (queued).
fleet pacing      ``sim.live.SimFleet.start``          advances simulated time under the fleet's
(``fleet``)       (real-time SimPy fleet)     lock; the core's log entries and customs
                                              decisions go to the fleet's queues.
webhooks          ``WebhookDispatcher.start``  delivers due outbox rows (the store's lock
(``webhooks``)                                serialises it with the writer); reads the
                                              secrets the writer's effects register.
ROS executor      ``RosBridgeFleet``          (ROS fleet only) the node's hold and custody
                                              messages into the fleet's log queue.
================  ==========================  ===========================================

:func:`assert_writer_thread` checks the rule at the entry of the writer-side functions. It
costs one global lookup unless checks are on (:func:`enable_checks`; the tests turn them on).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

__all__ = [
    "as_writer",
    "assert_writer_thread",
    "enable_checks",
    "writer_started",
    "writer_stopped",
]

_writers: set[int] = set()
_checking = False


def enable_checks(on: bool = True) -> None:
    """Make :func:`assert_writer_thread` raise off the writer thread (tests; off by default)."""
    global _checking  # noqa: PLW0603 (one process-wide switch)
    _checking = on


def writer_started() -> None:
    """Called by a committer's thread when it starts: this thread is a writer."""
    _writers.add(threading.get_ident())


def writer_stopped() -> None:
    _writers.discard(threading.get_ident())


def assert_writer_thread() -> None:
    """Raise AssertionError if checks are on and this is not a committer's thread."""
    if _checking and threading.get_ident() not in _writers:
        raise AssertionError(
            f"writer-side bridge code called on thread {threading.current_thread().name!r}; "
            "only the committer thread may change the bridge state (submit a job instead)"
        )


@contextlib.contextmanager
def as_writer() -> Iterator[None]:
    """Run a block as the writer (unit tests of the writer-side functions, no committer)."""
    me = threading.get_ident()
    added = me not in _writers
    _writers.add(me)
    try:
        yield
    finally:
        if added:
            _writers.discard(me)
