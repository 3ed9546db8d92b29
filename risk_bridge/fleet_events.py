"""Which of the core's log entries customs systems hear about, and under which event kind."""

from __future__ import annotations

from typing import Any, Literal, get_args

from orchestrator.ports import LogEntry

__all__ = ["OUT_KINDS", "OUT_LOG_KINDS", "OutKind", "translate"]

# The core's log kinds that :func:`translate` may turn into an outgoing event.
OUT_LOG_KINDS = frozenset(
    {"hold.placed", "hold.released", "border.crossed", "order.delivered", "seal.read"}
)

# The kinds of event customs systems can subscribe to (SSE filter, webhook subscriptions).
OutKind = Literal[
    "hold.placed",
    "hold.released",
    "container.crossed",
    "container.delivered",
    "tamper.alert",
    "verdict.effective",
    "lane.closed",
    "lane.opened",
    "warning.issued",
    "warning.withdrawn",
    "release.recorded",
    "recognition.recorded",
    "core.refused",  # the core refused an acknowledged event (risk_bridge.core_link)
]
OUT_KINDS: tuple[str, ...] = get_args(OutKind)


def translate(entry: LogEntry) -> tuple[str, str | None, dict[str, Any]] | None:
    d = dict(entry.data)
    d["t_s"] = entry.t_s
    cid = d.get("container_id")
    cid = None if cid in (None, "") else str(cid)
    if entry.kind in ("hold.placed", "hold.released"):
        return entry.kind, cid or entry.subject, d
    if entry.kind == "border.crossed" and cid:
        return "container.crossed", cid, d
    if entry.kind == "order.delivered":
        return "container.delivered", cid or entry.subject, d
    if entry.kind == "seal.read" and d.get("matches") is False:
        return "tamper.alert", cid or entry.subject, d
    return None
