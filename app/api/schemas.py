"""Request and response schemas: separate from the tables, so a column never becomes API by accident."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from app.api.review_schemas import QualityFlagRead, WarningsField
from app.domain.document import parse_date

T = TypeVar("T")

RegionCodeStr = Annotated[
    str, Field(pattern=r"^\d{6}$", examples=["130102"], description="GB/T 2260 division code")
]
Level = Literal["province", "city", "county"]
ItemLevel = Annotated[str, Field(min_length=1, max_length=16, examples=["provincial"])]
ItemType = Annotated[str, Field(min_length=1, max_length=64, examples=["key_lab"])]
Name = Annotated[str, Field(min_length=1, max_length=200)]


def _iso_date(raw: object) -> date:
    # the domain's rule and message, as the CLI gives them: only "YYYY-MM-DD" strings
    return raw if isinstance(raw, date) else parse_date(raw)


StrictDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD"}),
]
#: a value as sent: checked by the scheme's element rules, with the same messages as the CLI
ElementValue = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "boolean"}, {"type": "string"}],
            "description": "a number, a choice code or true/false, as the element's kind requires",
        }
    ),
]
LooseString = Annotated[Any, WithJsonSchema({"type": "string"})]


class Strict_(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="items matching the filters, over all pages")
    limit: int
    offset: int


# ----------------------------------------------------------------------------------- schemes


class SchemeSummary(BaseModel):
    code: str
    version: str
    name_zh: str
    name_en: str
    total: float
    content_hash: str


class SchemeDetail(SchemeSummary):
    tiers: list[dict[str, Any]]
    departments: list[dict[str, Any]]
    levels: list[dict[str, Any]]
    elements: list[dict[str, Any]]
    registries: list[dict[str, Any]]
    dimensions: list[dict[str, Any]]
    consistency: list[dict[str, Any]] = Field(
        default_factory=list,
        description="rules between elements of one region and year: {code, left, operator, right, "
        "severity: error|warning, message_zh, message_en}",
    )


# ----------------------------------------------------------------------------------- regions


class RegionCreate(Strict_):
    code: RegionCodeStr
    name_zh: Annotated[str, Field(min_length=1, max_length=100)]
    name_en: Annotated[str, Field(min_length=1, max_length=200)]
    level: Level
    parent_code: RegionCodeStr | None = None


class RegionUpdate(Strict_):
    name_zh: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    name_en: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    level: Level | None = None
    parent_code: RegionCodeStr | None = None


class RegionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name_zh: str
    name_en: str
    level: Level
    parent_code: str | None
    created_at: datetime
    updated_at: datetime


# ----------------------------------------------------------------------------------- periods


class PeriodPut(Strict_):
    scheme: Annotated[str, Field(min_length=1, max_length=64, examples=["hebei-county-2019"])]
    round_label: Annotated[str, Field(min_length=1, max_length=32, examples=["2021"])] | None = None
    due_on: StrictDate | None = Field(None, description="when the departments' data is due (timeliness)")


class PeriodRead(BaseModel):
    year: int
    scheme: str
    status: Literal["open", "published"]
    round_label: str | None
    data_version: int = Field(description="changes whenever a score of this year can have changed")
    published_at: datetime | None
    published_by: str | None
    due_on: date | None = None
    created_at: datetime
    updated_at: datetime


# -------------------------------------------------------------------------------------- data


class ValuePut(Strict_):
    value: ElementValue
    comment: Annotated[str, Field(max_length=1000)] | None = None


class ValueRead(BaseModel):
    element: str
    value: int | float | bool | str | None
    comment: str | None
    source: str = Field(description="name of the key (or loader) that last wrote the value")
    updated_at: datetime


class ValueWritten(BaseModel):
    year: int
    region: str
    element: str
    status: Literal["created", "updated", "unchanged"]
    value: ValueRead
    warnings: list[QualityFlagRead] = WarningsField


class RegionValues(BaseModel):
    year: int
    region: str
    scheme: str
    values: list[ValueRead]


class BulkRow(Strict_):
    region: LooseString
    element: LooseString
    value: ElementValue
    comment: LooseString = None


class BulkValues(Strict_):
    values: list[BulkRow]
    dry_run: bool = False


class BulkResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    dry_run: bool
    warnings: list[QualityFlagRead] = WarningsField


# ------------------------------------------------------------------------- platforms, awards


class PlatformCreate(Strict_):
    region: RegionCodeStr
    type: ItemType
    level: ItemLevel
    name: Name
    recognized_on: StrictDate
    revoked_on: StrictDate | None = None
    host_organisation: Annotated[str, Field(max_length=200)] | None = None
    document_number: Annotated[str, Field(max_length=100)] | None = None


class PlatformPatch(Strict_):
    region: RegionCodeStr | None = None
    type: ItemType | None = None
    level: ItemLevel | None = None
    name: Name | None = None
    recognized_on: StrictDate | None = None
    revoked_on: StrictDate | None = None
    host_organisation: Annotated[str, Field(max_length=200)] | None = None
    document_number: Annotated[str, Field(max_length=100)] | None = None


class PlatformRead(BaseModel):
    id: int
    region: str
    type: str
    level: str
    name: str
    recognized_on: date
    revoked_on: date | None
    host_organisation: str | None
    document_number: str | None
    created_at: datetime
    updated_at: datetime


class AwardCreate(Strict_):
    region: RegionCodeStr
    type: ItemType
    level: ItemLevel
    name: Name
    awarded_on: StrictDate
    document_number: Annotated[str, Field(max_length=100)] | None = None


class AwardPatch(Strict_):
    region: RegionCodeStr | None = None
    type: ItemType | None = None
    level: ItemLevel | None = None
    name: Name | None = None
    awarded_on: StrictDate | None = None
    document_number: Annotated[str, Field(max_length=100)] | None = None


class AwardRead(BaseModel):
    id: int
    region: str
    type: str
    level: str
    name: str
    awarded_on: date
    document_number: str | None
    created_at: datetime
    updated_at: datetime


# ------------------------------------------------------------------------------------ scores

Number = int | float


class IndicatorBreakdown(BaseModel):
    code: str
    name_zh: str
    name_en: str
    unit: str
    value: Number | str | None = Field(description="the ratio, count or choice that was scored")
    score: Number
    max: Number
    missing_inputs: list[str]
    departments: list[str]
    inputs: dict[str, Number | bool | str | None]
    explanation: dict[str, Any]


class DimensionBreakdown(BaseModel):
    code: str
    name_zh: str
    name_en: str
    score: Number
    max: Number
    indicators: list[IndicatorBreakdown]


class BreakdownBase(BaseModel):
    """The domain's breakdown, as `innomon score` prints it."""

    scheme: str
    scheme_version: str
    year: int
    region: str | None
    total: Number
    max: Number
    tier: str
    tier_name_zh: str
    tier_name_en: str
    complete: bool
    missing_by_department: dict[str, list[str]]
    dimensions: list[DimensionBreakdown]


class BreakdownRead(BreakdownBase):
    """A stored region-year's breakdown, with the status of its period."""

    period_status: Literal["open", "published"] = Field(
        description="published: the period is locked and this is its snapshot"
    )


class RankItem(BaseModel):
    rank: int
    region: str
    name_zh: str
    name_en: str
    level: Level
    parent_code: str | None
    total: Number
    tier: str
    complete: bool
    dimensions: dict[str, Number]


class RankingRead(BaseModel):
    year: int
    scheme: str
    period_status: Literal["open", "published"]
    parent: str | None
    level: Level | None
    items: list[RankItem]
    total: int
    limit: int
    offset: int


class AuditEventRead(BaseModel):
    id: int
    at: datetime
    actor: str
    request_id: str | None
    action: str
    entity: str
    entity_key: str
    region: str | None
    year: int | None
    element: str | None
    old: Any
    new: Any
    reason: str | None


AuditPage = Page[AuditEventRead]
