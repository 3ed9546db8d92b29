"""The fast encoders a recording writes with give the bytes of the plain ones (and so, by
tests/recording/test_simulate_mcap.py, of mcap_ros2's reference encoder)."""

from __future__ import annotations

import math
import random

from recording.cdr import OdometryEncoder, marker_array, stamp_bytes
from recording.markers import FleetArray, FleetPose, fleet_markers


def test_fleet_array_is_marker_array_of_fleet_markers() -> None:
    rnd = random.Random(7)
    ids = [f"AGV-{i:03d}" for i in range(1, 13)] + ["x", "维修车"]  # odd lengths shift alignment
    number = {vid: i for i, vid in enumerate(sorted(ids))}
    fast = FleetArray(number, lifetime_s=0)
    for _ in range(300):
        some = sorted(rnd.sample(ids, rnd.randint(1, len(ids))))
        poses = []
        for vid in some:
            yaw = rnd.choice([0.0, -0.0, math.pi, rnd.uniform(-math.pi, math.pi)])
            poses.append((vid, rnd.uniform(-5, 900), rnd.uniform(-5, 900), yaw, rnd.randint(0, 2)))
        t_ns = rnd.randint(0, 2**31 * 10**9 - 1)
        plain = marker_array(t_ns, fleet_markers(
            [FleetPose(v, x, y, yaw, loaded=c == 1, faulted=c == 2) for v, x, y, yaw, c in poses],
            0, ids=number))  # fmt: skip
        assert fast.encode(t_ns, poses) == plain, poses


def test_odometry_stamped_is_odometry() -> None:
    enc, fresh = OdometryEncoder("AGV-001"), OdometryEncoder("AGV-001")
    rnd = random.Random(3)
    for _ in range(200):
        t_ns = rnd.randint(0, 2**31 * 10**9 - 1)
        args = (rnd.uniform(0, 900), rnd.uniform(0, 900), rnd.choice([0.0, 1.0, -2.5]),
                rnd.choice([0.0, 6.94]))  # fmt: skip
        assert enc.encode_stamped(stamp_bytes(t_ns), *args) == fresh.encode(t_ns, *args)
    # different headings give different bytes (the cached part follows the heading)
    assert enc.encode(0, 1.0, 2.0, 0.5, 1.0) != enc.encode(0, 1.0, 2.0, 0.6, 1.0)
