"""Canonical bytes of a ledger entry, and back.

An entry is ``{"event": {...}, "prev": <hex>, "seq": <n>}`` as canonical JSON: keys sorted, no
insignificant whitespace, UTF-8, and no floats at all (the event time is stored as whole
microseconds, ``t_us``), so that any verifier in any language re-derives the same bytes. An
event the runtime stamped carries ``timestamp``, its UTC time in the one canonical ISO 8601 form
of :mod:`orchestrator.custody.timestamps`; entries written before timestamps existed have no
such key and keep their exact bytes. ``prev`` is the previous entry's leaf hash (hex), which
chains the entries; the first entry's ``prev`` is 64 zeros. Because ``prev`` and ``seq`` sort
last, a verifier can read them from the tail of the bytes without parsing the event
(:func:`split_tail`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from json.encoder import encode_basestring as _quote  # what json.dumps uses here
from typing import Any

from orchestrator.custody.errors import LedgerIntegrityError, MalformedCustodyEvent
from orchestrator.custody.events import CustodyEvent, CustodyEventKind
from orchestrator.custody.timestamps import TIMESTAMP_FORM, is_timestamp

__all__ = [
    "GENESIS_PREV",
    "canonical_json",
    "decode_entry",
    "encode_entry",
    "event_from_body",
    "event_from_obj",
    "event_to_obj",
    "split_tail",
]

GENESIS_PREV = b"\x00" * 32
_PREV_KEY = b',"prev":"'
_KINDS = {k.value: k for k in CustodyEventKind}
_OPTIONAL_TEXT = ("actor", "node", "seal_number", "side", "vehicle_id", "zone")
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(obj: object) -> bytes:
    return _ENCODER.encode(obj).encode("utf-8")


def event_to_obj(event: CustodyEvent) -> dict[str, Any]:
    """The JSON object of an event; raises if a field cannot be stored exactly."""
    cid = event.container_id
    if not isinstance(cid, str):
        raise MalformedCustodyEvent(f"container id must be a string, got {cid!r}")
    if not isinstance(event.kind, CustodyEventKind):
        raise MalformedCustodyEvent(f"container {cid}: kind must be a CustodyEventKind")
    t_s = event.t_s
    if not isinstance(t_s, int | float) or not math.isfinite(t_s) or t_s < 0:
        raise MalformedCustodyEvent(
            f"container {cid}: t_s={t_s!r} must be a finite, non-negative clock time"
        )
    details = dict(event.details)
    for key, value in details.items():
        if type(key) is not str or type(value) is not str:
            raise MalformedCustodyEvent(
                f"container {cid}: details must map strings to strings, got {key!r}: {value!r}"
            )
    obj: dict[str, Any] = {
        "actor": event.actor,
        "container_id": cid,
        "details": details,
        "kind": event.kind._value_,
        "node": event.node,
        "seal_number": event.seal_number,
        "side": event.side,
        "t_us": round(t_s * 1_000_000),
        "vehicle_id": event.vehicle_id,
        "zone": event.zone,
    }
    for name in _OPTIONAL_TEXT:
        value = obj[name]
        if value is not None and type(value) is not str:
            raise MalformedCustodyEvent(f"container {cid}: {name} must be a string or None")
    if event.timestamp is not None:
        if not is_timestamp(event.timestamp):
            raise MalformedCustodyEvent(
                f"container {cid}: timestamp {event.timestamp!r} must be {TIMESTAMP_FORM}"
            )
        obj["timestamp"] = event.timestamp
    return obj


def event_from_obj(obj: Mapping[str, Any]) -> CustodyEvent:
    kind = _KINDS.get(obj["kind"])
    if kind is None:
        raise ValueError(f"unknown event kind {obj['kind']!r}")
    t_us = obj["t_us"]
    if type(t_us) is not int:
        raise ValueError("t_us must be an integer")
    details = obj["details"]
    if not isinstance(details, dict):
        raise ValueError("details must be an object")
    timestamp = obj.get("timestamp")
    if "timestamp" in obj and not is_timestamp(timestamp):
        raise ValueError(f"timestamp {timestamp!r} is not of the form {TIMESTAMP_FORM}")
    return CustodyEvent(
        kind=kind,
        t_s=t_us / 1_000_000,
        container_id=obj["container_id"],
        seal_number=obj["seal_number"],
        vehicle_id=obj["vehicle_id"],
        node=obj["node"],
        zone=obj["zone"],
        side=obj["side"],
        actor=obj["actor"],
        details=details,
        timestamp=timestamp,
    )


def encode_entry(seq: int, prev: bytes, event: CustodyEvent) -> bytes:
    """Canonical bytes of entry ``seq``: the same as ``canonical_json`` of the entry object
    (tested), written directly because appends are hot (a million-entry bulk load)."""
    obj = event_to_obj(event)  # validates every field
    details = obj["details"]
    fields = (
        f'"actor":{_text(obj["actor"])},"container_id":{_quote(obj["container_id"])},'
        f'"details":{{{",".join(f"{_quote(k)}:{_quote(details[k])}" for k in sorted(details))}}},'
        f'"kind":{_quote(obj["kind"])},"node":{_text(obj["node"])},'
        f'"seal_number":{_text(obj["seal_number"])},"side":{_text(obj["side"])},'
        f'"t_us":{obj["t_us"]},{_stamp(obj)}"vehicle_id":{_text(obj["vehicle_id"])},'
        f'"zone":{_text(obj["zone"])}'
    )
    text = f'{{"event":{{{fields}}},"prev":"{prev.hex()}","seq":{seq}}}'
    return text.encode("utf-8")


def _text(value: str | None) -> str:
    return "null" if value is None else _quote(value)


def _stamp(obj: Mapping[str, Any]) -> str:
    # Sorts between t_us and vehicle_id; absent (not null) on an unstamped event, so entries
    # written before timestamps existed re-encode to their exact bytes.
    timestamp = obj.get("timestamp")
    return "" if timestamp is None else f'"timestamp":"{timestamp}",'


def split_tail(body: bytes) -> tuple[int, bytes]:
    """``(seq, prev)`` read from the end of an entry's bytes, without parsing the event."""
    # Fixed layout of the canonical tail: ,"prev":"<64 hex>","seq":<n>}  (hot in verify).
    cut = body.rfind(b'","seq":', -40)
    if cut < 73 or body[cut - 73 : cut - 64] != _PREV_KEY or body[-1:] != b"}":
        raise ValueError("not a ledger entry (no prev/seq tail)")
    digits = body[cut + 8 : -1]
    if not digits.isdigit() or (len(digits) > 1 and digits[:1] == b"0"):
        raise ValueError("malformed seq")
    return int(digits), bytes.fromhex(body[cut - 64 : cut].decode("ascii"))


