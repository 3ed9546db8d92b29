"""What the fleet tells the bridge: the core's customs notices (holds, crossings, deliveries,
tamper alerts) and, in auto-customs mode, the simulated authorities' decisions.

:func:`pump` is the fleet pump thread's body: it moves both queues into the service. A customs
notice becomes an outgoing one through :func:`notice` (the one call of ``translate``) and a
writer job, :func:`record_notice`: a hold placed or released opens or closes the hold row, a
delivery marks the transport order delivered (:func:`risk_bridge.orders.record_delivered`), and
the notice goes out as an event. A simulated decision becomes an ordinary write
(:func:`sim_verdict` / :func:`sim_release`) that the service submits like any client's.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orchestrator.custody.treehead import SignedTreeHead
from orchestrator.domain.eventlog import CustomsNotice
from orchestrator.messages import Event, HoldReleased, VerdictIssued
from risk_bridge.domain import Role, Treatment, VerdictInput
from risk_bridge.fleet_events import translate
from risk_bridge.fleet_port import FleetPort
from risk_bridge.holds import hold_placed, hold_released
from risk_bridge.idempotency import Write
from risk_bridge.orders import record_delivered
from risk_bridge.outbox import Outbox, Outcome
from risk_bridge.security import Principal
from risk_bridge.state import BridgeState
from risk_bridge.threads import assert_writer_thread

__all__ = [
    "Notice",
    "notice",
    "pump",
    "record_notice",
    "record_tree_head",
    "sim_release",
    "sim_verdict",
]


@dataclass(frozen=True, slots=True)
class Notice:
    """A fleet log entry customs hear about, as an outgoing event kind and its data."""

    kind: str
    container_id: str | None
    data: dict[str, Any]
    t_s: float


def notice(event: CustomsNotice) -> Notice | None:
    out = translate(event)
    if out is None:
        return None
    kind, cid, data = out
    return Notice(kind, cid, data, event.t_s)


def record_notice(state: BridgeState, n: Notice, out: Outbox) -> Outcome[None]:
    assert_writer_thread()
    data = dict(n.data)
    if n.kind == "hold.placed" and n.container_id:
        hold_placed(state, out, n.container_id, n.t_s, data)
    elif n.kind == "hold.released" and n.container_id:
        hold_released(state, out, n.container_id, data)
    elif n.kind == "container.delivered" and data.get("order_id"):
        station, vehicle = data.get("station"), data.get("vehicle_id")
        record_delivered(
            state,
            out,
            str(data["order_id"]),
            None if station is None else str(station),
            None if vehicle is None else str(vehicle),
        )
    out.event(n.kind, n.container_id, data)
    return out.done(None)


def sim_verdict(ev: VerdictIssued, now: datetime) -> tuple[Write, VerdictInput]:
    """A simulated authority's verdict, submitted through the bridge like any other."""
    side = ev.authority.value
    p = Principal(f"sim-{side}-customs", Role.AUTHORITY_SYSTEM, side)
    item = VerdictInput(
        ev.verdict_id,
        ev.container_id,
        ev.authority,
        ev.level,
        None,
        Treatment.NONE,
        (ev.reason,),
        now,
        0,
    )
    w = Write(p, f"sim:{ev.verdict_id}", hashlib.sha256(ev.verdict_id.encode()).hexdigest())
    return w, item


def sim_release(ev: HoldReleased) -> tuple[Write, str, str]:
    """A simulated officer's release: (write, container, reason)."""
    p = Principal(ev.officer_id, Role.OFFICER, ev.authority.value)
    key = f"sim:rel:{ev.container_id}:{ev.t_s}"
    return Write(p, key, key), ev.container_id, ev.reason


def record_tree_head(head: SignedTreeHead, out: Outbox) -> Outcome[None]:
    """A custody tree head the fleet's ledger signed goes out as ``ledger.tree_head`` (SSE,
    webhooks), so a witness outside the port holds it: the JSON ``custody head`` writes and
    ``custody verify --against`` reads."""
    assert_writer_thread()
    out.event("ledger.tree_head", None, head.to_obj())
    return out.done(None)


def pump(
    fleet: FleetPort,
    stop: threading.Event,
    on_log: Callable[[CustomsNotice], None],
    on_customs: Callable[[Event], None],
    on_head: Callable[[SignedTreeHead], None] | None = None,
) -> None:
    """Moves fleet log entries, simulated customs decisions and signed tree heads into the
    service."""
    while not stop.is_set():
        with contextlib.suppress(queue.Empty):
            on_log(fleet.notices.get(timeout=0.05))
        if on_head is not None:
            while True:
                try:
                    head = fleet.tree_heads.get_nowait()
                except queue.Empty:
                    break
                on_head(head)
        while True:
            try:
                ev = fleet.customs_queue.get_nowait()
            except queue.Empty:
                break
            on_customs(ev)
