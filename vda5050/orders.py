"""The core's commands as VDA 5050 orders and instant actions, for one vehicle.

:class:`OrderTrack` keeps what VDA 5050 needs to remember per vehicle: the current ``orderId``,
its ``orderUpdateId``, the released base (sequence ids to lane-graph nodes and to the Drive
that granted each), the actions it was given, and a ``headerId`` per topic.

- ``Drive(path)`` starting at the last node of the current base extends the order (same
  ``orderId``, ``orderUpdateId`` + 1, the first node the *stitching node*); any other start (the
  first Drive, or after a cancel) is a new order. Only what the traffic manager granted is
  released; ``horizon`` nodes (the planned rest of the route) go out unreleased, so a vehicle
  can plan ahead but never enters them before a grant. The core never grants a border-crossing
  edge without a clearing verdict, so the released base never holds one either (2.1 has no
  zones: the horizon is where the rule holds for it). ``horizon_lanes`` are the current
  order's unreleased lanes (a 3.0 vehicle may ask for a border zone's lease on them early).
- ``Perform`` / ``Charge``: an order update that puts the action on the stitching node (the
  vehicle's current node): ``pick`` (load), ``drop`` (unload), ``waitForTrigger`` (stand in the
  scanner until it is done), ``startCharging``; each action id names its command.
- ``Stop``: ``cancelOrder`` as an instant action when the vehicle still has released base
  ahead of it; nothing when it already stands at the end of its base.

Positions are in the map frame (:func:`maps.frame.map_origin`), ``mapId`` the map's id.
Timestamps are the caller's (the runtime owns the clock). Every message returned is a plain
dict that validates against the official schema of the vehicle's version (tested).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from maps.frame import map_origin
from orchestrator.ids import CommandId, NodeId
from orchestrator.lanegraph import LaneGraph
from orchestrator.messages import ActionKind, Charge, Drive, Perform, Stop
from vda5050.versions import Version

__all__ = ["ACTION_TYPES", "MapFrame", "OrderTrack", "VehicleRef", "edge_id"]

ACTION_TYPES = {
    ActionKind.LOAD: "pick",
    ActionKind.UNLOAD: "drop",
    ActionKind.SCAN: "waitForTrigger",
    ActionKind.CHARGE: "startCharging",
}
ALLOWED_DEVIATION_M = 0.5


@dataclass(frozen=True, slots=True)
class VehicleRef:
    """Who a vehicle is on the wire and to the core."""

    vehicle_id: str  # the core's id
    manufacturer: str
    serial_number: str
    version: Version


def edge_id(source: NodeId, target: NodeId) -> str:
    """A directed lane segment's VDA 5050 ``edgeId``."""
    return f"{source}->{target}"


