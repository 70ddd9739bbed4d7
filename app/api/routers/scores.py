from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.api.deps import Limit, Offset, RegionCode, ScoresDep, Year
from app.api.exports import EXPORT_CONTENT, FormatQuery, exported, wanted
from app.api.problems import responses
from app.api.schemas import BreakdownRead, Level, RankingRead
from app.services import scores as scores_service
from app.spreadsheets import tables

router = APIRouter(prefix="/scores", tags=["scores"])


@router.get(
    "/{year}/{region}",
    response_class=Response,
    responses={
        200: {"model": BreakdownRead, "description": "The breakdown", **EXPORT_CONTENT[200]},
        **responses(404, 422, 503),
    },
)
async def get_breakdown(
    year: Year, region: RegionCode, scores: ScoresDep, request: Request, fmt: FormatQuery = None
) -> Response:
    """The region's score for the data year, every point explained.

    Served from memory while the period's data_version is unchanged; a write through any
    process shows at once."""
    # from memory when no commit happened since the cached version was read; else the version
    # probe, a database round trip, runs in a worker thread, never on the event loop
    body = scores.fresh_breakdown(year, region)
    if body is None:
        body = await run_in_threadpool(scores.breakdown_json, year, region)
    if wanted(request, fmt) != "json":
        return await run_in_threadpool(
            exported, request, fmt, body, tables.breakdown, "得分明细", f"breakdown-{region}"
        )
    return Response(body, media_type="application/json")


@router.get("/{year}", response_model=RankingRead, responses={**EXPORT_CONTENT, **responses(404, 422, 503)})
async def get_ranking(
    year: Year,
    scores: ScoresDep,
    request: Request,
    parent: RegionCode | None = Query(None, description="rank the regions below this one (all levels down)"),
    level: Level | None = Query(
        "county",
        description="rank regions of this level; a level above the scheme's (city, province) lists "
        "aggregates of the scored regions below each: their count, mean, median and tier counts",
    ),
    tier: str | None = Query(None, description="only regions of this tier (e.g. A)"),
    complete: bool | None = Query(None, description="only regions with every input present (true) or not"),
    sort: str = Query(
        "total",
        description="total (the rank order), a dimension code (e.g. input), or change (the total "
        "against the previous year; each item then carries `change`)",
    ),
    order: Literal["asc", "desc"] = Query("desc", description="desc (highest first) or asc"),
    q: str | None = Query(
        None, max_length=100, description="part of a region's code, Chinese or English name"
    ),
    include_unscored: bool = Query(
        False, description="also list the regions with no data for the year (rank null, with a status)"
    ),
    limit: Limit = 1000,
    offset: Offset = 0,
    fmt: FormatQuery = None,
) -> Any:
    """Every region in scope with data for the year, ranked by total; ties share a rank (1, 2, 2, 4).

    Regions with no data for the year are not ranked, and `total` counts the regions listed. Filters
    and sorting never change a region's `rank`, which stays its rank in the whole scope."""
    how = scores_service.Selection(tier, complete, q, sort, order, include_unscored)
    body = await run_in_threadpool(
        scores_service.ranking_body, scores, year, parent, level, how, limit, offset
    )
    if wanted(request, fmt) == "json":
        return body
    return await run_in_threadpool(exported, request, fmt, body, tables.ranking, "排名", "ranking")
