from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from app.api.deps import ActorDep, DbDep, IfMatch, Limit, Offset, Year
from app.api.problems import responses
from app.api.review_schemas import PeriodLock
from app.api.schemas import Page, PeriodPut, PeriodRead
from app.db.tables import Period
from app.services import periods
from app.services.paging import page

router = APIRouter(prefix="/periods", tags=["periods"])


class Unlock(BaseModel):
    reason: Annotated[
        str, Field(min_length=1, max_length=1000, description="why a published period is reopened")
    ]


def read(p: Period) -> dict[str, Any]:
    return {
        "year": p.year,
        "scheme": p.scheme_code,
        "status": p.status,
        "round_label": p.round_label,
        "data_version": p.data_version,
        "published_at": p.published_at,
        "published_by": p.published_by,
        "due_on": p.due_on,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


@router.put(
    "/{year}",
    response_model=PeriodRead,
    responses={201: {"model": PeriodRead, "description": "Created"}, **responses(409, 412, 422)},
)
def put_period(
    year: Year, body: PeriodPut, db: DbDep, actor: ActorDep, response: Response, if_match: IfMatch = None
) -> Any:
    """Create or change the period of a data year (admin). A published period's scheme cannot change."""
    with db.write() as session:
        period, created = periods.put_period(
            session, year, body.scheme, body.round_label, actor=actor, if_match=if_match, due_on=body.due_on
        )
        response.status_code = 201 if created else 200
        response.headers["ETag"] = periods.period_etag(period)
        return read(period)


@router.get("", response_model=Page[PeriodRead], responses=responses(422))
def list_periods(db: DbDep, limit: Limit = 100, offset: Offset = 0) -> Any:
    with db.read() as session:
        rows, total = periods.list_periods(session, limit, offset)
        return page([read(p) for p in rows], total, limit, offset)


@router.get("/{year}", response_model=PeriodRead, responses=responses(404, 422))
def get_period(year: Year, db: DbDep, response: Response) -> Any:
    with db.read() as session:
        period = periods.get_period(session, year)
        response.headers["ETag"] = periods.period_etag(period)
        return read(period)


@router.post("/{year}/lock", response_model=PeriodRead, responses=responses(404, 409, 422))
def lock_period(year: Year, db: DbDep, actor: ActorDep, body: PeriodLock | None = None) -> Any:
    """Publish the year (admin): snapshot every region's breakdown; from now on no write may change
    the year's scores (409 period-locked) and the score endpoints serve the snapshot. Every
    county-level region must be accepted (else 409 regions-not-accepted), unless `force` is sent with
    a `reason`, which is audited."""
    lock = body or PeriodLock()
    with db.write() as session:
        period, _ = periods.lock_period(session, year, actor=actor, force=lock.force, reason=lock.reason)
        return read(period)


@router.post("/{year}/unlock", response_model=PeriodRead, responses=responses(404, 422))
def unlock_period(year: Year, body: Unlock, db: DbDep, actor: ActorDep) -> Any:
    """Reopen a published year (admin, with a reason; audited). Its snapshot is dropped."""
    with db.write() as session:
        return read(periods.unlock_period(session, year, body.reason, actor=actor))
