"""Which custody event may follow which, per container: the ledger's admission rules.

A container enters the ledger with SEAL_AFFIXED and then moves YARD -> AGV -> YARD ... ->
DELIVERED (see ``_POSITION_RULES``). On top of its position it carries: the seals now on it, the
side of the border holding custody, whether a seal is broken for inspection, and whether it is
held. An event that breaks a rule raises a :class:`CustodyError` naming the container and saying
what must happen first; :meth:`CustodyTracker.apply_all` admits a batch all-or-nothing.

A SEAL_READ with ``details["result"] == "mismatch"`` or a TAMPER_ALERT is legal (it must be
recorded) and makes :func:`hold_trigger` return the reason for the automatic HIGH hold.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from copy import copy
from dataclasses import dataclass, field
from enum import Enum

from orchestrator.custody.errors import (
    IllegalCustodyEvent,
    MalformedCustodyEvent,
    UnknownContainer,
    UnknownSeal,
)
from orchestrator.custody.events import CustodyEvent, CustodyEventKind
from orchestrator.custody.seals import check_container_id, check_seal_number, parse_seal_class
from orchestrator.custody.timestamps import TIMESTAMP_FORM, is_timestamp

__all__ = [
    "ContainerCustody",
    "CustodyPosition",
    "CustodyTracker",
    "check_event",
    "hold_trigger",
]

K = CustodyEventKind
SIDES = frozenset({"CN", "MN"})
READ_METHODS = frozenset({"mechanical", "e-seal"})
READ_RESULTS = frozenset({"match", "mismatch"})


class CustodyPosition(Enum):
    YARD = "yard"
    AGV = "agv"
    DELIVERED = "delivered"

    __hash__ = object.__hash__  # identity: see CustodyEventKind


P = CustodyPosition
_ON_SITE = frozenset({P.YARD, P.AGV})
# kind -> (positions it may happen in, position afterwards or None for unchanged)
_POSITION_RULES: dict[
    CustodyEventKind, tuple[frozenset[CustodyPosition], CustodyPosition | None]
] = {
    K.SEAL_AFFIXED: (frozenset({P.YARD}), None),
    K.SEAL_READ: (_ON_SITE, None),
    K.HANDOFF_YARD_TO_AGV: (frozenset({P.YARD}), P.AGV),
    K.HANDOFF_AGV_TO_YARD: (frozenset({P.AGV}), P.YARD),
    K.BORDER_HANDOFF: (frozenset({P.AGV}), None),
    K.INSPECTION_OPENED: (_ON_SITE, None),
    K.RESEALED: (_ON_SITE, None),
    K.HOLD_PLACED: (_ON_SITE, None),
    K.HOLD_RELEASED: (_ON_SITE, None),
    K.INSPECTION_RECOGNISED: (_ON_SITE, None),
    K.TAMPER_ALERT: (_ON_SITE, None),
    K.DELIVERED: (frozenset({P.YARD}), P.DELIVERED),
}
_NEEDS_VEHICLE = frozenset({K.HANDOFF_YARD_TO_AGV, K.HANDOFF_AGV_TO_YARD, K.BORDER_HANDOFF})
_NEEDS_SEAL = frozenset({K.SEAL_AFFIXED, K.SEAL_READ, K.INSPECTION_OPENED, K.RESEALED})
_NEEDS_REASON = frozenset({K.INSPECTION_OPENED, K.HOLD_PLACED, K.TAMPER_ALERT})
# Moving, crossing, releasing or delivering a container with a broken seal would lose custody.
_NEEDS_INTACT = frozenset(
    {
        K.HANDOFF_YARD_TO_AGV,
        K.HANDOFF_AGV_TO_YARD,
        K.BORDER_HANDOFF,
        K.HOLD_RELEASED,
        K.DELIVERED,
        K.INSPECTION_OPENED,
    }
)
_NOT_HELD = frozenset({K.BORDER_HANDOFF, K.DELIVERED})


@dataclass(slots=True)
class ContainerCustody:
    """Where a container's custody stands after the events admitted so far."""

    container_id: str
    position: CustodyPosition
    side: str
    seals: set[str] = field(default_factory=set)
    opened: bool = False  # a seal was broken for inspection and no new seal is on yet
    held: bool = False
    alerts: int = 0  # seal mismatches and tamper alerts recorded
    last_t_us: int = 0
    events: int = 0


def _bad(cls: type[Exception], event: CustodyEvent, text: str) -> Exception:
    return cls(f"container {event.container_id}: {event.kind.name} {text}")


def check_event(event: CustodyEvent) -> None:
    """Rules that need no history: identifiers, required fields. Raises MalformedCustodyEvent."""
    _check_fields(event, frozenset())