# The event of a canonical entry whose strings hold no quote or backslash (nearly all of them)
# is read with one regular expression, four times faster than json.loads; anything else
# (escapes, extra keys, anything not laid out exactly canonically) falls back to json.loads.
_S = r'(null|"[^"\\]*")'
_EVENT_RE = re.compile(
    r'\{"event":\{"actor":' + _S + r',"container_id":"([^"\\]*)","details":\{([^{}\\]*)\},'
    r'"kind":"([a-z_]+)","node":'
    + _S
    + r',"seal_number":'
    + _S
    + r',"side":'
    + _S
    + r',"t_us":(0|[1-9][0-9]*),(?:"timestamp":"([^"\\]*)",)?"vehicle_id":'
    + _S
    + r',"zone":'
    + _S
    + r'\},"prev":"[0-9a-f]{64}","seq":(?:0|[1-9][0-9]*)\}\Z'
)


def event_from_body(body: bytes) -> CustodyEvent:
    """The event of an entry's bytes (the ledger's replay and verification hot path)."""
    text = body.decode("utf-8")
    m = _EVENT_RE.match(text)
    if m is not None:
        actor, cid, details_text, kind, node, seal, side, t_us, stamp, vehicle, zone = m.groups()
        details: dict[str, str] | None = {}
        if stamp is not None and not is_timestamp(stamp):
            details = None  # json.loads' path below raises naming the timestamp
        if details_text and details is not None:
            # No quote can occur inside a key or value here, so the split is unambiguous.
            for pair in details_text[1:-1].split('","'):
                key_value = pair.split('":"')
                if len(key_value) != 2:
                    details = None
                    break
                details[key_value[0]] = key_value[1]
        if details is not None and kind in _KINDS:
            return CustodyEvent(
                kind=_KINDS[kind],
                t_s=int(t_us) / 1_000_000,
                container_id=cid,
                seal_number=None if seal == "null" else seal[1:-1],
                vehicle_id=None if vehicle == "null" else vehicle[1:-1],
                node=None if node == "null" else node[1:-1],
                zone=None if zone == "null" else zone[1:-1],
                # "null" side or actor are refused by the custody rules, as from json.loads
                side=None if side == "null" else side[1:-1],  # type: ignore[arg-type]
                actor=None if actor == "null" else actor[1:-1],  # type: ignore[arg-type]
                details=details,
                timestamp=stamp,
            )
    return event_from_obj(json.loads(text)["event"])


def decode_entry(body: bytes) -> tuple[int, bytes, CustodyEvent]:
    """Parse an entry's bytes; raises :class:`LedgerIntegrityError` if they are not canonical."""
    try:
        obj = json.loads(body)
        event = event_from_obj(obj["event"])
        seq, prev = obj["seq"], bytes.fromhex(obj["prev"])
    except (ValueError, KeyError, TypeError) as exc:
        raise LedgerIntegrityError(f"entry is not a well-formed ledger entry: {exc}") from None
    if canonical_json(obj) != body:
        raise LedgerIntegrityError(f"entry {seq} is not in canonical form", seq)
    return seq, prev, event
