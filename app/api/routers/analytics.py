"""Analytics: round summary, trend with attribution, gaps and the next tier, what-if, departments,
completeness. Thin: each route parses, calls one service function and returns its answer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from app.api.analytics_schemas import (
    CompletenessRead,
    DepartmentsRead,
    GapsRead,
    RoundSummaryRead,
    SimulateRead,
    SimulateRequest,
    TrendRead,
)
from app.api.deps import DbDep, RegionCode, ScoresDep, Year
from app.api.exports import EXPORT_CONTENT, FormatQuery, exported
from app.api.problems import responses
from app.api.schemas import Level
from app.services import analytics
from app.spreadsheets import tables

router = APIRouter(tags=["analytics"])


@router.get(
    "/rounds/{year}/summary",
    response_model=RoundSummaryRead,
    responses={**EXPORT_CONTENT, **responses(404, 422)},
)
def round_summary(
    year: Year,
    db: DbDep,
    scores: ScoresDep,
    request: Request,
    parent: RegionCode | None = Query(None, description="the regions below this one (all levels down)"),
    level: Level | None = Query("county", description="regions of this level"),
    fmt: FormatQuery = None,
) -> Any:
    """The round in the form the province publishes it: tiers, the mean and its change, city means,
    the A list, tier changes, how many rose, rank changes in buckets (competition ranks in scope)."""
    with db.read() as session:
        body = analytics.round_summary(session, scores, year, parent, level)
    return exported(request, fmt, body, tables.round_summary, "评价结果汇总", "round-summary")


@router.get("/regions/{code}/trend", response_model=TrendRead, responses=responses(404, 422))
def region_trend(
    code: RegionCode,
    db: DbDep,
    scores: ScoresDep,
    from_: int | None = Query(None, alias="from", ge=1949, le=2100, description="first data year"),
    to: int | None = Query(None, ge=1949, le=2100, description="last data year"),
) -> Any:
    """Total, tier, rank and dimensions per data year, and each change split over the indicators
    (exactly); across a change of scheme, also into a scheme effect and a data effect."""
    with db.read() as session:
        return analytics.trend(session, scores, code, from_, to)


@router.get(
    "/scores/{year}/{region}/gaps",
    response_model=GapsRead,
    response_model_exclude_unset=True,
    responses=responses(404, 422),
)
def score_gaps(year: Year, region: RegionCode, db: DbDep) -> Any:
    """Where each indicator below its max loses points, the changes that win them back, and a
    concrete path to the next tier. Every claim is a re-score: posting an option's `changes` to
    simulate gives exactly its `total`."""
    with db.read() as session:
        return analytics.gaps(session, year, region)


@router.post("/scores/{year}/{region}/simulate", response_model=SimulateRead, responses=responses(404, 422))
def simulate(year: Year, region: RegionCode, body: SimulateRequest, db: DbDep) -> Any:
    """What-if: the breakdown the changes would give and the delta against the stored total.
    Checked like a real write (422 listing every problem); nothing is written. Any key may simulate."""
    with db.read() as session:
        return analytics.simulate(session, year, region, analytics.changes_from_request(body.model_dump()))


@router.get(
    "/scores/{year}/{region}/departments",
    response_model=DepartmentsRead,
    responses={**EXPORT_CONTENT, **responses(404, 422)},
)
def score_departments(
    year: Year, region: RegionCode, db: DbDep, request: Request, fmt: FormatQuery = None
) -> Any:
    """The score decomposed onto the departments answerable for it (see `rule`): the parts add up
    to the total."""
    with db.read() as session:
        body = analytics.department_decomposition(session, year, region)
    return exported(request, fmt, body, tables.departments, "部门得分分解", f"departments-{region}")


@router.get(
    "/periods/{year}/completeness",
    response_model=CompletenessRead,
    responses={**EXPORT_CONTENT, **responses(404, 422)},
)
def period_completeness(
    year: Year,
    db: DbDep,
    request: Request,
    parent: RegionCode | None = Query(None, description="the regions below this one (all levels down)"),
    level: Level | None = Query("county", description="regions of this level"),
    fmt: FormatQuery = None,
) -> Any:
    """Per region and department: the inputs expected, received and missing for the year."""
    with db.read() as session:
        body = analytics.completeness(session, year, parent, level)
    return exported(request, fmt, body, tables.completeness, "数据完整性", "completeness")