class MapFrame:
    """Node positions and edges of one crossing map, in the map frame."""

    def __init__(self, graph: LaneGraph, map_id: str) -> None:
        self.graph = graph
        self.map_id = map_id
        self._origin = map_origin(graph)

    def node(self, node: NodeId, sequence_id: int, *, released: bool, version: Version,
             actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
        n = self.graph.nodes[node]
        ox, oy = self._origin
        deviation: object = ALLOWED_DEVIATION_M
        if version is Version.V3_0:  # 3.0: an ellipse (half axes a, b; its rotation theta)
            deviation = {"a": ALLOWED_DEVIATION_M, "b": ALLOWED_DEVIATION_M, "theta": 0.0}
        return {
            "nodeId": str(node),
            "sequenceId": sequence_id,
            "released": released,
            "nodePosition": {
                "x": round(n.x_m - ox, 3),
                "y": round(n.y_m - oy, 3),
                "mapId": self.map_id,
                "allowedDeviationXY": deviation,
            },
            "actions": actions or [],
        }

    def edge(self, source: NodeId, target: NodeId, sequence_id: int, *, released: bool,
             version: Version) -> dict[str, Any]:  # fmt: skip
        e = self.graph.edges[(source, target)]
        out: dict[str, Any] = {
            "edgeId": edge_id(source, target),
            "sequenceId": sequence_id,
            "released": released,
            "length": round(e.length_m, 3),
            "actions": [],
        }
        if version is Version.V2_1:
            out.update(startNodeId=str(source), endNodeId=str(target),
                       maxSpeed=round(e.speed_limit_mps, 3))  # fmt: skip
        else:
            out["maximumSpeed"] = round(e.speed_limit_mps, 3)
        return out

    def crosses_border(self, source: NodeId, target: NodeId) -> bool:
        return self.graph.edges[(source, target)].crosses_border


@dataclass
class _Base:
    """The released base of the current order: node per even sequence id."""

    nodes: dict[int, NodeId] = field(default_factory=dict)
    commands: dict[int, CommandId] = field(default_factory=dict)  # sequence id -> Drive
    last_seq: int = 0
    reached_seq: int = 0  # the last sequence id the vehicle reported


class OrderTrack:
    """One vehicle's VDA 5050 order state; the core's commands in, messages out."""

    def __init__(self, ref: VehicleRef, frame: MapFrame) -> None:
        self.ref = ref
        self.frame = frame
        self.order_id: str | None = None
        self.cancelled = False  # cancelOrder sent: the next Drive starts a new order
        self.at_node: NodeId | None = None  # the node its last state named (a map node)
        self.update_id = 0
        self.base = _Base()
        self.horizon_lanes: frozenset[tuple[NodeId, NodeId]] = frozenset()
        self._orders = 0
        self._headers: dict[str, int] = {}
        # action id -> (what, the command it answers)
        self.actions: dict[str, tuple[ActionKind, CommandId]] = {}

    # ------------------------------------------------------------------------ the messages

    def header(self, leaf: str, timestamp: str) -> dict[str, Any]:
        """The next header of ``leaf``'s messages to this vehicle (``headerId`` per topic)."""
        n = self._headers.get(leaf, -1) + 1
        self._headers[leaf] = n
        return {
            "headerId": n,
            "timestamp": timestamp,
            "version": self.ref.version.value,
            "manufacturer": self.ref.manufacturer,
            "serialNumber": self.ref.serial_number,
        }

    def _order(self, timestamp: str, nodes: list[dict[str, Any]],
               edges: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
        assert self.order_id is not None
        return {**self.header("order", timestamp), "orderId": self.order_id,
                "orderUpdateId": self.update_id, "nodes": nodes, "edges": edges}  # fmt: skip

    def _stitch_or_start(self, start: NodeId) -> int:
        """The sequence id the next part starts at: the stitching node's when ``start`` is the
        base's last node (an update), else 0 of a new order."""
        if (self.order_id is not None and not self.cancelled
                and self.base.nodes.get(self.base.last_seq) == start):  # fmt: skip
            self.update_id += 1
            return self.base.last_seq
        self._orders += 1
        self.order_id = f"{self.ref.vehicle_id}-{self._orders}"
        self.cancelled = False
        self.update_id = 0
        self.base = _Base(nodes={0: start}, last_seq=0, reached_seq=0)
        return 0

    def drive(self, cmd: Drive, timestamp: str,
              horizon: tuple[NodeId, ...] = ()) -> dict[str, Any]:  # fmt: skip
        """The order (or update) for ``cmd``; ``horizon``: the planned nodes after its path's
        end, sent unreleased. Raises ValueError for a path the map does not have."""
        path = cmd.path
        if not path:
            raise ValueError(f"Drive {cmd.command_id} for {cmd.vehicle_id} has an empty path")
        for a, b in pairwise(path):
            if (a, b) not in self.frame.graph.edges:
                raise ValueError(f"Drive {cmd.command_id}: no lane from {a} to {b} on the map")
        seq = self._stitch_or_start(path[0])
        v = self.ref.version
        nodes = [self.frame.node(path[0], seq, released=True, version=v)]
        edges: list[dict[str, Any]] = []
        for a, b in pairwise(path):
            edges.append(self.frame.edge(a, b, seq + 1, released=True, version=v))
            seq += 2
            nodes.append(self.frame.node(b, seq, released=True, version=v))
            self.base.nodes[seq] = b
            self.base.commands[seq] = cmd.command_id
        self.base.last_seq = seq
        prev = path[-1]
        lanes = []
        for nxt in horizon:
            if (prev, nxt) not in self.frame.graph.edges:
                break  # a horizon is advice: it ends where the map does not go on
            edges.append(self.frame.edge(prev, nxt, seq + 1, released=False, version=v))
            seq += 2
            nodes.append(self.frame.node(nxt, seq, released=False, version=v))
            lanes.append((prev, nxt))
            prev = nxt
        self.horizon_lanes = frozenset(lanes)
        return self._order(timestamp, nodes, edges)

    def perform(self, cmd: Perform | Charge, timestamp: str) -> dict[str, Any]:
        """An order update putting the action on the vehicle's current (stitching) node."""
        here = self.base.nodes.get(self.base.reached_seq)
        if self.order_id is None or self.cancelled or here is None:
            # No order to extend (it joined, or its order was cancelled): a new order of the
            # one node it last reported.
            if self.at_node is None:
                raise ValueError(f"{cmd.vehicle_id}: an action before the vehicle reported a node")
            self._stitch_or_start(self.at_node)
            here = self.at_node
        else:
            # The action goes on the node the vehicle stands at: its base ends there (what
            # was ahead was cancelled or reached), so the update stitches at it.
            self.base.last_seq = self.base.reached_seq
            self.update_id += 1
        self.horizon_lanes = frozenset()  # the update ends the order at this node
        kind = cmd.action if isinstance(cmd, Perform) else ActionKind.CHARGE
        action_id = f"{kind.value}-{cmd.command_id}"
        params: list[dict[str, Any]] = []
        if isinstance(cmd, Perform) and cmd.container_id:
            params.append({"key": "loadId", "value": cmd.container_id})
        if isinstance(cmd, Charge):
            params.append({"key": "targetKwh", "value": round(cmd.target_kwh, 3)})
        action = {"actionType": ACTION_TYPES[kind], "actionId": action_id,
                  "blockingType": "HARD", "actionParameters": params}  # fmt: skip
        self.actions[action_id] = (kind, cmd.command_id)
        node = self.frame.node(here, self.base.last_seq, released=True,
                               version=self.ref.version, actions=[action])  # fmt: skip
        return self._order(timestamp, [node], [])

    def stop(self, cmd: Stop, timestamp: str) -> dict[str, Any] | None:
        """``cancelOrder`` while released base lies ahead; None when already at its end."""
        if self.order_id is None or self.cancelled or self.base.reached_seq >= self.base.last_seq:
            return None
        # 3.0 instant actions are all NONE (they do not block: cancelOrder acts at once)
        blocking = "HARD" if self.ref.version is Version.V2_1 else "NONE"
        action = {"actionType": "cancelOrder", "actionId": f"cancel-{cmd.command_id}",
                  "blockingType": blocking, "actionParameters": []}  # fmt: skip
        # States of this order still arrive (the vehicle stops at its next node and reports
        # it); the next Drive is a new order from there.
        self.cancelled = True
        self.horizon_lanes = frozenset()
        return {**self.header("instantActions", timestamp), "actions": [action]}

    def responses(self, answers: list[tuple[str, str]], timestamp: str) -> dict[str, Any]:
        """A 3.0 ``responses`` message: (requestId, grantType) for its zone requests."""
        return {**self.header("responses", timestamp),
                "responses": [{"requestId": r, "grantType": g} for r, g in answers]}  # fmt: skip

    def zone_set(self, body: dict[str, object], timestamp: str) -> dict[str, Any]:
        """A 3.0 ``zoneSet`` message carrying ``body`` (:func:`vda5050.zones.zone_set_body`)."""
        return {**self.header("zoneSet", timestamp), "zoneSet": body}

    # ----------------------------------------------------------------- what states tell it

    def reached(self, sequence_id: int) -> list[tuple[NodeId, CommandId]]:
        """The base nodes passed up to ``sequence_id`` not yet reported, in order, each with
        the Drive that granted it; [] when nothing new."""
        out = []
        seq = self.base.reached_seq + 2
        while seq <= sequence_id and seq in self.base.nodes:
            out.append((self.base.nodes[seq], self.base.commands[seq]))
            self.base.reached_seq = seq
            seq += 2
        return out
