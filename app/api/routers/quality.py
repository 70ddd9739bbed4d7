"""Quality flags of a year: list them, and confirm one (the owning department, with a comment)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from app.api.deps import ActorDep, DbDep, Limit, Offset, RegionCode, Year
from app.api.problems import responses
from app.api.review_schemas import FlagConfirm, QualityFlagRead, QualityRead
from app.services import quality

router = APIRouter(prefix="/periods", tags=["quality"])

FlagId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/{year}/quality", response_model=QualityRead, responses=responses(404, 422))
def list_flags(
    year: Year,
    db: DbDep,
    parent: RegionCode | None = Query(None, description="the regions below this one (all levels down)"),
    department: Annotated[str, Query(min_length=1, max_length=64)] | None = Query(
        None, description="flags about this department's elements (either side of a consistency rule)"
    ),
    status: Literal["open", "confirmed", "closed", "live", "all"] = Query(
        "open", description="open (default), confirmed, closed, live (open or confirmed) or all"
    ),
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """Doubts about the year's values: consistency warnings, possible unit slips against the previous
    year, and outliers among the regions of the same level; each states its method and figures."""
    with db.read() as session:
        return quality.list_flags(
            session, year, parent=parent, department=department, status=status, limit=limit, offset=offset
        )


@router.post(
    "/{year}/quality/{flag_id}/confirm", response_model=QualityFlagRead, responses=responses(404, 422)
)
def confirm_flag(year: Year, flag_id: FlagId, body: FlagConfirm, db: DbDep, actor: ActorDep) -> Any:
    """The owning department (or an admin) confirms that a flagged value is right, with a comment
    (audited). A confirmed flag no longer stops the region's submission; a new value reopens the check."""
    with db.write() as session:
        return quality.confirm_flag(session, year, flag_id, body.comment, actor=actor)
