"""Shared pieces of the VDA 5050 tests: a map frame, a path on it, vehicles of each version."""

from __future__ import annotations

from maps import load_map
from orchestrator.ids import CommandId, NodeId, VehicleId
from orchestrator.messages import Drive
from vda5050.orders import MapFrame, OrderTrack, VehicleRef
from vda5050.versions import Version

TS = "2026-12-04T08:00:00.000Z"


def frame() -> MapFrame:
    return MapFrame(load_map("test_crossing"), "test_crossing")


def a_path(f: MapFrame, length: int, start: str | None = None) -> tuple[NodeId, ...]:
    """``length`` nodes along the map's edges (the first out-edge each time, no revisits)."""
    g = f.graph
    out: dict[NodeId, list[NodeId]] = {}
    for a, b in sorted(g.edges):
        out.setdefault(a, []).append(b)
    here = NodeId(start) if start is not None else sorted(out)[0]
    path = [here]
    while len(path) < length:
        nxt = next((b for b in out.get(here, []) if b not in path), None)
        if nxt is None:
            raise AssertionError(f"no path of {length} nodes from {path[0]}")
        path.append(nxt)
        here = nxt
    return tuple(path)


def track(version: Version, f: MapFrame | None = None) -> OrderTrack:
    ref = VehicleRef("agv_01", "AcmeAGV", "SN-0001", version)
    return OrderTrack(ref, f or frame())


def drive(path: tuple[NodeId, ...], cid: int) -> Drive:
    return Drive(VehicleId("agv_01"), path, CommandId(cid))
