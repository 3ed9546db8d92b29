"""Path following for diff-drive AGVs (Gazebo's DiffDrive system, any ``cmd_vel`` base).

A :class:`PathFollower` turns a Drive's path (map-frame points, one per lane-graph node) and the
vehicle's odometry pose into ``(linear m/s, angular rad/s)``: pure pursuit on a lookahead point
ahead of the vehicle's progress along the path. Progress only moves forward, so points already
passed are never aimed at again (aiming at the first point of the path once the vehicle is past
it would turn it round). A target more than ``turn_in_place_rad`` off the heading is first faced
by turning in place (a diff-drive base can; driving on would leave the lane), and the speed
comes down to stop at the path's end with ``decel_mps2`` and, before each corner, to the speed
at which the yaw-rate limit turns it within ``corner_error_m`` of the lane (an arc of radius r
cuts a corner of turn angle θ by r (1 / cos(θ/2) - 1)). The lookahead shrinks with speed, so a
slow vehicle aims close and keeps to the lane.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["FollowerSpec", "PathFollower"]


@dataclass(frozen=True, slots=True)
class FollowerSpec:
    max_speed_mps: float = 8.0
    decel_mps2: float = 1.0
    lookahead_m: float = 4.0
    goal_tolerance_m: float = 0.5
    turn_in_place_rad: float = math.radians(60.0)
    max_yaw_rate_rps: float = 1.0
    corner_error_m: float = 0.5
    min_lookahead_m: float = 1.0


def _wrap(angle_rad: float) -> float:
    return (angle_rad + math.pi) % (2.0 * math.pi) - math.pi


class PathFollower:
    """One vehicle's follower of its current path."""

    def __init__(self, spec: FollowerSpec | None = None) -> None:
        self.spec = spec or FollowerSpec()
        self.path: list[tuple[float, float]] = []
        self._seg = 0  # index of the path segment the vehicle is on (never decreases)

    def set_path(self, path: list[tuple[float, float]]) -> None:
        self.path = list(path)
        self._seg = 0

    def clear(self) -> None:
        self.set_path([])

    def command(self, pose: tuple[float, float, float]) -> tuple[float, float]:
        """The velocity command at ``pose`` (x_m, y_m, yaw_rad); (0, 0) at the goal."""
        path, spec = self.path, self.spec
        if not path:
            return (0.0, 0.0)
        x, y, yaw = pose
        gx, gy = path[-1]
        to_goal_m = math.hypot(gx - x, gy - y)
        if to_goal_m < spec.goal_tolerance_m:
            return (0.0, 0.0)
        px, py = self._advance(x, y)
        remaining_m = to_goal_m if self._seg >= len(path) - 2 else self._remaining(x, y)
        speed = min(spec.max_speed_mps, math.sqrt(2.0 * spec.decel_mps2 * remaining_m))
        speed = min(speed, self._corner_speed(px, py))
        lookahead_m = max(spec.min_lookahead_m, min(spec.lookahead_m, 0.6 * speed))
        tx, ty = self._lookahead(px, py, lookahead_m)
        alpha = _wrap(math.atan2(ty - y, tx - x) - yaw)
        yaw_limit = spec.max_yaw_rate_rps
        if abs(alpha) > spec.turn_in_place_rad:
            return (0.0, max(-yaw_limit, min(yaw_limit, 2.0 * alpha)))
        speed = max(speed * math.cos(alpha), 0.2)
        dist_m = max(math.hypot(tx - x, ty - y), 1e-6)
        curvature = 2.0 * math.sin(alpha) / dist_m
        angular = max(-yaw_limit, min(yaw_limit, speed * curvature))
        if abs(angular) >= yaw_limit and curvature != 0.0:
            speed = min(speed, yaw_limit / abs(curvature))  # keep to the arc at the yaw limit
        return (speed, angular)

    # ------------------------------------------------------------------ geometry

    def _project(self, i: int, x: float, y: float) -> tuple[float, float, float, float]:
        """(distance, t, px, py): the closest point of segment i to (x, y)."""
        (ax, ay), (bx, by) = self.path[i], self.path[i + 1]
        dx, dy = bx - ax, by - ay
        seg2 = dx * dx + dy * dy
        t = 0.0 if seg2 == 0.0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / seg2))
        px, py = ax + t * dx, ay + t * dy
        return (math.hypot(x - px, y - py), t, px, py)

    def _advance(self, x: float, y: float) -> tuple[float, float]:
        """Move progress to the nearest segment ahead (a few segments of look) and return the
        vehicle's projection on it."""
        path = self.path
        if len(path) == 1:
            return path[0]
        best = self._seg
        best_d, _t, px, py = self._project(best, x, y)
        for i in range(self._seg + 1, min(self._seg + 4, len(path) - 1)):
            d, _t, qx, qy = self._project(i, x, y)
            if d <= best_d:
                best, best_d, px, py = i, d, qx, qy
        self._seg = best
        return (px, py)

    def _corner_speed(self, px: float, py: float) -> float:
        """The highest speed from which every corner ahead (within braking distance of the top
        speed) can still be slowed to and turned within ``corner_error_m``."""
        spec, path = self.spec, self.path
        reach_m = spec.max_speed_mps**2 / (2.0 * spec.decel_mps2)
        best = spec.max_speed_mps
        dist_m = 0.0
        cx, cy = px, py
        for i in range(self._seg + 1, len(path) - 1):
            (ax, ay), (bx, by), (nx, ny) = path[i - 1], path[i], path[i + 1]
            dist_m += math.hypot(bx - cx, by - cy)
            if dist_m > reach_m:
                break
            cx, cy = bx, by
            h_in, h_out = math.atan2(by - ay, bx - ax), math.atan2(ny - by, nx - bx)
            turn = abs(_wrap(h_out - h_in))
            if turn < 1e-3 or (bx, by) == (ax, ay) or (nx, ny) == (bx, by):
                continue
            cut = 1.0 / math.cos(min(turn, math.radians(170.0)) / 2.0) - 1.0
            corner_mps = spec.max_yaw_rate_rps * spec.corner_error_m / cut
            best = min(best, math.sqrt(corner_mps**2 + 2.0 * spec.decel_mps2 * dist_m))
        return max(best, 0.3)

    def _lookahead(self, px: float, py: float, lookahead_m: float) -> tuple[float, float]:
        left_m = lookahead_m
        path = self.path
        cx, cy = px, py
        for i in range(self._seg + 1, len(path)):
            nx, ny = path[i]
            step_m = math.hypot(nx - cx, ny - cy)
            if step_m >= left_m:
                f = left_m / step_m
                return (cx + f * (nx - cx), cy + f * (ny - cy))
            left_m -= step_m
            cx, cy = nx, ny
        return path[-1]

    def _remaining(self, x: float, y: float) -> float:
        path = self.path
        _d, _t, px, py = self._project(self._seg, x, y)
        total_m = math.hypot(path[self._seg + 1][0] - px, path[self._seg + 1][1] - py)
        for i in range(self._seg + 1, len(path) - 1):
            total_m += math.hypot(path[i + 1][0] - path[i][0], path[i + 1][1] - path[i][1])
        return total_m
