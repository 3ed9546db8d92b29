"""Projection accuracy and the border side test."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps.border import BorderLine, load_ne_border
from maps.projection import DEFAULT_CRS, Projector, suggest_utm
from orchestrator.lanegraph import Side


def test_round_trip_is_better_than_a_centimetre():
    proj = Projector.for_crs(DEFAULT_CRS)
    rng = random.Random(7)
    lonlat = np.array([(rng.uniform(111.6, 112.3), rng.uniform(43.4, 44.0)) for _ in range(2000)])
    xy = proj.forward(lonlat)
    back = proj.forward(proj.inverse(xy))
    assert np.max(np.hypot(*(back - xy).T)) < 0.01
    # and in degrees: 1 cm is about 1e-7 degrees here
    assert np.max(np.abs(proj.inverse(xy) - lonlat)) < 1e-7


def test_projection_gives_metres_on_the_ground():
    proj = Projector.for_crs(DEFAULT_CRS)
    # 0.01 degree of latitude is about 1111 m anywhere; UTM scale near 112 E is ~0.9997-1.0
    xy = proj.forward(np.array([[111.94, 43.70], [111.94, 43.71]]))
    assert np.hypot(*(xy[1] - xy[0])) == pytest.approx(1111.0, rel=2e-3)


def test_geographic_crs_is_refused():
    with pytest.raises(ValueError, match="not a projected"):
        Projector.for_crs("EPSG:4326")


@pytest.mark.parametrize(
    ("lon", "lat", "crs"),
    [(111.94, 43.7, "EPSG:32649"), (12.5, 41.9, "EPSG:32633"), (-70.6, -33.4, "EPSG:32719")],
)
def test_suggested_utm_zone(lon, lat, crs):
    assert suggest_utm(lon, lat) == crs


def test_side_of_a_straight_line():
    line = BorderLine(np.array([[0.0, -10.0], [0.0, 10.0]]), Side.MN)  # walking north
    pts = np.array([[-5.0, 0.0], [5.0, 0.0], [-1.0, 50.0], [1.0, -50.0]])
    # beyond the ends the line is extended straight
    assert line.sides(pts) == [Side.MN, Side.CN, Side.MN, Side.CN]
    assert line.signed_offset_m(pts)[:2] == pytest.approx([5.0, -5.0])


def test_side_near_a_sharp_vertex_uses_the_bisector():
    # A line turning right by 150 degrees at (0, 0): a point just outside the corner is left.
    line = BorderLine(np.array([[0.0, -10.0], [0.0, 0.0], [10.0, -6.0]]), Side.MN)
    assert line.sides(np.array([[-0.5, 0.6]])) == [Side.MN]
    assert line.sides(np.array([[1.0, -2.0]])) == [Side.CN]  # inside the turn: right


def test_natural_earth_line_puts_erenhot_in_china_and_zamyn_uud_in_mongolia():
    feat = load_ne_border()
    proj = Projector.for_crs(DEFAULT_CRS)
    line = BorderLine(
        proj.forward(np.array(feat["geometry"]["coordinates"], dtype=float)),
        Side(feat["properties"]["left_side"]),
    )
    towns = proj.forward(np.array([[111.98, 43.65], [111.90, 43.72]]))
    assert line.sides(towns) == [Side.CN, Side.MN]
    assert "public domain" in feat["properties"]["licence"].lower()


@settings(max_examples=150, deadline=None)
@given(
    steps=st.lists(st.tuples(st.floats(-50, 50), st.floats(1, 40)), min_size=1, max_size=8),
    probes=st.lists(st.tuples(st.floats(-200, 200), st.floats(0, 1)), min_size=1, max_size=20),
)
def test_side_matches_a_brute_force_answer_for_lines_running_north(steps, probes):
    # A polyline whose y only grows: "left" (walking north) is exactly "west of the line at the
    # same y", which is easy to compute independently by interpolation.
    pts = [(0.0, 0.0)]
    for dx, dy in steps:
        pts.append((pts[-1][0] + dx, pts[-1][1] + dy))
    line_xy = np.array(pts)
    line = BorderLine(line_xy, Side.MN)
    ys = np.array([line_xy[0, 1] + f * (line_xy[-1, 1] - line_xy[0, 1]) for _, f in probes])
    xs = np.array([x for x, _ in probes])
    x_line = np.interp(ys, line_xy[:, 1], line_xy[:, 0])
    keep = np.abs(xs - x_line) > 1e-6
    got = line.sides(np.column_stack([xs, ys])[keep])
    want = [Side.MN if x < xl else Side.CN for x, xl in zip(xs[keep], x_line[keep], strict=True)]
    assert got == want
