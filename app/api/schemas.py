"""Request and response schemas: separate from the tables, so a column never becomes API by accident."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, Literal, Optional, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    computed_field,
    field_validator,
)

from app.api.review_schemas import QualityFlagRead, WarningsField
from app.domain.document import parse_date
from app.domain.elements import REGION_LEVEL_BY_CODE, REGION_LEVELS
from app.domain.numbers import json_number

T = TypeVar("T")

#: six ASCII digits: `\d` would also take full-width or Arabic-Indic digits (１３０１０２)
REGION_CODE_PATTERN = r"^[0-9]{6}$"
RegionCodeStr = Annotated[
    str, Field(pattern=REGION_CODE_PATTERN, examples=["130102"], description="GB/T 2260 division code")
]
Level = Literal["province", "city", "county"]
#: a region level as sent: its code, or a label the service turns into the code (省级, 省, Province)
LevelIn = Annotated[
    str,
    Field(min_length=1, max_length=32),
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(dict.fromkeys(label for lv in REGION_LEVELS for label in lv.labels())),
            "title": "Level",
            "description": "province | city | county, or a label of one: 省级/省, 市级/市, 县级/县/区 ...; "
            "stored and read back as the code",
        }
    ),
]
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


def _as_json_number(raw: object) -> object:
    # a stored Decimal written as people write it: 300 (not 300.0) for a count, 1000 for 1E+3
    return json_number(raw) if isinstance(raw, Decimal) else raw


#: a stored value as read back: a JSON integer when it is whole, else a JSON number
StoredValue = Annotated[int | float | bool | str | None, BeforeValidator(_as_json_number)]


class Strict_(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _no_null_default(schema: dict[str, Any]) -> None:
    # a field left out of a PATCH is unchanged: its default None is not a value one may send
    for prop in schema.get("properties", {}).values():
        if prop.get("default", 0) is None and "anyOf" not in prop and prop.get("type") != "null":
            del prop["default"]


class Patch_(Strict_):
    """A PATCH body: a field left out stays as it is; null is accepted only by the fields in
    NULLABLE (their schema allows it), and clears them. The others are typed `Omittable[X]`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_null_default)
    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_allowed(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("must not be null; leave the field out to keep its value")
        return value


if TYPE_CHECKING:
    #: a PATCH field that may be left out (None) but not sent as null
    Omittable = Optional[T]  # noqa: UP045
else:

    class Omittable:
        """`Omittable[X]` is X to pydantic (so a wrong value gets X's error alone, and the schema
        says X), while the None of a field left out stays the default; to the type checker it
        is `X | None`."""

        def __class_getitem__(cls, item: Any) -> Any:
            return item


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
    total: int | float
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
    bounds: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="the plausible change in one year the next-tier path keeps to (docs/analytics.md): "
        "{elements: {code: max_yearly_change}, types: {registry type: max_new_per_year}}",
    )


# ----------------------------------------------------------------------------------- regions


class RegionCreate(Strict_):
    code: RegionCodeStr
    name_zh: Annotated[str, Field(min_length=1, max_length=100)]
    name_en: Annotated[str, Field(min_length=1, max_length=200)]
    level: LevelIn
    parent_code: RegionCodeStr | None = None


class RegionUpdate(Patch_):
    NULLABLE = frozenset({"parent_code"})
    name_zh: Omittable[Annotated[str, Field(min_length=1, max_length=100)]] = None
    name_en: Omittable[Annotated[str, Field(min_length=1, max_length=200)]] = None
    level: Omittable[LevelIn] = None
    parent_code: RegionCodeStr | None = Field(default=None, description="null: the region has no parent")


class RegionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name_zh: str
    name_en: str
    level: Level
    parent_code: str | None
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def level_name_zh(self) -> str:
        """the level's Chinese name (省级, 市级, 县级)"""
        return REGION_LEVEL_BY_CODE[self.level].name_zh

    @computed_field  # type: ignore[prop-decorator]
    @property
    def level_name_en(self) -> str:
        """the level's English name"""
        return REGION_LEVEL_BY_CODE[self.level].name_en


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
    value: StoredValue
    value_label_zh: str | None = Field(
        None, description="the value as people read it: a choice's name (合署办公), 是/否, 3000 万元"
    )
    value_label_en: str | None = None
    comment: str | None
    posted_by: str = Field(description="name of the key (or loader) that last wrote the value")
    source: str = Field(
        deprecated=True,
        description="the same as posted_by (its name in the first release; kept for its clients)",
    )
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


class PlatformPatch(Patch_):
    NULLABLE = frozenset({"revoked_on", "host_organisation", "document_number"})
    region: Omittable[RegionCodeStr] = None
    type: Omittable[ItemType] = None
    level: Omittable[ItemLevel] = None
    name: Omittable[Name] = None
    recognized_on: Omittable[StrictDate] = None
    revoked_on: StrictDate | None = Field(default=None, description="null: not revoked")
    host_organisation: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="null clears it"
    )
    document_number: Annotated[str, Field(max_length=100)] | None = Field(
        default=None, description="null clears it"
    )


class PlatformRead(BaseModel):
    id: int
    region: str
    type: str
    type_name_zh: str | None = Field(None, description="the type's names in the scheme (null: not in it)")
    type_name_en: str | None = None
    level: str
    level_name_zh: str | None = Field(None, description="the level's names in the scheme (null: not in it)")
    level_name_en: str | None = None
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


class AwardPatch(Patch_):
    NULLABLE = frozenset({"document_number"})
    region: Omittable[RegionCodeStr] = None
    type: Omittable[ItemType] = None
    level: Omittable[ItemLevel] = None
    name: Omittable[Name] = None
    awarded_on: Omittable[StrictDate] = None
    document_number: Annotated[str, Field(max_length=100)] | None = Field(
        default=None, description="null clears it"
    )


class AwardRead(BaseModel):
    id: int
    region: str
    type: str
    type_name_zh: str | None = Field(None, description="the type's names in the scheme (null: not in it)")
    type_name_en: str | None = None
    level: str
    level_name_zh: str | None = Field(None, description="the level's names in the scheme (null: not in it)")
    level_name_en: str | None = None
    name: str
    awarded_on: date
    document_number: str | None
    created_at: datetime
    updated_at: datetime


# ------------------------------------------------------------------------------------ scores

Number = int | float


class NamedRef(BaseModel):
    """A code with its names."""

    code: str
    name_zh: str
    name_en: str


class ElementRef(NamedRef):
    """A data element with its names, unit and the department that posts it."""

    unit_zh: str | None = Field(None, description="null: the element has no unit (a choice, a flag)")
    unit_en: str | None = None
    department: NamedRef | None


class InputDetail(ElementRef):
    value: Number | bool | str | None = Field(description="as in `inputs`: a number, a choice code, a flag")
    value_label_zh: str | None = Field(description="the value as people read it: 3000 万元, 合署办公, 是")
    value_label_en: str | None


class DepartmentMissing(NamedRef):
    elements: list[ElementRef] = Field(description="the elements the department has not posted")


