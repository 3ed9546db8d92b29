"""Dispatcher: optimal assignment of waiting containers to idle vehicles.

Minimises total empty travel time (vehicle -> pick-up) with
``scipy.optimize.linear_sum_assignment``. A pair is infeasible (never assigned) when the
vehicle cannot reach the pick-up or its battery cannot cover pick-up + delivery + the way to a
charger with the reserve left. The planner offers the oldest orders that can have a delivery
place now, at most one per idle vehicle, so a far-away order cannot starve behind a stream of
near ones and the matrix stays small.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from orchestrator.config import OrchestratorConfig

__all__ = [
    "Assignment",
    "assign",
    "assign_matrix",
    "energy_needed_kwh",
    "has_energy_for",
    "needs_charge",
]

# Large but finite: float64 keeps second-level precision of the feasible costs next to it.
_INFEASIBLE = 1e9


@dataclass(frozen=True, slots=True)
class Assignment:
    vehicle_id: str
    order_id: str
    empty_time_s: float


def energy_needed_kwh(distance_m: float, config: OrchestratorConfig) -> float:
    return distance_m / 1000.0 * config.consumption_kwh_per_km * config.energy_margin


def has_energy_for(battery_kwh: float, distance_m: float, config: OrchestratorConfig) -> bool:
    """Can a vehicle drive ``distance_m`` and still keep the reserve?"""
    reserve = config.reserve_fraction * config.battery_capacity_kwh
    return battery_kwh - energy_needed_kwh(distance_m, config) >= reserve


def needs_charge(battery_kwh: float, config: OrchestratorConfig) -> bool:
    return battery_kwh < config.charge_below_fraction * config.battery_capacity_kwh


def assign(
    vehicle_ids: Sequence[str],
    order_ids: Sequence[str],
    cost: Callable[[str, str], float | None],
) -> list[Assignment]:
    """Optimal vehicle/order pairs; ``cost(v, o)`` is the empty time or None (infeasible).

    Among the assignments with the most feasible pairs, the total cost is least. The result
    follows the order of ``order_ids``.
    """
    vehicles = sorted(vehicle_ids)
    orders = list(order_ids)
    matrix = np.full((len(vehicles), len(orders)), math.inf)
    for i, vid in enumerate(vehicles):
        for j, oid in enumerate(orders):
            value = cost(vid, oid)
            if value is not None:
                matrix[i, j] = value
    return assign_matrix(vehicles, orders, matrix)


def assign_matrix(
    vehicle_ids: Sequence[str], order_ids: Sequence[str], matrix: np.ndarray
) -> list[Assignment]:
    """Like :func:`assign` for a ready cost matrix (rows vehicles, columns orders, inf =
    infeasible)."""
    if not len(vehicle_ids) or not len(order_ids):
        return []
    work = np.where(np.isfinite(matrix), matrix, _INFEASIBLE)
    rows, cols = linear_sum_assignment(work)
    out = [
        Assignment(vehicle_ids[i], order_ids[j], float(work[i, j]))
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True)
        if work[i, j] < _INFEASIBLE
    ]
    position = {oid: j for j, oid in enumerate(order_ids)}
    return sorted(out, key=lambda a: position[a.order_id])
