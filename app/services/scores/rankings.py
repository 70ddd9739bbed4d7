"""Rankings: every region of a scope scored (through the plan's summary, without the breakdown a
ranking does not show) or read from the published snapshots, ranked by total; regions with no data
for the year follow unranked. Uncached here: `ScoreReader` (cache.py) keeps the scores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlmodel import Session

from app.db import facts as facts_reader
from app.db import repositories as repo
from app.db.repositories import RegionRow
from app.domain import Facts, InvalidInput, Problem, Scheme
from app.domain.elements import region_level_zh
from app.domain.numbers import json_number
from app.domain.plan import plan_for
from app.services import schemes
from app.services.errors import NotFound
from app.services.periods import PUBLISHED, published_regions, snapshots


def no_data(year: int) -> dict[str, str]:
    """Why a region is not ranked in `year`, in Chinese and English."""
    return {"code": "no_data", "zh": f"{year} 年未报送数据", "en": f"no data posted for {year}"}


def region_fields(rank: int | None, region: RegionRow) -> dict[str, Any]:
    """The fields every row of a ranking starts with: its rank and the region's code, names, level
    and parent."""
    return {
        "rank": rank,
        "region": region.code,
        "name_zh": region.name_zh,
        "name_en": region.name_en,
        "level": region.level,
        "parent_code": region.parent_code,
    }


@dataclass(frozen=True)
class RankRow:
    """A region of a ranking; `rank` is None for a region with no data for the year (not ranked)."""

    rank: int | None
    region: RegionRow
    total: Decimal
    tier: str
    complete: bool
    dimensions: dict[str, Decimal]

    def to_dict(self, year: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            **region_fields(self.rank, self.region),
            "total": json_number(self.total),
            "tier": self.tier,
            "complete": self.complete,
            "dimensions": {k: json_number(v) for k, v in self.dimensions.items()},
        }
        if self.rank is None:  # nothing was posted: no score, no tier, and the reason
            out |= {"total": None, "tier": None, "complete": False, "dimensions": {}}
            out["status"] = no_data(year) if year is not None else None
        return out


#: a region's place in a ranking before it is ranked: (total, region, payload, has data)
Scored = tuple[Decimal, RegionRow, Any, bool]


def _ranked(rows: list[Scored], make: Any) -> list[RankRow]:
    """Competition ranking by total, highest first: ties share a rank, the next rank skips.

    Regions with no data for the year follow, unranked (rank None), by code. Every one of them
    totals 0, the lowest total, so leaving them out moves no ranked region's rank."""
    rows.sort(key=lambda p: (-p[0], p[1].code))
    out: list[RankRow] = []
    for total, region, payload, has_data in rows:
        if has_data:
            rank = out[-1].rank if out and total == out[-1].total else len(out) + 1
            out.append(make(rank, region, payload))
    unscored = sorted((p for p in rows if not p[3]), key=lambda p: p[1].code)
    return out + [make(None, region, payload) for _, region, payload, _ in unscored]


def has_data(facts: Facts, total: Decimal) -> bool:
    """Whether a region is ranked in the year: a value was posted, or a registry item scored."""
    return bool(facts.values) or total != 0


def snapshot_has_data(b: Mapping[str, Any]) -> bool:
    """`has_data` read from a published breakdown: an input with a value, or a point scored."""
    if Decimal(str(b["total"])) != 0:
        return True
    return any(
        v is not None for d in b["dimensions"] for i in d["indicators"] for v in i.get("inputs", {}).values()
    )


def ranking_level(scheme: Scheme, level: str | None) -> str:
    """The level a ranking scores: the scheme's (None means it); another level is refused."""
    if level is None or level == scheme.region_level:
        return scheme.region_level
    raise InvalidInput(
        [
            Problem(
                "level",
                f"scheme {scheme.code} scores {scheme.region_level}-level regions; {level}-level regions "
                f"are not scored (指标体系 {scheme.code} 只评价{region_level_zh(scheme.region_level)}地区)",
            )
        ]
    )


def standings(
    session: Session, year: int, parent: str | None, level: str | None
) -> tuple[Scheme, list[RankRow]]:
    """Every region under `parent` (all when None) at `level` (the scheme's when None), scored and
    ranked by total; regions with no data for the year follow unranked.

    Ties share a rank and the next rank skips (1, 2, 2, 4); within a tie, by region code.
    Uncached: `ScoreReader.ranking` keeps the scores and re-scores only the changed regions.
    """
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    scheme = schemes.get_scheme(session, period.scheme_code)
    level = ranking_level(scheme, level)
    if parent is not None and repo.get_region(session, parent) is None:
        raise NotFound("region", parent)
    if period.status == PUBLISHED:
        # membership, names, levels and parents as published, whatever the regions became since
        regions = [
            RegionRow(p.code, p.name_zh, p.name_en, p.level, p.parent_code)
            for p in published_regions(session, year).values()
            if p.under(parent) and p.level == level
        ]
        published = snapshots(session, year, [r.code for r in regions])
        return scheme, _ranked(
            [
                (Decimal(str(b["total"])), r, b, snapshot_has_data(b))
                for r in regions
                if r.code in published
                for b in [published[r.code]]
            ],
            _from_snapshot,
        )
    codes = None if parent is None else [c for c in repo.subtree_codes(session, parent) if c != parent]
    regions = repo.region_rows(session, codes, level)
    codes = [r.code for r in regions]
    summaries = summarise(scheme, facts_reader.ranking_facts(session, scheme, year, codes), codes)
    scored: list[Scored] = []
    for r in regions:
        s = summaries[r.code]
        scored.append((s[0], r, s, s[4]))
    return scheme, _ranked(scored, from_summary)


def rank_regions(
    session: Session, year: int, parent: str | None, level: str | None
) -> tuple[Scheme, list[RankRow]]:
    """The ranked regions of `standings` (those with data for the year)."""
    scheme, rows = standings(session, year, parent, level)
    return scheme, [r for r in rows if r.rank is not None]


#: what a ranking keeps of a breakdown: total, tier, complete, dimension scores, has data
Summary = tuple[Decimal, str, bool, dict[str, Decimal], bool]


def summarise(scheme: Scheme, facts: dict[str, Facts], codes: list[str]) -> dict[str, Summary]:
    """The summaries of the regions `codes` (each in `facts`): the numbers of `score(explain=False)`
    from its plan (`Plan.summary`), without the breakdown a ranking does not show."""
    summary, dimensions = plan_for(scheme).summary, tuple(d.code for d in scheme.dimensions)
    out: dict[str, Summary] = {}
    for code in codes:
        f = facts[code]
        dims, total, tier, complete = summary(f)
        out[code] = (total, tier.code, complete, dict(zip(dimensions, dims, strict=True)), has_data(f, total))
    return out


def from_summary(rank: int | None, region: RegionRow, s: Summary) -> RankRow:
    return RankRow(rank, region, s[0], s[1], s[2], s[3])


def _from_snapshot(rank: int | None, region: RegionRow, b: dict[str, Any]) -> RankRow:
    dims = {d["code"]: Decimal(str(d["score"])) for d in b["dimensions"]}
    return RankRow(rank, region, Decimal(str(b["total"])), b["tier"], b["complete"], dims)


class Ranking(NamedTuple):
    """A ranking as cached: the ranked rows in rank order, then the regions with no data."""

    scheme: Scheme
    ranked: list[RankRow]
    unscored: list[RankRow]
    status: str
