"""Replay the custody rules straight off stored entry bytes, at verification speed.

:class:`~orchestrator.custody.legality.CustodyTracker` admits one decoded
:class:`~orchestrator.custody.events.CustodyEvent` at a time; decoding the event and running the
generic checks costs about 10 µs, far too slow to replay a million-entry ledger. This module
replays the same rules on the canonical bytes: one regular expression (possessive, so it never
backtracks) pulls the fields out as bytes, a container's discrete state (position, custody side,
opened, held) is one small int moved through a precomputed transition table, and the few
distinct combinations of the container-independent fields are judged once and cached. What is
left per entry is cheap: the escape and UTF-8 checks are made once per batch, and a new
container number or seal number is checked on its bytes (a canonical ISO 6346 number with its
check digit; a seal number of the accepted layout), falling back to the tracker's own checks
only for what that does not certainly accept. About 2 µs an entry.

It is an accelerator, not a second rule book: :meth:`FastReplay.feed` admits an entry only when
the rules certainly admit it and otherwise stops *before* it; the caller then carries the state
over to a tracker (:meth:`FastReplay.to_tracker`), which accepts the entry or raises the exact
error. Verdicts and messages are therefore the tracker's; the tests replay random and broken
ledgers through both and compare.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from orchestrator.custody.errors import MalformedCustodyEvent
from orchestrator.custody.events import CustodyEventKind
from orchestrator.custody.legality import (
    _NEEDS_INTACT,
    _NEEDS_REASON,
    _NEEDS_SEAL,
    _NEEDS_VEHICLE,
    _NOT_HELD,
    _POSITION_RULES,
    READ_METHODS,
    READ_RESULTS,
    ContainerCustody,
    CustodyPosition,
    CustodyTracker,
)
from orchestrator.custody.seals import SealClass, check_container_id, check_seal_number
from orchestrator.custody.timestamps import is_timestamp

__all__ = ["FastReplay"]

K = CustodyEventKind
_KINDS = list(CustodyEventKind)
_READ_MATCH = len(_KINDS)  # rule kind of a SEAL_READ whose result is "match"
_POSITIONS = list(CustodyPosition)
_SIDES = ("CN", "MN")
_NULL = b"null"
_EMPTY = b'""'
# The whole of encoding._EVENT_RE, on bytes and possessive (each class excludes the character
# that ends it, so nothing is lost by never backtracking). Strings are ``[^"]`` here and a
# backslash anywhere sends the entry to the tracker. The tail ``"prev":"<64>","seq":<digits>}``
# is only measured: the verifier checks its content (and the worker's verdicts count only for
# entries the verifier cleared). A seal number is captured without its quotes (None for null).
_S = rb'(?:null|"[^"]*+")'
_ENTRY_RE = re.compile(
    rb'\{"event":\{"actor":(' + _S + rb'),"container_id":"([^"]*+)",'
    rb'("details":\{[^}]*+\},"kind":"[^"]*+","node":' + _S + rb"),"
    rb'"seal_number":(?:null|"([^"]*+)"),"side":(' + _S + rb'),"t_us":(0|[1-9][0-9]*+),'
    # A timestamp of the canonical form, its date captured (whether that day exists is looked
    # up per distinct date); any other timestamp fails the match and goes to the tracker.
    rb'(?:"timestamp":"([0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01]))'
    rb'T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z",)?'
    rb'("vehicle_id":' + _S + rb',"zone":' + _S + rb')\},"prev":"[^"]{64}","seq":[0-9]++\}\Z'
)
# The groups that do not vary from container to container, taken apart on a cache miss.
_MID_RE = re.compile(rb'"details":\{([^}]*+)\},"kind":"([^"]*+)","node":(' + _S + rb")\Z")
_END_RE = re.compile(rb'"vehicle_id":(' + _S + rb'),"zone":(' + _S + rb")\Z")
_STATIC_CACHE = 1 << 16  # distinct (actor, details/kind/node, side, vehicle/zone) remembered
_SEAL_CLASSES = frozenset(c.value for c in SealClass)
_MAX_EXACT_T_US = 1 << 50  # below this, round(t_us / 1e6 * 1e6) == t_us (the tracker's time)


def _code(position: int, side: int, opened: bool, held: bool) -> int:
    return position << 3 | side << 2 | opened << 1 | held


def _step(code: int, rule: int, side: int) -> int:
    """The state after an event of rule kind ``rule`` told from ``side``, or -1 if the
    position/side/opened/held rules of ``CustodyTracker._transition`` refuse it."""
    position, state_side, opened, held = code >> 3, code >> 2 & 1, code >> 1 & 1, code & 1
    kind = K.SEAL_READ if rule == _READ_MATCH else _KINDS[rule]
    allowed, after = _POSITION_RULES[kind]
    if _POSITIONS[position] not in allowed:
        return -1
    if (kind in _NEEDS_INTACT or rule == _READ_MATCH) and opened:
        return -1
    if kind in _NOT_HELD and held:
        return -1
    if (kind is K.HOLD_PLACED and held) or (kind is K.HOLD_RELEASED and not held):
        return -1
    if kind is K.RESEALED and not opened:
        return -1
    if kind is K.BORDER_HANDOFF:
        if side == state_side:
            return -1
        state_side = side
    if after is not None:
        position = _POSITIONS.index(after)
    if kind in (K.SEAL_AFFIXED, K.RESEALED):
        opened = 0
    elif kind is K.INSPECTION_OPENED:
        opened = 1
    elif kind is K.HOLD_PLACED:
        held = 1
    elif kind is K.HOLD_RELEASED:
        held = 0
    return _code(position, state_side, bool(opened), bool(held))


# _TABLE[rule * 2 + side][code] -> next code or -1
_TABLE = tuple(
    tuple(_step(code, rule, side) for code in range(24))
    for rule in range(len(_KINDS) + 1)
    for side in (0, 1)
)
_RULE_OF = {k.value.encode(): i for i, k in enumerate(_KINDS)}
_I_AFFIXED, _I_RESEALED = _KINDS.index(K.SEAL_AFFIXED), _KINDS.index(K.RESEALED)
_I_READ, _I_OPENED = _KINDS.index(K.SEAL_READ), _KINDS.index(K.INSPECTION_OPENED)
_I_TAMPER = _KINDS.index(K.TAMPER_ALERT)
_VEHICLE = frozenset(_KINDS.index(k) for k in _NEEDS_VEHICLE)
_SEAL = frozenset(_KINDS.index(k) for k in _NEEDS_SEAL)
_REASON = frozenset(_KINDS.index(k) for k in _NEEDS_REASON)
_SEALING = frozenset({_I_AFFIXED, _I_RESEALED})
_SEAL_CHECKED = frozenset({_READ_MATCH, _I_OPENED})
_SIDE_OF = {b'"CN"': 0, b'"MN"': 1}

# What the seal number of an event must be, by rule kind: anything (or nothing), a seal on the
# container (a matching read, opening it), a new seal (affixing, resealing), respectively.
_ANY_SEAL, _SEAL_ON, _NEW_SEAL = 0, 1, 2

# What the rules need from an entry's container-independent fields: the transition row of its
# rule kind, whether it is a first event (SEAL_AFFIXED), whether it needs a seal number, how
# its seal is checked, whether it opens the container, whether it records an alert, its side.
_Static = tuple[tuple[int, ...], bool, bool, int, bool, bool, int]
_UNSEEN: _Static = ((), False, False, 0, False, False, 0)  # a cache miss

# Identifiers that are certainly valid, checked on bytes (``_seal_ok`` / ``_container_ok``
# decide the rest): a seal number of 4-20 capitals, digits, hyphens with four digits or more,
# letter or digit at both ends (orchestrator.domain.seals); an ISO 6346 number in canonical
# form, check digit verified by :func:`_check_digit_ok`.
_SEAL_FAST = re.compile(rb"(?=(?:[^0-9]*+[0-9]){4})[A-Z0-9][A-Z0-9-]{2,18}[A-Z0-9]\Z").match
_CONTAINER_FAST = re.compile(rb"[A-Z]{3}[UJZ][0-9]{7}\Z").match


def _letter_values() -> dict[int, int]:
    """ISO 6346 values of the capitals: 10, 12, 13, ... skipping multiples of 11."""
    values: dict[int, int] = {}
    value = 10
    for letter in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        values[letter] = value
        value += 1
    return values


_LETTER_VALUE = _letter_values()
_OWNER_SUMS: dict[bytes, int] = {}  # owner code + category -> its part of the weighted sum


def _check_digit_ok(cid: bytes) -> bool:
    """The ISO 6346 check digit of ``cid`` (matched by ``_CONTAINER_FAST``) is right."""
    head = cid[:4]
    total = _OWNER_SUMS.get(head)
    if total is None:
        total = _OWNER_SUMS[head] = sum(_LETTER_VALUE[c] << i for i, c in enumerate(head))
    c4, c5, c6, c7, c8, c9, check = cid[4:]
    total += (c4 << 4) + (c5 << 5) + (c6 << 6) + (c7 << 7) + (c8 << 8) + (c9 << 9) - 48 * 1008
    return total % 11 % 10 == check - 48


def _judge_details(text: bytes) -> tuple[bool, bool, bool, bool] | None:
    """(has a reason, valid seal class and maker, valid read method and result, result is
    "mismatch"), or None when encoding.event_from_body would not split the text either."""
    details: dict[str, str] = {}
    if b"{" in text:  # encoding._EVENT_RE refuses it (nested object): leave it to the tracker
        return None
    if text:
        for pair in text.decode("utf-8")[1:-1].split('","'):  # as encoding.event_from_body
            key_value = pair.split('":"')
            if len(key_value) != 2:
                return None
            details[key_value[0]] = key_value[1]
    result = details.get("result", "match")
    return (
        bool(details.get("reason")),
        details.get("seal_class") in _SEAL_CLASSES and bool(details.get("maker")),
        details.get("method") in READ_METHODS and result in READ_RESULTS,
        result == "mismatch",
    )


def _judge_static(key: tuple[bytes, ...]) -> _Static | None:
    """The checks of ``legality._check_fields`` that need no container or seal, or None when
    the entry might be refused (the tracker then decides and words the message)."""
    actor, mid, side, end = key
    mid_m, end_m = _MID_RE.match(mid), _END_RE.match(end)
    if mid_m is None or end_m is None:
        return None
    details, kind, node = mid_m.groups()
    vehicle, zone = end_m.groups()
    rule = _RULE_OF.get(kind)
    side_i = _SIDE_OF.get(side)
    verdict = _judge_details(details)
    blank = (_NULL, _EMPTY)
    if (
        rule is None
        or side_i is None
        or verdict is None
        or actor in blank
        or (node in blank and zone in blank)
        or (rule in _VEHICLE and vehicle in blank)
        or (rule in _REASON and not verdict[0])
        or (rule in _SEALING and not verdict[1])
        or (rule == _I_READ and not verdict[2])
    ):
        return None
    needs_seal, alert = rule in _SEAL, rule == _I_TAMPER or (rule == _I_READ and verdict[3])
    if rule == _I_READ and not verdict[3]:
        rule = _READ_MATCH
    seal_rule = _NEW_SEAL if rule in _SEALING else _SEAL_ON if rule in _SEAL_CHECKED else _ANY_SEAL
    return (
        _TABLE[rule << 1 | side_i],
        rule == _I_AFFIXED,
        needs_seal,
        seal_rule,
        rule == _I_OPENED,
        alert,
        side_i,
    )


class FastReplay:
    """Custody state of the entries fed so far, kept as bytes and small ints."""

    def __init__(self) -> None:
        # container id -> [state code, last t_us, seals on it, alerts, events]
        self._containers: dict[bytes, list[Any]] = {}
        self._seal_owner: dict[bytes, bytes] = {}
        self._static: dict[tuple[bytes, ...], _Static | None] = {}
        self._days: set[bytes] = set()  # dates of timestamps seen, each a real calendar day

    def __len__(self) -> int:
        return len(self._containers)

    def feed(self, bodies: Sequence[bytes], first: int) -> int:
        """Admit entries ``first, first + 1, ...`` in order; return how many were admitted (all,
        or the index of the first one the rules might refuse, with the state as it was before
        that one). The verifier checks each tail, ``,"prev":"<64 hex>","seq":<first + n>}``;
        here ``_ENTRY_RE`` only checks that the event is followed by a tail of that form."""
        # An escaped string or bytes that are not UTF-8 go to the tracker: tested once for the
        # whole batch (an entry matching _ENTRY_RE starts and ends with an ASCII brace, so the
        # batch is UTF-8 only if each of its entries is).
        joined = b"".join(bodies)
        if b"\\" in joined or not (joined.isascii() or _utf8(joined)):
            for n, body in enumerate(bodies):
                if b"\\" in body or not _utf8(body):
                    bodies = bodies[:n]
                    break
        containers, owners, statics = self._containers, self._seal_owner, self._static
        days = self._days
        match = _ENTRY_RE.match
        for n, body in enumerate(bodies):
            m = match(body)
            if m is None:
                return n
            actor, cid, mid, seal, side, t_us, day, end = m.groups()
            if day is not None and day not in days and not _day_ok(day, days):
                return n
            key = (actor, mid, side, end)
            static = statics.get(key, _UNSEEN)
            if static is _UNSEEN:
                if len(statics) >= _STATIC_CACHE:
                    statics.clear()
                static = statics[key] = _judge_static(key)
            if static is None:
                return n
            row, first_event, needs_seal, seal_rule, opens, alert, side_i = static
            if seal is None:
                if needs_seal:
                    return n
            elif (
                seal_rule != _SEAL_ON  # a seal on the container was valid when it was put on
                and seal not in owners
                and seal not in containers
                and not _seal_ok(seal)
            ):
                return n
            t = int(t_us)
            if t > _MAX_EXACT_T_US:
                t = round(t / 1_000_000 * 1_000_000)
            state = containers.get(cid)
            if state is None:
                if not first_event or (cid not in owners and not _container_ok(cid)):
                    return n
                state = [side_i << 2, t, set(), 0, 0]  # in the yard, on its sealing side
                containers[cid] = state  # removed below if the event is refused after all
            code = row[state[0]]
            if code < 0 or t < state[1]:
                if state[4] == 0:
                    del containers[cid]
                return n
            if seal_rule:
                seals_on = state[2]
                if seal_rule == _SEAL_ON:
                    if seal not in seals_on:
                        return n  # (not a first event: the container was known)
                    if opens:
                        seals_on.discard(seal)
                elif seal is None or seal in owners:
                    if state[4] == 0:
                        del containers[cid]
                    return n
                else:
                    seals_on.add(seal)
                    owners[seal] = cid
            if alert:
                state[3] += 1
            state[0] = code
            state[1] = t
            state[4] += 1
        return len(bodies)

    def to_tracker(self) -> CustodyTracker:
        """A :class:`CustodyTracker` in exactly this state, to carry on entry by entry."""
        states = []
        for cid, (code, t_us, seals, alerts, events) in self._containers.items():
            states.append(
                ContainerCustody(
                    container_id=cid.decode("utf-8"),
                    position=_POSITIONS[code >> 3],
                    side=_SIDES[code >> 2 & 1],
                    seals={s.decode("utf-8") for s in seals},
                    opened=bool(code & 2),
                    held=bool(code & 1),
                    alerts=alerts,
                    last_t_us=t_us,
                    events=events,
                )
            )
        owners = {s.decode("utf-8"): c.decode("utf-8") for s, c in self._seal_owner.items()}
        return CustodyTracker.restore(states, owners)


def _utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _day_ok(day: bytes, days: set[bytes]) -> bool:
    """``day`` (YYYY-MM-DD, in range) exists; remembered in ``days`` if so."""
    if is_timestamp(day.decode("ascii") + "T00:00:00.000000Z"):
        days.add(day)
        return True
    return False


def _seal_ok(seal: bytes) -> bool:
    if _SEAL_FAST(seal):
        return True
    try:
        check_seal_number(seal.decode("utf-8"))
    except MalformedCustodyEvent:
        return False
    return True


def _container_ok(cid: bytes) -> bool:
    if _CONTAINER_FAST(cid) and _check_digit_ok(cid):
        return True
    try:
        check_container_id(cid.decode("utf-8"))
    except MalformedCustodyEvent:
        return False
    return True
