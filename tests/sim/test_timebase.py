"""The scenario's time base: epoch and time zone read from the file (with defaults, and errors
naming the key), simulated seconds as ISO 8601 UTC and local clock times, arrivals by local
hour, and a run's event log, KPI file and custody events stamped with the scenario's time."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orchestrator.custody.events import CustodyEvent
from sim.arrivals import draw_arrivals
from sim.errors import ScenarioError
from sim.runner import Simulation
from sim.scenario import SCENARIO_DIR, bundled_scenarios, load_scenario
from sim.timebase import DEFAULT_EPOCH, time_base

SMALL = (SCENARIO_DIR / "test_small.toml").read_text()
STAMPED = "epoch = 2026-12-03T08:00:00+08:00"


def _without_time(text: str) -> str:
    lines = [ln for ln in text.splitlines() if not ln.startswith(("epoch =", "time_zone ="))]
    return "\n".join(lines) + "\n"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.toml"
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------ mapping


def test_simulated_seconds_map_to_utc_and_local_clock_times() -> None:
    tb = time_base("2026-12-03T08:00:00+08:00", "Asia/Shanghai")
    assert tb.iso_utc(0.0) == "2026-12-03T00:00:00.000000Z"
    assert tb.iso_utc(3723.5) == "2026-12-03T01:02:03.500000Z"
    assert tb.utc(60.0) == datetime(2026, 12, 3, 0, 1, tzinfo=UTC)
    assert tb.clock(16 * 3600.0) == "00:00" and tb.day_clock(16 * 3600.0 + 300) == "d2 00:05"
    assert tb.span(24 * 3600.0) == "08:00–08:00 next day, Asia/Shanghai"
    assert tb.span(6 * 3600.0) == "08:00–14:00, Asia/Shanghai"
    assert tb.span(72 * 3600.0) == "08:00–08:00 +3 days, Asia/Shanghai"
    assert tb.describe() == "2026-12-03 08:00 Asia/Shanghai (UTC+08:00)"


def test_hour_blocks_follow_the_local_clock() -> None:
    midnight = time_base("2026-12-03T00:00:00", "Asia/Shanghai")
    assert list(midnight.hour_blocks(3 * 3600.0)) == [
        (0.0, 3600.0, 0),
        (3600.0, 7200.0, 1),
        (7200.0, 10800.0, 2),
    ]
    half_past = time_base("2026-12-03T08:30:00", "Asia/Shanghai")
    assert list(half_past.hour_blocks(2 * 3600.0)) == [
        (0.0, 1800.0, 8),
        (1800.0, 5400.0, 9),
        (5400.0, 7200.0, 10),
    ]
    # Daylight saving (Berlin, 29 March 2026): 02:00 local does not exist.
    spring = time_base("2026-03-29T00:00:00", "Europe/Berlin")
    assert [hour for _, _, hour in spring.hour_blocks(4 * 3600.0)] == [0, 1, 3, 4]
    assert spring.iso_utc(2 * 3600.0) == "2026-03-29T01:00:00.000000Z"
    assert spring.clock(2 * 3600.0) == "03:00"


def test_axis_ticks_are_local_clock_times_on_whole_hours() -> None:
    tb = time_base("2026-12-03T08:30:00", "Asia/Shanghai")
    positions, labels = tb.hour_ticks(3 * 3600.0)
    assert positions == [0.5, 1.5, 2.5] and labels == ["09:00", "10:00", "11:00"]
    day = time_base("2026-12-03T00:00:00", "Asia/Shanghai")
    positions, labels = day.hour_ticks(24 * 3600.0)
    assert positions[::6] == [0.0, 12.0, 24.0] and labels[0] == "00:00"
    assert labels[-1] == "00:00\nDec 04"  # the next day is named


def test_defaults_and_fixed_offsets() -> None:
    assert time_base().epoch == DEFAULT_EPOCH and time_base().time_zone == "UTC"
    only_zone = time_base(None, "Asia/Ulaanbaatar")
    assert only_zone.iso_utc(0.0) == "2025-12-31T16:00:00.000000Z"  # 2026-01-01 00:00 local
    offset_only = time_base("2026-12-03T08:00:00+08:00")
    assert offset_only.time_zone == "UTC+08:00" and offset_only.clock(0.0) == "08:00"


# ------------------------------------------------------------------------------ files


def test_bundled_scenarios_start_at_their_local_times() -> None:
    for name in bundled_scenarios():
        tb = load_scenario(name).timebase
        assert tb.time_zone == "Asia/Shanghai", name
    day = load_scenario("erenhot_day").timebase
    assert day.iso_utc(0.0) == "2026-12-02T16:00:00.000000Z"  # 00:00 in Erenhot
    assert day.span(24 * 3600.0) == "00:00–00:00 next day, Asia/Shanghai"


def test_a_scenario_without_epoch_or_time_zone_gets_the_documented_default(
    tmp_path: Path,
) -> None:
    sc = load_scenario(_write(tmp_path, _without_time(SMALL)))
    assert sc.timebase.iso_utc(0.0) == "2026-01-01T00:00:00.000000Z"
    assert sc.timebase.time_zone == "UTC"
    local = load_scenario(_write(tmp_path, SMALL.replace(STAMPED, "epoch = 2026-12-03T08:00:00")))
    assert local.timebase == load_scenario("test_small").timebase  # local time in time_zone


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('time_zone = "Mars/Olympus"', r"time_zone: unknown time zone 'Mars/Olympus': give an"),
        ("time_zone = 8", r"time_zone: must be an IANA time zone name, got 8"),
        ('epoch = "tomorrow"', r"epoch: 'tomorrow' is no date-time; write e\.g\. 2026-12-03"),
        ("epoch = 42", r"epoch: must be a date-time such as 2026-12-03T00:00:00\+08:00"),
        (
            "epoch = 2026-12-03T08:00:00+01:00",
            r"epoch: 2026-12-03T08:00:00\+01:00 has the UTC offset \+01:00, but in time_zone "
            r"Asia/Shanghai that instant is at \+08:00",
        ),
    ],
)
def test_bad_epochs_and_time_zones_name_the_key(tmp_path: Path, line: str, message: str) -> None:
    key = line.split(" =", maxsplit=1)[0]
    text = "\n".join(line if ln.startswith(f"{key} =") else ln for ln in SMALL.splitlines())
    with pytest.raises(ScenarioError, match=message):
        load_scenario(_write(tmp_path, text))


# ------------------------------------------------------------------------------ runs


def test_arrival_rates_apply_by_local_hour_of_day() -> None:
    sc = load_scenario("test_small")
    only_nine = tuple(60.0 if h == 9 else 0.0 for h in range(24))
    spec = dataclasses.replace(sc.arrivals, cn_to_mn_per_h=only_nine, mn_to_cn_per_h=only_nine)
    at_8_30 = time_base("2026-12-03T08:30:00", "Asia/Shanghai")
    times = [a.t_s for a in draw_arrivals(spec, sc.customs, 3 * 3600.0, 1, at_8_30)]
    assert times and all(1800.0 <= t < 5400.0 for t in times)  # 09:00-10:00 local
    at_midnight = time_base("2026-12-03T00:00:00", "Asia/Shanghai")
    assert draw_arrivals(spec, sc.customs, 3 * 3600.0, 1, at_midnight) == []


def test_a_run_writes_the_scenarios_time_into_log_kpis_and_custody() -> None:
    class Recorder:
        def __init__(self) -> None:
            self.events: list[CustodyEvent] = []

        def append(self, event: CustodyEvent) -> int:
            self.events.append(event)
            return len(self.events) - 1

    sc = load_scenario("test_small").with_overrides(hours=0.5)
    ledger = Recorder()
    result = Simulation(sc, ledger=ledger).run()
    assert result.kpis["time"] == {
        "start_utc": "2026-12-03T00:00:00.000000Z",
        "end_utc": "2026-12-03T00:30:00.000000Z",
        "time_zone": "Asia/Shanghai",
        "local": "08:00–08:30, Asia/Shanghai",
    }
    lines = [json.loads(line) for line in result.log.lines]
    assert lines and all(line["at"] == sc.timebase.iso_utc(line["t_s"]) for line in lines)
    assert ledger.events and all(e.timestamp == sc.timebase.iso_utc(e.t_s) for e in ledger.events)
    # A live fleet leaves the stamp to its ledger's clock (the wall clock).
    unstamped = Recorder()
    Simulation(sc, ledger=unstamped, stamp_custody=False).run()
    assert unstamped.events and all(e.timestamp is None for e in unstamped.events)
