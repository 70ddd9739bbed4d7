"""The approval of each county's data of a year: submit, approve, accept, return."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from app.api.deps import ActorDep, DbDep, RegionCode, Year
from app.api.problems import responses
from app.api.review_schemas import ApprovalList, ApprovalRead, ApprovalReturn
from app.services import approvals

router = APIRouter(prefix="/approvals", tags=["approvals"])


@router.get("/{year}", response_model=ApprovalList, responses=responses(404, 422))
def list_approvals(
    year: Year,
    db: DbDep,
    parent: RegionCode | None = Query(None, description="the regions below this one (all levels down)"),
) -> Any:
    """The state of every county-level region (under `parent`), with who acted and when."""
    with db.read() as session:
        return approvals.list_approvals(session, year, parent)


@router.post("/{year}/{region}/submit", response_model=ApprovalRead, responses=responses(404, 409, 422))
def submit(year: Year, region: RegionCode, db: DbDep, actor: ActorDep) -> Any:
    """draft -> submitted (a coordinator covering the region, or an admin). Refused with 409
    region-not-ready while the region has open quality flags or breaks an error rule. From now on the
    region's values and registry items of the year refuse writes (409 region-submitted)."""
    with db.write() as session:
        return approvals.transition(session, year, region, "submit", None, actor=actor)


@router.post("/{year}/{region}/approve", response_model=ApprovalRead, responses=responses(404, 409, 422))
def approve(year: Year, region: RegionCode, db: DbDep, actor: ActorDep) -> Any:
    """submitted -> approved (an approver key of a region strictly above it, e.g. the city's)."""
    with db.write() as session:
        return approvals.transition(session, year, region, "approve", None, actor=actor)


@router.post("/{year}/{region}/accept", response_model=ApprovalRead, responses=responses(404, 409, 422))
def accept(year: Year, region: RegionCode, db: DbDep, actor: ActorDep) -> Any:
    """approved -> accepted (an admin: the province)."""
    with db.write() as session:
        return approvals.transition(session, year, region, "accept", None, actor=actor)


@router.post("/{year}/{region}/return", response_model=ApprovalRead, responses=responses(404, 409, 422))
def return_(year: Year, region: RegionCode, body: ApprovalReturn, db: DbDep, actor: ActorDep) -> Any:
    """Back to draft, with a reason (audited). A level may return only until the next level has acted:
    submitted by its coordinator or an approver above, approved by an approver above, accepted by an admin."""
    with db.write() as session:
        return approvals.transition(session, year, region, "return", body.reason, actor=actor)
