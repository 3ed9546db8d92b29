"""A VDA 5050 vehicle, simulated: what it does with orders and instant actions, and its state.

:class:`SimulatedVehicle` is the vehicle side of VDA 5050, stepped by its caller (the MQTT
process in :mod:`vda5050.sim_process`, or a test) with explicit time, so it is deterministic.
It is strict, as a real vehicle's validator is: an order is taken only if it is valid against
the closed schema of its version, is for this vehicle, and follows the order rules (a new
order starts at the node the vehicle stands at; an update has the same ``orderId``, a higher
``orderUpdateId`` and starts at the last released node; released nodes and edges alternate by
sequence id and come before the horizon). Otherwise it keeps what it was doing and reports a
``validationError`` / ``orderUpdateError`` (WARNING) naming the problem, as VDA 5050 asks.

Kinematics: along each released edge, straight from node to node, accelerating and braking
at the vehicle's limits, at most the edge's speed; it stops at the last released node.
Actions: ``pick`` / ``drop`` take ``action_s``, ``waitForTrigger`` ``scan_s``,
``startCharging`` charges at ``charge_kw`` to the ``targetKwh`` parameter (or full);
``cancelOrder`` stops it at the next node and drops the rest of the order.

Zones (3.0): a ``zoneSet`` for its map is stored and reported enabled. It asks for the lease
of every RELEASE zone its order leads into as soon as it takes the order (an ``ACCESS``
request in its state); it never drives a segment into a zone it holds no lease for (it stands
at the node before it, asking if it has not yet); a ``responses`` ``GRANTED`` lets it go,
``QUEUED`` keeps it waiting, ``REJECTED`` drops the request (it asks again when its order
changes). A lease ``REVOKED`` before it entered keeps it out (it stops at the node, short of
the zone); revoked while it is inside, ``releaseLossBehavior`` ``STOP`` stops it where it is.
A used lease ends at the node after the zone.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from vda5050.validate import problems
from vda5050.vehicle_state import ActionState, Pose, VehicleSnapshot, state_message
from vda5050.versions import Version
from vda5050.zones import segment_enters

__all__ = ["SimulatedVehicle", "VehicleSpec"]


@dataclass(frozen=True, slots=True)
class VehicleSpec:
    max_speed_mps: float = 6.94
    accel_mps2: float = 0.5
    decel_mps2: float = 0.7
    action_s: float = 5.0
    scan_s: float = 60.0
    battery_kwh: float = 200.0
    charge_kw: float = 100.0
    drive_kwh_per_km: float = 2.0


@dataclass
class _Node:
    node_id: str
    seq: int
    released: bool
    x: float
    y: float
    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Action:
    action_id: str
    action_type: str
    status: str = "WAITING"
    remaining_s: float = 0.0
    target_kwh: float | None = None
    instant: bool = False


class SimulatedVehicle:
    def __init__(self, version: Version, manufacturer: str, serial_number: str, *,
                 node_id: str, x_m: float, y_m: float, map_id: str,
                 spec: VehicleSpec | None = None) -> None:  # fmt: skip
        self.version = version
        self.manufacturer = manufacturer
        self.serial_number = serial_number
        self.spec = spec or VehicleSpec()
        self.map_id = map_id
        self.x, self.y, self.theta = x_m, y_m, 0.0
        self.speed = 0.0
        self.battery_kwh = self.spec.battery_kwh
        self.charging = False
        self.order_id = ""
        self.update_id = 0
        self.last_node, self.last_seq = node_id, 0
        self.nodes: list[_Node] = []  # of the current order, from the last node reached on
        self.edges: dict[int, dict[str, Any]] = {}
        self.actions: list[_Action] = []
        self.errors: list[tuple[str, str, str]] = []
        self.fatal: str | None = None
        self.header = 0
        self.changed = True  # something a state message should say at once
        self.stop_at_next = False
        self.zone_set_id: str | None = None
        self.zones: dict[str, list[tuple[float, float]]] = {}  # RELEASE zones: id -> polygon
        # requestId -> [zoneId, status]; the zones it drives through: zoneId -> until seq
        self.requests: dict[str, list[str]] = {}
        self.inside: dict[str, int] = {}
        self._requests_made = 0

    # ------------------------------------------------------------------------ messages in

    def warn(self, kind: str, why: str) -> None:
        self.errors = [*self.errors[-4:], (kind, "WARNING", why[:300])]
        self.changed = True

    def on_order(self, msg: object) -> bool:
        """Take ``msg`` if it is a valid order for this vehicle; False (and a WARNING in the
        state) otherwise."""
        found = problems("order", self.version, msg, limit=3, strict=True)
        if found:
            self.warn("validationError", "; ".join(found))
            return False
        assert isinstance(msg, dict)
        if (msg["manufacturer"], msg["serialNumber"]) != (self.manufacturer, self.serial_number):
            self.warn("validationError", "order for another vehicle")
            return False
        nodes = sorted(msg["nodes"], key=lambda n: n["sequenceId"])
        edges = sorted(msg["edges"], key=lambda e: e["sequenceId"])
        seqs = [n["sequenceId"] for n in nodes]
        if not nodes or any(s % 2 for s in seqs) or any(e["sequenceId"] % 2 == 0 for e in edges):
            self.warn("validationError", "nodes need even, edges odd sequence ids")
            return False
        if [e["sequenceId"] for e in edges] != [s + 1 for s in seqs[:-1]]:
            self.warn("validationError", "edges must join consecutive nodes")
            return False
        base_end = max((n["sequenceId"] for n in nodes if n["released"]), default=-1)
        if any(n["released"] != (n["sequenceId"] <= base_end) for n in nodes) or any(
            e["released"] != (e["sequenceId"] < base_end) for e in edges
        ):
            self.warn("validationError", "released nodes and edges must come before the horizon")
            return False
        first = nodes[0]
        if msg["orderId"] == self.order_id:
            if msg["orderUpdateId"] <= self.update_id:
                self.warn("orderUpdateError", f"orderUpdateId {msg['orderUpdateId']} is not "
                           f"above {self.update_id}")  # fmt: skip
                return False
            end = max((n.seq for n in self.nodes if n.released), default=self.last_seq)
            if first["sequenceId"] != end or first["nodeId"] != self._node_at(end):
                self.warn("orderUpdateError", "an update must start at the last released node")
                return False
        else:
            if self._driving_base():
                self.warn("orderUpdateError", "a new order while the last one is not done")
                return False
            if first["nodeId"] != self.last_node:
                self.warn("validationError",
                           f"a new order must start at the node the vehicle is at "
                           f"({self.last_node}), not {first['nodeId']}")  # fmt: skip
                return False
        self._take(msg, nodes, edges)
        return True

    def _node_at(self, seq: int) -> str:
        if seq == self.last_seq:
            return self.last_node
        return next((n.node_id for n in self.nodes if n.seq == seq), "")

    def _driving_base(self) -> bool:
        return any(n.released and n.seq > self.last_seq for n in self.nodes)

    def _take(self, msg: dict[str, Any], nodes: list[dict[str, Any]],
              edges: list[dict[str, Any]]) -> None:  # fmt: skip
        if msg["orderId"] != self.order_id:
            self.last_seq = nodes[0]["sequenceId"]
            # A new order: requests not granted are asked again when it gets to their zone.
            self.requests = {r: v for r, v in self.requests.items()
                             if v[0] in self.inside or v[1] == "GRANTED"}  # fmt: skip
        self.order_id, self.update_id = msg["orderId"], msg["orderUpdateId"]
        # A revoked lease is asked for again if the order (still) leads into its zone.
        self.requests = {r: v for r, v in self.requests.items()
                         if v[0] in self.inside or v[1] != "REVOKED"}  # fmt: skip
        kept = [n for n in self.nodes if n.seq < nodes[0]["sequenceId"] and n.seq > self.last_seq]
        self.nodes = kept + [
            _Node(
                n["nodeId"],
                n["sequenceId"],
                n["released"],
                n["nodePosition"]["x"],
                n["nodePosition"]["y"],
                list(n["actions"]),
            )
            for n in nodes
        ]
        self.edges = {e["sequenceId"]: e for e in edges} | {
            s: e for s, e in self.edges.items() if s < nodes[0]["sequenceId"]
        }
        # Actions of the node it stands at start now; the others when it gets there.
        here = next((n for n in self.nodes if n.seq == self.last_seq), None)
        if here is not None:
            self._start_actions(here)
        if self.zones:
            self._ask_ahead()
        self.changed = True

    def _ask_ahead(self) -> None:
        """Ask for the lease of every zone its order leads into (horizon too), early."""
        ahead = sorted((n for n in self.nodes if n.seq >= self.last_seq), key=lambda n: n.seq)
        for a, b in itertools.pairwise(ahead):
            for z in self._zones_on((a.x, a.y), (b.x, b.y)):
                if z not in self.inside and self._lease(z) is None:
                    self._requests_made += 1
                    self.requests[f"{z}-{self._requests_made}"] = [z, "REQUESTED"]

    def _start_actions(self, node: _Node) -> None:
        for a in node.actions:
            params = {p["key"]: p["value"] for p in a.get("actionParameters", [])}
            kind = a["actionType"]
            dur = self.spec.scan_s if kind == "waitForTrigger" else self.spec.action_s
            target = params.get("targetKwh")
            self.actions.append(_Action(a["actionId"], kind, "RUNNING", dur,
                                        float(target) if isinstance(target, int | float)
                                        else None))  # fmt: skip
        node.actions = []
        self.changed = True

    def on_instant_actions(self, msg: object) -> bool:
        found = problems("instantActions", self.version, msg, limit=3, strict=True)
        if found:
            self.warn("validationError", "; ".join(found))
            return False
        assert isinstance(msg, dict)
        for a in msg["actions"]:
            done = _Action(a["actionId"], a["actionType"], "FINISHED", instant=True)
            if a["actionType"] == "cancelOrder":
                self.stop_at_next = True
                self.nodes = [n for n in self.nodes if n.seq <= self.last_seq + 2]
                for n in self.nodes:
                    n.released = n.seq <= self.last_seq + 2 and n.released
            elif a["actionType"] not in ("startPause", "stopPause", "stateRequest"):
                done.status = "FAILED"
            self.actions.append(done)
        self.changed = True
        return True

    def on_zone_set(self, msg: object) -> bool:
        found = problems("zoneSet", self.version, msg, limit=3, strict=True)
        if found:
            self.warn("validationError", "; ".join(found))
            return False
        assert isinstance(msg, dict)
        body = msg["zoneSet"]
        if body["mapId"] != self.map_id:
            self.warn("validationError", f"zone set for map {body['mapId']}, not {self.map_id}")
            return False
        self.zone_set_id = body["zoneSetId"]
        self.zones = {
            z["zoneId"]: [(float(v["x"]), float(v["y"])) for v in z["vertices"]]
            for z in body["zones"]
            if z["zoneType"] == "RELEASE"
        }
        self.requests.clear()
        self.changed = True
        return True

    def on_responses(self, msg: object) -> bool:
        found = problems("responses", self.version, msg, limit=3, strict=True)
        if found:
            self.warn("validationError", "; ".join(found))
            return False
        assert isinstance(msg, dict)
        for r in msg["responses"]:
            req = self.requests.get(r["requestId"])
            if req is None:
                continue  # not (or no longer) its request
            grant = r["grantType"]
            if grant == "REJECTED":
                del self.requests[r["requestId"]]
            elif grant in ("GRANTED", "REVOKED"):
                req[1] = grant
            self.changed = True
        return True

    def _lease(self, zone_id: str) -> str | None:
        return next((st for z, st in self.requests.values() if z == zone_id), None)

    def _zones_on(self, a: tuple[float, float], b: tuple[float, float]) -> list[str]:
        return [z for z, poly in self.zones.items() if segment_enters(a, b, poly)]

    def _may_enter(self, nxt: _Node) -> bool:
        """At a node: may it drive on to ``nxt``? Asks for the leases it lacks."""
        ok = True
        for z in self._zones_on((self.x, self.y), (nxt.x, nxt.y)):
            if z in self.inside:
                continue
            status = self._lease(z)
            if status == "GRANTED":
                continue
            ok = False
            if status is None:
                self._requests_made += 1
                self.requests[f"{z}-{self._requests_made}"] = [z, "REQUESTED"]
                self.changed = True
        return ok

    # ------------------------------------------------------------------------- time steps

    def step(self, dt_s: float) -> None:
        """Advance ``dt_s`` seconds: drive, run actions, charge."""
        running = [a for a in self.actions if a.status == "RUNNING"]
        if running:
            for a in running:
                if a.action_type == "startCharging":
                    self.charging = True
                    target = a.target_kwh if a.target_kwh is not None else self.spec.battery_kwh
                    self.battery_kwh = min(target, self.battery_kwh + self.spec.charge_kw * dt_s
                                           / 3600.0)  # fmt: skip
                    if self.battery_kwh >= target - 1e-9:
                        a.status, self.charging, self.changed = "FINISHED", False, True
                else:
                    a.remaining_s -= dt_s
                    if a.remaining_s <= 0:
                        a.status, self.changed = "FINISHED", True
            return  # HARD actions: no driving meanwhile
        nxt = next((n for n in self.nodes if n.seq == self.last_seq + 2 and n.released), None)
        if nxt is None or self.fatal is not None:
            self.speed = 0.0
            return
        at_node = self._at(self.last_node_xy())
        if self.zones and at_node and not self._may_enter(nxt):
            self.speed = 0.0
            return  # waits at the node for its lease, short of the zone
        if any(self._lease(z) == "REVOKED" for z in self.inside):
            self.speed = 0.0  # lost the lease inside the zone: STOP where it is
            return
        if self.zones and at_node:
            for z in self._zones_on((self.x, self.y), (nxt.x, nxt.y)):
                self.inside.setdefault(z, nxt.seq)
        dx, dy = nxt.x - self.x, nxt.y - self.y
        dist = math.hypot(dx, dy)
        if dist > 1e-6:
            self.theta = math.atan2(dy, dx)
        edge = self.edges.get(self.last_seq + 1, {})
        limit = edge.get("maxSpeed", edge.get("maximumSpeed", self.spec.max_speed_mps))
        vmax = min(self.spec.max_speed_mps, float(limit))
        to_stop = self._distance_to_stop(nxt, dist)
        brake_v = math.sqrt(max(0.0, 2.0 * self.spec.decel_mps2 * to_stop))
        target = min(vmax, brake_v)
        if self.speed < target:
            self.speed = min(target, self.speed + self.spec.accel_mps2 * dt_s)
        else:
            self.speed = max(target, self.speed - self.spec.decel_mps2 * dt_s)
        step = max(self.speed * dt_s, min(dist, 0.05))  # creep the last centimetres
        self.battery_kwh = max(0.0, self.battery_kwh - step / 1000.0 * self.spec.drive_kwh_per_km)
        if step >= dist:
            self.x, self.y = nxt.x, nxt.y
            self.last_node, self.last_seq = nxt.node_id, nxt.seq
            self.changed = True
            self._leave_zones(nxt.seq)
            if self.stop_at_next:
                self.nodes, self.stop_at_next, self.speed = [nxt], False, 0.0
            self._start_actions(nxt)
        else:
            self.x += dx / dist * step
            self.y += dy / dist * step

    def last_node_xy(self) -> tuple[float, float] | None:
        n = next((n for n in self.nodes if n.seq == self.last_seq), None)
        return None if n is None else (n.x, n.y)

    def _at(self, xy: tuple[float, float] | None) -> bool:
        return xy is None or math.hypot(xy[0] - self.x, xy[1] - self.y) < 1e-6

    def _leave_zones(self, seq: int) -> None:
        """At the node after a zone: its lease is used up."""
        for z, until in list(self.inside.items()):
            if seq >= until:
                del self.inside[z]
                self.requests = {r: v for r, v in self.requests.items() if v[0] != z}

    def _distance_to_stop(self, nxt: _Node, dist: float) -> float:
        """Metres to the last released node (where it must stand still), or to the node before
        a zone it holds no lease for."""
        total, prev = dist, nxt
        if self.stop_at_next:
            return total
        for n in sorted(self.nodes, key=lambda n: n.seq):
            if n.seq <= nxt.seq:
                continue
            if not n.released or n.actions:
                break
            if self.zones and any(
                self._lease(z) != "GRANTED" for z in self._zones_on((prev.x, prev.y), (n.x, n.y))
            ):
                break
            total += math.hypot(n.x - prev.x, n.y - prev.y)
            prev = n
        return total

    # ------------------------------------------------------------------------ state out

    def _theta(self) -> float:
        """The heading rounded, within the schema's [-pi, pi] (-3.1416 would be past it)."""
        return max(-math.pi, min(math.pi, round(self.theta, 4)))

    def state(self, timestamp: str) -> dict[str, Any]:
        self.header += 1
        self.changed = False
        ahead = [n for n in self.nodes if n.seq > self.last_seq]
        errors = list(self.errors)
        if self.fatal is not None:
            errors.append(("simulatedFault", "FATAL", self.fatal))
        snap = VehicleSnapshot(
            order_id=self.order_id, order_update_id=self.update_id,
            last_node_id=self.last_node, last_node_sequence_id=self.last_seq,
            node_states=[(n.node_id, n.seq, n.released) for n in ahead],
            edge_states=[(str(self.edges[n.seq - 1]["edgeId"]), n.seq - 1, n.released)
                         for n in ahead if n.seq - 1 in self.edges],
            actions=[ActionState(a.action_id, a.action_type, a.status, a.instant)
                     for a in self.actions[-20:]],
            driving=self.speed > 0.0,
            battery_pct=round(100.0 * self.battery_kwh / self.spec.battery_kwh, 3),
            charging=self.charging,
            pose=Pose(round(self.x, 3), round(self.y, 3), self._theta(), self.map_id),
            errors=errors,
            speed_mps=self.speed,
            zone_sets=[(self.zone_set_id, self.map_id)] if self.zone_set_id else [],
            zone_requests=[(r, z, self.zone_set_id or "", st)
                           for r, (z, st) in self.requests.items()],
        )  # fmt: skip
        return state_message(self.version, self.manufacturer, self.serial_number, self.header,
                             timestamp, snap)  # fmt: skip
