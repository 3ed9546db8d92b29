"""Where a sweep's runs execute: this process, a local process pool, or a Dask cluster.

Every engine takes the same :class:`~sim.sweep.runs.RunTask` list and yields result rows as
they finish (in any order: the table sorts them by design index, so results are identical
whatever the engine or worker count). A run that raises is yielded as a :class:`RunFailure`,
not raised: one bad run does not throw away the others, and a rerun retries only it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from sim.sweep.runs import RunTask, run_task

__all__ = ["RunFailure", "default_workers", "run_dask", "run_local"]


@dataclass(frozen=True, slots=True)
class RunFailure:
    task: RunTask
    error: str


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def run_local(tasks: Sequence[RunTask], workers: int) -> Iterator[dict[str, Any] | RunFailure]:
    """``workers`` == 1 runs in this process; more, in a pool of that many processes (never
    more tasks in flight than twice the workers, so a long sweep's memory stays flat)."""
    if workers <= 1:
        for task in tasks:
            try:
                yield run_task(task)
            except Exception as exc:  # reported per run (engine contract above)
                yield RunFailure(task, _why(exc))
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: dict[Future[dict[str, Any]], RunTask] = {}
        queue = iter(tasks)
        while True:
            for task in queue:
                pending[pool.submit(run_task, task)] = task
                if len(pending) >= 2 * workers:
                    break
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: pending[f].index):
                task = pending.pop(fut)
                error = fut.exception()
                yield RunFailure(task, _why(error)) if error is not None else fut.result()


def run_dask(tasks: Sequence[RunTask], address: str) -> Iterator[dict[str, Any] | RunFailure]:
    """Run on the Dask scheduler at ``address`` (``tcp://HOST:8786``); its workers need this
    borderflow installed (each task checks the code hash before it runs)."""
    from distributed import Client, as_completed

    with Client(address, timeout="10s") as client:  # type: ignore[no-untyped-call]
        futures = client.map(run_task, list(tasks), pure=False, retries=0)
        by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
        for fut in as_completed(futures):  # type: ignore[no-untyped-call]
            task = by_key[fut.key]
            if fut.status == "error":
                yield RunFailure(task, _why(fut.exception()))
            else:
                yield fut.result()
            fut.release()
