"""Ledger timestamps: the one canonical text of an entry's time, and a tree head's.

An entry's ``timestamp`` is the time of the event in UTC as ISO 8601 / RFC 3339 text of exactly
one form, ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (six fraction digits, ``Z``), so every verifier
re-derives the same entry bytes and no two texts name the same instant. A signed tree head's
``timestamp`` is whole milliseconds since 1970-01-01T00:00:00Z, as in RFC 6962.

The runtime says what the time is (the wall clock under ``borderflow serve``, the scenario's
epoch plus simulated seconds in a simulation); this module only converts, it never reads a
clock.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

__all__ = [
    "TIMESTAMP_FORM",
    "format_timestamp",
    "is_timestamp",
    "ms_text",
    "parse_timestamp",
    "timestamp_of",
]

TIMESTAMP_FORM = "YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC), e.g. 2026-12-03T00:00:00.000000Z"
_UNIX = datetime(1970, 1, 1)  # naive UTC: arithmetic on it is exact and fast
_ONE_US = timedelta(microseconds=1)
# Field ranges are checked here; whether the day exists in its month, per distinct date below.
_FORM = re.compile(
    r"([0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01]))"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z"
)
_DATES: dict[str, bool] = {}  # date text -> a real calendar day (few distinct days per ledger)


def _real_day(date: str) -> bool:
    ok = _DATES.get(date)
    if ok is None:
        try:
            datetime.strptime(date, "%Y-%m-%d")
            ok = date[:4] != "0000"
        except ValueError:
            ok = False
        if len(_DATES) > 100_000:
            _DATES.clear()
        _DATES[date] = ok
    return ok


def is_timestamp(text: object) -> bool:
    """``text`` is an entry timestamp in the canonical form (and a real calendar day)."""
    if type(text) is not str:
        return False
    m = _FORM.fullmatch(text)
    return m is not None and _real_day(m.group(1))


def format_timestamp(unix_us: int) -> str:
    """The canonical text of ``unix_us`` microseconds since 1970-01-01T00:00:00Z."""
    return (_UNIX + timedelta(microseconds=unix_us)).isoformat(timespec="microseconds") + "Z"


def timestamp_of(t: datetime) -> str:
    """The canonical text of an aware datetime (any time zone), to the microsecond."""
    if t.tzinfo is None:
        raise ValueError(f"{t.isoformat()} has no time zone; give an aware datetime")
    return t.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_timestamp(text: str) -> int:
    """Microseconds since 1970-01-01T00:00:00Z of a canonical entry timestamp; ValueError
    naming the expected form otherwise."""
    if not is_timestamp(text):
        raise ValueError(f"timestamp {text!r} is not of the form {TIMESTAMP_FORM}")
    return (datetime.fromisoformat(text[:-1]) - _UNIX) // _ONE_US


def ms_text(unix_ms: int) -> str:
    """A tree head's timestamp for people: ISO 8601 UTC to the millisecond."""
    return (_UNIX + timedelta(milliseconds=unix_ms)).isoformat(timespec="milliseconds") + "Z"
