"""The API's schemas for look-ahead forecasts (``POST /v1/forecasts``).

The request is checked here for shape and range (the fleet checks that the lanes and containers
it names exist); the answer is KPIs over time, per bin, as a mean with a 10-90 % band across
seeds, for the no-change forecast and (with a what-if) for the what-if, and the what-if's
difference in the summary KPIs.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from orchestrator.domain.forecast import MAX_HORIZON_H, MAX_SEEDS, ForecastRequest, WhatIf
from risk_bridge.schemas import Id, check_container

__all__ = ["ForecastCreate", "ForecastPublic"]

_MAX_IDS = 200


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WhatIfIn(_In):
    close_lanes: list[Id] = Field(default_factory=list, max_length=_MAX_IDS,
                                  description="lane ids to close at once")  # fmt: skip
    hold_containers: list[Annotated[str, Field(max_length=20), AfterValidator(check_container)]] = (
        Field(default_factory=list, max_length=_MAX_IDS,
              description="containers held as on a HIGH verdict of their origin's customs")
    )  # fmt: skip
    scanners_down: list[Literal["CN", "MN"]] = Field(
        default_factory=list, max_length=2, description="sides whose NII scanners are down"
    )
    add_agvs: int = Field(default=0, ge=0, le=500)
    remove_agvs: int = Field(
        default=0, ge=0, le=500, description="taken out of service, idle first"
    )
    surge: float = Field(default=1.0, ge=0.0, le=10.0, description="factor on the arrivals to come")


class ForecastCreate(_In):
    horizon_h: float = Field(default=2.0, gt=0.0, le=MAX_HORIZON_H, description="hours ahead")
    seeds: int = Field(default=1, ge=1, le=MAX_SEEDS, description="seed 0: the run's own arrivals")
    bin_min: float = Field(default=10.0, ge=1.0, le=60.0, description="width of the KPI bins, min")
    what_if: WhatIfIn = Field(default_factory=lambda: WhatIfIn())  # noqa: PLW0108 (mypy)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "horizon_h": 2,
                    "seeds": 8,
                    "what_if": {"scanners_down": ["CN"], "remove_agvs": 10},
                }
            ]
        },
    )

    def request(self) -> ForecastRequest:
        w = self.what_if
        return ForecastRequest(
            horizon_h=self.horizon_h,
            seeds=self.seeds,
            bin_min=self.bin_min,
            what_if=WhatIf(
                close_lanes=tuple(dict.fromkeys(w.close_lanes)),
                hold_containers=tuple(dict.fromkeys(w.hold_containers)),
                scanners_down=tuple(sorted(set(w.scanners_down))),
                add_agvs=w.add_agvs,
                remove_agvs=w.remove_agvs,
                surge=w.surge,
            ),
        )


class Band(BaseModel):
    mean: float | None
    lo: float | None = Field(description="10th percentile across seeds")
    hi: float | None = Field(description="90th percentile across seeds")


class Forecast(BaseModel):
    t_s: list[float] = Field(description="each bin's end, fleet time in s")
    seeds: int
    series: dict[str, list[Band]] = Field(
        description="per KPI (delivered, delivered_in_bin, crossing_p95_min, waiting_orders, "
        "in_flight, holds_active, busy_agvs), one band per bin"
    )
    summary: dict[str, Band] = Field(
        description="over the horizon: delivered, crossing_p95_min, waiting_orders_end, "
        "holds_active_end"
    )


class ForecastPublic(BaseModel):
    from_s: float
    from_clock: str = Field(description="the fork's local clock time and time zone")
    horizon_h: float
    bin_min: float
    seeds: int
    what_if: list[str] = Field(description="the what-if, one line per change (empty: none)")
    t_min: list[float] = Field(description="each bin's end, minutes after the fork")
    clock: list[str] = Field(description="each bin's end, local clock")
    no_change: Forecast
    with_what_if: Forecast | None = None
    difference: dict[str, float | None] | None = Field(
        None, description="what-if minus no-change, summary means"
    )
    took_s: float = Field(description="wall-clock time the forecast took")
    world: str = Field(
        "forked: the SimPy fleet's live run itself",
        description="how the forecast's world was made: the SimPy fleet's run forked, or (ROS "
        "2, VDA 5050) rebuilt around the live core on a model scenario (docs/studies.md)",
    )
