"""Trapezoid motion: closed forms against a fine numerical integration."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kinematics import brake_time_s, edge_motion, trapezoid_time_s


def integrate(length_m: float, v0: float, vmax: float, a: float, b: float | None) -> float:
    """Step the motion in time (1 ms) accelerating to vmax; once the braking distance reaches
    the end, the rest is a uniform deceleration to a stop there (2 * distance / speed)."""
    dt = 1e-3
    t, s, v = 0.0, 0.0, v0
    while s < length_m:
        if b is not None and v > 0 and v * v / (2 * b) >= length_m - s:
            return t + 2 * (length_m - s) / v
        v_next = min(v + a * dt, vmax)
        step = (v + v_next) / 2 * dt
        if s + step >= length_m:  # last partial step, linear in time
            return t + dt * (length_m - s) / step
        s, v, t = s + step, v_next, t + dt
    return t


@settings(max_examples=15, deadline=None)
@given(
    length=st.floats(5.0, 500.0),
    v0=st.floats(0.0, 8.0),
    vmax=st.floats(1.0, 8.0),
    a=st.floats(0.2, 2.0),
)
def test_edge_motion_matches_integration(length: float, v0: float, vmax: float, a: float) -> None:
    dt, v_end = edge_motion(length, v0, vmax, a)
    v0c = min(v0, vmax)
    assert dt == pytest.approx(integrate(length, v0c, vmax, a, None), rel=1e-3)
    assert v_end <= vmax + 1e-9


@settings(max_examples=15, deadline=None)
@given(length=st.floats(5.0, 500.0), vmax=st.floats(1.0, 8.0), a=st.floats(0.2, 2.0),
       b=st.floats(0.2, 2.0))  # fmt: skip
def test_trapezoid_matches_integration(length: float, vmax: float, a: float, b: float) -> None:
    assert trapezoid_time_s(length, vmax, a, b) == pytest.approx(
        integrate(length, 0.0, vmax, a, b), rel=1e-2
    )


def test_stopping_after_cruise_costs_half_the_braking_time() -> None:
    # 400 m at 5 m/s, a = 0.5, b = 0.7: passing vs stopping at the end
    dt, v = edge_motion(400.0, 0.0, 5.0, 0.5)
    assert dt + brake_time_s(v, 0.7) == pytest.approx(trapezoid_time_s(400.0, 5.0, 0.5, 0.7))
