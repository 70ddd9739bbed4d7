"""What a ranking request keeps and in which order (`Selection`), and the answer of GET
/scores/{year}: the ranking filtered, sorted and paged, or, at a level above the scheme's, the
aggregates of the regions below."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from app.db.repositories import RegionRow
from app.domain import InvalidInput, Problem, Scheme
from app.domain.numbers import json_number
from app.domain.scheme import REGION_LEVELS
from app.services.errors import NotFound
from app.services.paging import page
from app.services.scores.rankings import RankRow, ranking_level

if TYPE_CHECKING:
    from app.services.scores.cache import ScoreReader

SORTS = ("total", "change")
ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class Selection:
    """What a ranking request keeps and in which order; `rank` stays the rank in the whole scope."""

    tier: str | None = None
    complete: bool | None = None
    q: str | None = None
    sort: str = "total"
    order: str = "desc"
    include_unscored: bool = False

    def check(self, scheme: Scheme) -> None:
        problems = []
        tiers = [t.code for t in scheme.tiers]
        if self.tier is not None and self.tier not in tiers:
            problems.append(Problem("tier", f"must be one of {', '.join(tiers)}; got {self.tier!r}"))
        sorts = [*SORTS, *(d.code for d in scheme.dimensions)]
        if self.sort not in sorts:
            problems.append(Problem("sort", f"must be one of {', '.join(sorts)}; got {self.sort!r}"))
        if self.order not in ORDERS:
            problems.append(Problem("order", f"must be one of {', '.join(ORDERS)}; got {self.order!r}"))
        if problems:
            raise InvalidInput(problems)


def matches(region: RegionRow, q: str | None) -> bool:
    """`q` is a substring of the region's code, Chinese or English name (case ignored)."""
    if not q:
        return True
    needle = q.strip().casefold()
    return needle in region.code or needle in region.name_zh.casefold() or needle in region.name_en.casefold()


def select_rows(
    rows: list[RankRow], unscored: list[RankRow], how: Selection, previous: Mapping[str, Decimal] | None
) -> list[tuple[RankRow, Decimal | None]]:
    """The rows a request asks for, in its order, each with its change of total against `previous`
    (None without a previous score). Unscored regions, when asked for, come last."""

    def change(r: RankRow) -> Decimal | None:
        before = previous.get(r.region.code) if previous is not None else None
        return None if before is None else r.total - before

    kept = [
        (r, change(r))
        for r in rows
        if (how.tier is None or r.tier == how.tier)
        and (how.complete is None or r.complete == how.complete)
        and matches(r.region, how.q)
    ]
    if how.sort != "total" or how.order != "desc":
        sign = -1 if how.order == "desc" else 1

        def key(item: tuple[RankRow, Decimal | None]) -> tuple[bool, Decimal, int, str]:
            r, delta = item
            value = (
                r.total
                if how.sort == "total"
                else delta
                if how.sort == "change"
                else r.dimensions.get(how.sort)
            )
            return (value is None, sign * (value or Decimal(0)), r.rank or 0, r.region.code)

        kept.sort(key=key)
    if how.include_unscored and how.tier is None and how.complete is not True:
        kept += [(r, None) for r in unscored if matches(r.region, how.q)]
    return kept


def ranking_body(
    reader: ScoreReader,
    year: int,
    parent: str | None,
    level: str | None,
    how: Selection,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """The answer of GET /scores/{year}: the ranking at the scheme's level, filtered, sorted and
    paged; at a level above the scheme's, the aggregates of the regions below (cities, provinces)."""
    scheme, status = reader.scheme(year)
    body: dict[str, Any] = {"year": year, "scheme": scheme.code, "period_status": status}
    body |= {"parent": parent, "level": level}
    if level is not None and level != scheme.region_level:
        above = REGION_LEVELS.index(level) < REGION_LEVELS.index(scheme.region_level)
        refused = [f for f, v in (("tier", how.tier), ("complete", how.complete)) if v is not None]
        refused += [f for f, v in (("sort", how.sort), ("order", how.order)) if v not in ("total", "desc")]
        if above and refused:
            raise InvalidInput(
                [
                    Problem(f, f"filters and sorts the scored {scheme.region_level}-level regions only")
                    for f in refused
                ]
            )
        _, rows = reader.aggregates(year, parent, level) if above else (None, [])
        if not above:
            ranking_level(scheme, level)
        items = [
            a.to_dict(year)
            for a in rows
            if (a.rank is not None or how.include_unscored) and matches(a.region, how.q)
        ]
    else:
        how.check(scheme)
        ranking = reader.standings(year, parent, level)
        previous: dict[str, Decimal] | None = None
        if how.sort == "change":
            previous = {}
            # no previous year (or the scope did not exist then): no change
            with contextlib.suppress(NotFound):
                previous = {r.region.code: r.total for r in reader.ranking(year - 1, parent, level)[1]}
        kept = select_rows(ranking.ranked, ranking.unscored, how, previous)
        items = []
        for r, delta in kept:
            item = r.to_dict(year)
            if how.sort == "change":
                item["change"] = json_number(delta) if delta is not None else None
            items.append(item)
    return body | page(items[offset : offset + limit], len(items), limit, offset)
