"""The orchestrator node's own arrivals: containers that become transport orders by themselves.

Owns the arrivals file (its ``arrivals_file`` parameter) and the schedule it gives. ``borderflow
ros up --arrivals SCENARIO_OR_MANIFEST`` writes the file (``cli/ros_arrivals.py``: a scenario's
drawn arrivals, or a manifest CSV's rows); this package does not import the SimPy runtime, so the
file is a plain JSON list::

    {"format": "borderflow-arrivals/1", "source": "scenario test_small (seed 7)",
     "map": "test_crossing",
     "arrivals": [{"t_s": 95.2, "order_id": "O000001", "container_id": "CSQU3054383",
                   "direction": "CN->MN", "origin_station": "cn_slot_02",
                   "seal_numbers": ["CN1234567"], "consignor": "Erlian Trading Co",
                   "hs_code": "842910", "origin_country": "CN"}, ...]}

``t_s`` is scenario time from the start; :class:`ArrivalsFeed` hands each arrival to the core as
an ``OrderArrived`` once ``t_s / time_scale`` seconds of ROS time have passed since the feed
started (``time_scale`` = scenario seconds per ROS second, the AGV simulators' ``time_scale``),
so a simulated clock (``use_sim_time``) is followed too. The consignor, HS code and origin
country are the containers' declarations: the node announces them (``FleetInfo.declared``) so
the customs bridge knows the containers it may decide on. A bad file is refused whole with the
entry and field named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from borderflow_ros.errors import ParameterError
from orchestrator.domain.iso6346 import parse_container_number
from orchestrator.errors import InvalidContainerNumberError
from orchestrator.ids import OrderId, StationId
from orchestrator.messages import Direction, OrderArrived

__all__ = ["FORMAT", "ArrivalsFeed", "ArrivalsFile", "PlannedArrival", "read_arrivals"]

FORMAT = "borderflow-arrivals/1"
_TEXT = ("order_id", "container_id", "direction", "origin_station", "consignor", "hs_code",
         "origin_country")  # fmt: skip


@dataclass(frozen=True, slots=True)
class PlannedArrival:
    t_s: float  # scenario seconds from the start
    order_id: str
    container_id: str
    direction: Direction
    origin_station: str
    seal_numbers: tuple[str, ...]
    consignor: str
    hs_code: str
    origin_country: str


@dataclass(frozen=True, slots=True)
class ArrivalsFile:
    source: str  # what the arrivals were made from, for people
    map_id: str  # the map whose stations they name
    arrivals: tuple[PlannedArrival, ...]  # by time, then order id


def read_arrivals(path: str, stations: set[str]) -> ArrivalsFile:
    """The arrivals of ``path``; every origin station must be one of ``stations`` (the node's
    map). Raises :class:`ParameterError` naming the file, the entry and what is wrong."""
    where = f"borderflow_orchestrator: arrivals_file {path!r}"
    hint = "make it with `borderflow ros arrivals SCENARIO_OR_MANIFEST -o FILE`"
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParameterError(f"{where}: {exc.strerror or exc}; {hint}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(f"{where} is not JSON ({exc}); {hint}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ParameterError(f"{where}: not a {FORMAT} file (its 'format' key); {hint}")
    rows = doc.get("arrivals")
    if not isinstance(rows, list):
        raise ParameterError(f"{where}: 'arrivals' must be a list")
    out: list[PlannedArrival] = []
    seen_orders: set[str] = set()
    seen_containers: set[str] = set()
    for i, row in enumerate(rows):
        arrival = _arrival(row, f"{where}: arrivals[{i}]", stations)
        if arrival.order_id in seen_orders:
            raise ParameterError(f"{where}: arrivals[{i}]: order {arrival.order_id} twice")
        if arrival.container_id in seen_containers:
            raise ParameterError(f"{where}: arrivals[{i}]: container {arrival.container_id} twice")
        seen_orders.add(arrival.order_id)
        seen_containers.add(arrival.container_id)
        out.append(arrival)
    out.sort(key=lambda a: (a.t_s, a.order_id))
    return ArrivalsFile(str(doc.get("source", "")), str(doc.get("map", "")), tuple(out))


def _arrival(row: Any, where: str, stations: set[str]) -> PlannedArrival:
    if not isinstance(row, dict):
        raise ParameterError(f"{where}: must be an object")
    text: dict[str, str] = {}
    for key in _TEXT:
        value = row.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ParameterError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
        text[key] = value.strip()
    t_s = row.get("t_s")
    if isinstance(t_s, bool) or not isinstance(t_s, int | float) or not 0 <= t_s < 1e9:
        raise ParameterError(f"{where}: 't_s' must be seconds >= 0, got {t_s!r}")
    try:
        direction = Direction(text["direction"])
    except ValueError:
        allowed = ", ".join(d.value for d in Direction)
        raise ParameterError(
            f"{where}: direction {text['direction']!r} is not one of {allowed}"
        ) from None
    try:
        cid = str(parse_container_number(text["container_id"]))
    except InvalidContainerNumberError as exc:
        raise ParameterError(f"{where}: {exc}") from None
    if text["origin_station"] not in stations:
        raise ParameterError(
            f"{where}: origin station {text['origin_station']!r} is not on this node's map "
            "(made for another map? give ros up the same --map)"
        )
    seals = row.get("seal_numbers", [])
    if not isinstance(seals, list) or not all(isinstance(s, str) and s for s in seals):
        raise ParameterError(f"{where}: 'seal_numbers' must be a list of seal numbers")
    return PlannedArrival(float(t_s), text["order_id"], cid, direction, text["origin_station"],
                          tuple(seals), text["consignor"], text["hs_code"],
                          text["origin_country"])  # fmt: skip


class ArrivalsFeed:
    """Which arrivals are due: each once ``t_s / time_scale`` seconds passed since
    :meth:`start`. Pure: the node asks it on a timer with its ROS clock."""

    def __init__(self, arrivals: tuple[PlannedArrival, ...], time_scale: float) -> None:
        if not time_scale > 0:
            raise ParameterError(
                f"borderflow_orchestrator: arrivals_time_scale {time_scale!r} must be > 0"
            )
        self.arrivals = arrivals
        self.time_scale = time_scale
        self.fed = 0  # arrivals handed out so far
        self.t0_s: float | None = None

    def start(self, now_s: float) -> None:
        self.t0_s = now_s

    def due(self, now_s: float) -> list[OrderArrived]:
        """The arrivals due by ``now_s`` not handed out yet, as core events stamped now."""
        if self.t0_s is None:
            return []
        elapsed_s = (now_s - self.t0_s) * self.time_scale
        out = []
        while self.fed < len(self.arrivals) and self.arrivals[self.fed].t_s <= elapsed_s:
            a = self.arrivals[self.fed]
            out.append(OrderArrived(now_s, OrderId(a.order_id), a.container_id, a.direction,
                                    StationId(a.origin_station), a.seal_numbers))  # fmt: skip
            self.fed += 1
        return out

    def next_in_s(self, now_s: float) -> float | None:
        """ROS seconds until the next arrival (None when all are out or not started)."""
        if self.t0_s is None or self.fed >= len(self.arrivals):
            return None
        return max(0.0, self.t0_s + self.arrivals[self.fed].t_s / self.time_scale - now_s)
