"""Which of a fleet's notices customs systems hear about, and under which event kind.

A fleet hands the bridge the core's typed customs notices
(:data:`orchestrator.domain.eventlog.CustomsNotice`); :func:`translate` names each as an
outgoing event with its data (the notice's own fields, as the event log has them, and its time).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from orchestrator.domain.customs_events import (
    BorderCrossed,
    HoldLifted,
    HoldPlaced,
    LateVerdict,
    TamperAlert,
)
from orchestrator.domain.eventlog import CustomsNotice
from orchestrator.domain.events import OrderDelivered

__all__ = ["OUT_KINDS", "OutKind", "translate"]

# The kinds of event customs systems can subscribe to (SSE filter, webhook subscriptions).
OutKind = Literal[
    "hold.placed",
    "hold.released",
    "container.crossed",
    "container.delivered",
    "tamper.alert",
    "verdict.late",  # a verdict that came after the crossing was committed (docs/traffic.md)
    "verdict.effective",
    "lane.closed",
    "lane.opened",
    "warning.issued",
    "warning.withdrawn",
    "release.recorded",
    "recognition.recorded",
    "order.accepted",  # a transport order stored, then handed to the fleet (docs/bridge.md)
    "core.refused",  # the core refused an acknowledged event (risk_bridge.core_link)
    "ledger.tree_head",  # a signed custody tree head, for witnesses (docs/custody.md)
    "alert.raised",  # control-room alerts (risk_bridge.alerts)
    "alert.cleared",
    "alert.acked",
]
OUT_KINDS: tuple[str, ...] = get_args(OutKind)


def translate(event: CustomsNotice) -> tuple[str, str | None, dict[str, Any]] | None:
    """(outgoing kind, container id, data) of a notice; None for one customs do not hear of
    (an empty vehicle crossing the line)."""
    d: dict[str, Any] = dict(event.data())
    d["t_s"] = event.t_s
    if isinstance(event, HoldPlaced):
        return "hold.placed", event.container_id, d
    if isinstance(event, HoldLifted):
        return "hold.released", event.container_id, d
    if isinstance(event, BorderCrossed):
        return ("container.crossed", event.container_id, d) if event.container_id else None
    if isinstance(event, OrderDelivered):
        d["station"] = event.station  # where it was set down (not in the log line's data)
        return "container.delivered", event.container_id, d
    if isinstance(event, TamperAlert):
        return "tamper.alert", event.container_id, d
    if isinstance(event, LateVerdict):
        return "verdict.late", event.container_id, d
    return None  # pragma: no cover - CustomsNotice is a closed union
