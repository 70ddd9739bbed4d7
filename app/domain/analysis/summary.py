"""A round as the province publishes it: tiers, means, the A list, tier and rank changes."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from app.domain.numbers import ZERO, json_object, round_score
from app.domain.scoring import Breakdown


class Standing(NamedTuple):
    """What a round summary needs of one region's result."""

    total: Decimal
    tier: str


def standing(b: Breakdown) -> Standing:
    return Standing(b.total, b.tier.code)


class Place(NamedTuple):
    """A region as the summary names it, with the city it belongs to (None above city level)."""

    code: str
    name_zh: str
    name_en: str
    city: str | None


def competition_ranks(totals: Mapping[str, Decimal]) -> dict[str, int]:
    """Ranks by total, highest first; ties share a rank and the next rank skips (1, 2, 2, 4)."""
    ranks: dict[str, int] = {}
    last: Decimal | None = None
    rank = 0
    for i, (code, total) in enumerate(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))):
        if total != last:
            rank, last = i + 1, total
        ranks[code] = rank
    return ranks


def mean(values: Iterable[Decimal]) -> Decimal | None:
    """The arithmetic mean rounded half-up to 2 decimals (None for no values)."""
    vs = list(values)
    return round_score(sum(vs, ZERO) / len(vs)) if vs else None


def median(values: Iterable[Decimal]) -> Decimal | None:
    """The median (the mean of the two middle values for an even count) rounded half-up to 2
    decimals (None for no values)."""
    vs = list(values)
    return round_score(statistics.median(vs)) if vs else None


@dataclass(frozen=True)
class Aggregate:
    """What a city or a province shows of the regions scored below it: how many, their mean and
    median total and how many fall in each tier (every tier listed, best first)."""

    regions: int
    mean: Decimal | None
    median: Decimal | None
    tiers: dict[str, int]


def aggregate(standings: Iterable[Standing], tier_order: Sequence[str]) -> Aggregate:
    """The aggregate of a group of scored regions (`tier_order` lists tier codes best first)."""
    rows = list(standings)
    tiers = {code: 0 for code in tier_order}
    for s in rows:
        tiers[s.tier] = tiers.get(s.tier, 0) + 1
    totals = [s.total for s in rows]
    return Aggregate(len(rows), mean(totals), median(totals), tiers)


def _minus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


#: rank-change buckets: (name, lowest change, highest change); a positive change is a rise
RANK_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("up_10_plus", 10, 10**9),
    ("up_5_9", 5, 9),
    ("up_1_4", 1, 4),
    ("unchanged", 0, 0),
    ("down_1_4", -4, -1),
    ("down_5_9", -9, -5),
    ("down_10_plus", -(10**9), -10),
)


@dataclass(frozen=True)
class CityMean:
    city: str
    regions: int
    mean: Decimal | None
    previous_mean: Decimal | None
    change: Decimal | None
    median: Decimal | None = None
    tiers: Mapping[str, int] | None = None


@dataclass(frozen=True)
class TierChange:
    region: str
    from_tier: str
    to_tier: str
    previous_total: Decimal
    total: Decimal


@dataclass(frozen=True)
class RankChange:
    region: str
    previous_rank: int
    rank: int

    @property
    def change(self) -> int:
        return self.previous_rank - self.rank


@dataclass(frozen=True)
class RoundSummary:
    year: int
    previous_year: int | None
    regions: int
    tiers: dict[str, int]
    mean: Decimal | None
    previous_mean: Decimal | None
    mean_change: Decimal | None
    cities: tuple[CityMean, ...]
    a_tier: str
    a_list: tuple[tuple[str, Decimal, int], ...]
    tiers_up: tuple[TierChange, ...]
    tiers_down: tuple[TierChange, ...]
    compared: int
    rose: int
    fell: int
    unchanged: int
    rank_changes: dict[str, tuple[RankChange, ...]]

    def to_dict(self, places: Mapping[str, Place]) -> dict[str, Any]:
        def name(code: str) -> dict[str, Any]:
            p = places.get(code)
            return {"region": code, "name_zh": p.name_zh if p else None, "name_en": p.name_en if p else None}

        def tier_change(c: TierChange) -> dict[str, Any]:
            return {**name(c.region), "from": c.from_tier, "to": c.to_tier}

        return json_object(
            {
                "year": self.year,
                "previous_year": self.previous_year,
                "regions": self.regions,
                "tiers": self.tiers,
                "mean": self.mean,
                "previous_mean": self.previous_mean,
                "mean_change": self.mean_change,
                "cities": [
                    {**name(c.city), "regions": c.regions}
                    | {"mean": c.mean, "previous_mean": c.previous_mean, "change": c.change}
                    | {"median": c.median, "tiers": dict(c.tiers or {})}
                    for c in self.cities
                ],
                "a_tier": self.a_tier,
                "a_list": [{**name(c), "total": t, "rank": r} for c, t, r in self.a_list],
                "tier_changes": {
                    "up": [tier_change(c) for c in self.tiers_up],
                    "down": [tier_change(c) for c in self.tiers_down],
                },
                "compared": self.compared,
                "rose": self.rose,
                "fell": self.fell,
                "unchanged": self.unchanged,
                "rank_changes": {
                    bucket: {
                        "count": len(rows),
                        "regions": [
                            {**name(r.region), "previous_rank": r.previous_rank, "rank": r.rank} for r in rows
                        ],
                    }
                    for bucket, rows in self.rank_changes.items()
                },
            }
        )


