from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.config import OrchestratorConfig
from orchestrator.dispatcher import assign
from orchestrator.energy import EnergyRule

costs = st.lists(
    st.lists(st.one_of(st.none(), st.floats(0, 1000)), min_size=1, max_size=4),
    min_size=1,
    max_size=4,
).filter(lambda rows: len({len(r) for r in rows}) == 1)


def _brute(matrix: list[list[float | None]]) -> tuple[int, float]:
    """(most feasible pairs, least total cost) over every assignment."""
    n, m = len(matrix), len(matrix[0])
    best = (0, 0.0)
    for k in range(min(n, m), 0, -1):
        for rows in itertools.combinations(range(n), k):
            for cols in itertools.permutations(range(m), k):
                vals = [matrix[r][c] for r, c in zip(rows, cols, strict=True)]
                if any(v is None for v in vals):
                    continue
                total = sum(v for v in vals if v is not None)
                if best[0] < k or (best[0] == k and total < best[1]):
                    best = (k, total)
        if best[0] == k:
            return best
    return best


@settings(max_examples=150, deadline=None)
@given(costs)
def test_assignment_is_optimal_and_never_uses_infeasible_pairs(
    matrix: list[list[float | None]],
) -> None:
    vids = [f"v{i}" for i in range(len(matrix))]
    oids = [f"o{j}" for j in range(len(matrix[0]))]
    result = assign(vids, oids, lambda v, o: matrix[int(v[1:])][int(o[1:])])
    for a in result:
        assert matrix[int(a.vehicle_id[1:])][int(a.order_id[1:])] is not None
    assert len({a.vehicle_id for a in result}) == len(result)
    assert len({a.order_id for a in result}) == len(result)
    k, total = _brute(matrix)
    assert len(result) == k
    assert abs(sum(a.empty_time_s for a in result) - total) < 1e-6


def test_battery_rules() -> None:
    c = OrchestratorConfig(
        battery_capacity_kwh=100.0,
        consumption_kwh_per_km=2.0,
        reserve_fraction=0.1,
        energy_margin=1.0,
        charge_below_fraction=0.3,
    )
    rule = EnergyRule.of(c)
    assert rule.has_energy_for(50.0, 20_000.0)  # 40 kWh used, 10 left = reserve
    assert not rule.has_energy_for(50.0, 21_000.0)
    assert rule.needs_charge(29.0) and not rule.needs_charge(31.0)


def test_the_energy_rule_on_a_matrix_is_the_same_rule() -> None:
    """The dispatch round applies the rule to vehicles x orders at once: same answers."""
    import numpy as np

    rule = EnergyRule.of(OrchestratorConfig(energy_margin=1.3, reserve_fraction=0.07))
    battery = np.array([10.0, 55.5, 120.0, 199.0])
    dist = np.array([[0.0, 1000.0, 9_999.5], [20_000.0, 30_000.0, 5.0], [1.0, 2.0, 3.0],
                     [70_000.0, 71_000.0, 72_000.0]])  # fmt: skip
    got = rule.has_energy_for(battery[:, None], dist)
    want = [[rule.has_energy_for(float(b), float(d)) for d in row] for b, row in
            zip(battery, dist, strict=True)]  # fmt: skip
    assert got.tolist() == want
