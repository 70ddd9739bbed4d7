"""Tables. The naming convention is set on the metadata before any table, so constraint names are
the same on SQLite and PostgreSQL and migrations can refer to them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from app.db.types import ExactDecimal, UTCDateTime, utcnow

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

REGION_LEVELS = ("province", "city", "county")
PERIOD_STATUSES = ("open", "published")


def _created() -> datetime:
    return utcnow()


class SchemeRow(SQLModel, table=True):
    __tablename__ = "scheme"

    code: str = Field(primary_key=True, max_length=64)
    version: str = Field(max_length=32)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=300)
    definition: str = Field(sa_column=Column(Text, nullable=False))
    content_hash: str = Field(max_length=64)
    loaded_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class Region(SQLModel, table=True):
    __tablename__ = "region"
    __table_args__ = (
        CheckConstraint(f"level IN {REGION_LEVELS}", name="level"),
        CheckConstraint("parent_code IS NULL OR parent_code <> code", name="not_own_parent"),
    )

    code: str = Field(primary_key=True, max_length=12)
    name_zh: str = Field(max_length=100)
    name_en: str = Field(max_length=200)
    level: str = Field(max_length=16)
    parent_code: str | None = Field(
        default=None,
        sa_column=Column(String(12), ForeignKey("region.code"), index=True, nullable=True),
    )
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class Period(SQLModel, table=True):
    __tablename__ = "period"
    __table_args__ = (CheckConstraint(f"status IN {PERIOD_STATUSES}", name="status"),)

    year: int = Field(primary_key=True)
    scheme_code: str = Field(sa_column=Column(String(64), ForeignKey("scheme.code"), nullable=False))
    status: str = Field(default="open", max_length=16)
    round_label: str | None = Field(default=None, max_length=32)
    #: bumped by every write that can change a score of this year; keys the score caches
    data_version: int = Field(default=1)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_by: str | None = Field(default=None, max_length=100)
    #: when the departments' data is due (timeliness in the completeness report)
    due_on: date | None = None
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class DataValue(SQLModel, table=True):
    __tablename__ = "data_value"
    __table_args__ = (
        UniqueConstraint("year", "region_code", "element"),
        CheckConstraint("(value_number IS NULL) <> (value_text IS NULL)", name="one_value"),
    )

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(sa_column=Column(ForeignKey("period.year"), nullable=False))
    region_code: str = Field(
        sa_column=Column(String(12), ForeignKey("region.code"), nullable=False, index=True)
    )
    element: str = Field(max_length=64)
    #: numbers, counts, percentages and assessed scores, exactly
    value_number: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    #: choices, and flags as 'true' / 'false'
    value_text: str | None = Field(default=None, max_length=64)
    comment: str | None = Field(default=None, max_length=1000)
    source: str = Field(default="api", max_length=64)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class Platform(SQLModel, table=True):
    __tablename__ = "platform"
    __table_args__ = (
        UniqueConstraint("region_code", "type", "level", "name"),
        CheckConstraint("revoked_on IS NULL OR revoked_on >= recognized_on", name="dates"),
        Index("ix_platform_type_level", "type", "level"),
    )

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(
        sa_column=Column(String(12), ForeignKey("region.code"), nullable=False, index=True)
    )
    type: str = Field(max_length=64)
    level: str = Field(max_length=16)
    name: str = Field(max_length=200)
    host_organisation: str | None = Field(default=None, max_length=200)
    recognized_on: date
    revoked_on: date | None = None
    document_number: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class Award(SQLModel, table=True):
    __tablename__ = "award"
    __table_args__ = (
        UniqueConstraint("region_code", "type", "level", "name", "awarded_on"),
        Index("ix_award_awarded_on", "awarded_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(
        sa_column=Column(String(12), ForeignKey("region.code"), nullable=False, index=True)
    )
    type: str = Field(max_length=64)
    level: str = Field(max_length=16)
    name: str = Field(max_length=200)
    awarded_on: date
    document_number: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


KEY_ROLES = ("admin", "department", "assessor", "reader", "coordinator", "approver")


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    __table_args__ = (CheckConstraint(f"role IN {KEY_ROLES}", name="role"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    role: str = Field(max_length=16)
    #: owner departments, comma-separated (department keys only)
    departments: str = Field(default="", max_length=200)
    #: the key may write for this region and everything below it; None means everywhere
    region_code: str | None = Field(
        default=None, sa_column=Column(String(12), ForeignKey("region.code"), nullable=True)
    )
    #: SHA-256 of the token; the token itself is shown once and never stored
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEvent(SQLModel, table=True):
    """Append-only record of every change: who, when, what, before and after."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_region_year", "region_code", "year"),
        Index("ix_audit_event_entity", "entity", "entity_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=_created, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=100, index=True)
    request_id: str | None = Field(default=None, max_length=100)
    action: str = Field(max_length=16)
    entity: str = Field(max_length=32)
    entity_key: str = Field(max_length=200)
    region_code: str | None = Field(default=None, max_length=12)
    year: int | None = None
    #: the data years a registry change counts in, first to last (None: open-ended): a platform
    #: counts from the year it is recognised until the year before it is revoked
    year_from: int | None = None
    year_to: int | None = None
    element: str | None = Field(default=None, max_length=64)
    #: JSON of the entity before and after the change (null when created or deleted)
    old: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    new: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reason: str | None = Field(default=None, max_length=1000)


class PeriodSnapshot(SQLModel, table=True):
    """A published period's breakdowns, served unchanged while the period stays locked."""

    __tablename__ = "period_snapshot"

    year: int = Field(sa_column=Column(ForeignKey("period.year"), primary_key=True))
    region_code: str = Field(sa_column=Column(String(12), ForeignKey("region.code"), primary_key=True))
    breakdown: str = Field(sa_column=Column(Text, nullable=False))
    #: JSON of the region as published: name_zh, name_en, level, parent_code and ancestors (codes,
    #: parent first), so that rankings of the year keep their names and membership when the region
    #: is renamed or moved later; null in snapshots stored before it was recorded
    region_state: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


TARGET_KINDS = ("value", "count", "increase", "tier")


class Target(SQLModel, table=True):
    """A plan target of a region (see app/domain/targets.py for the kinds and the progress rule)."""

    __tablename__ = "target"
    __table_args__ = (
        UniqueConstraint("region_code", "kind", "subject", "level", "by_year"),
        CheckConstraint(f"kind IN {TARGET_KINDS}", name="kind"),
        CheckConstraint("base_year < by_year", name="years"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: no index of its own: the unique constraint leads with it
    region_code: str = Field(sa_column=Column(String(12), ForeignKey("region.code"), nullable=False))
    kind: str = Field(max_length=16)
    #: element or indicator code (value, increase), registry types joined by commas (count), tier code
    subject: str = Field(max_length=400)
    #: the lowest level that counts (count targets); "" for any level and for the other kinds, so
    #: that the unique constraint holds on both databases (NULLs never clash)
    level: str = Field(default="", max_length=16)
    #: X or N (value, count); None for increase and tier targets
    threshold: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    by_year: int
    base_year: int
    comment: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class RegionChange(SQLModel, table=True):
    """Which regions a write changed, per period and data_version: a ranking cache at version v
    re-scores only the regions logged after v. A version with no rows here (a scheme change, a
    region renamed or moved) means "anything may have changed" and the cache starts over."""

    __tablename__ = "region_change"

    year: int = Field(primary_key=True)
    data_version: int = Field(primary_key=True)
    region_code: str = Field(primary_key=True, max_length=12)


class FactRow(SQLModel, table=True):
    """The facts of one region-year ready for a ranking (app.db.fact_rows): every stored value and,
    per registry, how many items of each (type, level) count in the year. Written in the same
    transaction as every change of those facts; a year is read from here only while it has a
    FactYear row."""

    __tablename__ = "fact_row"

    year: int = Field(primary_key=True)
    region_code: str = Field(primary_key=True, max_length=12)
    #: "element<US>number<US>..." of the values stored as numbers, the numbers as exact decimal text
    numbers: str = Field(default="", sa_type=Text)
    #: "element<US>text<US>..." of the values stored as text (choices, flags)
    texts: str = Field(default="", sa_type=Text)
    #: per registry, in the order of app.db.facts.REGISTRIES and separated by <RS>:
    #: "type<US>level<US>count<US>..." of its items counting in the year
    tallies: str = Field(default="", sa_type=Text)
    #: how many values and (registry, type, level) entries the strings hold (a separator check)
    n_values: int = 0
    n_tallies: int = 0


class FactYear(SQLModel, table=True):
    """The years whose fact rows are complete and exact: a year without a row here is ranked from
    the live tables."""

    __tablename__ = "fact_year"

    year: int = Field(primary_key=True)


FLAG_KINDS = ("consistency", "unit_slip", "outlier")
FLAG_STATUSES = ("open", "confirmed", "closed")


class QualityFlag(SQLModel, table=True):
    """A doubt about a stored value (app/domain/quality.py): open until the owning department
    confirms it with a comment, or closed when a new value no longer raises it."""

    __tablename__ = "quality_flag"
    __table_args__ = (
        CheckConstraint(f"kind IN {FLAG_KINDS}", name="kind"),
        CheckConstraint(f"status IN {FLAG_STATUSES}", name="status"),
        CheckConstraint("severity IN ('error', 'warning')", name="severity"),
        Index("ix_quality_flag_year_region", "year", "region_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(sa_column=Column(ForeignKey("period.year"), nullable=False))
    region_code: str = Field(sa_column=Column(String(12), ForeignKey("region.code"), nullable=False))
    element: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    #: the consistency rule's code, or the method (unit_slip, modified_z)
    rule: str = Field(max_length=64)
    severity: str = Field(max_length=8)
    #: the values the flag was raised on; the same inputs keep the flag (and its confirmation)
    fingerprint: str = Field(max_length=200)
    message_en: str = Field(sa_column=Column(Text, nullable=False))
    message_zh: str = Field(sa_column=Column(Text, nullable=False))
    #: JSON of the figures behind the flag (values, ratio, z, median)
    details: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="open", max_length=16)
    comment: str | None = Field(default=None, max_length=1000)
    confirmed_by: str | None = Field(default=None, max_length=100)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


APPROVAL_STATES = ("draft", "submitted", "approved", "accepted")


class Approval(SQLModel, table=True):
    """Where a region's data of a year stands: draft -> submitted -> approved -> accepted.
    No row means draft."""

    __tablename__ = "approval"
    __table_args__ = (CheckConstraint(f"state IN {APPROVAL_STATES}", name="state"),)

    year: int = Field(sa_column=Column(ForeignKey("period.year"), primary_key=True))
    region_code: str = Field(sa_column=Column(String(12), ForeignKey("region.code"), primary_key=True))
    state: str = Field(default="draft", max_length=16)
    submitted_by: str | None = Field(default=None, max_length=100)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_by: str | None = Field(default=None, max_length=100)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_by: str | None = Field(default=None, max_length=100)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    returned_by: str | None = Field(default=None, max_length=100)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    return_reason: str | None = Field(default=None, max_length=1000)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
