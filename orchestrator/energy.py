"""The energy rule, in one place: when a vehicle must charge, how far it may go, how full.

A job is feasible for a vehicle when its battery covers the empty run, the job and the way on to
a charger with the reserve left over; the estimate multiplies the free-flow consumption by
``energy_margin`` for detours (scanner, holds). The dispatcher applies
:meth:`EnergyRule.has_energy_for` to a whole cost matrix at once (same arithmetic, same bits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np
import numpy.typing as npt

from orchestrator.config import OrchestratorConfig

Floats = npt.NDArray[np.float64]

__all__ = ["EnergyRule"]


@dataclass(frozen=True, slots=True)
class EnergyRule:
    reserve_kwh: float  # must remain after the job and the way to a charger
    kwh_per_m: float  # estimated consumption per metre, margin included
    charge_below_kwh: float  # an idle vehicle below this goes charging
    top_up_below_kwh: float  # an idle vehicle with no work below this tops up if it can
    charge_target_kwh: float  # a vehicle charges up to this
    full_kwh: float  # counts as charged (target less 1 %, so a charger is freed)

    @classmethod
    def of(cls, config: OrchestratorConfig) -> EnergyRule:
        capacity = config.battery_capacity_kwh
        target = config.charge_to_fraction * capacity
        return cls(
            reserve_kwh=config.reserve_fraction * capacity,
            kwh_per_m=config.consumption_kwh_per_km / 1000.0 * config.energy_margin,
            charge_below_kwh=config.charge_below_fraction * capacity,
            top_up_below_kwh=config.top_up_below_fraction * capacity,
            charge_target_kwh=target,
            full_kwh=target * 0.99,
        )

    def needed_kwh(self, distance_m: float) -> float:
        return distance_m * self.kwh_per_m

    @overload
    def has_energy_for(self, battery_kwh: float, distance_m: float) -> bool: ...
    @overload
    def has_energy_for(self, battery_kwh: Floats, distance_m: Floats) -> npt.NDArray[np.bool_]: ...

    def has_energy_for(
        self, battery_kwh: float | Floats, distance_m: float | Floats
    ) -> bool | npt.NDArray[np.bool_]:
        """Can a vehicle drive ``distance_m`` and still keep the reserve? Element-wise for
        arrays (a dispatch round's vehicles x orders)."""
        return battery_kwh - distance_m * self.kwh_per_m >= self.reserve_kwh

    def needs_charge(self, battery_kwh: float) -> bool:
        return battery_kwh < self.charge_below_kwh
