"""The run's event log: the core's typed domain events as deterministic JSON lines.

:class:`RunLog` is the core's event sink. It fans each domain event out to the listeners the
runtime registers (KPIs, customs officers, invariant monitor), counts every line's kind, and
renders the lines lazily (:func:`orchestrator.domain.eventlog.log_entry`), off the simulation's
hot path. The runtime adds lines of its own with :meth:`RunLog.note` (invariant violations, an
empty battery). Each line has the simulated time ``t_s`` and, given the scenario's clock, ``at``:
the same instant in ISO 8601 UTC (the scenario's epoch plus ``t_s``). No wall-clock values, keys
sorted, floats rounded to a fixed number of decimals, so the same scenario and seed give a
byte-identical file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path

from orchestrator.domain.eventlog import DomainEvent, LogEntry, log_entry

__all__ = ["RunLog", "canonical", "dumps"]

_DECIMALS = 6


def canonical(value: object) -> object:
    """A JSON-able copy with floats rounded (and -0.0 as 0.0), enums as their values."""
    if isinstance(value, float):
        r = round(value, _DECIMALS)
        return 0.0 if r == 0.0 else r
    if isinstance(value, Enum):
        return canonical(value.value)
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def dumps(value: object, *, indent: int | None = None) -> str:
    return json.dumps(
        canonical(value),
        sort_keys=True,
        indent=indent,
        separators=(",", ": ") if indent else (",", ":"),
        ensure_ascii=False,
    )


class RunLog:
    """EventSink that keeps the events, tells listeners about each, and renders JSON lines."""

    def __init__(self, keep_lines: bool = True, at: Callable[[float], str] | None = None) -> None:
        self.count = 0
        self._at = at  # simulated seconds -> ISO 8601 UTC (the scenario's clock), per line
        self.kinds: Counter[str] = Counter()  # lines per kind, the core's and the runtime's
        self._keep = keep_lines
        self._pending: list[DomainEvent | LogEntry] = []
        self._lines: list[str] = []
        self._listeners: list[Callable[[DomainEvent], None]] = []

    def listen(self, listener: Callable[[DomainEvent], None]) -> None:
        self._listeners.append(listener)

    def unlisten(self, listener: Callable[[DomainEvent], None]) -> None:
        self._listeners.remove(listener)

    def emit(self, event: DomainEvent) -> None:
        """The core's event sink."""
        self.count += 1
        self.kinds[event.kind] += 1
        for listener in self._listeners:
            listener(event)
        if self._keep:
            self._pending.append(event)  # frozen: rendered later, as it is now

    def note(self, entry: LogEntry) -> None:
        """A line of the runtime's own (not a core event; listeners do not hear it)."""
        self.count += 1
        self.kinds[entry.kind] += 1
        if self._keep:
            self._pending.append(
                LogEntry(entry.t_s, entry.kind, entry.subject, entry.message, dict(entry.data))
            )

    @property
    def lines(self) -> list[str]:
        """The log so far, one canonical JSON object per entry."""
        if self._pending:
            at = self._at
            for item in self._pending:
                e = item if isinstance(item, LogEntry) else log_entry(item)
                line: dict[str, object] = {
                    "t_s": e.t_s,
                    "kind": e.kind,
                    "subject": e.subject,
                    "message": e.message,
                    "data": e.data,
                }
                if at is not None:
                    line["at"] = at(e.t_s)
                self._lines.append(dumps(line))
            self._pending.clear()
        return self._lines

    def kinds_in_order(self) -> list[str]:
        return [json.loads(line)["kind"] for line in self.lines]

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(line + "\n" for line in self.lines), encoding="utf-8")
