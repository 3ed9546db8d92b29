"""The run's event log: the core's LogEntry records as deterministic JSON lines.

No wall-clock values, keys sorted, floats rounded to a fixed number of decimals, so the same
scenario and seed give a byte-identical file. The sink fans each entry out to the listeners the
runtime registers (KPI accumulator, customs officers) before storing it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path

from orchestrator.ports import LogEntry

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
    """EventSink that keeps entries, tells listeners about each one, and renders JSON lines.

    Entries are encoded lazily (when ``lines`` is read), off the simulation's hot path; the
    data mapping is copied at emission so later changes by the emitter cannot leak in.
    """

    def __init__(self, keep_lines: bool = True) -> None:
        self.count = 0
        self._keep = keep_lines
        self._pending: list[tuple[float, str, str, str, dict[str, object]]] = []
        self._lines: list[str] = []
        self._listeners: list[Callable[[LogEntry], None]] = []

    def listen(self, listener: Callable[[LogEntry], None]) -> None:
        self._listeners.append(listener)

    def emit(self, entry: LogEntry) -> None:
        self.count += 1
        for listener in self._listeners:
            listener(entry)
        if self._keep:
            self._pending.append(
                (entry.t_s, entry.kind, entry.subject, entry.message, dict(entry.data))
            )

    @property
    def lines(self) -> list[str]:
        """The log so far, one canonical JSON object per entry."""
        if self._pending:
            keys = ("t_s", "kind", "subject", "message", "data")
            self._lines.extend(dumps(dict(zip(keys, e, strict=True))) for e in self._pending)
            self._pending.clear()
        return self._lines

    def kinds(self) -> list[str]:
        return [json.loads(line)["kind"] for line in self.lines]

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(line + "\n" for line in self.lines), encoding="utf-8")
