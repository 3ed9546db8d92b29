"""Where verification sends entry bytes to be replayed through the custody rules.

:class:`RuleReplay` replays in this process: the fast replay
(:class:`~orchestrator.custody.replay.FastReplay`), handing over to a
:class:`~orchestrator.custody.legality.CustodyTracker` at the first entry it is not sure of, so
verdicts and messages are the tracker's. :class:`RuleWorker` runs the same replay in a second
process, so that on two cores the rules run beside the hashing: the verifier hands it only
entries whose order, hashes and links it has already checked, in order, so the first failure
either side reports is still the first bad entry, and the outcome is the same as in-process.
:class:`RuleReader` is the same worker for a ledger it can read itself (a SQLite file): it reads
the entries from its own snapshot instead of being sent them, so nothing is copied between the
processes and neither waits on the other; the verifier keeps any failure it reports only if it
lies before the first entry the verifier found bad (see :meth:`RuleReader.check`).
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from multiprocessing.connection import Connection
from typing import Protocol

from orchestrator.custody.encoding import event_from_body
from orchestrator.custody.errors import CustodyError, LedgerIntegrityError
from orchestrator.custody.legality import CustodyTracker
from orchestrator.custody.replay import FastReplay

__all__ = [
    "BodySource",
    "RuleReader",
    "RuleReplay",
    "RuleSink",
    "RuleWorker",
    "rule_reader",
    "rule_sink",
]

_BATCH = 4096  # entries per message to the worker (about 1.3 MB)
_PIPE_BYTES = 8 << 20
_F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ (Linux; Python 3.10+ names it on Linux only)
PARALLEL_FROM = 50_000  # entries: below this, starting a process costs more than it saves

# Called in the forked worker: the bodies of entries 0, 1, ... of the tree head being verified,
# in order and in batches, read through a connection of the worker's own.
BodySource = Callable[[], Iterable[Sequence[bytes]]]


class RuleSink(Protocol):
    def apply(self, bodies: Sequence[bytes], first: int) -> None:
        """Replay entries ``first, first + 1, ...``; may raise the first failure (or defer it
        to :meth:`finish`)."""

    def finish(self) -> int:
        """Raise the first failure, if any; else return how many containers were replayed."""

    def close(self) -> None: ...


class RuleReplay:
    """The custody rules in this process; raises at the first illegal entry."""

    def __init__(self) -> None:
        self.fast = FastReplay()
        self.slow: CustodyTracker | None = None

    def apply(self, bodies: Sequence[bytes], first: int) -> None:
        start = 0
        if self.slow is None:
            start = self.fast.feed(bodies, first)
            if start == len(bodies):
                return
            # Stays on the tracker from here: exact, if slower (entries with escaped strings).
            self.slow = self.fast.to_tracker()
        apply = self.slow.apply
        for k in range(start, len(bodies)):
            seq = first + k
            try:
                apply(event_from_body(bodies[k]))
            except CustodyError as exc:
                raise LedgerIntegrityError(
                    f"entry {seq}: is not a legal custody event: {exc}", seq
                ) from None
            except (ValueError, KeyError, TypeError) as exc:
                raise LedgerIntegrityError(
                    f"entry {seq}: does not decode to a custody event ({exc})", seq
                ) from None

    def finish(self) -> int:
        return len(self.fast if self.slow is None else self.slow)

    def close(self) -> None:
        pass


def _serve(inbox: Connection, outbox: Connection) -> None:
    """The worker: replay what arrives until None; send ("fail", seq, text) at the first
    failure (then only drain), else ("ok", containers) at the end."""
    gc.disable()  # as in verify_ledger: no reference cycles worth collecting, only time lost
    rules = RuleReplay()
    failed = False
    while (message := inbox.recv()) is not None:
        if failed:
            continue
        first, bodies = message
        try:
            rules.apply(bodies, first)
        except LedgerIntegrityError as exc:
            failed = True
            outbox.send(("fail", exc.seq, str(exc)))
    if not failed:
        outbox.send(("ok", rules.finish(), ""))
    outbox.close()


def _widen(conn: Connection) -> None:
    """Grow a pipe to hold several batches: each time a full pipe blocks the sender costs a
    trip through the scheduler, which on a busy machine dominates the transfer."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system: keep the default pipe
        return
    for size in (_PIPE_BYTES, 1 << 20):
        try:
            fcntl.fcntl(conn.fileno(), _F_SETPIPE_SZ, size)
            return
        except OSError:
            continue


