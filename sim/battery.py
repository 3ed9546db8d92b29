"""One virtual AGV's battery: its charge, the idle base load, driving, charging, and the
energy KPIs (kWh driven, idled, charged; the lowest charge seen).

The idle base load is applied lazily (:meth:`Battery.now` brings it up to a time), so a parked
vehicle costs nothing per simulated second. Driving and charging are booked when they end.
"""

from __future__ import annotations

from sim.scenario import FleetSpec

__all__ = ["Battery"]


class Battery:
    __slots__ = (
        "_capacity_kwh",
        "_charger_kw",
        "_idle_kw",
        "_t_s",
        "charged_kwh",
        "drive_kwh",
        "idle_kwh",
        "kwh",
        "lowest_kwh",
    )

    def __init__(self, spec: FleetSpec, now_s: float) -> None:
        self.kwh = spec.battery_kwh * spec.initial_soc
        self._t_s = now_s  # the idle load is booked up to here
        self._idle_kw = spec.idle_kw
        self._capacity_kwh = spec.battery_kwh
        self._charger_kw = spec.charger_power_kw
        self.drive_kwh = 0.0
        self.idle_kwh = 0.0
        self.charged_kwh = 0.0
        self.lowest_kwh = self.kwh

    def now(self, now_s: float) -> float:
        """The charge at ``now_s``, after the idle base load up to then."""
        dt_s = now_s - self._t_s
        if dt_s > 0.0:
            used = self._idle_kw * dt_s / 3600.0
            self.idle_kwh += used
            self.kwh = max(0.0, self.kwh - used)
            self._t_s = now_s
        return self.kwh

    def drove(self, used_kwh: float, now_s: float) -> float:
        """An edge driven, ending at ``now_s``: the charge left (never below 0)."""
        self.drive_kwh += used_kwh
        dt_s = now_s - self._t_s
        if dt_s > 0.0:  # the idle base load since the last update (now(), inlined: per edge)
            idle = self._idle_kw * dt_s / 3600.0
            self.idle_kwh += idle
            self.kwh = max(0.0, self.kwh - idle)
            self._t_s = now_s
        left = max(0.0, self.kwh - used_kwh)
        self.kwh = left
        self.lowest_kwh = min(self.lowest_kwh, left)
        return left

    def charge_plan(self, target_kwh: float, now_s: float) -> tuple[float, float, float]:
        """(target, kWh to take in, seconds on the charger) to charge to ``target_kwh``."""
        target = min(target_kwh, self._capacity_kwh)
        need = max(0.0, target - self.now(now_s))
        return target, need, need / (self._charger_kw - self._idle_kw) * 3600.0

    def charged(self, target_kwh: float, need_kwh: float, dt_s: float, now_s: float) -> None:
        """A charge planned by :meth:`charge_plan` has finished at ``now_s``."""
        self.now(now_s)
        self.kwh = max(self.kwh, target_kwh)
        self.charged_kwh += need_kwh + self._idle_kw * dt_s / 3600.0

    def charge_interrupted(self, elapsed_s: float, now_s: float) -> None:
        """A fault stopped the charger: the energy taken in so far stays in the battery."""
        self.now(now_s)
        gained = self._charger_kw * elapsed_s / 3600.0
        self.kwh = min(self._capacity_kwh, self.kwh + gained)
        self.charged_kwh += gained
