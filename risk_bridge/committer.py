"""Group commit: one writer thread turns queued write jobs into one durable transaction.

A job runs on the writer thread (see :mod:`risk_bridge.threads`) against the in-memory state
(so jobs are serialised and see each other's effects) and returns an
:class:`~risk_bridge.outbox.Outcome`: the rows to write, the effects to run once they are
durable (feeding the core, publishing events) and its result. All jobs drained together are
committed in ONE fsynced transaction; only then are their effects handed to ``run_effect`` and
their futures resolved: an acknowledged write is on disk, and the core never acts on a write
that is not. If the store refuses the group's data (a value it cannot hold, a duplicate id),
each job is committed on its own so that one bad request fails alone (422) and the others are
acknowledged; the state is then rebuilt from the store (``on_refused``), since the refused job
had changed it in memory. If the store itself fails, every job of the group fails with 503 and
``on_failure`` engages the fail-safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from risk_bridge.errors import BadInput, BridgeError, StoreUnavailable
from risk_bridge.outbox import Effect, Outcome
from risk_bridge.store import SqlStore, WriteBatch
from risk_bridge.threads import writer_started, writer_stopped

__all__ = ["Committer", "PrepareJob"]

log = logging.getLogger("risk_bridge")
PrepareJob = Callable[[], Outcome[Any]]


class _LoopFuture:
    """Target of a job submitted from an event loop: resolved on that loop, in bulk (one
    wake-up of the loop per group instead of one per request)."""

    __slots__ = ("fut", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.fut: asyncio.Future[Any] = loop.create_future()


Target = Future[Any] | _LoopFuture
_Settled = tuple[asyncio.Future[Any], bool, Any]
Job = tuple[PrepareJob, Target]


def _settle(items: list[_Settled]) -> None:
    for fut, ok, value in items:
        if fut.done():
            continue
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)


class Committer:
    def __init__(
        self,
        store: SqlStore,
        on_failure: Callable[[StoreUnavailable], None],
        run_effect: Callable[[Effect], None],
        max_group: int = 512,
        on_refused: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._on_refused = on_refused
        self._on_failure = on_failure
        self._run_effect = run_effect
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._max_group = max_group
        self._thread = threading.Thread(target=self._run, name="committer", daemon=True)
        self._thread.start()
        self.commits = 0
        self.jobs_done = 0

    @property
    def alive(self) -> bool:
        """The writer thread runs (False once it died or was closed)."""
        return self._thread.is_alive()

    def submit(self, prepare: PrepareJob) -> Future[Any] | asyncio.Future[Any]:
        """Queue a job; from inside an event loop the result is an asyncio future of it."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            fut: Future[Any] = Future()
            self._queue.put((prepare, fut))
            return fut
        target = _LoopFuture(loop)
        self._queue.put((prepare, target))
        return target.fut

    def submit_threaded(self, prepare: PrepareJob) -> Future[Any]:
        fut: Future[Any] = Future()
        self._queue.put((prepare, fut))
        return fut

    def call(self, prepare: PrepareJob, timeout_s: float = 30.0) -> Any:
        return self.submit_threaded(prepare).result(timeout=timeout_s)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        writer_started()
        try:
            self._loop()
        finally:
            writer_stopped()

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs = [first]
            stop = False
            while len(jobs) < self._max_group:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                jobs.append(nxt)
            self._group(jobs)
            if stop:
                return

    def _group(self, jobs: list[Job]) -> None:
        merged = WriteBatch()
        ready: list[tuple[Outcome[Any], Target]] = []
        out: _Results = _Results()
        for prepare, target in jobs:
            try:
                outcome = prepare()
            except Exception as exc:
                out.add(target, False, exc)
                continue
            merged.extend(outcome.batch)
            ready.append((outcome, target))
        if ready and len(merged):
            try:
                self._store.commit(merged)
            except BadInput:
                ready = self._one_by_one(ready, out)
            except BridgeError as exc:
                failure = exc if isinstance(exc, StoreUnavailable) else StoreUnavailable(str(exc))
                self._fail(ready, out, failure)
                return
            else:
                self.commits += 1
        for outcome, target in ready:
            for effect in outcome.effects:
                try:
                    self._run_effect(effect)
                except Exception as exc:
                    log.exception("effect failed: %s", exc)
            self.jobs_done += 1
            out.add(target, True, outcome.result)
        out.flush()

    def _fail(
        self, ready: list[tuple[Outcome[Any], Target]], out: _Results, failure: StoreUnavailable
    ) -> None:
        # Fail-safe first: by the time a client sees 503 the fleet is already safe.
        self._on_failure(failure)
        for _, target in ready:
            out.add(target, False, failure)
        out.flush()

    def _one_by_one(
        self, ready: list[tuple[Outcome[Any], Target]], out: _Results
    ) -> list[tuple[Outcome[Any], Target]]:
        """The store refused the group's data: commit each job alone, in order. A job the store
        refuses fails alone; the others stand. Returns the committed ones."""
        done: list[tuple[Outcome[Any], Target]] = []
        refused = False
        for i, (outcome, target) in enumerate(ready):
            if not len(outcome.batch):
                done.append((outcome, target))
                continue
            try:
                self._store.commit(outcome.batch)
            except BadInput as exc:
                refused = True
                log.warning("store refused one request of a group: %s", exc)
                out.add(target, False, exc)
                continue
            except BridgeError as exc:
                failure = exc if isinstance(exc, StoreUnavailable) else StoreUnavailable(str(exc))
                self._on_failure(failure)
                for _, rest in ready[i:]:
                    out.add(rest, False, failure)
                break
            self.commits += 1
            done.append((outcome, target))
        if refused and self._on_refused is not None:
            # The refused jobs changed the state in memory: the store is the truth.
            self._on_refused()
        return done


class _Results:
    """Collects a group's outcomes; loop futures are settled with one wake-up per loop."""

    def __init__(self) -> None:
        self.by_loop: dict[asyncio.AbstractEventLoop, list[_Settled]] = {}

    def add(self, target: Target, ok: bool, value: Any) -> None:
        if isinstance(target, _LoopFuture):
            self.by_loop.setdefault(target.loop, []).append((target.fut, ok, value))
        elif ok:
            target.set_result(value)
        else:
            target.set_exception(value)

    def flush(self) -> None:
        for loop, items in self.by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
                loop.call_soon_threadsafe(_settle, items)
        self.by_loop.clear()
