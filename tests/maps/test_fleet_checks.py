"""``map validate``'s checks for an AGV: gates too close to the line, short lane segments.

Each test makes the mistake on a copy of a bundled map and checks that the intact map has no
such problem, so it fails if the check stops firing or fires on good maps."""

from __future__ import annotations

import pytest

from maps import load_map
from maps.errors import Severity
from maps.fleet_checks import FleetProfile, check_fleet, safe_speed_kph
from orchestrator.crossing import stopping_distance_m
from tests.maps.conftest import feature


def _codes(problems):
    return {(p.feature_id, p.code) for p in problems}


def test_the_bundled_maps_have_no_gate_too_close_for_the_default_agv():
    for name in ("erenhot_zamyn_uud", "test_crossing", "ganqimaodu_gashuunsukhait"):
        assert not [p for p in check_fleet(load_map(name)) if p.is_error], name


def test_a_drive_through_gate_at_speed_is_too_close(small):
    feature(small, "gate_cn")["properties"]["gate_type"] = "drive_through"
    graph = load_map(small)
    problems = [p for p in check_fleet(graph) if p.code == "gate-too-close"]
    assert [(p.feature_id, p.severity) for p in problems] == [("gate_cn", Severity.ERROR)]
    msg = problems[0].message
    # 25 km/h (the crossing road's limit and the AGV's top speed) and what it needs to stop.
    need = stopping_distance_m(25 / 3.6, FleetProfile().dynamics)
    assert f"{graph.gates['gate_cn'].line_distance_m:.1f} m before the border line" in msg
    assert "at 25 km/h" in msg and f"needs {need:.1f} m" in msg
    assert "move the gate back" in msg and "road_cn_to_mn" in msg and '"smart"' in msg


def test_the_suggested_speed_is_the_fastest_that_still_stops_before_the_line(small):
    feature(small, "gate_cn")["properties"]["gate_type"] = "drive_through"
    graph = load_map(small)
    msg = next(p.message for p in check_fleet(graph) if p.code == "gate-too-close")
    kph = int(msg.split("road_cn_to_mn to ")[1].split(" km/h")[0])
    distance = graph.gates["gate_cn"].line_distance_m
    dyn = FleetProfile().dynamics
    assert (
        stopping_distance_m(kph / 3.6, dyn) <= distance < stopping_distance_m((kph + 1) / 3.6, dyn)
    )
    assert kph == int(safe_speed_kph(distance, FleetProfile()))


def test_whether_a_gate_is_too_close_depends_on_the_agv(small):
    feature(small, "gate_cn")["properties"]["gate_type"] = "drive_through"
    graph = load_map(small)
    slow_and_short = FleetProfile(max_speed_kph=5.0, vehicle_length_m=10.0)
    assert not [p for p in check_fleet(graph, slow_and_short) if p.is_error]
    # A vehicle that sticks out over the line even standing still: no speed would do.
    long_one = FleetProfile(vehicle_length_m=20.0)
    intact = load_map("test_crossing")  # smart gates, 8 m before the line
    problems = [p for p in check_fleet(intact, long_one) if p.code == "gate-too-close"]
    assert {p.feature_id for p in problems} == {"gate_cn", "gate_mn"}
    assert "standing at the gate" in problems[0].message
    assert "half the vehicle (10 m)" in problems[0].message


def test_short_segments_are_one_warning_per_lane(erenhot):
    graph = load_map(erenhot)
    assert not [p for p in check_fleet(graph) if p.code == "short-segment"]
    # A 40 m vehicle with 8 m headway needs 48 m per place: the 40 m stretches of the yard
    # rings between slot spurs now hold one vehicle each.
    long_agv = FleetProfile(vehicle_length_m=40.0)
    warnings = [p for p in check_fleet(graph, long_agv) if p.code == "short-segment"]
    assert warnings and all(p.severity is Severity.WARNING for p in warnings)
    lanes = [p.feature_id for p in warnings]
    assert len(lanes) == len(set(lanes))  # grouped: one line per lane
    short = {e.lane_id for e in graph.edges.values() if not e.exclusive and e.length_m < 48.0}
    assert set(lanes) == short and "cn_yard_ring" in short
    ring = next(p for p in warnings if p.feature_id == "cn_yard_ring")
    n = sum(1 for e in graph.edges.values() if e.lane_id == "cn_yard_ring" and e.length_m < 48.0)
    assert ring.message.startswith(f"{n} segment(s) shorter than 48 m")
    assert "capacity 1" in ring.message


def test_a_junction_too_close_to_another_makes_a_short_segment(small):
    # The test crossing's buffer junctions on the CN carriageway are 10 m apart: shorter than
    # 15 m + 8 m. Exclusive spurs are never reported: they hold one vehicle by design.
    found = check_fleet(load_map(small))
    assert ("road_cn_to_mn", "short-segment") in _codes(found)
    assert not any(p.feature_id.endswith("_spur") for p in found)
    assert not [p for p in found if p.is_error]


def test_a_bad_profile_is_refused():
    with pytest.raises(ValueError, match="decel_mps2"):
        FleetProfile(decel_mps2=0.0)
