"""Copies of a live run in forked child processes, and their answers through pipes.

``os.fork`` copies the whole live simulation (the SimPy event queue and its processes, the
vehicles mid-lane, the customs officers' timers, the core) in a few milliseconds, copy-on-write,
which no snapshot of SimPy's generators could. The caller holds the live run's lock while the
children are made, so every copy starts from the same instant between two events; after that
the live run goes on and the copies play ahead on their own. A child touches nothing it shares
with the parent: it runs only simulation code, writes one JSON document to its pipe and leaves
with ``os._exit`` (no atexit handlers, no flushing of the parent's buffers, no closing of the
parent's database connections). The parent reads every pipe at once (a child blocked on a full
pipe would never finish), and kills what has not answered by the deadline.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import selectors
import signal
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sim.errors import SimError

__all__ = ["ForecastError", "ForecastRefused", "Forked", "collect", "spawn"]


class ForecastError(SimError):
    """A forecast could not be made (a copy failed or ran out of time); nothing live changed."""


class ForecastRefused(ForecastError, ValueError):
    """The request names what the run does not have, or is out of range (the caller's error)."""


@dataclass
class Forked:
    pid: int
    fd: int
    chunks: list[bytes]


def spawn(jobs: Sequence[Any], work: Callable[[Any], dict[str, Any]]) -> list[Forked]:
    """One child per job running ``work(job)``; call with the live run's lock held."""
    out: list[Forked] = []
    try:
        for job in jobs:
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                # No cyclic collection in a copy: it lives seconds, and a collection would
                # write to the header of every object of the live run's heap, copying it page
                # by page (copy-on-write) for nothing.
                gc.disable()
                os.close(r)
                status = 0
                try:
                    doc: dict[str, Any] = {"ok": work(job)}
                except BaseException as exc:  # everything is reported to the parent
                    status = 1
                    doc = {"error": f"{type(exc).__name__}: {exc}",
                           "trace": traceback.format_exc(limit=8)}  # fmt: skip
                try:
                    data = json.dumps(doc).encode()
                    view = memoryview(data)
                    while view:
                        view = view[os.write(w, view) :]
                finally:
                    os._exit(status)
            os.close(w)
            out.append(Forked(pid, r, []))
    except BaseException:
        kill(out)
        raise
    return out


def kill(children: Sequence[Forked]) -> None:
    for c in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(c.pid, signal.SIGKILL)
    _reap(children)


def _reap(children: Sequence[Forked]) -> None:
    for c in children:
        with contextlib.suppress(OSError):
            os.close(c.fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(c.pid, 0)


def collect(children: Sequence[Forked], timeout_s: float) -> list[dict[str, Any]]:
    """Every child's answer, in job order; :class:`ForecastError` on a failure or timeout."""
    deadline = time.monotonic() + timeout_s
    sel = selectors.DefaultSelector()
    for c in children:
        sel.register(c.fd, selectors.EVENT_READ, c)
    open_ = len(children)
    try:
        while open_:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ForecastError(
                    f"the forecast took longer than {timeout_s:g} s; ask for fewer seeds or a "
                    "shorter horizon"
                )
            for key, _ in sel.select(timeout=left):
                c = key.data
                chunk = os.read(c.fd, 1 << 16)
                if chunk:
                    c.chunks.append(chunk)
                else:
                    sel.unregister(c.fd)
                    open_ -= 1
    except BaseException:
        sel.close()
        kill(children)
        raise
    sel.close()
    _reap(children)
    answers = []
    for c in children:
        try:
            doc = json.loads(b"".join(c.chunks))
        except ValueError:
            raise ForecastError("a forecast copy died without an answer") from None
        if "error" in doc:
            raise ForecastError(f"a forecast copy failed: {doc['error']}")
        answers.append(doc["ok"])
    return answers