def round_summary(
    year: int,
    current: Mapping[str, Standing],
    previous: Mapping[str, Standing] | None,
    places: Mapping[str, Place],
    tier_order: Sequence[str],
    previous_year: int | None = None,
) -> RoundSummary:
    """A round as the province publishes it.

    `current` and `previous` hold the regions of one scope (e.g. the county-level units under a
    city) in the year and the year before (None when there is no previous year). `tier_order`
    lists tier codes best first; the first is the "A" tier. Means are rounded half-up to 2
    decimals and their changes are differences of the rounded means. Ranks are competition ranks
    within the scope in each year; tier, score and rank changes compare the regions present in
    both years.
    """
    order = {code: i for i, code in enumerate(tier_order)}
    tiers = {code: 0 for code in tier_order}
    for s in current.values():
        tiers[s.tier] = tiers.get(s.tier, 0) + 1
    ranks = competition_ranks({c: s.total for c, s in current.items()})
    prev = previous or {}
    prev_ranks = competition_ranks({c: s.total for c, s in prev.items()})
    cities: dict[str, list[str]] = {}
    for code in sorted(current):
        city = places[code].city if code in places else None
        if city is not None:
            cities.setdefault(city, []).append(code)
    city_means = []
    for city in sorted(cities):
        codes = cities[city]
        now = aggregate((current[c] for c in codes), tier_order)
        before = mean(prev[c].total for c in codes if c in prev) if previous is not None else None
        city_means.append(
            CityMean(city, len(codes), now.mean, before, _minus(now.mean, before), now.median, now.tiers)
        )
    top = tier_order[0] if tier_order else ""
    a_list = tuple(
        (c, current[c].total, ranks[c])
        for c in sorted(current, key=lambda c: (ranks[c], c))
        if current[c].tier == top
    )
    both = sorted(c for c in current if c in prev)
    up: list[TierChange] = []
    down: list[TierChange] = []
    for c in both:
        a, b = prev[c].tier, current[c].tier
        if a in order and b in order and a != b:
            change = TierChange(c, a, b, prev[c].total, current[c].total)
            (up if order[b] < order[a] else down).append(change)
    buckets: dict[str, list[RankChange]] = {name: [] for name, _, _ in RANK_BUCKETS}
    for c in both:
        rc = RankChange(c, prev_ranks[c], ranks[c])
        for name, lo, hi in RANK_BUCKETS:
            if lo <= rc.change <= hi:
                buckets[name].append(rc)
    for rows in buckets.values():
        rows.sort(key=lambda r: (-abs(r.change), r.rank, r.region))
    now_mean = mean(s.total for s in current.values())
    prev_mean = mean(s.total for s in prev.values()) if previous is not None else None
    return RoundSummary(
        year,
        previous_year if previous is not None else None,
        len(current),
        tiers,
        now_mean,
        prev_mean,
        _minus(now_mean, prev_mean),
        tuple(city_means),
        top,
        a_list,
        tuple(sorted(up, key=lambda t: (ranks[t.region], t.region))),
        tuple(sorted(down, key=lambda t: (ranks[t.region], t.region))),
        len(both),
        sum(current[c].total > prev[c].total for c in both),
        sum(current[c].total < prev[c].total for c in both),
        sum(current[c].total == prev[c].total for c in both),
        {k: tuple(v) for k, v in buckets.items()},
    )
