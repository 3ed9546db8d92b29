"""A scenario's time base: which real instant simulated second 0 is, and whose clock to show.

A scenario names its ``epoch`` (the date and time the run starts) and its ``time_zone`` (an
IANA name, e.g. ``Asia/Shanghai`` for Erenhot and Zamyn-Uud, both UTC+8). :class:`TimeBase`
maps simulated seconds to absolute time: ISO 8601 UTC for files (event log, KPI JSON, custody
ledger) and local clock times for people (report axes, "00:00–00:00 next day,
Asia/Shanghai"). It also says which local hour of the day a stretch of simulated time falls in,
which the hourly arrival rates are indexed by. Pure: nothing here reads a clock, so the same
scenario always maps the same way.

Scenarios that give neither key start at :data:`DEFAULT_EPOCH` (2026-01-01T00:00:00Z) in UTC;
with a time zone only, at 2026-01-01 00:00 local time there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orchestrator.custody.timestamps import format_timestamp

__all__ = [
    "DEFAULT_EPOCH",
    "DEFAULT_TIME_ZONE",
    "TimeBase",
    "check_time_zone",
    "parse_epoch",
    "time_base",
]

DEFAULT_TIME_ZONE = "UTC"
DEFAULT_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_EPOCH_LOCAL = DEFAULT_EPOCH.replace(tzinfo=None)  # with a time zone only: local 00:00
_HOUR_S = 3600.0
_UNIX = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def check_time_zone(name: str) -> None:
    """ValueError saying what to give unless ``name`` is a time zone this machine knows."""
    _zone(name)


def _zone(name: str) -> tzinfo:
    """The time zone of an IANA name; ValueError saying what to give otherwise."""
    if name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: give an IANA name such as 'Asia/Shanghai', "
            "'Asia/Ulaanbaatar' or 'UTC'"
        ) from None


@dataclass(frozen=True, slots=True)
class TimeBase:
    epoch: datetime  # the instant of simulated second 0, aware, in ``time_zone``
    time_zone: str  # IANA name, "UTC", or a fixed offset "UTC+08:00"

    @property
    def _zone(self) -> tzinfo:
        zone = self.epoch.tzinfo
        assert zone is not None
        return zone

    @property
    def _epoch_us(self) -> int:
        return (self.epoch.astimezone(UTC) - _UNIX) // _ONE_US

    def utc(self, t_s: float) -> datetime:
        # Arithmetic in UTC: adding to an aware local time would add wall-clock time (wrong by
        # an hour across a daylight-saving change).
        return self.epoch.astimezone(UTC) + timedelta(microseconds=round(t_s * 1_000_000))

    def local(self, t_s: float) -> datetime:
        return self.utc(t_s).astimezone(self._zone)

    def iso_utc(self, t_s: float) -> str:
        """``t_s`` as ISO 8601 UTC to the microsecond, the ledger's canonical form
        (``2026-12-02T16:00:00.000000Z``)."""
        return format_timestamp(self._epoch_us + round(t_s * 1_000_000))

    def clock(self, t_s: float) -> str:
        """The local time of day, ``08:00``."""
        return self.local(t_s).strftime("%H:%M")

    def span(self, duration_s: float) -> str:
        """The run's stretch of local clock time: ``00:00–00:00 next day, Asia/Shanghai``."""
        start, end = self.local(0.0), self.local(duration_s)
        days = (end.date() - start.date()).days
        after = {0: "", 1: " next day"}.get(days, f" +{days} days")
        return f"{start:%H:%M}–{end:%H:%M}{after}, {self.time_zone}"

    def describe(self) -> str:
        """The start for people: ``2026-12-03 00:00 Asia/Shanghai (UTC+08:00)``."""
        start = self.local(0.0)
        if self.time_zone.startswith("UTC"):
            return f"{start:%Y-%m-%d %H:%M} {self.time_zone}"
        return f"{start:%Y-%m-%d %H:%M} {self.time_zone} (UTC{_offset(start)})"

    def day_clock(self, t_s: float) -> str:
        """Day of the run and local time, ``d1 07:05`` (for log messages)."""
        day = (self.local(t_s).date() - self.local(0.0).date()).days + 1
        return f"d{day} {self.clock(t_s)}"

    def _into_hour_s(self) -> float:
        start = self.local(0.0)
        return start.minute * 60 + start.second + start.microsecond / 1e6

    def hour_ticks(self, duration_s: float, most: int = 13) -> tuple[list[float], list[str]]:
        """Positions (hours since the epoch) and local clock labels for a time axis: on whole
        local hours, every 1, 2, 3, 4, 6 or 12 hours so that at most ``most`` are shown."""
        hours = max(duration_s / _HOUR_S, 1.0)
        step = next((s for s in (1, 2, 3, 4, 6, 12) if hours / s <= most - 1), 24)
        into_s = self._into_hour_s()
        first = 0.0 if into_s == 0 else (_HOUR_S - into_s) / _HOUR_S
        positions, labels = [], []
        x = first
        while x <= hours + 1e-9:
            t = self.local(x * _HOUR_S)
            if t.hour % step == 0:
                positions.append(x)
                labels.append(f"{t:%H:%M}" if t.hour or x == 0 else f"{t:%H:%M}\n{t:%b %d}")
            x += 1.0
        return positions, labels

    def hour_blocks(self, duration_s: float) -> Iterator[tuple[float, float, int]]:
        """``(start_s, end_s, local hour of day)`` covering ``[0, duration_s)`` in stretches
        that each lie within one local clock hour (the first starts at the epoch)."""
        lead_s = _HOUR_S - self._into_hour_s()  # the first block ends at the next local hour
        k = 0
        while True:
            begin = 0.0 if k == 0 else lead_s + (k - 1) * _HOUR_S
            if begin >= duration_s:
                return
            yield begin, min(lead_s + k * _HOUR_S, duration_s), self.local(begin).hour
            k += 1


