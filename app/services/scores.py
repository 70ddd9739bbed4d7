"""Scores: breakdowns and rankings from stored data, through the one domain engine.

Reads are cached in memory per process, keyed by the period's data_version, which every write
that can change a score of that year bumps in the same transaction. The version a process last
read is trusted while the database's change token (app.db.watch) is the one it was read at: a
cached breakdown is then served without a round trip. Any commit, by any process, changes the
token, and the next read probes the version again, so a process never serves a score older than
the database.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Engine
from sqlmodel import Session

from app import metrics
from app.db import facts as facts_reader
from app.db import repositories as repo
from app.db.watch import ChangeWatch, Token, watch_for
from app.domain import Breakdown, Facts, InvalidInput, Problem, Scheme, score
from app.domain.elements import Named, region_level_zh
from app.domain.labels import RegionNames, label_breakdown
from app.domain.numbers import json_number
from app.domain.plan import plan_for
from app.domain.scheme import REGION_LEVELS
from app.services import schemes
from app.services.errors import NotFound, Unavailable
from app.services.periods import (
    PUBLISHED,
    published_region_names,
    published_regions,
    snapshot_row,
    snapshots,
)

if TYPE_CHECKING:
    from app.domain.analysis import Aggregate

#: facts of regions with every registry item named (the read model's explained read)
facts_by_region = facts_reader.region_facts


class LevelMismatch(InvalidInput):
    """A region the scheme does not score: cities and the province get aggregates, not a score."""

    def __init__(self, scheme: Scheme, code: str, name_zh: str, level: str) -> None:
        reason = (
            f"scheme {scheme.code} scores {scheme.region_level}-level regions; {code} {name_zh} is a {level}"
            f" (指标体系 {scheme.code} 评价{region_level_zh(scheme.region_level)}地区；{code} {name_zh} 是{region_level_zh(level)}地区)"
        )
        super().__init__([Problem("region", reason)])
        self.reason = reason


def check_level(scheme: Scheme, code: str, name_zh: str, level: str) -> None:
    if level != scheme.region_level:
        raise LevelMismatch(scheme, code, name_zh, level)


def score_region(session: Session, year: int, region: str) -> Breakdown:
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    row = repo.get_region(session, region)
    if row is None:
        raise NotFound("region", region)
    scheme = schemes.get_scheme(session, period.scheme_code)
    check_level(scheme, region, row.name_zh, row.level)
    return score(scheme, facts_by_region(session, scheme, year, [region])[region], region)


def breakdown_json(session: Session, year: int, region: str) -> bytes:
    """The API's breakdown: the domain's, plus `period_status`; a published period's snapshot."""
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    if period.status == PUBLISHED:
        current = repo.get_region(session, region)
        if current is None:
            raise NotFound("region", region)
        row = snapshot_row(session, year, region)
        if row is None:
            raise NotFound(
                "published score", f"of region {region} in period {year} (added after publication)"
            )
        # the level the region had when the year was published
        state = json.loads(row.region_state) if row.region_state else None
        level, name = (state["level"], state["name_zh"]) if state else (current.level, current.name_zh)
        scheme = schemes.get_scheme(session, period.scheme_code)
        check_level(scheme, region, name, level)
        stored = json.loads(row.breakdown)
        if "region_name_zh" in stored:
            return row.breakdown.encode()  # stored with its names and sentences: served as published
        # published before breakdowns carried names: the stored fields as they are, the names
        # added from the scheme and the region's state as published (never the live tables)
        names = published_region_names(session, year).get(region)
        return json.dumps(label_breakdown(stored, scheme, names), ensure_ascii=False).encode()
    scheme = schemes.get_scheme(session, period.scheme_code)
    body = score_region(session, year, region).to_dict()
    body["period_status"] = period.status
    label_breakdown(body, scheme, region_names(session, region))
    return json.dumps(body, ensure_ascii=False).encode()


def region_names(session: Session, code: str) -> RegionNames | None:
    """The region's names, level and parent as the region table holds them now."""
    row = repo.get_region(session, code)
    if row is None:
        return None
    parent = repo.get_region(session, row.parent_code) if row.parent_code else None
    return RegionNames(
        row.code,
        row.name_zh,
        row.name_en,
        row.level,
        Named(parent.code, parent.name_zh, parent.name_en) if parent else None,
    )


