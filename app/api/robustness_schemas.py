"""Response schemas of the robustness, sensitivity and statistics routes."""

from __future__ import annotations

from pydantic import BaseModel, Field


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
    weight_noise: float
    knot_noise: float
    assessed_noise: float
    sampled: list[SampledGroup]
    tiers: dict[str, float] = Field(description="each tier's threshold, as the scheme sets it")
    ranks: str
    quantiles: str
    draw_totals: str


class RobustnessItem(BaseModel):
    region: str
    name_zh: str
    name_en: str
    nominal_total: float
    nominal_tier: str
    nominal_rank: int
    median_rank: int
    p5_rank: int
    p95_rank: int
    mean_abs_rank_shift: float
    p_tier: dict[str, float] = Field(description="share of draws in each tier; adds up to 1")
    p_tier_change: float = Field(description="share of draws whose tier differs from the nominal one")


class RobustnessSummary(BaseModel):
    mean_abs_rank_shift: float | None
    unstable_threshold: float
    unstable_regions: list[str] = Field(description="regions whose tier changes in more than 20 % of draws")
    share_near_boundary: float | None
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
    first_order: float | None
    first_order_p5: float | None
    first_order_p95: float | None
    total: float | None
    total_p5: float | None
    total_p95: float | None


class LeaveOneOutRead(BaseModel):
    indicator: str
    dimension: str
    mean_abs_rank_change: float
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
    max_points: float
    availability: float | None = Field(description="share of regions with every input of the indicator")
    min: float | None
    max: float | None
    mean: float | None
    median: float | None
    sd: float | None
    skew: float | None
    kurtosis: float | None = Field(description="excess kurtosis")
    skew_flag: bool
    kurtosis_flag: bool
    outlier_flag: bool = Field(description="both flags (COINr's outlier rule)")
    share_at_max: float | None
    share_at_zero: float | None


class CorrelationFlag(BaseModel):
    a: str
    b: str
    rho: float
    flag: str = Field(description="collinear_within_dimension | negative")


class Correlations(BaseModel):
    method: str
    indicators: list[str]
    matrix: list[list[float | None]]
    p_values: list[list[float | None]]
    flags: list[CorrelationFlag]


class IndicatorCoherence(BaseModel):
    indicator: str
    rho_with_dimension: float | None
    rho_with_total: float | None


class DimensionStatistics(BaseModel):
    dimension: str
    cronbach_alpha: float | None
    indicators: list[IndicatorCoherence]


class EffectiveWeight(BaseModel):
    indicator: str
    nominal_weight: float
    effective_weight: float | None


class StatisticsRead(ScopeHead):
    indicators: list[IndicatorStatistics]
    correlations: Correlations
    dimensions: list[DimensionStatistics]
    effective_weights: list[EffectiveWeight]
    rules: dict[str, str]
