from __future__ import annotations

import pytest

from orchestrator.config import OrchestratorConfig
from orchestrator.errors import ConfigError


def test_defaults_are_valid_and_spacing_adds_headway() -> None:
    c = OrchestratorConfig(vehicle_length_m=10.0, headway_m=5.0)
    assert c.spacing_m == 15.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"vehicle_length_m": 0.0}, "vehicle_length_m must be > 0"),
        ({"headway_m": -1.0}, "headway_m must be >= 0"),
        ({"charge_below_fraction": 1.5}, r"charge_below_fraction must be in \[0, 1\]"),
        ({"top_up_below_fraction": -0.1}, r"top_up_below_fraction must be in \[0, 1\]"),
        ({"charge_below_fraction": 0.9, "charge_to_fraction": 0.5}, "must exceed"),
        ({"battery_capacity_kwh": float("nan")}, "is NaN"),
        ({"max_vehicles_on_lanes": 0}, "max_vehicles_on_lanes must be >= 1"),
        ({"energy_margin": 0.5}, "energy_margin must be >= 1"),
        ({"region_factor": -1.0}, "region_factor must be >= 0"),
        ({"dispatch_interval_s": -5.0}, "dispatch_interval_s must be >= 0"),
    ],
)
def test_bad_values_are_rejected_with_the_field_name(
    kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        OrchestratorConfig(**kwargs)  # type: ignore[arg-type]
