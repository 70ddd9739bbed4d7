from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.api.deps import Limit, Offset, RegionCode, ScoresDep, Year
from app.api.exports import EXPORT_CONTENT, FormatQuery, exported, wanted
from app.api.problems import responses
from app.api.schemas import BreakdownRead, Level, RankingRead
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
    level: Level | None = Query("county", description="rank regions of this level"),
    limit: Limit = 1000,
    offset: Offset = 0,
    fmt: FormatQuery = None,
) -> Any:
    """Every region in scope ranked by total; ties share a rank (1, 2, 2, 4)."""
    scheme, rows, status = await run_in_threadpool(scores.ranking, year, parent, level)
    body = {
        "year": year,
        "scheme": scheme.code,
        "period_status": status,
        "parent": parent,
        "level": level,
        "items": [r.to_dict() for r in rows[offset : offset + limit]],
        "total": len(rows),
        "limit": limit,
        "offset": offset,
    }
    if wanted(request, fmt) == "json":
        return body
    return await run_in_threadpool(exported, request, fmt, body, tables.ranking, "排名", "ranking")