def _check_fields(event: CustodyEvent, known: Container[str]) -> None:
    # ``known``: identifiers already validated (the tracker's containers and seals), so
    # replaying a long ledger does not re-run the ISO checks on every event.
    if not isinstance(event.kind, CustodyEventKind):
        raise MalformedCustodyEvent(f"container {event.container_id}: unknown event kind")
    if event.container_id not in known:
        check_container_id(event.container_id)
    if event.timestamp is not None and not is_timestamp(event.timestamp):
        raise _bad(
            MalformedCustodyEvent, event, f"timestamp {event.timestamp!r} must be {TIMESTAMP_FORM}"
        )
    kind, details = event.kind, event.details
    if event.side not in SIDES:
        raise _bad(MalformedCustodyEvent, event, f"side {event.side!r} must be 'CN' or 'MN'")
    if not event.actor:
        raise _bad(MalformedCustodyEvent, event, "needs an actor (officer, gate or 'system')")
    if not (event.node or event.zone):
        raise _bad(MalformedCustodyEvent, event, "needs a location: node or zone")
    if kind in _NEEDS_VEHICLE and not event.vehicle_id:
        raise _bad(MalformedCustodyEvent, event, "needs the vehicle_id of the AGV")
    if kind in _NEEDS_SEAL:
        if not event.seal_number:
            raise _bad(MalformedCustodyEvent, event, "needs a seal_number")
        if event.seal_number not in known:
            check_seal_number(event.seal_number)
    elif event.seal_number is not None and event.seal_number not in known:
        check_seal_number(event.seal_number)
    if kind in _NEEDS_REASON and not details.get("reason"):
        raise _bad(MalformedCustodyEvent, event, "needs details['reason']")
    if kind in (K.SEAL_AFFIXED, K.RESEALED):
        parse_seal_class(details.get("seal_class"), str(event.seal_number))
        if not details.get("maker"):
            raise _bad(MalformedCustodyEvent, event, "needs details['maker'] (the seal maker)")
    if kind is K.SEAL_READ:
        if details.get("method") not in READ_METHODS:
            raise _bad(
                MalformedCustodyEvent,
                event,
                "needs details['method'] = 'mechanical' or 'e-seal' (ISO 18185)",
            )
        if details.get("result", "match") not in READ_RESULTS:
            raise _bad(MalformedCustodyEvent, event, "details['result'] must be match|mismatch")


def hold_trigger(event: CustodyEvent) -> str | None:
    """The reason for an automatic HIGH hold this event calls for, or None."""
    if event.kind is K.SEAL_READ and event.details.get("result") == "mismatch":
        return (
            f"seal mismatch on {event.container_id}: read {event.seal_number} "
            f"at {event.node or event.zone}"
        )
    if event.kind is K.TAMPER_ALERT:
        return f"tamper alert on {event.container_id}: {event.details.get('reason', '')}"
    return None


