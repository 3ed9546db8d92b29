"""The AGV the Gazebo world is built for: one record, from which every model parameter comes.

The motion limits are the ones the core plans with (a scenario's ``[fleet]``: top speed,
acceleration, deceleration, vehicle length; ``sim.kinematics`` turns them into edge times); the
body (width, wheel radius, masses) is this package's own, a heavy electric container tractor
with a 40 ft chassis. The DiffDrive plugin's limits, the wheel separation, the links' sizes and
inertias are all derived here, so the model and the plan cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

__all__ = ["AgvSpec", "FleetLike", "box_inertia", "cylinder_inertia", "sphere_inertia"]

# A 40 ft ISO container (ISO 668 1AA): 12.192 m x 2.438 m x 2.591 m; tare about 3.75 t.
Diag = tuple[float, float, float]  # (ixx, iyy, izz)
CONTAINER_SIZE_M = (12.192, 2.438, 2.591)


class FleetLike(Protocol):
    """What is read of a scenario's fleet (``sim.scenario.FleetSpec`` has these)."""

    @property
    def max_speed_mps(self) -> float: ...
    @property
    def accel_mps2(self) -> float: ...
    @property
    def decel_mps2(self) -> float: ...
    @property
    def vehicle_length_m(self) -> float: ...


@dataclass(frozen=True, slots=True)
class AgvSpec:
    """Defaults: the bundled Erenhot scenarios' fleet (25 km/h, 0.5 / 0.7 m/s², 15 m)."""

    max_speed_mps: float = 6.94
    accel_mps2: float = 0.5
    decel_mps2: float = 0.7
    length_m: float = 15.0
    width_m: float = 2.9
    chassis_height_m: float = 0.9
    ground_clearance_m: float = 0.35
    wheel_radius_m: float = 0.5
    wheel_width_m: float = 0.4
    caster_radius_m: float = 0.25
    chassis_mass_kg: float = 9000.0
    # The chassis' centre of mass ahead of the axle (cab and batteries forward): the AGV rests
    # on its wheels and the front caster, a stable three-point stance; with the mass over the
    # axle it would balance on the wheels alone and rock onto one caster or the other.
    com_forward_m: float = 1.0
    wheel_mass_kg: float = 150.0
    caster_mass_kg: float = 40.0
    rear_caster_clearance_m: float = 0.03
    payload_mass_kg: float = 3750.0  # an empty 40 ft container: the lightest load it carries
    max_yaw_rate_rps: float = 1.0  # the fleet adapter's path follower turns no faster

    def __post_init__(self) -> None:
        for name in (
            "max_speed_mps",
            "accel_mps2",
            "decel_mps2",
            "length_m",
            "width_m",
            "wheel_radius_m",
            "wheel_width_m",
            "caster_radius_m",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"AGV spec: {name} must be a positive number, not {value!r}")
        if self.wheel_width_m >= self.width_m:
            raise ValueError("AGV spec: the wheels must be narrower than the vehicle")
        if self.caster_radius_m * 2 > self.wheel_radius_m * 2 + self.ground_clearance_m:
            raise ValueError("AGV spec: the casters would lift the driven wheels off the ground")

    @classmethod
    def from_fleet(cls, fleet: FleetLike) -> AgvSpec:
        """The spec of a scenario's fleet (its limits; this package's body)."""
        return cls(
            max_speed_mps=fleet.max_speed_mps,
            accel_mps2=fleet.accel_mps2,
            decel_mps2=fleet.decel_mps2,
            length_m=fleet.vehicle_length_m,
        )

    @property
    def wheel_separation_m(self) -> float:
        """Centre to centre of the two driven wheels, inside the vehicle's width."""
        return self.width_m - self.wheel_width_m

    @property
    def max_wheel_speed_rps(self) -> float:
        """Wheel angular speed at the top speed (rad/s)."""
        return self.max_speed_mps / self.wheel_radius_m

    @property
    def caster_offset_m(self) -> float:
        """Casters front and back, 1 m in from the ends."""
        return self.length_m / 2.0 - 1.0

    @property
    def total_mass_kg(self) -> float:
        return (
            self.chassis_mass_kg
            + 2 * self.wheel_mass_kg
            + 2 * self.caster_mass_kg
            + self.payload_mass_kg
        )

    def diff_drive_params(self) -> dict[str, float]:
        """The ``gz-sim-diff-drive-system`` parameters (its speed limiter included)."""
        return {
            "wheel_separation": self.wheel_separation_m,
            "wheel_radius": self.wheel_radius_m,
            "max_linear_velocity": self.max_speed_mps,
            "min_linear_velocity": -self.max_speed_mps,
            "max_linear_acceleration": self.accel_mps2,
            "min_linear_acceleration": -self.decel_mps2,
            "max_angular_velocity": self.max_yaw_rate_rps,
            "min_angular_velocity": -self.max_yaw_rate_rps,
        }


def box_inertia(mass_kg: float, x_m: float, y_m: float, z_m: float) -> Diag:
    """(ixx, iyy, izz) of a solid box."""
    k = mass_kg / 12.0
    return (k * (y_m**2 + z_m**2), k * (x_m**2 + z_m**2), k * (x_m**2 + y_m**2))


def cylinder_inertia(mass_kg: float, radius_m: float, length_m: float) -> Diag:
    """(ixx, iyy, izz) of a solid cylinder along z."""
    side = mass_kg * (3 * radius_m**2 + length_m**2) / 12.0
    return (side, side, mass_kg * radius_m**2 / 2.0)


def sphere_inertia(mass_kg: float, radius_m: float) -> Diag:
    i = 2.0 * mass_kg * radius_m**2 / 5.0
    return (i, i, i)
