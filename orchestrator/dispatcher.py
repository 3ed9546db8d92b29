"""The assignment step of a dispatch round: optimal pairs of idle vehicles and waiting orders.

Minimises total empty travel time (vehicle -> pick-up) with
``scipy.optimize.linear_sum_assignment``; an infinite cost marks a pair that must never be made
(unreachable, or too little energy: :class:`orchestrator.energy.EnergyRule`). Which vehicles and
orders a round offers, and their costs, are :mod:`orchestrator.dispatch_plan`'s business.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from orchestrator.ids import OrderId, VehicleId

__all__ = ["Assignment", "assign", "assign_matrix"]

# Large but finite: float64 keeps second-level precision of the feasible costs next to it.
_INFEASIBLE = 1e9


@dataclass(frozen=True, slots=True)
class Assignment:
    vehicle_id: VehicleId
    order_id: OrderId
    empty_time_s: float


def assign(
    vehicle_ids: Sequence[VehicleId],
    order_ids: Sequence[OrderId],
    cost: Callable[[VehicleId, OrderId], float | None],
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
    vehicle_ids: Sequence[VehicleId], order_ids: Sequence[OrderId], matrix: np.ndarray
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
