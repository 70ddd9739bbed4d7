"""Scores, by job: `breakdown` (one region's explained breakdown, as scored now or as published),
`rankings` (every region of a scope scored and ranked; uncached), `aggregates` (cities and the
province as aggregates of the regions below), `selection` (a ranking request's filters and order,
and the page of GET /scores/{year}) and `cache` (`ScoreReader`: breakdowns and rankings cached
per period version, re-scoring only the regions a write changed).

The names callers use are exported here; a patch (in tests) goes on the module that owns the name.
"""

from app.services.scores.aggregates import AggregateRow
from app.services.scores.breakdown import (
    LevelMismatch,
    breakdown_json,
    check_level,
    facts_by_region,
    region_names,
    score_region,
)
from app.services.scores.cache import ScoreReader, YearScores
from app.services.scores.rankings import (
    Ranking,
    RankRow,
    Summary,
    no_data,
    rank_regions,
    standings,
    summarise,
)
from app.services.scores.selection import Selection, ranking_body, select_rows

__all__ = [
    "AggregateRow",
    "LevelMismatch",
    "RankRow",
    "Ranking",
    "ScoreReader",
    "Selection",
    "Summary",
    "YearScores",
    "breakdown_json",
    "check_level",
    "facts_by_region",
    "no_data",
    "rank_regions",
    "ranking_body",
    "region_names",
    "score_region",
    "select_rows",
    "standings",
    "summarise",
]