class IndicatorBreakdown(BaseModel):
    code: str
    name_zh: str
    name_en: str
    unit: str = Field(description="the Chinese unit, empty when there is none (see unit_zh, unit_en)")
    value: Number | str | None = Field(description="the ratio, count or choice that was scored")
    score: Number
    max: Number
    missing_inputs: list[str]
    departments: list[str]
    inputs: dict[str, Number | bool | str | None]
    explanation: dict[str, Any] = Field(
        description="the rule's reading (GET /schemes/{code}: explanation_shape); codes in it "
        "(registry types and levels, choices) come with their name_zh and name_en"
    )
    unit_zh: str | None = Field(description="null when the indicator has no unit")
    unit_en: str | None
    value_label_zh: str | None = Field(
        description="`value` as people read it: 3.2%, 3000 万元, a choice's name; null when missing"
    )
    value_label_en: str | None
    department_names: list[NamedRef] = Field(description="`departments` with their names")
    missing_input_names: list[ElementRef] = Field(description="`missing_inputs` with their names")
    input_details: list[InputDetail] = Field(description="`inputs` with their names, units and owners")
    sentence_zh: str = Field(
        description="why the indicator scored what it did, e.g. 地方财政科技支出 3000 万元，介于 1000 与 "
        "5000 万元之间（3 至 4 分），按线性插值得 3.5 分（满分 5 分）"
    )
    sentence_en: str


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
    region_name_zh: str | None = Field(description="null in a document scored without a region")
    region_name_en: str | None
    region_level: Level | None
    region_level_name_zh: str | None
    region_level_name_en: str | None
    region_parent: NamedRef | None = Field(description="the region's parent; null at the top")
    scheme_name_zh: str
    scheme_name_en: str
    missing_by_department_named: list[DepartmentMissing] = Field(
        description="`missing_by_department` with the names of departments and elements"
    )


class BreakdownRead(BreakdownBase):
    """A stored region-year's breakdown, with the status of its period."""

    period_status: Literal["open", "published"] = Field(
        description="published: the period is locked and this is its snapshot"
    )
    ranks: list[RegionRank] = Field(
        default_factory=list,
        description="its rank within its parent and its province in the year, among the regions of "
        "its level with data for the year; empty when it has none",
    )


class RegionStatus(BaseModel):
    """Why a region is not ranked."""

    code: Literal["no_data"]
    zh: str
    en: str = Field(examples=["no data posted for 2023"])


class RankItem(BaseModel):
    rank: int | None = Field(description="competition rank in the whole scope; null: not ranked (see status)")
    region: str
    name_zh: str
    name_en: str
    level: Level
    parent_code: str | None
    total: Number | None = Field(description="null for a region with no data for the year")
    tier: str | None
    complete: bool
    dimensions: dict[str, Number]
    status: RegionStatus | None = Field(None, description="why the region is not ranked (rank null)")
    change: Number | None = Field(
        None, description="with sort=change: the total minus the previous year's (null without one)"
    )


class AggregateItem(BaseModel):
    """A region above the scheme's level (a city, the province): the scored regions below it."""

    rank: int | None = Field(description="rank by mean total (ties share a rank); null: none scored")
    region: str
    name_zh: str
    name_en: str
    level: Level
    parent_code: str | None
    regions: int = Field(description="the ranked regions below it")
    mean: Number | None = Field(description="their mean total, rounded half-up to 2 decimals")
    median: Number | None = Field(description="their median total, rounded half-up to 2 decimals")
    tiers: dict[str, int] = Field(description="how many of them fall in each tier, best first")
    status: RegionStatus | None = None


class RegionRank(BaseModel):
    scope: Literal["parent", "province"] = Field(description="ranked within its parent, or its province")
    parent: str = Field(description="the code of the region it is ranked under")
    rank: int
    of: int = Field(description="the regions ranked in that scope (those with data for the year)")


class RankingRead(BaseModel):
    year: int
    scheme: str
    period_status: Literal["open", "published"]
    parent: str | None
    level: Level | None
    items: list[RankItem | AggregateItem] = Field(
        description="the regions (a level above the scheme's lists aggregates instead of scores)"
    )
    total: int = Field(description="items matching the filters (ranked regions, and unscored when asked)")
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
    year_from: int | None = Field(
        description="registry changes: the first data year the item counts in (before or after the change)"
    )
    year_to: int | None = Field(
        description="registry changes: the last data year it counts in; null with year_from: open-ended"
    )
    element: str | None
    old: Any
    new: Any
    reason: str | None


AuditPage = Page[AuditEventRead]