class RegionRef(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str | None


def no_data(year: int) -> dict[str, str]:
    """Why a region is not ranked in `year`, in Chinese and English."""
    return {"code": "no_data", "zh": f"{year} 年未报送数据", "en": f"no data posted for {year}"}


@dataclass(frozen=True)
class RankRow:
    """A region of a ranking; `rank` is None for a region with no data for the year (not ranked)."""

    rank: int | None
    region: RegionRef
    total: Decimal
    tier: str
    complete: bool
    dimensions: dict[str, Decimal]

    @classmethod
    def of(cls, rank: int, region: RegionRef, b: Breakdown) -> RankRow:
        return cls(rank, region, b.total, b.tier.code, b.complete, {d.code: d.score for d in b.dimensions})

    def to_dict(self, year: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rank": self.rank,
            "region": self.region.code,
            "name_zh": self.region.name_zh,
            "name_en": self.region.name_en,
            "level": self.region.level,
            "parent_code": self.region.parent_code,
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
Scored = tuple[Decimal, RegionRef, Any, bool]


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


def has_data(facts: Facts, b: Breakdown) -> bool:
    """Whether a region is ranked in the year: a value was posted, or a registry item scored."""
    return bool(facts.values) or b.total != 0


def snapshot_has_data(b: Mapping[str, Any]) -> bool:
    """`has_data` read from a published breakdown: an input with a value, or a point scored."""
    if Decimal(str(b["total"])) != 0:
        return True
    return any(
        v is not None for d in b["dimensions"] for i in d["indicators"] for v in i.get("inputs", {}).values()
    )


def _ranking_level(scheme: Scheme, level: str | None) -> str:
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
    level = _ranking_level(scheme, level)
    if parent is not None and repo.get_region(session, parent) is None:
        raise NotFound("region", parent)
    if period.status == PUBLISHED:
        # membership, names, levels and parents as published, whatever the regions became since
        regions = [
            RegionRef(p.code, p.name_zh, p.name_en, p.level, p.parent_code)
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
    regions = [RegionRef(*r) for r in repo.region_rows(session, codes, level)]
    codes = [r.code for r in regions]
    summaries = summarise(scheme, facts_reader.ranking_facts(session, scheme, year, codes), codes)
    scored: list[Scored] = []
    for r in regions:
        s = summaries[r.code]
        scored.append((s[0], r, s, s[4]))
    return scheme, _ranked(scored, _from_summary)


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
        has_data = bool(f.values) or total != 0  # `has_data`
        out[code] = (total, tier.code, complete, dict(zip(dimensions, dims, strict=True)), has_data)
    return out


def _from_summary(rank: int | None, region: RegionRef, s: Summary) -> RankRow:
    return RankRow(rank, region, s[0], s[1], s[2], s[3])


@dataclass
class YearScores:
    """One open period's scores per region, as of `version`: a later version re-scores only the
    regions the change log names (facts.changed_regions), or starts over when it names none."""

    version: int
    scheme_hash: str
    regions: dict[str, RegionRef]
    children: dict[str | None, list[str]]
    scored: dict[str, Summary]
    #: per (parent, level): the regions ranked, in the order of the last ranking (so that the next
    #: sort, after a few regions changed, finds them nearly sorted)
    views: dict[tuple[str | None, str | None], list[RegionRef]] = field(default_factory=dict)
    #: per region: the summary and row of the last ranking, reused while both rank and summary hold
    rows: dict[str, tuple[Summary, RankRow]] = field(default_factory=dict)
    #: per region scored: its place in a ranking, (-total, code)
    order: dict[str, tuple[Decimal, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, version: int, scheme: Scheme) -> YearScores:
        regions = {r[0]: RegionRef(*r) for r in repo.region_rows(session, None, None)}
        children: dict[str | None, list[str]] = defaultdict(list)
        for r in regions.values():
            children[r.parent_code].append(r.code)
        return cls(version, scheme.content_hash, regions, children, {})

    def under(self, parent: str) -> list[str]:
        """Codes of every descendant of `parent`."""
        out: list[str] = []
        stack = list(self.children.get(parent, ()))
        while stack:
            code = stack.pop()
            out.append(code)
            stack.extend(self.children.get(code, ()))
        return out

    def rank(
        self, session: Session, scheme: Scheme, year: int, parent: str | None, level: str | None
    ) -> list[RankRow]:
        view = (parent, level)
        wanted = self.views.get(view)
        if wanted is None:
            if parent is not None and parent not in self.regions:
                raise NotFound("region", parent)
            codes = sorted(self.regions) if parent is None else self.under(parent)
            wanted = [self.regions[c] for c in codes if level is None or self.regions[c].level == level]
        scored = self.scored
        missing = [r.code for r in wanted if r.code not in scored]
        order = self.order
        if missing:
            facts = facts_reader.ranking_facts(session, scheme, year, missing)
            summaries = summarise(scheme, facts, missing)
            scored.update(summaries)
            for c, s in summaries.items():
                order[c] = (-s[0], c)
        # in the last ranking's order: after a few regions changed, nearly sorted (a short sort)
        placed = [(order[r.code], r) for r in wanted]
        placed.sort()  # by (-total, code): codes are unique, so the regions are never compared
        self.views[view] = [r for _, r in placed]
        # `_ranked` over rows already in order, in one pass; a region's row of the last ranking is
        # kept while its summary and rank are the same
        last = self.rows
        get = last.get
        out: list[RankRow] = []
        unscored: list[RankRow] = []
        rank, total = 0, Decimal(-1)  # no total is negative
        for _, r in placed:
            s = scored[r.code]
            if s[4]:
                if s[0] != total:
                    rank, total = len(out) + 1, s[0]
                held = get(r.code)
                if held is not None and held[0] is s and held[1].rank == rank:
                    out.append(held[1])
                    continue
                row = _from_summary(rank, r, s)
                out.append(row)
            else:
                row = _from_summary(None, r, s)
                unscored.append(row)
            last[r.code] = (s, row)
        unscored.sort(key=lambda row: row.region.code)
        return out + unscored


def _from_snapshot(rank: int | None, region: RegionRef, b: dict[str, Any]) -> RankRow:
    dims = {d["code"]: Decimal(str(d["score"])) for d in b["dimensions"]}
    return RankRow(rank, region, Decimal(str(b["total"])), b["tier"], b["complete"], dims)


class Ranking(NamedTuple):
    """A ranking as cached: the ranked rows in rank order, then the regions with no data."""

    scheme: Scheme
    ranked: list[RankRow]
    unscored: list[RankRow]
    status: str


@dataclass(frozen=True)
class AggregateRow:
    """A region above the scheme's level (a city, the province): an aggregate of its scored regions,
    ranked by their mean total; rank None when none of them has data for the year."""

    rank: int | None
    region: RegionRef
    of: Aggregate

    def to_dict(self, year: int) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "region": self.region.code,
            "name_zh": self.region.name_zh,
            "name_en": self.region.name_en,
            "level": self.region.level,
            "parent_code": self.region.parent_code,
            "regions": self.of.regions,
            "mean": json_number(self.of.mean) if self.of.mean is not None else None,
            "median": json_number(self.of.median) if self.of.median is not None else None,
            "tiers": self.of.tiers,
            "status": None if self.rank is not None else no_data(year),
        }


def _ancestor_at(tree: Mapping[str, RegionRef], code: str, level: str) -> str | None:
    current: str | None = code
    for _ in range(10):  # against a cycle in bad data
        if current is None or current not in tree:
            return None
        if tree[current].level == level:
            return current
        current = tree[current].parent_code
    return None


def _tree(session: Session, year: int, published: bool) -> dict[str, RegionRef]:
    """Every region as the year knows it: as published, or as it is now."""
    tree = {r[0]: RegionRef(*r) for r in repo.region_rows(session, None, None)}
    if published:
        for p in published_regions(session, year).values():
            tree[p.code] = RegionRef(p.code, p.name_zh, p.name_en, p.level, p.parent_code)
    return tree


def _place(session: Session, year: int, code: str) -> tuple[str, tuple[str, ...]] | None:
    """(level, ancestors parent first) of a region as `year` knows it; None when it is unknown."""
    period = repo.get_period(session, year)
    if period is not None and period.status == PUBLISHED:
        row = snapshot_row(session, year, code)
        if row is not None and row.region_state:
            state = json.loads(row.region_state)
            return str(state["level"]), tuple(state["ancestors"])
    region = repo.get_region(session, code)
    if region is None:
        return None
    chain: list[str] = []
    current = region.parent_code
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        parent = repo.get_region(session, current)
        current = parent.parent_code if parent is not None else None
    return region.level, tuple(chain)


def _with_ranks(body: bytes, ranks: list[dict[str, Any]]) -> bytes:
    """A breakdown's JSON with `ranks` added as its last field (the body is one JSON object)."""
    if not body.endswith(b"}"):
        return body
    return body[:-1] + b', "ranks": ' + json.dumps(ranks).encode() + b"}"


# -------------------------------------------------------------------- filters and sorting

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


def matches(region: RegionRef, q: str | None) -> bool:
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


class _LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[Any, tuple[int, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any, version: int) -> Any:
        with self.lock:
            hit = self.data.get(key)
            if hit is None or hit[0] != version:
                return None
            self.data.move_to_end(key)
            return hit[1]

    def put(self, key: Any, version: int, value: Any) -> None:
        if self.size <= 0:
            return
        with self.lock:
            self.data[key] = (version, value)
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)


class ScoreReader:
    """Cached breakdowns (as JSON bytes) and rankings for the API."""

    def __init__(self, engine: Engine, cache_size: int, watch: ChangeWatch | None = None) -> None:
        self.engine = engine
        self.probe = facts_reader.VersionProbe(engine)
        self.watch = watch if watch is not None else watch_for(engine)
        self.breakdowns = _LRU(cache_size)
        self.rankings = _LRU(max(16, cache_size // 100))
        self.years: dict[int, YearScores] = {}
        self.ranking_lock = threading.Lock()
        #: a change token and the period versions (by year) read while it held; replaced whole,
        #: so a reader never pairs one token with another token's versions
        self.known: tuple[Token, dict[int, int]] | None = None
        self.known_lock = threading.Lock()

    def _probe(self, year: int) -> tuple[int, str] | None:
        self.watch.ensure()
        before = self.watch.token()
        try:
            found = self.probe(year)
        except facts_reader.DatabaseUnavailable as exc:
            raise Unavailable(str(exc)) from exc
        # trusted only if nothing committed while we looked: the token read after is the same
        if found is not None and before is not None and self.watch.token() == before:
            with self.known_lock:
                known = self.known
                if known is None or known[0] != before:
                    known = self.known = (before, {})
                known[1][year] = found[0]
        return found

    def fresh_breakdown(self, year: int, region: str, now: Token | None = None) -> bytes | None:
        """The cached bytes when the database cannot have changed since their version was read
        (`now`: the change token, if the caller has just read it); None otherwise (then call
        `breakdown_json` in a thread). No database I/O: safe on the loop."""
        known = self.known
        if known is None or (now if now is not None else self.watch.token()) != known[0]:
            return None
        version = known[1].get(year)
        if version is None:
            return None
        cached: bytes | None = self.breakdowns.get((year, region), version)
        return cached

    def cached_breakdown(self, year: int, region: str) -> tuple[int, bytes | None]:
        """(version, bytes) when cached; raises NotFound when the period does not exist."""
        found = self._probe(year)
        if found is None:
            raise NotFound("period", year)
        version = found[0]
        cached: bytes | None = self.breakdowns.get((year, region), version)
        return version, cached

    def compute_breakdown(self, year: int, region: str, version: int) -> bytes:
        with metrics.SCORE_COMPUTATIONS.labels("breakdown").time(), Session(self.engine) as session:
            body = breakdown_json(session, year, region)
            place = _place(session, year, region)
        body = _with_ranks(body, self.ranks(year, region, place))
        self.breakdowns.put((year, region), version, body)
        return body

    def breakdown_json(self, year: int, region: str) -> bytes:
        version, cached = self.cached_breakdown(year, region)
        return cached if cached is not None else self.compute_breakdown(year, region, version)

    def ranks(
        self, year: int, region: str, place: tuple[str, tuple[str, ...]] | None
    ) -> list[dict[str, Any]]:
        """The region's rank within its parent and within its province (the top ancestor), among
        the regions of its level with data for the year, from the cached rankings; [] when it has
        no data (or no parent)."""
        if place is None or not place[1]:
            return []
        level, ancestors = place
        out = []
        for scope, parent in (("parent", ancestors[0]), ("province", ancestors[-1])):
            rows = self.ranking(year, parent, level)[1]
            found = next((r for r in rows if r.region.code == region), None)
            if found is None:
                return []
            out.append({"scope": scope, "parent": parent, "rank": found.rank, "of": len(rows)})
        return out

    def scheme(self, year: int) -> tuple[Scheme, str]:
        """The scheme of a period and its status."""
        with Session(self.engine) as session:
            period = repo.get_period(session, year)
            if period is None:
                raise NotFound("period", year)
            return schemes.get_scheme(session, period.scheme_code), period.status

    def ranking(self, year: int, parent: str | None, level: str | None) -> tuple[Scheme, list[RankRow], str]:
        """(scheme, ranked rows, period status) of a ranking, cached per data_version: the regions
        with data for the year, in rank order."""
        r = self.standings(year, parent, level)
        return r.scheme, r.ranked, r.status

    def standings(self, year: int, parent: str | None, level: str | None) -> Ranking:
        """The ranking with the regions that have no data for the year, cached per data_version."""
        found = self._probe(year)
        if found is None:
            raise NotFound("period", year)
        key = (year, parent, level)
        cached: Ranking | None = self.rankings.get(key, found[0])
        if cached is not None:
            return cached
        with (
            self.ranking_lock,
            metrics.SCORE_COMPUTATIONS.labels("ranking").time(),
            Session(self.engine) as session,
        ):
            period = repo.get_period(session, year)
            if period is None:
                raise NotFound("period", year)
            version = period.data_version
            if period.status == PUBLISHED:
                self.years.pop(year, None)
                scheme, rows = standings(session, year, parent, level)
            else:
                scheme = schemes.get_scheme(session, period.scheme_code)
                scored_level = _ranking_level(scheme, level)
                state = self.years.get(year)
                changed = (
                    facts_reader.changed_regions(session, year, state.version, version)
                    if state is not None and state.scheme_hash == scheme.content_hash
                    else None
                )
                if state is None or changed is None:
                    state = self.years[year] = YearScores.load(session, version, scheme)
                else:
                    for code in changed:
                        state.scored.pop(code, None)
                    state.version = version
                rows = state.rank(session, scheme, year, parent, scored_level)
        ranked = [r for r in rows if r.rank is not None]
        result = Ranking(scheme, ranked, rows[len(ranked) :], period.status)
        self.rankings.put(key, version, result)
        return result

    def aggregates(self, year: int, parent: str | None, level: str) -> tuple[Ranking, list[AggregateRow]]:
        """The regions at `level` (above the scheme's) under `parent`, each an aggregate of the
        ranked regions below it, ranked by their mean total (ties share a rank); those with no
        ranked region below follow, unranked."""
        # imported here: the analysis modules are not needed to start or to read a breakdown
        from app.domain.analysis import Standing, aggregate

        found = self._probe(year)
        if found is None:
            raise NotFound("period", year)
        with Session(self.engine) as session:
            period = repo.get_period(session, year)
            if period is None:
                raise NotFound("period", year)
            scheme = schemes.get_scheme(session, period.scheme_code)
            if REGION_LEVELS.index(level) >= REGION_LEVELS.index(scheme.region_level):
                _ranking_level(scheme, level)
            if parent is not None and repo.get_region(session, parent) is None:
                raise NotFound("region", parent)
            tree = _tree(session, year, period.status == PUBLISHED)
        base = self.standings(year, parent, None)
        groups: dict[str, list[Standing]] = defaultdict(list)
        for r in base.ranked:
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
        return base, out

    def close(self) -> None:
        self.probe.close()
        self.watch.close()


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
            _ranking_level(scheme, level)
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
    return body | {
        "items": items[offset : offset + limit],
        "total": len(items),
        "limit": limit,
        "offset": offset,
    }
