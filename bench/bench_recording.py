"""``simulate --mcap`` overhead: the Erenhot day (60 AGVs, 24 h) with and without a recording
(goal: ≤ 30 % more, i.e. a ratio ≤ 1.3).

Both runs are the same scenario and seed in this process, timed from building the simulation
to the closed file; the recording writes at the default 1 sample per simulated second, and at
0.1 for comparison. Also reported: the 1 Hz run with messages encoded but not handed to the
writer (the recorder's own share), messages and file size, and what one message costs the
``mcap`` writer by itself (the floor of any recording written through it: the Erenhot day at
1 Hz is about 1.9 million messages, mostly the moving vehicles' odometry).
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
from pathlib import Path

from bench.figures import Figure

__all__ = ["run"]

SCENARIO = "erenhot_day"


def _run(
    hours: float, hz: float | None, out: Path, *, write: bool = True
) -> tuple[float, int, int]:
    from sim.recorder import SimRecorder
    from sim.runner import Simulation
    from sim.scenario import load_scenario

    t0 = time.perf_counter()
    sim = Simulation(load_scenario(SCENARIO))
    rec = SimRecorder(sim, out, hz) if hz is not None else None
    if rec is not None and not write:
        rec.bag.write = lambda channel_id, t_ns, data: None  # type: ignore[method-assign]
    sim.advance(hours * 3600.0)
    if rec is None:
        return time.perf_counter() - t0, 0, 0
    rec.close()
    return time.perf_counter() - t0, rec.bag.count, out.stat().st_size


def _mcap_message_us(n: int = 200_000) -> float:
    from mcap.writer import CompressionType, Writer

    w = Writer(io.BytesIO(), compression=CompressionType.ZSTD, chunk_size=4 * 1024 * 1024)
    w.start(profile="ros2", library="bench")
    channel = w.register_channel("/x", "cdr", w.register_schema("x", "ros2msg", b"x"))
    data = b"\x00" * 700  # an Odometry
    t0 = time.perf_counter()
    for i in range(n):
        w.add_message(channel, i, data, i)
    return (time.perf_counter() - t0) / n * 1e6


def run(quick: bool) -> list[Figure]:
    hours = 2.0 if quick else 24.0
    folder = Path(tempfile.mkdtemp(prefix="bench-rec-"))
    figures: list[Figure] = []
    try:
        plain = min(_run(hours, None, folder / "none")[0] for _ in range(2))
        figures.append(Figure("recording", f"{SCENARIO}, {hours:g} h, no recording",
                              round(plain, 2), "s"))  # fmt: skip
        for hz, goal in ((1.0, True), (0.1, False)):
            t, count, size = _run(hours, hz, folder / f"r{hz:g}.mcap")
            ratio = t / plain
            figures.append(Figure(
                "recording", f"{SCENARIO}, {hours:g} h, --mcap at {hz:g} Hz / without",
                round(ratio, 2), "x", "≤ 1.3" if goal else "", (ratio <= 1.3) if goal else None,
                f"{t:.1f} s, {count:,} messages, {size / 1e6:.0f} MB"))  # fmt: skip
        t, _, _ = _run(hours, 1.0, folder / "encode-only.mcap", write=False)
        figures.append(Figure("recording", "the same at 1 Hz, messages encoded but not written",
                              round(t / plain, 2), "x",
                              notes="the recorder's own work; the rest: the writer"))  # fmt: skip
        figures.append(Figure("recording", "one message through the mcap writer (zstd chunks)",
                              round(_mcap_message_us(), 2), "µs",
                              notes="Writer.add_message alone, 700 bytes"))  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return figures
