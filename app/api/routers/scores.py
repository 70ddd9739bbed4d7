from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from app.api.deps import Limit, Offset, RegionCode, ScoresDep, Year
from app.api.problems import responses
from app.api.schemas import BreakdownRead, Level, RankingRead

router = APIRouter(prefix="/scores", tags=["scores"])


@router.get(
    "/{year}/{region}",
    response_class=Response,
    responses={
        200: {"model": BreakdownRead, "description": "The breakdown"},
        **responses(404, 422, 503),
    },
)
async def get_breakdown(year: Year, region: RegionCode, scores: ScoresDep) -> Response:
    """The region's score for the data year, every point explained.

    Served from memory while the period's data_version is unchanged; the version is read from the
    database on every request, so a write through any process shows at once."""
    # the version probe is a database round trip: in a worker thread, never on the event loop
    body = await run_in_threadpool(scores.breakdown_json, year, region)
    return Response(body, media_type="application/json")


@router.get("/{year}", response_model=RankingRead, responses=responses(404, 422, 503))
async def get_ranking(
    year: Year,
    scores: ScoresDep,
    parent: RegionCode | None = Query(None, description="rank the regions below this one (all levels down)"),
    level: Level | None = Query("county", description="rank regions of this level"),
    limit: Limit = 1000,
    offset: Offset = 0,
) -> Any:
    """Every region in scope ranked by total; ties share a rank (1, 2, 2, 4)."""
    scheme, rows, status = await run_in_threadpool(scores.ranking, year, parent, level)
    return {
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
