"""The server's event log: what happens at the crossing, one line per committed event.

``borderflow serve`` prints every event it publishes (holds placed and released, crossings,
deliveries, lane closures, warnings, alerts, verdicts taking effect) as a readable line, or as
one JSON object per line for a log shipper (``--log-format json``). Times are ISO 8601 UTC: the
JSON's ``at`` as stored (microseconds, ``+00:00``), the text line's to the second with ``Z``;
the custody ledger's entry for the same event carries the same wall-clock time. Lines come from
the same committed rows as the SSE stream, so the log says only what is stored. The writer
thread of the bridge hands rows to a bounded queue and a thread of this module writes them: a
terminal or pipe that stops reading never stalls a commit (lines beyond the bound are counted
and the count is printed when the log catches up)."""

from __future__ import annotations

import json
import queue
import threading
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

__all__ = ["EventLog", "LogFormat", "format_text"]

LogFormat = Literal["text", "json"]
Row = tuple[int, str, str, str, str]  # seq, at (ISO UTC), kind, container id, body JSON

# The fields worth a reader's eye per kind, in the order they read best; others follow.
_FIRST: dict[str, tuple[str, ...]] = {
    "hold.placed": ("side", "reason", "station", "vehicle_id", "hold_id"),
    "hold.released": ("side", "officer", "reason", "station", "hold_id"),
    "container.crossed": ("vehicle_id", "direction", "node"),
    "container.delivered": ("vehicle_id", "direction", "station", "crossing_time_s"),
    "lane.closed": ("target", "by", "reason"),
    "lane.opened": ("target", "by"),
    "alert.raised": ("alert_id", "kind", "subject", "message"),
    "alert.cleared": ("alert_id", "kind", "subject"),
    "alert.acked": ("alert_id", "by"),
    "verdict.effective": ("authority", "level", "verdict_id"),
}
# Kinds whose other fields are for machines (signatures, hashes): the line shows these only.
_ONLY: dict[str, tuple[str, ...]] = {"ledger.tree_head": ("tree_size", "root_hash")}
_SKIP = frozenset({"t_s", "seq", "kind", "container_id"})
_MAX_VALUE = 80


def _value(v: Any) -> str:
    if isinstance(v, float):
        text = f"{v:.1f}"
    elif isinstance(v, str) and len(v) == 64 and all(c in "0123456789abcdef" for c in v):
        text = v[:16] + "…"  # a hash: its start identifies it for a reader
    elif isinstance(v, str):
        text = v if v and " " not in v else json.dumps(v, ensure_ascii=False)
    else:
        text = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def format_text(row: Row) -> str:
    """``2026-12-03T11:47:56Z  hold.placed          CSQU3054383  authority=CN reason=...``"""
    _seq, at, kind, container_id, body = row
    try:
        data = json.loads(body).get("data") or {}
    except (ValueError, AttributeError):
        data = {}
    if not isinstance(data, dict):
        data = {"data": data}
    if kind in _ONLY:
        keys = [k for k in _ONLY[kind] if k in data]
    else:
        keys = [k for k in _FIRST.get(kind, ()) if k in data]
        keys += sorted(k for k in data if k not in keys and k not in _SKIP)
    keys = [k for k in keys if data[k] is not None]
    fields = " ".join(f"{k}={_value(data[k])}" for k in keys)
    return f"{_short_time(at)}  {kind:<20} {container_id or '-':<12} {fields}".rstrip()


def _short_time(at: str) -> str:
    """``at`` in UTC to the second (the store writes UTC; any other offset is converted, and a
    time without one is taken as UTC), as the ledger and the API state times."""
    try:
        t = datetime.fromisoformat(at)
    except ValueError:
        return at
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _format_json(row: Row) -> str:
    seq, at, kind, container_id, body = row
    try:
        data = json.loads(body).get("data")
    except (ValueError, AttributeError):
        data = None
    out = {"seq": seq, "at": at, "kind": kind, "container_id": container_id or None, "data": data}
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


class EventLog:
    """A bounded queue of rows and the thread that writes them as lines to ``out``."""

    def __init__(self, out: TextIO, fmt: LogFormat = "text", bound: int = 10_000) -> None:
        self._out = out
        self._format = format_text if fmt == "text" else _format_json
        self._rows: queue.Queue[Row | None] = queue.Queue(maxsize=bound)
        self._dropped = 0
        self._thread = threading.Thread(target=self._run, name="event-log", daemon=True)

    def tap(self, row: Row) -> None:
        """Hand a committed row on (writer thread): never blocks."""
        try:
            self._rows.put_nowait(row)
        except queue.Full:
            self._dropped += 1

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        """Write what is queued (up to ``timeout_s``), then stop."""
        try:
            self._rows.put(None, timeout=timeout_s)
        except queue.Full:
            return
        self._thread.join(timeout=timeout_s)

    def _run(self) -> None:
        while True:
            row = self._rows.get()
            if row is None:
                return
            line = self._format(row)
            if self._dropped:
                n, self._dropped = self._dropped, 0
                line = f"({n} event lines dropped: the output was not read fast enough)\n{line}"
            try:
                self._out.write(line + "\n")
                self._out.flush()
            except (OSError, ValueError):  # closed pipe: the server goes on without its log
                return
