from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response

from app.api.deps import ActorDep, DbDep, IfMatch, Limit, Offset, RegionCode
from app.api.problems import responses
from app.api.schemas import Level, Page, RegionCreate, RegionRead, RegionUpdate
from app.services import regions
from app.services.paging import page

router = APIRouter(prefix="/regions", tags=["regions"])


@router.post("", status_code=201, response_model=RegionRead, responses=responses(409, 422))
def create_region(body: RegionCreate, db: DbDep, actor: ActorDep, response: Response) -> Any:
    """Add a region (admin)."""
    with db.write() as session:
        row = regions.create_region(session, regions.RegionInput(**body.model_dump()), actor=actor)
        response.headers["ETag"] = regions.region_etag(row)
        return RegionRead.model_validate(row)


@router.get("", response_model=Page[RegionRead], responses=responses(404, 422))
def list_regions(
    db: DbDep,
    parent: RegionCode | None = Query(None, description="only regions below this one (all levels down)"),
    level: Level | None = None,
    q: str | None = Query(None, max_length=100, description="part of the code, Chinese or English name"),
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """Regions by code; `total` counts those matching the filters."""
    with db.read() as session:
        rows, total = regions.list_regions(
            session, parent=parent, level=level, limit=limit, offset=offset, q=q
        )
        return page([RegionRead.model_validate(r) for r in rows], total, limit, offset)


@router.get("/{code}", response_model=RegionRead, responses=responses(404, 422))
def get_region(code: RegionCode, db: DbDep, response: Response) -> Any:
    with db.read() as session:
        row = regions.get_region(session, code)
        response.headers["ETag"] = regions.region_etag(row)
        return RegionRead.model_validate(row)


@router.patch("/{code}", response_model=RegionRead, responses=responses(404, 409, 412, 422))
def update_region(
    code: RegionCode,
    body: RegionUpdate,
    db: DbDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """Change a region's names, level or parent (admin)."""
    with db.write() as session:
        row = regions.update_region(
            session, code, body.model_dump(exclude_unset=True), actor=actor, if_match=if_match
        )
        response.headers["ETag"] = regions.region_etag(row)
        return RegionRead.model_validate(row)
