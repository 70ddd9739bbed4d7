from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from app.api.deps import DbDep, Limit, Offset, Year
from app.api.problems import responses
from app.api.schemas import Page, PeriodPut, PeriodRead
from app.db.tables import Period
from app.services import periods

router = APIRouter(prefix="/periods", tags=["periods"])


def read(p: Period) -> PeriodRead:
    return PeriodRead(
        year=p.year,
        scheme=p.scheme_code,
        status=p.status,
        round_label=p.round_label,
        data_version=p.data_version,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


@router.put(
    "/{year}",
    response_model=PeriodRead,
    responses={201: {"model": PeriodRead, "description": "Created"}, **responses(422)},
)
def put_period(year: Year, body: PeriodPut, db: DbDep, response: Response) -> Any:
    with db.write() as session:
        period, created = periods.put_period(session, year, body.scheme, body.round_label)
        response.status_code = 201 if created else 200
        return read(period)


@router.get("", response_model=Page[PeriodRead], responses=responses(422))
def list_periods(db: DbDep, limit: Limit = 100, offset: Offset = 0) -> Any:
    with db.read() as session:
        rows, total = periods.list_periods(session, limit, offset)
        return {"items": [read(p) for p in rows], "total": total, "limit": limit, "offset": offset}


@router.get("/{year}", response_model=PeriodRead, responses=responses(404, 422))
def get_period(year: Year, db: DbDep) -> Any:
    with db.read() as session:
        return read(periods.get_period(session, year))
