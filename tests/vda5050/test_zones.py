"""The border as VDA 5050 3.0 RELEASE zones: the zone set is valid and sits on the line clear of
every node; a simulated 3.0 vehicle asks for the lease and stands at the gate short of the line
until the lease desk grants it, which it does only with the lane ahead and a clearing verdict;
a revoked lease keeps it out. No broker: the messages go from hand to hand, checked against the
official schemas on the way."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

from maps import load_map
from maps.frame import map_origin
from orchestrator.ids import NodeId
from tests.vda5050.helpers import TS, drive, frame, track
from vda5050.leases import LeaseDesk
from vda5050.orders import OrderTrack
from vda5050.simulator import SimulatedVehicle
from vda5050.states import StateIntake
from vda5050.validate import check
from vda5050.versions import Version
from vda5050.zones import border_zone_set, point_in_polygon, segment_enters, zone_set_body

ACROSS = (NodeId("gate_mn"), NodeId("cn_entry_road@0"))


def test_the_zone_set_is_valid_and_covers_the_line_between_the_nodes() -> None:
    g = load_map("test_crossing")
    zones = border_zone_set(g)
    assert {frozenset(ln) for z in zones for ln in z.lanes} == {
        frozenset(e.key) for e in g.border_edges()
    }
    t = track(Version.V3_0)
    check("zoneSet", Version.V3_0, t.zone_set(zone_set_body("test_crossing", zones), TS),
          strict=True)  # fmt: skip
    ox, oy = map_origin(g)
    for n in g.nodes.values():
        assert not any(point_in_polygon((n.x_m - ox, n.y_m - oy), z.vertices) for z in zones)
    border = [(x - ox, y - oy) for x, y in g.metadata["border_m"]]  # type: ignore[attr-defined]
    for z in zones:
        a, b = (g.nodes[n] for n in sorted(next(iter(z.lanes))))
        lane = ((a.x_m - ox, a.y_m - oy), (b.x_m - ox, b.y_m - oy))
        assert segment_enters(*lane, z.vertices)
        # the line itself runs through the zone
        assert any(segment_enters(p, q, z.vertices) for p, q in itertools.pairwise(border))


class Rig:
    """One 3.0 vehicle at the MN gate, its order track, its state reader and the lease desk."""

    def __init__(self, cleared: bool) -> None:
        f = frame()
        self.track: OrderTrack = track(Version.V3_0, f)
        self.intake = StateIntake(self.track, 200.0)
        self.cleared = cleared
        zones = border_zone_set(f.graph)
        self.desk = LeaseDesk(zones, "test_crossing-border", lambda _v: self.cleared)
        self.desk.add(self.track)
        pos = f.node(ACROSS[0], 0, released=True, version=Version.V3_0)["nodePosition"]
        self.start = (pos["x"], pos["y"])
        self.sim = SimulatedVehicle(Version.V3_0, "AcmeAGV", "SN-0001", node_id=ACROSS[0],
                                    x_m=pos["x"], y_m=pos["y"], map_id="test_crossing")  # fmt: skip
        zs = self.track.zone_set(zone_set_body("test_crossing", zones), TS)
        assert self.sim.on_zone_set(json.loads(json.dumps(zs)))
        self.t = 0.0

    def state(self) -> Any:
        msg = self.sim.state(TS)
        check("state", Version.V3_0, msg, strict=True)
        self.t += 0.1
        r = self.intake.read(json.dumps(msg).encode(), self.t)
        assert r.refused is None, r.refused
        return r

    def answer(self, answers: list[tuple[str, str]]) -> None:
        if answers:
            msg = self.track.responses(answers, TS)
            check("responses", Version.V3_0, msg)
            assert self.sim.on_responses(json.loads(json.dumps(msg)))

    def run(self, seconds: float) -> None:
        for _ in range(int(seconds * 10)):
            self.sim.step(0.1)
            r = self.state()
            self.answer(self.desk.read("agv_01", r.zone_requests, r.pose and r.pose[:2]))

    def moved_m(self) -> float:
        return math.hypot(self.sim.x - self.start[0], self.sim.y - self.start[1])


def test_without_a_lease_the_vehicle_waits_at_the_gate_and_with_one_it_crosses() -> None:
    rig = Rig(cleared=False)
    order = rig.track.drive(drive(ACROSS, 1), TS)
    assert rig.sim.on_order(json.loads(json.dumps(order)))
    rig.run(20.0)
    assert rig.moved_m() == 0.0 and rig.sim.last_node == "gate_mn"
    [(_rid, zone, _set, status)] = rig.state().zone_requests
    assert zone.startswith("border-") and status == "REQUESTED"  # asked, and queued
    rig.cleared = True  # a clearing verdict: the next order update rechecks the queue
    rig.answer(rig.desk.recheck("agv_01"))
    rig.run(20.0)
    assert rig.sim.last_node == "cn_entry_road@0" and rig.desk.granted == 1
    assert rig.state().zone_requests == ()  # the lease was used up at the node after the zone


def test_a_revoked_lease_keeps_it_short_of_the_line() -> None:
    rig = Rig(cleared=True)
    order = rig.track.drive(drive(ACROSS, 1), TS)
    assert rig.sim.on_order(json.loads(json.dumps(order)))
    r = rig.state()
    granted = rig.desk.read("agv_01", r.zone_requests, r.pose and r.pose[:2])
    assert [g for _r, g in granted] == ["GRANTED"]
    rig.cleared = False  # a HIGH verdict before it moved
    revoked = rig.desk.audit()
    assert [g for _r, g in revoked["agv_01"]] == ["REVOKED"]
    rig.answer(granted)
    rig.answer(revoked["agv_01"])
    rig.run(20.0)
    assert rig.moved_m() == 0.0 and rig.sim.last_node == "gate_mn"


def test_a_state_heading_due_west_is_valid() -> None:
    rig = Rig(cleared=True)
    for theta in (math.pi, -math.pi, -3.14159):
        rig.sim.theta = theta
        check("state", Version.V3_0, rig.sim.state(TS), strict=True)