class CustodyTracker:
    """Per-container custody state; admits events in ledger order or raises."""

    def __init__(self) -> None:
        self._containers: dict[str, ContainerCustody] = {}
        self._seal_owner: dict[str, str] = {}  # seals are single-use: seal -> container

    @classmethod
    def restore(
        cls, states: Iterable[ContainerCustody], seal_owner: dict[str, str]
    ) -> CustodyTracker:
        """A tracker in a given state (the fast replay hands over to a tracker with this)."""
        tracker = cls()
        tracker._containers = {s.container_id: s for s in states}
        tracker._seal_owner = dict(seal_owner)
        return tracker

    def __len__(self) -> int:
        return len(self._containers)

    def get(self, container_id: str) -> ContainerCustody | None:
        return self._containers.get(container_id)

    def seal_owner(self, seal_number: str) -> str | None:
        return self._seal_owner.get(seal_number)

    def __contains__(self, identifier: object) -> bool:
        """True for a container or seal number already admitted (so already validated)."""
        return identifier in self._containers or identifier in self._seal_owner

    def check(self, event: CustodyEvent) -> None:
        """Raise if ``event`` may not be appended now; changes nothing."""
        _check_fields(event, self)
        self._transition(event, commit=False)

    def apply(self, event: CustodyEvent) -> None:
        _check_fields(event, self)
        self._transition(event, commit=True)

    def apply_all(self, events: Iterable[CustodyEvent]) -> None:
        """Admit a batch all-or-nothing: on the first bad event, the tracker is rolled back."""
        saved: dict[str, ContainerCustody | None] = {}
        new_seals: list[str] = []
        try:
            for event in events:
                cid = event.container_id
                if cid not in saved:
                    state = self._containers.get(cid)
                    saved[cid] = None if state is None else _clone(state)
                _check_fields(event, self)
                self._transition(event, commit=True)
                if event.kind in (K.SEAL_AFFIXED, K.RESEALED):
                    new_seals.append(str(event.seal_number))
        except Exception:
            for cid, before in saved.items():
                if before is None:
                    self._containers.pop(cid, None)
                else:
                    self._containers[cid] = before
            # Seals are single-use, so every seal admitted in this batch was new.
            for seal in new_seals:
                self._seal_owner.pop(seal, None)
            raise

    def _transition(self, event: CustodyEvent, *, commit: bool) -> None:
        kind, cid, seal = event.kind, event.container_id, event.seal_number
        t_us = round(event.t_s * 1_000_000)
        state = self._containers.get(cid)
        if state is None:
            if kind is not K.SEAL_AFFIXED:
                raise UnknownContainer(
                    f"container {cid} is unknown to the ledger: its first event must be "
                    f"SEAL_AFFIXED, got {kind.name}"
                )
            state = ContainerCustody(cid, P.YARD, event.side, last_t_us=t_us)
        allowed, after = _POSITION_RULES[kind]
        if state.position not in allowed:
            where = " or ".join(sorted(p.value for p in allowed))
            raise _bad(
                IllegalCustodyEvent,
                event,
                f"is out of order: the container is {state.position.value}, needs {where}",
            )
        if t_us < state.last_t_us:
            raise _bad(
                IllegalCustodyEvent,
                event,
                f"at t={event.t_s}s is earlier than its previous event "
                f"(t={state.last_t_us / 1e6}s); custody events are recorded in time order",
            )
        if kind in _NEEDS_INTACT and state.opened:
            raise _bad(IllegalCustodyEvent, event, "needs intact seals: reseal first")
        if kind in _NOT_HELD and state.held:
            raise _bad(IllegalCustodyEvent, event, "is not allowed while the container is held")
        if kind is K.HOLD_PLACED and state.held:
            raise _bad(IllegalCustodyEvent, event, "but the container is already held")
        if kind is K.HOLD_RELEASED and not state.held:
            raise _bad(IllegalCustodyEvent, event, "but the container is not held")
        if kind in (K.SEAL_AFFIXED, K.RESEALED):
            owner = self._seal_owner.get(str(seal))
            if owner is not None:
                raise _bad(
                    IllegalCustodyEvent,
                    event,
                    f"reuses seal {seal}, already affixed to {owner}; seals are single-use",
                )
            if kind is K.RESEALED and not state.opened:
                raise _bad(IllegalCustodyEvent, event, "but no seal was broken for inspection")
        if kind is K.SEAL_READ:
            mismatch = event.details.get("result") == "mismatch"
            if not mismatch and seal not in state.seals:
                raise UnknownSeal(
                    f"container {cid}: seal {seal} is not on it (seals: "
                    f"{', '.join(sorted(state.seals)) or 'none'}); record a read that does not "
                    "match the manifest with details result='mismatch'"
                )
            if state.opened and not mismatch:
                raise _bad(IllegalCustodyEvent, event, "on a container opened for inspection")
        if kind is K.INSPECTION_OPENED and seal not in state.seals:
            raise UnknownSeal(
                f"container {cid}: INSPECTION_OPENED names seal {seal}, which is not on it "
                f"(seals: {', '.join(sorted(state.seals)) or 'none'})"
            )
        if kind is K.BORDER_HANDOFF and event.side == state.side:
            raise _bad(
                IllegalCustodyEvent,
                event,
                f"to {event.side}, but custody is already on the {state.side} side; "
                "side names the receiving side",
            )
        if not commit:
            return
        self._containers[cid] = state
        state.last_t_us = t_us
        state.events += 1
        if after is not None:
            state.position = after
        if kind is K.SEAL_AFFIXED or kind is K.RESEALED:
            state.seals.add(str(seal))
            state.opened = False
            self._seal_owner[str(seal)] = cid
        elif kind is K.INSPECTION_OPENED:
            state.seals.discard(str(seal))
            state.opened = True
        elif kind is K.BORDER_HANDOFF:
            state.side = event.side
        elif kind is K.HOLD_PLACED:
            state.held = True
        elif kind is K.HOLD_RELEASED:
            state.held = False
        elif kind is K.TAMPER_ALERT or (
            kind is K.SEAL_READ and event.details.get("result") == "mismatch"
        ):
            state.alerts += 1


def _clone(state: ContainerCustody) -> ContainerCustody:
    c = copy(state)
    c.seals = set(state.seals)
    return c
