"""Response schemas of the robustness, sensitivity and statistics routes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.api.number_types import Num


class ScopeHead(BaseModel):
    year: int
    scheme: str
    period_status: str
    parent: str | None
    level: str | None
    regions: int = Field(description="regions in scope (those the ranking lists)")
    computed_from: str = Field(description="where the nominal ranking and the facts come from")


class SampledGroup(BaseModel):
    group: str = Field(description="weights | band_edges | assessed")
    active: bool = Field(description="sampled in this answer (noise above 0 and something to perturb)")
    what: str


class Assumptions(BaseModel):
    seed: int
    generator: str
    weight_noise: Num
    knot_noise: Num
    assessed_noise: Num
    sampled: list[SampledGroup]
    tiers: dict[str, Num] = Field(description="each tier's threshold, as the scheme sets it")
    ranks: str
    quantiles: str
    draw_totals: str


class RobustnessItem(BaseModel):
    region: str
    name_zh: str
    name_en: str
    nominal_total: Num
    nominal_tier: str
    nominal_rank: int
    median_rank: int
    p5_rank: int
    p95_rank: int
    mean_abs_rank_shift: Num
    p_tier: dict[str, Num] = Field(description="share of draws in each tier; adds up to 1")
    p_tier_change: Num = Field(description="share of draws whose tier differs from the nominal one")


class RobustnessSummary(BaseModel):
    mean_abs_rank_shift: Num | None
    unstable_threshold: Num
    unstable_regions: list[str] = Field(description="regions whose tier changes in more than 20 % of draws")
    share_near_boundary: Num | None
    near_boundary_regions: list[str]
    near_boundary_rule: str


class RobustnessRead(ScopeHead):
    draws: int
    assumptions: Assumptions
    summary: RobustnessSummary
    items: list[RobustnessItem] = Field(description="in nominal rank order")


class SensitivityAssumptions(Assumptions):
    n: int = Field(description="base samples of the Saltelli design")
    evaluations: int
    design: str
    estimators: str
    intervals: str


class GroupSensitivity(BaseModel):
    group: str
    factors: int = Field(description="uniform inputs the group draws per evaluation")
    active: bool
    first_order: Num | None
    first_order_p5: Num | None
    first_order_p95: Num | None
    total: Num | None
    total_p5: Num | None
    total_p95: Num | None


class LeaveOneOutRead(BaseModel):
    indicator: str
    dimension: str
    mean_abs_rank_change: Num
    max_abs_rank_change: int
    tier_changes: int


class SensitivityRead(ScopeHead):
    output: str
    assumptions: SensitivityAssumptions
    note: str | None
    groups: list[GroupSensitivity]
    leave_one_out: list[LeaveOneOutRead]
    leave_one_out_rule: str


class IndicatorStatistics(BaseModel):
    indicator: str
    dimension: str
    max_points: Num
    availability: Num | None = Field(description="share of regions with every input of the indicator")
    min: Num | None
    max: Num | None
    mean: Num | None
    median: Num | None
    sd: Num | None
    skew: Num | None
    kurtosis: Num | None = Field(description="excess kurtosis")
    skew_flag: bool
    kurtosis_flag: bool
    outlier_flag: bool = Field(description="both flags (COINr's outlier rule)")
    share_at_max: Num | None
    share_at_zero: Num | None


class CorrelationFlag(BaseModel):
    a: str
    b: str
    rho: Num
    flag: str = Field(description="collinear_within_dimension | negative")


class Correlations(BaseModel):
    method: str
    indicators: list[str]
    matrix: list[list[Num | None]]
    p_values: list[list[Num | None]]
    flags: list[CorrelationFlag]


class IndicatorCoherence(BaseModel):
    indicator: str
    rho_with_dimension: Num | None
    rho_with_total: Num | None


class DimensionStatistics(BaseModel):
    dimension: str
    cronbach_alpha: Num | None
    indicators: list[IndicatorCoherence]


class EffectiveWeight(BaseModel):
    indicator: str
    nominal_weight: Num
    effective_weight: Num | None


class StatisticsRead(ScopeHead):
    indicators: list[IndicatorStatistics]
    correlations: Correlations
    dimensions: list[DimensionStatistics]
    effective_weights: list[EffectiveWeight]
    rules: dict[str, str]
