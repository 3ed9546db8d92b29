"""What a write job produces: the rows of its transaction, the effects to run once they are
durable, and its typed result.

A writer-side function gets an :class:`Outbox` for its job, records rows in it (its own rows in
``out.batch``, outgoing events and audit rows through :meth:`Outbox.event` /
:meth:`Outbox.audit`, ids through :meth:`Outbox.new_id`), asks for effects with
:meth:`Outbox.after`, and returns ``out.done(result)``: an :class:`Outcome`. The committer
commits the batch, then hands each effect to the service, which runs it (feed the core, publish
to the SSE broker, ...). Effects are data, so a job's outcome can be inspected in a test
without a fleet or a broker.

The result of an API write is :class:`Written`: an outcome kind and the JSON body. Which HTTP
status a kind answers with is the routers' business (:func:`risk_bridge.routers.common.status_of`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from orchestrator.lanegraph import Side
from risk_bridge.security import Principal
from risk_bridge.state import BridgeState
from risk_bridge.store import WriteBatch

__all__ = [
    "DeliverOrder",
    "Effect",
    "EnforceHold",
    "EngageFailsafe",
    "EventRow",
    "Feed",
    "LaneInCore",
    "Outbox",
    "Outcome",
    "Publish",
    "RegisterWebhook",
    "ReleaseInCore",
    "WriteKind",
    "Written",
    "iso",
]

R = TypeVar("R")
EventRow = tuple[int, str, str, str, str]  # seq, at, kind, container id ("" for none), body


def iso(t: datetime) -> str:
    """A time as the store keeps it: UTC, microseconds."""
    return t.astimezone(UTC).isoformat(timespec="microseconds")


# ------------------------------------------------------------------------------------ effects


@dataclass(frozen=True, slots=True)
class Publish:
    """Push a committed event to the live SSE subscribers."""

    row: EventRow


@dataclass(frozen=True, slots=True)
class Feed:
    """Tell the core the container's effective level if it changed (always a fresh HIGH).

    ``fresh``: the job accepted a verdict now in force for it, which may lift the container
    out of the core-refusal fail-safe. ``timed``: measure accepted HIGH -> hold decision.
    """

    container_id: str
    timed: bool = False
    fresh: bool = False


@dataclass(frozen=True, slots=True)
class ReleaseInCore:
    """Release the core's hold (``t_s`` None: stamped with the fleet's time at delivery)."""

    container_id: str
    officer: str
    side: Side
    reason: str
    t_s: float | None = None


@dataclass(frozen=True, slots=True)
class LaneInCore:
    """Close or reopen a lane (or zone) in the core."""

    target: str
    is_zone: bool
    closed: bool
    reason: str


@dataclass(frozen=True, slots=True)
class EnforceHold:
    """After a restart: a stored active hold is enforced as a HIGH verdict."""

    container_id: str
    side: Side
    hold_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class RegisterWebhook:
    """Give the webhook dispatcher a new subscription's URL and secret."""

    webhook_id: str
    url: str
    secret: str


@dataclass(frozen=True, slots=True)
class DeliverOrder:
    """Hand a stored transport order to the fleet."""

    order_id: str


@dataclass(frozen=True, slots=True)
class EngageFailsafe:
    """The store stopped answering: nothing crosses on a verdict the bridge cannot vouch for."""


Effect = (
    Publish
    | Feed
    | ReleaseInCore
    | LaneInCore
    | EnforceHold
    | RegisterWebhook
    | EngageFailsafe
    | DeliverOrder
)


# ------------------------------------------------------------------------------------ results


class WriteKind(Enum):
    """What an API write did (the routers map it to a status code)."""

    CREATED = "created"  # something new was recorded
    UPDATED = "updated"  # an existing record or setting changed
    UNCHANGED = "unchanged"  # nothing new (e.g. every verdict of the request was a duplicate)
    REPLAYED = "replayed"  # an idempotent replay: the stored answer of the first request


@dataclass(frozen=True, slots=True)
class Written:
    kind: WriteKind
    body: dict[str, Any]
    stored_code: int | None = None  # a replay: the status code stored with the first answer


@dataclass(slots=True)
class Outcome(Generic[R]):
    batch: WriteBatch
    effects: list[Effect]
    result: R

    @staticmethod
    def nothing(result: R) -> Outcome[R]:
        """No rows, no effects (a replay, a job that found nothing to do)."""
        return Outcome(WriteBatch(), [], result)


# ------------------------------------------------------------------------------------ collector


class Outbox:
    """Collects one job's rows and effects; ``now`` is the job's one reading of the clock."""

    __slots__ = ("_state", "batch", "effects", "now", "now_iso")

    def __init__(self, state: BridgeState, now: datetime) -> None:
        self._state = state
        self.now = now
        self.now_iso = iso(now)
        self.batch = WriteBatch()
        self.effects: list[Effect] = []

    def after(self, effect: Effect) -> None:
        self.effects.append(effect)

    def new_id(self, prefix: str) -> str:
        """A bridge-made id (hold, release, recognition, webhook); the counter is stored with
        the same transaction, so a restart never hands out an id twice."""
        st = self._state
        st.counter += 1
        self.batch.meta.append(("counter", str(st.counter)))
        return f"{prefix}-{st.counter:08d}"

    def event(self, kind: str, container_id: str | None, data: dict[str, Any]) -> None:
        """An outgoing event: stored, queued for the webhooks subscribed to its kind, and
        published to the SSE stream once committed."""
        st = self._state
        seq = st.next_event_seq
        st.next_event_seq += 1
        at = self.now_iso
        body = json.dumps(
            {"seq": seq, "kind": kind, "at": at, "container_id": container_id, "data": data},
            sort_keys=True,
        )
        self.batch.events.append((seq, at, kind, container_id, body))
        for wid in sorted(st.webhooks):
            kinds = st.webhooks[wid]["kinds"]
            if "*" in kinds or kind in kinds:
                self.batch.outbox.append((wid, seq, body, 0, at, "pending", ""))
        self.effects.append(Publish((seq, at, kind, container_id or "", body)))

    def audit(self, p: Principal, action: str, subject: str, detail: dict[str, Any]) -> None:
        self.batch.audit.append(
            (
                self.now_iso,
                p.subject,
                p.role.value,
                p.authority,
                action,
                subject,
                json.dumps(detail, sort_keys=True, default=str),
            )
        )
        self.batch.meta.append(("counter", str(self._state.counter)))

    def done(self, result: R) -> Outcome[R]:
        return Outcome(self.batch, self.effects, result)
