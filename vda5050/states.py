"""A vehicle's VDA 5050 ``state`` messages as the core's events; anything wrong changes nothing.

:class:`StateIntake` reads one vehicle's state payloads (raw MQTT bytes) in this order, and
refuses at the first check that fails, with the reason, before anything is taken from it:

1. size (``MAX_STATE_BYTES``), JSON (no ``NaN``, no duplicate keys, not nested beyond what
   the parser allows), an object, no array longer than ``MAX_ITEMS``;
2. the official schema of the vehicle's version (:mod:`vda5050.validate`), closed: a field
   it does not name is refused too (a typo'd or foreign field would otherwise pass unread);
3. who: ``manufacturer``, ``serialNumber`` and ``version`` are the vehicle's;
4. when: ``headerId`` above the last one taken (a repeated or older message is stale);
5. where: for the current order, ``lastNodeId`` is the base node at ``lastNodeSequenceId``.

Then, in order: a ``VehicleAtNode`` for every base node passed since the last state (a
vehicle reports only its last node; the core wants each, with the Drive that granted it), an
``ActionDone`` for each of borderflow's actions newly ``FINISHED``, a ``VehicleFaulted`` when a
``FATAL`` error appears or an action ``FAILED``, a ``VehicleRecovered`` when the fatal errors
of an error-only fault clear (a failed action stays a fault). The battery (2.1
``batteryState.batteryCharge``, 3.0 ``powerSupply.stateOfCharge``, in %) becomes kWh with the
fleet's capacity.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from orchestrator.ids import NodeId, VehicleId
from orchestrator.messages import (
    ActionDone,
    Event,
    VehicleAtNode,
    VehicleFaulted,
    VehicleRecovered,
)
from vda5050.orders import OrderTrack
from vda5050.validate import problems
from vda5050.versions import Version

__all__ = ["MAX_ITEMS", "MAX_STATE_BYTES", "Reading", "StateIntake"]

MAX_STATE_BYTES = 256 * 1024
MAX_ITEMS = 1000  # per array: a state of a long order has a few hundred node states at most
_ARRAYS = ("nodeStates", "edgeStates", "actionStates", "instantActionStates", "errors",
           "loads", "information", "maps", "zoneSets", "zoneRequests", "edgeRequests")  # fmt: skip


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


@dataclass(frozen=True, slots=True)
class Reading:
    """What one state message gave: events for the core, or why it was refused."""

    events: tuple[Event, ...] = ()
    refused: str | None = None
    last_node: str | None = None
    battery_kwh: float | None = None
    header_id: int | None = None
    # where it says it is: (x, y, theta) in the map frame, its speed, the next node it drives to
    pose: tuple[float, float, float] | None = None
    speed_mps: float = 0.0
    next_node: str | None = None
    # 3.0: (requestId, zoneId, zoneSetId, requestStatus) of its zone requests
    zone_requests: tuple[tuple[str, str, str, str], ...] = ()


class StateIntake:
    """One vehicle's states in, the core's events out (see the module's doc)."""

    def __init__(self, track: OrderTrack, battery_capacity_kwh: float) -> None:
        self.track = track
        self.capacity_kwh = battery_capacity_kwh
        self.last_header: int | None = None
        self.faulted = False
        self._errors_only = False  # the fault came from FATAL errors alone (they may clear)
        self._done: set[str] = set()
        self.refusals = 0
        self.taken = 0  # states read and taken

    def _refuse(self, why: str) -> Reading:
        self.refusals += 1
        return Reading(refused=why)

    def read(self, payload: bytes, t_s: float) -> Reading:
        ref = self.track.ref
        if len(payload) > MAX_STATE_BYTES:
            return self._refuse(f"state of {len(payload)} bytes is over {MAX_STATE_BYTES}")
        try:
            msg = json.loads(payload, object_pairs_hook=_no_duplicates,
                             parse_constant=_no_constants)  # fmt: skip
        except _DuplicateKey as exc:
            return self._refuse(f"state has the key {exc} twice")
        except (ValueError, RecursionError) as exc:
            return self._refuse(f"state is not JSON: {str(exc)[:120]}")
        if not isinstance(msg, dict):
            return self._refuse(f"state is a JSON {type(msg).__name__}, not an object")
        for name in _ARRAYS:
            value = msg.get(name)
            if isinstance(value, list) and len(value) > MAX_ITEMS:
                return self._refuse(f"state's {name} has {len(value)} items (at most {MAX_ITEMS})")
        found = problems("state", ref.version, msg, limit=3, strict=True)
        if found:
            return self._refuse(f"not a valid VDA 5050 {ref.version.value} state: "
                                + "; ".join(found))  # fmt: skip
        who = (msg["manufacturer"], msg["serialNumber"], msg["version"])
        if who != (ref.manufacturer, ref.serial_number, ref.version.value):
            return self._refuse(
                f"state from {who[0]}/{who[1]} version {who[2]} on the topic of "
                f"{ref.manufacturer}/{ref.serial_number} version {ref.version.value}"
            )
        header = msg["headerId"]
        if self.last_header is not None and header <= self.last_header:
            return self._refuse(f"stale state: headerId {header} after {self.last_header}")
        return self._take(msg, t_s, header)

    def _battery_kwh(self, msg: dict[str, Any]) -> float:
        if self.track.ref.version is Version.V2_1:
            pct = float(msg["batteryState"]["batteryCharge"])
        else:
            pct = float(msg["powerSupply"]["stateOfCharge"])
        return max(0.0, min(100.0, pct)) / 100.0 * self.capacity_kwh

    def _take(self, msg: dict[str, Any], t_s: float, header: int) -> Reading:
        track, vid = self.track, VehicleId(self.track.ref.vehicle_id)
        battery = self._battery_kwh(msg)
        last_node, last_seq = str(msg["lastNodeId"]), int(msg["lastNodeSequenceId"])
        ours = track.order_id is not None and msg["orderId"] == track.order_id
        if ours and last_seq > track.base.reached_seq:
            expected = track.base.nodes.get(last_seq)
            if expected is None or str(expected) != last_node:
                return self._refuse(
                    f"lastNodeId {last_node!r} at sequence {last_seq} is not order "
                    f"{track.order_id}'s node there ({expected!r})"
                )
        # Every check passed: from here the state is taken.
        if last_node in track.frame.graph.nodes:
            track.at_node = NodeId(last_node)
        events: list[Event] = []
        if ours:
            for node, command in track.reached(last_seq):
                events.append(VehicleAtNode(t_s, vid, node, battery, command))
        failed = []
        for a in msg["actionStates"]:
            aid, status = a["actionId"], a["actionStatus"]
            if aid in self._done or aid not in track.actions:
                continue
            if status == "FINISHED":
                kind, command = track.actions[aid]
                self._done.add(aid)
                events.append(ActionDone(t_s, vid, kind, battery, command))
            elif status == "FAILED":
                self._done.add(aid)
                failed.append(f"action {aid} failed")
        fatal = [f"{e['errorType']}: {e.get('errorDescription', '')}".rstrip(": ")
                 for e in msg["errors"] if e["errorLevel"] == "FATAL"]  # fmt: skip
        if (fatal or failed) and not self.faulted:
            self.faulted = True
            self._errors_only = not failed
            events.append(VehicleFaulted(t_s, vid, "; ".join(fatal + failed)[:300]))
        elif (self.faulted and self._errors_only and not fatal and not failed
              and last_node in track.frame.graph.nodes):  # fmt: skip
            # The fatal errors cleared (the vehicle was repaired or reset): back in service
            # where it stands. A failed action stays a fault until an operator decides.
            self.faulted = False
            events.append(VehicleRecovered(t_s, vid, NodeId(last_node), battery))
        self.last_header = header
        self.taken += 1
        pos = msg.get("agvPosition") or msg.get("mobileRobotPosition")
        pose = None if pos is None else (float(pos["x"]), float(pos["y"]), float(pos["theta"]))
        vel = msg.get("velocity") or {}
        speed = math.hypot(float(vel.get("vx", 0.0)), float(vel.get("vy", 0.0)))
        if not msg["driving"]:
            speed = 0.0
        ahead = [n for n in msg["nodeStates"] if n["sequenceId"] > last_seq]
        nxt = str(min(ahead, key=lambda n: n["sequenceId"])["nodeId"]) if ahead else None
        zones = tuple((str(r["requestId"]), str(r["zoneId"]), str(r["zoneSetId"]),
                       str(r["requestStatus"])) for r in msg.get("zoneRequests", ())
                      if r["requestType"] == "ACCESS")  # fmt: skip
        return Reading(tuple(events), None, last_node, battery, header, pose, speed,
                       nxt if msg["driving"] else None, zones)  # fmt: skip
