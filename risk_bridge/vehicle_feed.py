"""The console's live vehicle frames: every vehicle's status, read from the fleet twice a
second and serialised once, whatever the number of screens watching.

This module owns the frame (``{t_s, sent_at_ms, vehicles: [...]}``; see docs/console.md) and
the one task that makes it. Each subscriber waits for the next frame and always gets the newest:
a slow screen skips frames instead of queueing them, so it never holds memory or the fleet
back. The fleet is read in a worker thread (it takes the fleet's lock) and only while someone
watches.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from orchestrator.vehicle_status import VehicleStatus

__all__ = ["FRAME_INTERVAL_S", "VehicleFeed", "frame_json", "vehicle_json"]

FRAME_INTERVAL_S = 0.5  # 2 updates a second: smooth enough for a wall map at AGV speeds


def vehicle_json(v: VehicleStatus) -> dict[str, Any]:
    return {
        "vehicle_id": v.vehicle_id,
        "x_m": round(v.x_m, 2),
        "y_m": round(v.y_m, 2),
        "yaw_rad": round(v.yaw_rad, 3),
        "speed_mps": round(v.speed_mps, 2),
        "battery_kwh": round(v.battery_kwh, 1),
        "display": v.display.value,
        "state": v.state,
        "node": v.node,
        "next_node": v.next_node,
        "route": list(v.route),
        "container_ids": list(v.container_ids),
        "risk": None if v.risk is None else v.risk.value,
        "purpose": v.purpose,
        "target_node": v.target_node,
        "waiting_for": v.waiting_for,
        "fault": v.fault,
        "reporting": v.reporting,
    }


def frame_json(t_s: float, vehicles: Sequence[VehicleStatus]) -> str:
    """One frame as JSON text; ``sent_at_ms`` is the wall clock when the state was read (the
    console measures its lag against it)."""
    return json.dumps(
        {
            "t_s": round(t_s, 2),
            "sent_at_ms": round(time.time() * 1000.0, 1),
            "vehicles": [vehicle_json(v) for v in vehicles],
        },
        separators=(",", ":"),
    )


class VehicleFeed:
    def __init__(
        self,
        read: Callable[[], tuple[float, Sequence[VehicleStatus]]],
        *,
        interval_s: float = FRAME_INTERVAL_S,
    ) -> None:
        self._read = read
        self.interval_s = interval_s
        self._frame: str | None = None
        self._seq = 0
        self._changed: asyncio.Condition | None = None
        self._task: asyncio.Task[None] | None = None
        self._watchers = 0
        self.frames_made = 0
        self.failure: str | None = None  # why the last read failed (the stream says so)

    async def _loop(self) -> None:
        assert self._changed is not None
        while self._watchers > 0:
            started = time.monotonic()
            try:
                t_s, vehicles = await asyncio.to_thread(self._read)
                frame = await asyncio.to_thread(frame_json, t_s, vehicles)
                self.failure = None
            except Exception as exc:  # the fleet failing must not kill every screen's stream
                self.failure = f"{type(exc).__name__}: {exc}"
                frame = json.dumps({"error": self.failure, "sent_at_ms": time.time() * 1000})
            async with self._changed:
                self._frame = frame
                self._seq += 1
                self.frames_made += 1
                self._changed.notify_all()
            await asyncio.sleep(max(0.0, self.interval_s - (time.monotonic() - started)))

    def _ensure_running(self) -> None:
        if self._changed is None:
            self._changed = asyncio.Condition()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="vehicle-feed")

    async def frames(self, max_frames: int | None = None, idle_s: float = 15.0) -> Any:
        """Async iterator of frame texts for one subscriber (None after ``idle_s`` without a
        frame, so the caller can send a keep-alive and notice a closed connection)."""
        self._watchers += 1
        self._ensure_running()
        assert self._changed is not None
        seen = -1
        sent = 0
        try:
            while max_frames is None or sent < max_frames:
                async with self._changed:
                    if self._seq == seen:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._changed.wait(), idle_s)
                    if self._seq == seen or self._frame is None:
                        frame = None
                    else:
                        seen, frame = self._seq, self._frame
                yield frame
                if frame is not None:
                    sent += 1
        finally:
            self._watchers -= 1

    async def close(self) -> None:
        self._watchers = 0
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
