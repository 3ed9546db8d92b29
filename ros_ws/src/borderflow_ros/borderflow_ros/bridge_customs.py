"""Simulated customs authorities for the bridge with a ROS fleet (``serve --fleet ros``, auto-
customs on): they decide on the containers the orchestrator node's core took, THROUGH the bridge.

The SimPy fleet brings its own simulated customs (``sim/customs.py``, fates drawn from the
scenario); a ROS fleet has none, so without this nothing would ever clear a container and no AGV
would cross. Like the SimPy ones, these only hand their decisions to the bridge (the fleet port's
``customs_queue``), which stores, audits, signs and forwards them as any customs system's:

- an order taken (``/borderflow/orders_taken``) for a declared container (on the manifest, or
  declared with an order posted to the bridge) gets a verdict from its
  origin side's authority after a short latency; its level is drawn from a stream seeded by the
  container number (70 % LOW, 20 % MEDIUM: through the scanner, 10 % HIGH: into a hold bay), so
  a container has the same fate in every run;
- a hold placed gets released by an officer of the side that holds it, after an inspection time.

Times are wall-clock seconds: the bridge and its API run in real time whatever the vehicles'
time scale. One worker thread keeps the schedule; :meth:`SimulatedCustoms.stop` ends it.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
import time
from collections.abc import Callable

from orchestrator.lanegraph import Side
from orchestrator.messages import Direction, Event, HoldReleased, RiskLevel, VerdictIssued

__all__ = ["RISK_MIX", "SimulatedCustoms"]

RISK_MIX: tuple[tuple[RiskLevel, float], ...] = (
    (RiskLevel.LOW, 0.7),
    (RiskLevel.MEDIUM, 0.2),
    (RiskLevel.HIGH, 0.1),
)


class SimulatedCustoms:
    def __init__(
        self,
        submit: Callable[[Event], None],
        now_s: Callable[[], float],
        declared: set[str],
        *,
        run_token: str = "",
        latency_s: tuple[float, float] = (2.0, 8.0),
        release_s: tuple[float, float] = (15.0, 45.0),
    ) -> None:
        self._submit = submit
        self._now_s = now_s
        self._declared = set(declared)
        self._run = run_token
        self._latency_s = latency_s
        self._release_s = release_s
        self._decided: set[str] = set()
        self._officers = dict.fromkeys(Side, 0)
        self._due: list[tuple[float, int, Callable[[], Event]]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._stopped = False
        self.verdicts_sent = 0
        self.releases_sent = 0
        self._thread = threading.Thread(target=self._run_loop, name="ros-sim-customs",
                                        daemon=True)  # fmt: skip
        self._thread.start()

    @staticmethod
    def fate(container_id: str) -> RiskLevel:
        """The first verdict's level for a container (the same in every run)."""
        rng = random.Random(f"borderflow:ros-customs:{container_id}")
        return rng.choices([lv for lv, _ in RISK_MIX], weights=[w for _, w in RISK_MIX])[0]

    def declare(self, container_id: str) -> None:
        """A container the bridge put on its manifest later (declared with its order)."""
        with self._cv:
            self._declared.add(container_id)

    def order_taken(self, order_id: str, container_id: str, direction: str) -> None:
        """The node's core took an order: its origin side's customs decide once."""
        with self._cv:
            if container_id not in self._declared or container_id in self._decided:
                return  # the bridge accepts verdicts for declared containers only
            self._decided.add(container_id)
        try:
            side = Direction(direction).origin
        except ValueError:
            return
        level = self.fate(container_id)
        rng = random.Random(f"borderflow:ros-customs:latency:{container_id}")
        verdict_id = f"{side.value}-V-{order_id}-{self._run}" if self._run else (
            f"{side.value}-V-{order_id}")  # fmt: skip

        def verdict() -> Event:
            self.verdicts_sent += 1
            return VerdictIssued(self._now_s(), container_id, level, side, verdict_id,
                                 "risk assessment (simulated customs)")  # fmt: skip

        self._at(rng.uniform(*self._latency_s), verdict)

    def hold_placed(self, container_id: str, side: Side) -> None:
        """A hold of ``side``: one of its officers inspects and releases it."""
        rng = random.Random(f"borderflow:ros-customs:release:{container_id}:{side.value}")

        def release() -> Event:
            self._officers[side] += 1
            officer = f"{side.value}-officer-{(self._officers[side] - 1) % 8 + 1}"
            self.releases_sent += 1
            return HoldReleased(self._now_s(), container_id, officer, side,
                                "inspected, no findings (simulated customs)")  # fmt: skip

        self._at(rng.uniform(*self._release_s), release)

    def _at(self, delay_s: float, make: Callable[[], Event]) -> None:
        with self._cv:
            heapq.heappush(self._due, (time.monotonic() + delay_s, next(self._seq), make))
            self._cv.notify()

    def _run_loop(self) -> None:
        while True:
            with self._cv:
                while not self._stopped and (not self._due or self._due[0][0] > time.monotonic()):
                    wait_s = self._due[0][0] - time.monotonic() if self._due else None
                    self._cv.wait(wait_s)
                if self._stopped:
                    return
                _, _, make = heapq.heappop(self._due)
            self._submit(make())

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self._cv.notify()
        self._thread.join(timeout=2.0)