def _as_datetime(value: object) -> datetime:
    """A TOML date-time, local date-time or date, or ISO 8601 text of one (naive: local)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is no date-time; write e.g. 2026-12-03T00:00:00+08:00 (an instant) "
                "or 2026-12-03T00:00:00 (local time in time_zone)"
            ) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise ValueError(f"must be a date-time such as 2026-12-03T00:00:00+08:00, got {value!r}")
    return value


def parse_epoch(value: object, zone_name: str) -> datetime:
    """A scenario's ``epoch`` as an aware datetime in ``zone_name``: a TOML offset date-time or
    ISO 8601 text with an offset (that instant, which must have that offset in the zone), a
    local date-time or a date (that wall-clock time in the zone). ValueError naming what is
    wrong."""
    zone = _zone(zone_name)
    t = _as_datetime(value)
    if t.tzinfo is None:
        return t.replace(tzinfo=zone)
    local = t.astimezone(zone)
    if local.utcoffset() != t.utcoffset():
        raise ValueError(
            f"{t.isoformat()} has the UTC offset {_offset(t)}, but in time_zone {zone_name} "
            f"that instant is at {_offset(local)}: fix one of the two, or give the epoch "
            "without an offset (local time in time_zone)"
        )
    return local


def _offset(t: datetime) -> str:
    text = t.strftime("%z")
    return f"{text[:3]}:{text[3:]}" if text else "+00:00"


def time_base(epoch: object = None, zone_name: str | None = None) -> TimeBase:
    """The time base of a scenario's ``epoch`` and ``time_zone`` keys, either of which may be
    missing (see the module's defaults). An epoch with a UTC offset but no time zone shows
    clock times at that fixed offset."""
    if zone_name is None:
        t = None if epoch is None else _as_datetime(epoch)
        offset = None if t is None or t.tzinfo is None else t.utcoffset()
        if t is not None and offset:
            return TimeBase(t.astimezone(timezone(offset)), f"UTC{_offset(t)}")
        zone_name = DEFAULT_TIME_ZONE
    return TimeBase(
        parse_epoch(DEFAULT_EPOCH_LOCAL if epoch is None else epoch, zone_name), zone_name
    )
