"""Aggregates: the regions above the scheme's level (cities, the province), each an aggregate of the
ranked regions below it, ranked by their mean total."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from app.db import repositories as repo
from app.db.repositories import RegionRow
from app.domain import Scheme
from app.domain.numbers import json_number
from app.domain.scheme import REGION_LEVELS
from app.services import schemes
from app.services.errors import NotFound
from app.services.periods import PUBLISHED, published_regions
from app.services.scores.rankings import RankRow, no_data, ranking_level, region_fields

if TYPE_CHECKING:
    from app.domain.analysis import Aggregate


@dataclass(frozen=True)
class AggregateRow:
    """A region above the scheme's level (a city, the province): an aggregate of its scored regions,
    ranked by their mean total; rank None when none of them has data for the year."""

    rank: int | None
    region: RegionRow
    of: Aggregate

    def to_dict(self, year: int) -> dict[str, Any]:
        return {
            **region_fields(self.rank, self.region),
            "regions": self.of.regions,
            "mean": json_number(self.of.mean) if self.of.mean is not None else None,
            "median": json_number(self.of.median) if self.of.median is not None else None,
            "tiers": self.of.tiers,
            "status": None if self.rank is not None else no_data(year),
        }


def _ancestor_at(tree: Mapping[str, RegionRow], code: str, level: str) -> str | None:
    current: str | None = code
    for _ in range(10):  # against a cycle in bad data
        if current is None or current not in tree:
            return None
        if tree[current].level == level:
            return current
        current = tree[current].parent_code
    return None


def _tree(session: Session, year: int, published: bool) -> dict[str, RegionRow]:
    """Every region as the year knows it: as published, or as it is now."""
    tree = {r.code: r for r in repo.region_rows(session, None, None)}
    if published:
        for p in published_regions(session, year).values():
            tree[p.code] = RegionRow(p.code, p.name_zh, p.name_en, p.level, p.parent_code)
    return tree


def aggregate_scope(
    session: Session, year: int, parent: str | None, level: str
) -> tuple[Scheme, dict[str, RegionRow]]:
    """The period's scheme and every region as the year knows it, for the aggregates at `level`
    under `parent`; a level the scheme scores (or below it), an unknown period or parent is refused."""
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    scheme = schemes.get_scheme(session, period.scheme_code)
    if REGION_LEVELS.index(level) >= REGION_LEVELS.index(scheme.region_level):
        ranking_level(scheme, level)
    if parent is not None and repo.get_region(session, parent) is None:
        raise NotFound("region", parent)
    return scheme, _tree(session, year, period.status == PUBLISHED)


def rank_aggregates(
    scheme: Scheme, tree: Mapping[str, RegionRow], ranked: list[RankRow], parent: str | None, level: str
) -> list[AggregateRow]:
    """The regions at `level` under `parent` (all when None), each an aggregate of the `ranked`
    regions below it, ranked by their mean total (ties share a rank); those with no ranked region
    below follow, unranked."""
    # imported here: the analysis modules are not needed to start or to read a breakdown
    from app.domain.analysis import Standing, aggregate

    groups: dict[str, list[Standing]] = defaultdict(list)
    for r in ranked:
        top = _ancestor_at(tree, r.region.code, level)
        if top is not None:
            groups[top].append(Standing(r.total, r.tier))

    def under(code: str) -> bool:
        if parent is None:
            return True
        return parent in tree and _ancestor_at(tree, code, tree[parent].level) == parent

    tiers = [t.code for t in scheme.tiers]
    places = [t for c, t in sorted(tree.items()) if t.level == level and c != parent and under(c)]
    made = [(t, aggregate(groups.get(t.code, ()), tiers)) for t in places]
    made.sort(key=lambda p: (p[1].mean is None, -(p[1].mean or 0), p[0].code))
    out: list[AggregateRow] = []
    for i, (t, agg) in enumerate(made):
        if agg.mean is None:
            out.append(AggregateRow(None, t, agg))
            continue
        rank = out[-1].rank if out and out[-1].of.mean == agg.mean else i + 1
        out.append(AggregateRow(rank, t, agg))
    return out
