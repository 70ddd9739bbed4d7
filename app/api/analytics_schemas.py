"""Request and response schemas of the analytics routes (see docs/analytics.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.number_types import Num
from app.api.schemas import (
    BreakdownBase,
    ElementValue,
    ItemLevel,
    ItemType,
    Level,
    Name,
    Number,
    Strict_,
    StrictDate,
)

PeriodStatus = Literal["open", "published"]
#: the most items one what-if may add or remove per list
MAX_SIMULATED_ITEMS = 1000


class Aliased(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class NamedRegion(BaseModel):
    region: str
    name_zh: str | None
    name_en: str | None


# ------------------------------------------------------------------------------ round summary


class CityMean(NamedRegion):
    regions: int = Field(description="regions of the scope in this city")
    mean: Number | None
    previous_mean: Number | None
    change: Number | None = Field(description="mean - previous_mean (both rounded to 2 decimals)")
    median: Number | None = Field(None, description="the median total of its scored regions (2 decimals)")
    tiers: dict[str, int] | None = Field(None, description="how many of its scored regions fall in each tier")


class AListItem(NamedRegion):
    total: Number
    rank: int


class TierChange(NamedRegion, Aliased):
    from_: str = Field(alias="from")
    to: str


class TierChanges(BaseModel):
    up: list[TierChange]
    down: list[TierChange]


class RankMove(NamedRegion):
    previous_rank: int
    rank: int


class RankBucket(BaseModel):
    count: int
    regions: list[RankMove]


class RankChanges(BaseModel):
    up_10_plus: RankBucket
    up_5_9: RankBucket
    up_1_4: RankBucket
    unchanged: RankBucket
    down_1_4: RankBucket
    down_5_9: RankBucket
    down_10_plus: RankBucket


class RoundSummaryRead(BaseModel):
    year: int
    round_label: str | None
    scheme: str
    period_status: PeriodStatus
    parent: str | None
    level: Level | None
    previous_year: int | None = Field(description="null when there is no period for the year before")
    regions: int
    tiers: dict[str, int] = Field(description='regions per tier, e.g. {"A": 3, "B": 7, "C": 12}')
    mean: Number | None = Field(description="mean total, rounded half-up to 2 decimals")
    previous_mean: Number | None
    mean_change: Number | None
    cities: list[CityMean]
    a_tier: str = Field(description="the best tier of the scheme")
    a_list: list[AListItem] = Field(description="the regions of the best tier, in score order")
    tier_changes: TierChanges
    compared: int = Field(description="regions scored in both years")
    rose: int
    fell: int
    unchanged: int
    rank_changes: RankChanges = Field(
        description="competition ranks within the scope; a rise of 5 places is up_5_9"
    )
    summary_zh: str = Field(description="the round in a sentence, in Chinese")
    summary_en: str = Field(description="the round in a sentence, in English")


# -------------------------------------------------------------------------------------- trend


class TrendYear(BaseModel):
    year: int
    round_label: str | None
    scheme: str
    scheme_version: str
    period_status: PeriodStatus
    total: Number
    tier: str
    rank: int | None = Field(description="among the regions of its level in its province (rank_scope)")
    ranked: int
    complete: bool
    dimensions: dict[str, Number]


class Effect(BaseModel):
    total: Number
    by_indicator: dict[str, Number]


class TrendChange(Aliased):
    from_: int = Field(alias="from")
    to: int
    total_change: Number
    by_indicator: dict[str, Number] = Field(description="adds up exactly to total_change")
    scheme_changed: bool
    scheme_effect: Effect | None = Field(
        description="last year's data under this year's scheme - last year's score (schemes differ)"
    )
    data_effect: Effect | None = Field(description="the rest of the change (schemes differ)")


class SkippedYear(BaseModel):
    year: int
    reason: str


class TrendRead(Aliased):
    region: str
    name_zh: str
    name_en: str
    level: Level
    rank_scope: str | None
    from_: int | None = Field(alias="from")
    to: int | None
    years: list[TrendYear]
    changes: list[TrendChange]
    skipped: list[SkippedYear]


# ----------------------------------------------------------------------------- what-if, gaps


class SimulatedPlatform(Strict_):
    type: ItemType
    level: ItemLevel
    name: Name | None = None
    recognized_on: StrictDate
    revoked_on: StrictDate | None = None


class SimulatedAward(Strict_):
    type: ItemType
    level: ItemLevel
    name: Name | None = None
    awarded_on: StrictDate


ItemId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class SimulateRequest(Strict_):
    values: dict[str, ElementValue | None] = Field(
        default_factory=dict, description="element: value; null removes the stored value"
    )
    add_platforms: Annotated[list[SimulatedPlatform], Field(max_length=MAX_SIMULATED_ITEMS)] = Field(
        default_factory=list
    )
    remove_platforms: Annotated[list[ItemId], Field(max_length=MAX_SIMULATED_ITEMS)] = Field(
        default_factory=list, description="ids of platforms that count in the year"
    )
    add_awards: Annotated[list[SimulatedAward], Field(max_length=MAX_SIMULATED_ITEMS)] = Field(
        default_factory=list
    )
    remove_awards: Annotated[list[ItemId], Field(max_length=MAX_SIMULATED_ITEMS)] = Field(
        default_factory=list, description="ids of awards of the year"
    )


class ChangesRead(BaseModel):
    """A what-if in the form POST /scores/{year}/{region}/simulate takes."""

    values: dict[str, Number | bool | str | None]
    add_platforms: list[dict[str, Any]]
    remove_platforms: list[int | str]
    add_awards: list[dict[str, Any]]
    remove_awards: list[int | str]


class SimulatedBreakdown(BreakdownBase):
    """The breakdown the changes would give (nothing is stored)."""


class SimulateRead(BaseModel):
    year: int
    region: str
    scheme: str
    period_status: PeriodStatus
    stored_total: Number = Field(description="the total the score endpoint serves")
    stored_tier: str
    total: Number
    tier: str
    delta: Number = Field(description="total - stored_total")
    by_indicator: dict[str, Number] = Field(description="indicators whose score changes, by how much")
    breakdown: SimulatedBreakdown


class InputChange(Aliased):
    """One input a gap option changes, whatever the rule kind: an element's value, or the number
    of registry items of one type and level that count in the year."""

    element: str | None = Field(None, description="the element whose value changes")
    registry: str | None = Field(None, description="the registry items are added to")
    type: str | None = Field(None, description="the type of the items added")
    level: str | None = Field(None, description="the level of the items added")
    from_: Number | bool | str | None = Field(
        alias="from", description="the value now (items: how many of that type and level count now)"
    )
    to: Number | bool | str | None = Field(description="the value the option sets (items: the count after)")


class Knot(BaseModel):
    threshold: Number
    score: Number


class PerItem(BaseModel):
    type: str
    level: str
    points_each: Number
    items_to_cap: int


class BetterChoice(BaseModel):
    choice: str
    points: Number


class FlagState(BaseModel):
    element: str
    set: bool
    points: Number


class BoundRead(BaseModel):
    """A plausible change in one year a move or option was held to (the scheme's [bounds])."""

    element: str | None = Field(None, description="the element bounded (element bounds)")
    registry: str | None = Field(None, description="the registry (bounds on new items of a type)")
    type: str | None = Field(None, description="the registry type (bounds on new items of a type)")
    current: Number = Field(description="the stored value; items: how many of the type count now")
    limit: Number = Field(
        description="the furthest value within one year's change; items: the most new items a year"
    )
    max_yearly_change: Number | None = Field(
        None, description="element bounds: the relative change allowed in a year (0.5 = 50 %)"
    )
    binding: bool = Field(description="the move or option asked more than the bound allows")
    zh: str
    en: str


#: the fields a rule kind of contract v1 set on an option; `inputs` says the same for every kind
_V1 = "contract v1, set by some rule kinds; `inputs` holds the same for every kind"


class GapOption(BaseModel):
    """A concrete change, re-scored: posting `changes` to simulate gives exactly `total`."""

    target: str = Field(
        description="the rule kind's name for the option, e.g. next_knot, max, one_item, choice, flag, "
        "next_bracket"
    )
    description: str = Field(description="the option in English (the same as description_en)")
    description_zh: str = Field(description="the option in Chinese, elements named by name and unit")
    description_en: str
    within_bounds: bool = Field(
        description="false when the option asks more than one year plausibly brings (see bounds)"
    )
    bounds: list[BoundRead] = Field(description="the yearly bounds the option was measured against")
    changes: ChangesRead
    inputs: list[InputChange] = Field(description="the inputs the option changes, from -> to")
    points_gained: Number = Field(description="points the indicator gains (indicator_gain)")
    indicator_score: Number
    indicator_gain: Number
    total: Number
    gain: Number = Field(
        description="total - the current total (other indicators sharing the input included)"
    )
    tier: str
    element: str | None = Field(None, description=_V1)
    from_value: Number | bool | str | None = Field(None, description=_V1)
    to_value: Number | bool | str | None = Field(None, description=_V1)
    input_change: Number | None = Field(None, description=_V1)
    registry: str | None = Field(None, description=_V1)
    type: str | None = Field(None, description=_V1)
    level: str | None = Field(None, description=_V1)
    count: int | None = Field(None, description=_V1)
    points_each: Number | None = Field(None, description=_V1)


class IndicatorGap(BaseModel):
    indicator: str
    name_zh: str
    name_en: str
    kind: str = Field(description="the rule kind (GET /schemes/{code} lists each indicator's)")
    departments: list[str]
    score: Number
    max: Number
    points_missing: Number
    best_gain: Number
    value: Number | str | None
    missing_inputs: list[str]
    note: str | None = Field(description="English (the same as note_en)")
    note_zh: str | None
    note_en: str | None
    options: list[GapOption] = Field(description="sorted by gain, highest first")
    reading: dict[str, Any] = Field(
        description="the rule kind's own reading of the gap, e.g. the next knot or bracket, the room "
        "under a cap; its keys are the kind's"
    )
    next_knot: Knot | None = Field(None, description="contract v1 (banded); the same as reading.next_knot")
    top_knot: Knot | None = Field(None, description="contract v1 (banded); the same as reading.top_knot")
    registry: str | None = Field(None, description="contract v1 (tally); the same as reading.registry")
    cap: Number | None = Field(None, description="contract v1 (tally); the same as reading.cap")
    room_under_cap: Number | None = Field(
        None, description="contract v1 (tally); the same as reading.room_under_cap"
    )
    per_item: list[PerItem] | None = Field(
        None, description="contract v1 (tally); the same as reading.per_item"
    )
    better_choices: list[BetterChoice] | None = Field(
        None, description="contract v1 (choice_flag); the same as reading.better_choices"
    )
    flag: FlagState | None = Field(None, description="contract v1 (choice_flag); the same as reading.flag")
    room_to_max: Number | None = Field(
        None, description="contract v1 (assessed); the same as reading.room_to_max"
    )


class Step(BaseModel):
    indicator: str
    description: str = Field(description="English (the same as description_en)")
    description_zh: str
    description_en: str
    changes: ChangesRead
    gain: Number
    total: Number


class PathToTier(BaseModel):
    current_tier: str
    tier: str | None = Field(description="the next tier; null in the top tier")
    threshold: Number | None
    points_needed: Number
    reachable: bool = Field(description="whether the moves, within the yearly bounds, reach the tier")
    method: str
    note: str = Field(description="English (the same as note_en)")
    note_zh: str = Field(
        description="the path in a sentence; when out of reach, the points reachable within the "
        "bounds against the points needed"
    )
    note_en: str
    bounds: list[BoundRead] = Field(
        description="the yearly bounds of the moves considered; binding: a move stopped at it"
    )
    steps: list[Step]
    changes: ChangesRead = Field(description="all steps together: post them to simulate")
    total: Number = Field(description="the re-scored total of `changes`")
    reached_tier: str
    verified: bool


class GapsRead(BaseModel):
    year: int
    region: str | None
    scheme: str
    period_status: PeriodStatus
    stored_total: Number
    total: Number = Field(
        description="the total re-scored from the stored data, which every claim is against"
    )
    tier: str
    max: Number
    points_missing: Number
    sorted_by: str
    indicators: list[IndicatorGap]
    to_next_tier: PathToTier


# -------------------------------------------------------------------------------- departments


class DepartmentIndicator(BaseModel):
    indicator: str
    name_zh: str
    name_en: str
    owners: list[str]
    share: str = Field(description='e.g. "1/2" for an indicator two departments own')
    score: Number
    max: Number
    earned: Number
    available: Number
    lost: Number


class DepartmentPart(BaseModel):
    department: str
    name_zh: str | None
    name_en: str | None
    earned: Number
    available: Number
    lost: Number
    missing_inputs: list[str] = Field(description="elements this department posts that are missing")
    summary_zh: str = Field(description="the department's part in a sentence, in Chinese")
    summary_en: str = Field(description="the department's part in a sentence, in English")
    indicators: list[DepartmentIndicator]


class DepartmentsRead(BaseModel):
    year: int
    region: str
    scheme: str
    period_status: PeriodStatus
    total: Number
    max: Number
    rule: str
    departments: list[DepartmentPart] = Field(description="earned adds up to total, available to max")


# ------------------------------------------------------------------------------- completeness


class DepartmentInputs(BaseModel):
    department: str
    expected: list[str]
    received: list[str]
    missing: list[str]
    on_time: bool | None = Field(
        None, description="arrived by the period's due date; null while pending or with no due date"
    )
    arrived_at: datetime | None = Field(None, description="when the last expected element arrived")


class TimelinessCounts(BaseModel):
    on_time: int
    late: int
    pending: int
    on_time_rate: Num | None = Field(description="on_time / (on_time + late); null when neither")


class DepartmentTimeliness(TimelinessCounts):
    department: str


class CityTimeliness(TimelinessCounts):
    city: str
    name_zh: str
    name_en: str


class Timeliness(BaseModel):
    due_on: date | None
    deadline: datetime | None = Field(description="the end of due_on in China Standard Time (UTC+8)")
    rule: str
    departments: list[DepartmentTimeliness]
    cities: list[CityTimeliness] = Field(description="per parent of the regions (their city)")


class RegionCompleteness(BaseModel):
    region: str
    name_zh: str
    name_en: str
    complete: bool
    expected: int
    received: int
    missing: int
    departments: list[DepartmentInputs]


class DepartmentTotals(BaseModel):
    department: str
    name_zh: str | None
    name_en: str | None
    expected: int
    received: int
    missing: int
    regions_missing: int = Field(description="regions with at least one of its inputs missing")


class CompletenessTotals(BaseModel):
    regions: int
    complete_regions: int
    expected: int
    received: int
    missing: int


class CompletenessRead(BaseModel):
    year: int
    scheme: str
    period_status: PeriodStatus
    parent: str | None
    level: Level | None
    rule: str
    totals: CompletenessTotals
    departments: list[DepartmentTotals]
    regions: list[RegionCompleteness]
    timeliness: Timeliness | None = None