class RuleWorker:
    """The custody rules in a forked process; failures surface at the next :meth:`apply` after
    the worker saw them, or at :meth:`finish`."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("fork")
        inbox, self._conn = ctx.Pipe(duplex=False)
        self._results, outbox = ctx.Pipe(duplex=False)
        _widen(self._conn)
        self._proc = ctx.Process(target=_serve, args=(inbox, outbox), daemon=True)
        self._proc.start()
        inbox.close()
        outbox.close()
        self._first = 0
        self._buffer: list[bytes] = []
        self._outcome: tuple[str, int | None, str] | None = None

    def apply(self, bodies: Sequence[bytes], first: int) -> None:
        if first != self._first + len(self._buffer):
            raise AssertionError("entries must reach the rules in order")  # a verifier bug
        self._buffer.extend(bodies)
        if len(self._buffer) >= _BATCH:
            self._flush()
            if self._results.poll():  # the worker found an illegal entry: stop early
                self.finish()

    def _flush(self) -> None:
        if self._buffer:
            self._conn.send((self._first, self._buffer))
            self._first += len(self._buffer)
            self._buffer = []

    def finish(self) -> int:
        if self._outcome is None:
            self._flush()
            self._conn.send(None)
            self._outcome = self._results.recv()
            self.close()
        status, value, text = self._outcome
        if status == "fail":
            raise LedgerIntegrityError(text, value)
        return int(value or 0)

    def close(self) -> None:
        if self._proc.is_alive() and self._outcome is None:
            self._proc.kill()  # given up (an error on the verifier's side): stop now
        self._proc.join()
        self._conn.close()
        self._results.close()


def _read_and_serve(source: BodySource, outbox: Connection) -> None:
    """The reading worker: replay what ``source`` yields; send ("fail", seq, text) at the first
    failure, ("ok", containers, "") at the end, or ("error", None, text) if reading failed."""
    gc.disable()  # as in verify_ledger: no reference cycles worth collecting, only time lost
    rules = RuleReplay()
    first = 0
    try:
        for bodies in source():
            rules.apply(bodies, first)
            first += len(bodies)
        outbox.send(("ok", rules.finish(), ""))
    except LedgerIntegrityError as exc:
        outbox.send(("fail", exc.seq, str(exc)))
    except Exception as exc:  # reported to the verifier, which names it
        outbox.send(("error", None, f"{type(exc).__name__}: {exc}"))
    outbox.close()


class RuleReader:
    """The custody rules in a forked process that reads the entries itself from ``source``.

    A failure it reports at entry k counts only if the verifier found nothing wrong before k:
    the verifier passes the first entry it has not cleared (``seen``) to :meth:`check` and
    :meth:`finish`, which raise the rule failure only when ``k < seen``.
    """

    def __init__(self, source: BodySource) -> None:
        ctx = multiprocessing.get_context("fork")
        self._results, outbox = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_read_and_serve, args=(source, outbox), daemon=True)
        self._proc.start()
        outbox.close()
        self._outcome: tuple[str, int | None, str] | None = None

    def check(self, seen: int) -> None:
        """Raise, without waiting, a rule failure already reported before entry ``seen``."""
        if self._outcome is None and self._results.poll():
            self._receive()
        self._raise_before(seen)

    def finish(self, seen: int) -> int:
        """Wait for the worker; raise its failure if before ``seen``; else the container count."""
        if self._outcome is None:
            self._receive()
        self._raise_before(seen)
        status, value, _ = self._outcome or ("ok", 0, "")
        return int(value or 0) if status == "ok" else 0

    def _receive(self) -> None:
        try:
            self._outcome = self._results.recv()
        except EOFError:
            self._outcome = ("error", None, "the process ended without a result")
        self.close()

    def _raise_before(self, seen: int) -> None:
        if self._outcome is None:
            return
        status, value, text = self._outcome
        if status == "fail" and value is not None and value < seen:
            raise LedgerIntegrityError(text, value)
        if status == "error":
            raise CustodyError(
                f"the custody-rule worker could not read the ledger ({text}); run the "
                "verification again, or with --no-rules to check the hashes alone"
            )

    def close(self) -> None:
        if self._proc.is_alive() and self._outcome is None:
            self._proc.kill()  # given up (an error on the verifier's side): stop now
        self._proc.join()
        self._results.close()


def _parallel(expected_entries: int) -> bool:
    return (
        expected_entries >= PARALLEL_FROM
        and (multiprocessing.cpu_count() or 1) >= 2
        and "fork" in multiprocessing.get_all_start_methods()
    )


def rule_reader(expected_entries: int, source: BodySource | None) -> RuleReader | None:
    """A reading worker for a large ledger that ``source`` can read, on two cores or more."""
    return RuleReader(source) if source is not None and _parallel(expected_entries) else None


def rule_sink(expected_entries: int) -> RuleSink:
    """A worker process for a large ledger on a machine with two cores or more, else in-process."""
    if _parallel(expected_entries):
        return RuleWorker()
    return RuleReplay()
