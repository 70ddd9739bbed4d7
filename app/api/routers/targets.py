"""Plan targets: CRUD (admin writes, audited) and progress against the stored scores."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from app.api.deps import ActorDep, DbDep, IfMatch, Limit, Offset, RegionCode, SettingsDep
from app.api.exports import EXPORT_CONTENT, FormatQuery, exported
from app.api.problems import responses
from app.api.schemas import Omittable, Page, Patch_, RegionCodeStr, Strict_
from app.db.tables import Target
from app.domain import InvalidInput, Problem
from app.domain.numbers import json_number
from app.domain.targets import parse_threshold
from app.services import schemes, targets
from app.services.paging import page
from app.spreadsheets import tables

router = APIRouter(prefix="/targets", tags=["targets"])

TargetId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Kind = Literal["value", "count", "increase", "tier"]
Status = Literal["met", "on_track", "at_risk", "missed"]
YearField = Annotated[int, Field(ge=1949, le=2100, examples=[2025])]
Threshold = Annotated[
    Any,
    Field(
        description="X (value) or N (count); absent for increase and tier targets",
        json_schema_extra={"type": "number"},
    ),
]
Subject = Annotated[
    str,
    Field(
        min_length=1,
        max_length=400,
        description="element or indicator code (value, increase); registry type codes, comma-separated "
        "(count); tier code (tier)",
        examples=["high_tech_enterprises"],
    ),
]
TargetLevel = Annotated[
    str,
    Field(
        min_length=1,
        max_length=16,
        description="count targets: the lowest level that counts (national > provincial > municipal); "
        "absent for any level",
        examples=["provincial"],
    ),
]
Comment = Annotated[str, Field(max_length=1000)]


class TargetCreate(Strict_):
    region: RegionCodeStr
    kind: Kind
    subject: Subject
    level: TargetLevel | None = None
    threshold: Threshold = None
    by_year: YearField
    base_year: YearField = Field(description="the year the linear path starts from (before by_year)")
    comment: Comment | None = None


class TargetPatch(Patch_):
    NULLABLE = frozenset({"level", "threshold", "comment"})
    region: Omittable[RegionCodeStr] = None
    kind: Omittable[Kind] = None
    subject: Omittable[Subject] = None
    level: TargetLevel | None = Field(default=None, description="null: any level counts")
    threshold: Annotated[
        Any,
        Field(
            description="X (value) or N (count); null for increase and tier targets",
            json_schema_extra={"type": ["number", "null"]},
        ),
    ] = None
    by_year: Omittable[YearField] = None
    base_year: Omittable[YearField] = None
    comment: Comment | None = Field(default=None, description="null clears it")


class TargetRead(BaseModel):
    id: int
    region: str
    kind: Kind
    subject: str
    level: str | None
    threshold: int | float | None
    by_year: int
    base_year: int
    comment: str | None
    created_at: datetime
    updated_at: datetime


class YearStep(BaseModel):
    year: int
    value: int | float | None
    increased: bool | None = Field(description="above the year before; null for the base year or unknown")


class TargetProgress(BaseModel):
    target: TargetRead
    as_of: int = Field(description="the data year judged: the year asked for, or by_year once it has passed")
    current: int | float | None = Field(
        description="the value (count, total score for tier targets) in as_of"
    )
    goal: int | float | None = Field(
        description="the value to reach; increase targets: the year before's value"
    )
    base: int | float | None = Field(description="the value in base_year")
    expected: int | float | None = Field(description="the linear path's value in as_of (before by_year)")
    progress_pct: int | float | None = Field(
        description="current / goal x 100; increase targets: share of years risen"
    )
    status: Status
    reason: str = Field(description="why the status, briefly (numbers only)")
    reason_zh: str = Field(description="why the status, in Chinese: the subject by name, values with units")
    reason_en: str = Field(description="why the status, in English: the subject by name, values with units")
    statement_zh: str = Field(description="the target in one line, in Chinese")
    statement_en: str = Field(description="the target in one line, in English")
    current_tier: str | None = Field(description="tier targets: the tier in as_of")
    years: list[YearStep] | None = Field(None, description="increase targets: each year's value")


class ProgressPage(Page[TargetProgress]):
    year: int
    region: str | None


def read(row: Target) -> dict[str, Any]:
    return {
        "id": row.id,
        "region": row.region_code,
        "kind": row.kind,
        "subject": row.subject,
        "level": row.level or None,
        "threshold": None if row.threshold is None else json_number(row.threshold),
        "by_year": row.by_year,
        "base_year": row.base_year,
        "comment": row.comment,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def _threshold(raw: Any) -> Any:
    try:
        return None if raw is None else parse_threshold(raw)
    except ValueError as exc:
        raise InvalidInput([Problem("threshold", str(exc))]) from None


@router.get("/progress", response_model=ProgressPage, responses={**EXPORT_CONTENT, **responses(404, 422)})
def get_progress(
    db: DbDep,
    request: Request,
    settings: SettingsDep,
    year: int = Query(
        ge=1949, le=2100, description="the data year to judge progress in (its period must exist)"
    ),
    region: RegionCode | None = Query(None, description="targets of this region and all regions below it"),
    kind: Kind | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQuery = None,
) -> Any:
    """Each target with its value in `year`, the goal, progress % and status met / on_track /
    at_risk / missed: on_track before by_year when the value is at or above the linear path from
    the base year's value to the goal; missed when by_year has passed unmet (docs/targets.md)."""
    with db.read() as session:
        scheme = schemes.get_scheme(session, settings.default_scheme)
        rows, total = targets.progress(
            session, scheme, region=region, year=year, kind=kind, limit=limit, offset=offset
        )
        items = [{"target": read(t), **p} for t, p in rows]
        body = {
            "year": year,
            "region": region,
            **page(items, total, limit, offset),
        }
    return exported(request, fmt, body, tables.progress, "目标进度", "targets-progress")


