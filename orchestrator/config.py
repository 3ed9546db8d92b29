"""OrchestratorConfig: the one typed, validated configuration object of the core.

Every runtime builds it the same way, from its fleet's physical figures, with
:meth:`OrchestratorConfig.for_fleet` (so SimPy and ROS 2 dispatch alike, every
:data:`RUNTIME_DISPATCH_INTERVAL_S` at most); the plain constructor's defaults are the
neutral ones the core's own tests use (a round after every event that calls for one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from orchestrator.errors import ConfigError

__all__ = ["RUNTIME_DISPATCH_INTERVAL_S", "OrchestratorConfig"]

# Dispatch rounds at most this often in a deployment (SimPy, ROS 2): a busy day's thousands of
# state changes share rounds; a crossing takes tens of minutes, so 10 s of latency is noise.
RUNTIME_DISPATCH_INTERVAL_S = 10.0


@dataclass(frozen=True, slots=True)
class OrchestratorConfig:
    """Fleet and traffic parameters; validated once at construction.

    ``headway_m`` is the gap kept between consecutive vehicles on a lane: with
    ``vehicle_length_m`` it fixes how many vehicles a lane holds.
    """

    vehicle_length_m: float = 12.0
    headway_m: float = 8.0
    battery_capacity_kwh: float = 200.0
    consumption_kwh_per_km: float = 2.0
    # An idle vehicle below this fraction of capacity goes charging.
    charge_below_fraction: float = 0.3
    # An idle vehicle with no work below this fraction charges if a charger is free now.
    top_up_below_fraction: float = 0.6
    # A vehicle charges up to this fraction.
    charge_to_fraction: float = 0.95
    # Energy that must remain after pick-up + delivery + reaching a charger.
    reserve_fraction: float = 0.05
    # Multiplies the free-flow route time when estimating energy for detours (scanner, holds).
    energy_margin: float = 1.2
    # Cost added to an exclusive (single-vehicle) lane so routes prefer two-lane roads.
    exclusive_penalty_s: float = 5.0
    # Lane cycles lighter than this many times the lightest one get their own occupancy limit
    # (a region token, docs/traffic.md "Regions"), so the fleet-wide bound only has to beat
    # the larger cycles. 1 or less: one global bound from the lightest cycle.
    region_factor: float = 3.0
    # Dispatch rounds run at most this often (simulated seconds): an event that calls for one
    # within the interval leaves it to the next event after it (runtimes send Ticks), so a
    # busy fleet's many state changes share one assignment. 0: a round after every such event.
    dispatch_interval_s: float = 0.0
    # Optional manual cap on vehicles admitted onto the lanes (None: the computed bound).
    max_vehicles_on_lanes: int | None = None
    # Containers an AGV carries at once (the Ganqimaodu AGVs carry two): a round pairs waiting
    # containers of like risk onto one vehicle where it can.
    container_places: int = 1
    # With two places: a container with no partner of like risk waiting is offered alone only
    # after it has waited this long (0: at once), so that most trips carry two.
    pair_wait_s: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and math.isnan(value):
                raise ConfigError(f"OrchestratorConfig.{f.name} is NaN; give a number")
        _positive("vehicle_length_m", self.vehicle_length_m)
        _non_negative("headway_m", self.headway_m)
        _positive("battery_capacity_kwh", self.battery_capacity_kwh)
        _non_negative("consumption_kwh_per_km", self.consumption_kwh_per_km)
        _non_negative("exclusive_penalty_s", self.exclusive_penalty_s)
        _non_negative("region_factor", self.region_factor)
        _non_negative("dispatch_interval_s", self.dispatch_interval_s)
        _non_negative("pair_wait_s", self.pair_wait_s)
        for name in (
            "charge_below_fraction",
            "top_up_below_fraction",
            "charge_to_fraction",
            "reserve_fraction",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"OrchestratorConfig.{name} must be in [0, 1], got {value}")
        if self.charge_to_fraction <= self.charge_below_fraction:
            raise ConfigError(
                "OrchestratorConfig.charge_to_fraction "
                f"({self.charge_to_fraction}) must exceed charge_below_fraction "
                f"({self.charge_below_fraction}), or vehicles would never finish charging"
            )
        if self.energy_margin < 1.0:
            raise ConfigError(
                f"OrchestratorConfig.energy_margin must be >= 1, got {self.energy_margin}"
            )
        if self.container_places not in (1, 2):
            raise ConfigError(
                "OrchestratorConfig.container_places must be 1 or 2 (containers per AGV), got "
                f"{self.container_places}"
            )
        if self.max_vehicles_on_lanes is not None and self.max_vehicles_on_lanes < 1:
            raise ConfigError(
                "OrchestratorConfig.max_vehicles_on_lanes must be >= 1 or None, got "
                f"{self.max_vehicles_on_lanes}"
            )

    @classmethod
    def for_fleet(
        cls,
        *,
        vehicle_length_m: float,
        headway_m: float,
        battery_capacity_kwh: float,
        consumption_kwh_per_km: float,
        dispatch_interval_s: float = RUNTIME_DISPATCH_INTERVAL_S,
        container_places: int = 1,
        pair_wait_s: float = 0.0,
    ) -> OrchestratorConfig:
        """The configuration a runtime runs its fleet with (one place for every runtime)."""
        return cls(
            vehicle_length_m=vehicle_length_m,
            headway_m=headway_m,
            battery_capacity_kwh=battery_capacity_kwh,
            consumption_kwh_per_km=consumption_kwh_per_km,
            dispatch_interval_s=dispatch_interval_s,
            container_places=container_places,
            pair_wait_s=pair_wait_s,
        )

    @property
    def spacing_m(self) -> float:
        """Lane length one vehicle takes up, headway included."""
        return self.vehicle_length_m + self.headway_m


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise ConfigError(f"OrchestratorConfig.{name} must be > 0, got {value}")


def _non_negative(name: str, value: float) -> None:
    if not value >= 0:
        raise ConfigError(f"OrchestratorConfig.{name} must be >= 0, got {value}")
