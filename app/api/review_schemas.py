"""Schemas of the review before publication: quality flags, approvals and keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FlagStatus = Literal["open", "confirmed", "closed"]
ApprovalState = Literal["draft", "submitted", "approved", "accepted"]
Role = Literal["admin", "department", "assessor", "reader", "coordinator", "approver"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QualityFlagRead(BaseModel):
    id: int | None = Field(description="null in the answer of a dry run (nothing is stored)")
    year: int | None = None
    region: str
    element: str = Field(description="the flagged element (a consistency rule's left side)")
    kind: Literal["consistency", "unit_slip", "outlier"]
    rule: str = Field(description="the consistency rule's code, `previous_year` or `modified_z`")
    severity: Literal["error", "warning"]
    status: FlagStatus
    message_en: str
    message_zh: str
    details: dict[str, Any] = Field(description="the figures behind the flag and the method used")
    comment: str | None = None
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    closed_at: datetime | None = None
    created_at: datetime | None = None


WarningsField: Any = Field(
    default_factory=list,
    description="doubts about the written values (quality flags): accepted, but to be fixed or confirmed",
)


class QualityRead(BaseModel):
    year: int
    parent: str | None
    department: str | None
    status: str
    methods: dict[str, str]
    items: list[QualityFlagRead]
    total: int
    limit: int
    offset: int


class FlagConfirm(Strict):
    comment: Annotated[str, Field(min_length=1, max_length=1000, description="why the value is right")]


class ApprovalReturn(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=1000, description="why the data goes back")]


class ApprovalRead(BaseModel):
    region: str
    name_zh: str
    name_en: str
    parent_code: str | None
    state: ApprovalState
    submitted_by: str | None
    submitted_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    accepted_by: str | None
    accepted_at: datetime | None
    returned_by: str | None
    returned_at: datetime | None
    return_reason: str | None
    updated_at: datetime | None


class ApprovalList(BaseModel):
    year: int
    parent: str | None
    period_status: Literal["open", "published"]
    counts: dict[str, int]
    items: list[ApprovalRead]


class PeriodLock(Strict):
    force: bool = Field(False, description="publish although some county-level regions are not accepted")
    reason: Annotated[str, Field(min_length=1, max_length=1000)] | None = Field(
        None, description="why, when forced (audited)"
    )


class KeyCreate(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    role: Role
    departments: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=20
    )
    region: Annotated[str, Field(pattern=r"^\d{6}$")] | None = None


class KeyRead(BaseModel):
    name: str
    role: Role
    departments: list[str]
    region: str | None
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyRead):
    token: str = Field(description="shown once: only its hash is stored")


class KeyList(BaseModel):
    items: list[KeyRead]
    total: int