@router.post(
    "",
    status_code=201,
    response_model=TargetRead,
    responses={
        200: {"model": TargetRead, "description": "An identical target was already stored"},
        **responses(409, 422),
    },
)
def create_target(
    body: TargetCreate, db: DbDep, settings: SettingsDep, actor: ActorDep, response: Response
) -> Any:
    """Set a plan target (admin)."""
    data = targets.TargetInput(
        body.region,
        body.kind,
        body.subject,
        body.level,
        _threshold(body.threshold),
        body.by_year,
        body.base_year,
        body.comment,
    )
    with db.write() as session:
        row, created = targets.create_target(
            session, schemes.get_scheme(session, settings.default_scheme), data, actor=actor
        )
        response.status_code = 201 if created else 200
        response.headers["ETag"] = targets.target_etag(row)
        return read(row)


@router.get("", response_model=Page[TargetRead], responses=responses(404, 422))
def list_targets(
    db: DbDep,
    region: RegionCode | None = Query(None, description="this region and all regions below it"),
    kind: Kind | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    with db.read() as session:
        rows, total = targets.list_targets(session, region=region, kind=kind, limit=limit, offset=offset)
        return page([read(r) for r in rows], total, limit, offset)


@router.get("/{target_id}", response_model=TargetRead, responses=responses(404, 422))
def get_target(target_id: TargetId, db: DbDep, response: Response) -> Any:
    with db.read() as session:
        row = targets.get_target(session, target_id)
        response.headers["ETag"] = targets.target_etag(row)
        return read(row)


@router.patch("/{target_id}", response_model=TargetRead, responses=responses(404, 409, 412, 422))
def update_target(
    target_id: TargetId,
    body: TargetPatch,
    db: DbDep,
    settings: SettingsDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """Change a target (admin); the whole target is checked again."""
    changes = body.model_dump(exclude_unset=True)
    if "region" in changes:
        changes["region_code"] = changes.pop("region")
    if "threshold" in changes:
        changes["threshold"] = _threshold(changes["threshold"])
    with db.write() as session:
        row = targets.update_target(
            session,
            schemes.get_scheme(session, settings.default_scheme),
            target_id,
            changes,
            actor=actor,
            if_match=if_match,
        )
        response.headers["ETag"] = targets.target_etag(row)
        return read(row)


@router.delete("/{target_id}", status_code=204, responses=responses(404, 412, 422))
def delete_target(target_id: TargetId, db: DbDep, actor: ActorDep, if_match: IfMatch = None) -> Response:
    """Delete a target (admin)."""
    with db.write() as session:
        targets.delete_target(session, target_id, actor=actor, if_match=if_match)
    return Response(status_code=204)
