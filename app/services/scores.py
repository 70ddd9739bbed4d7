"""Scores: breakdowns and rankings from stored data, through the one domain engine.

Reads are cached in memory per process, keyed by the period's data_version, which every write
that can change a score of that year bumps in the same transaction. The version a process last
read is trusted while the database's change token (app.db.watch) is the one it was read at: a
cached breakdown is then served without a round trip. Any commit, by any process, changes the
token, and the next read probes the version again, so a process never serves a score older than
the database.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Engine
from sqlmodel import Session

from app import metrics
from app.db import facts as facts_reader
from app.db import repositories as repo
from app.db.watch import ChangeWatch, Token, watch_for
from app.domain import Breakdown, Scheme, score
from app.domain.numbers import json_number
from app.services import schemes
from app.services.errors import NotFound, Unavailable
from app.services.periods import PUBLISHED, published_regions, snapshot, snapshots

#: facts of regions with every registry item named (the read model's explained read)
facts_by_region = facts_reader.region_facts


def score_region(session: Session, year: int, region: str) -> Breakdown:
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    if repo.get_region(session, region) is None:
        raise NotFound("region", region)
    scheme = schemes.get_scheme(session, period.scheme_code)
    return score(scheme, facts_by_region(session, scheme, year, [region])[region], region)


def breakdown_json(session: Session, year: int, region: str) -> bytes:
    """The API's breakdown: the domain's, plus `period_status`; a published period's snapshot."""
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    if period.status == PUBLISHED:
        if repo.get_region(session, region) is None:
            raise NotFound("region", region)
        text = snapshot(session, year, region)
        if text is None:
            raise NotFound(
                "published score", f"of region {region} in period {year} (added after publication)"
            )
        return text.encode()
    body = score_region(session, year, region).to_dict()
    body["period_status"] = period.status
    return json.dumps(body, ensure_ascii=False).encode()


class RegionRef(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str | None


@dataclass(frozen=True)
class RankRow:
    rank: int
    region: RegionRef
    total: Decimal
    tier: str
    complete: bool
    dimensions: dict[str, Decimal]

    @classmethod
    def of(cls, rank: int, region: RegionRef, b: Breakdown) -> RankRow:
        return cls(rank, region, b.total, b.tier.code, b.complete, {d.code: d.score for d in b.dimensions})

    def to_dict(self) -> dict[str, Any]:
        return {
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


def _ranked(rows: list[tuple[Decimal, RegionRef, Any]], make: Any) -> list[RankRow]:
    """Competition ranking by total, highest first: ties share a rank, the next rank skips."""
    rows.sort(key=lambda p: (-p[0], p[1].code))
    out: list[RankRow] = []
    for i, (total, region, payload) in enumerate(rows):
        rank = out[-1].rank if out and total == out[-1].total else i + 1
        out.append(make(rank, region, payload))
    return out


def rank_regions(
    session: Session, year: int, parent: str | None, level: str | None
) -> tuple[Scheme, list[RankRow]]:
    """Every region under `parent` (all when None) at `level`, scored and ranked by total.

    Ties share a rank and the next rank skips (1, 2, 2, 4); within a tie, by region code.
    Uncached: `ScoreReader.ranking` keeps the scores and re-scores only the changed regions.
    """
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    scheme = schemes.get_scheme(session, period.scheme_code)
    if parent is not None and repo.get_region(session, parent) is None:
        raise NotFound("region", parent)
    if period.status == PUBLISHED:
        # membership, names, levels and parents as published, whatever the regions became since
        regions = [
            RegionRef(p.code, p.name_zh, p.name_en, p.level, p.parent_code)
            for p in published_regions(session, year).values()
            if p.under(parent) and (level is None or p.level == level)
        ]
        published = snapshots(session, year, [r.code for r in regions])
        return scheme, _ranked(
            [
                (Decimal(str(published[r.code]["total"])), r, published[r.code])
                for r in regions
                if r.code in published
            ],
            _from_snapshot,
        )
    codes = None if parent is None else [c for c in repo.subtree_codes(session, parent) if c != parent]
    regions = [RegionRef(*r) for r in repo.region_rows(session, codes, level)]
    facts = facts_reader.ranking_facts(session, scheme, year, [r.code for r in regions])
    scored = [
        (b.total, r, _summary(b))
        for r in regions
        for b in [score(scheme, facts[r.code], r.code, explain=False)]
    ]
    return scheme, _ranked(scored, _from_summary)


#: what a ranking keeps of a breakdown: total, tier, complete, dimension scores
Summary = tuple[Decimal, str, bool, dict[str, Decimal]]


def _summary(b: Breakdown) -> Summary:
    return b.total, b.tier.code, b.complete, {d.code: d.score for d in b.dimensions}


def _from_summary(rank: int, region: RegionRef, s: Summary) -> RankRow:
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
        if parent is not None and parent not in self.regions:
            raise NotFound("region", parent)
        codes = sorted(self.regions) if parent is None else self.under(parent)
        wanted = [self.regions[c] for c in codes if level is None or self.regions[c].level == level]
        missing = [r.code for r in wanted if r.code not in self.scored]
        if missing:
            facts = facts_reader.ranking_facts(session, scheme, year, missing)
            for code in missing:
                self.scored[code] = _summary(score(scheme, facts[code], code, explain=False))
        scored = self.scored
        return _ranked([(scored[r.code][0], r, scored[r.code]) for r in wanted], _from_summary)


def _from_snapshot(rank: int, region: RegionRef, b: dict[str, Any]) -> RankRow:
    dims = {d["code"]: Decimal(str(d["score"])) for d in b["dimensions"]}
    return RankRow(rank, region, Decimal(str(b["total"])), b["tier"], b["complete"], dims)


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
        self.breakdowns.put((year, region), version, body)
        return body

    def breakdown_json(self, year: int, region: str) -> bytes:
        version, cached = self.cached_breakdown(year, region)
        return cached if cached is not None else self.compute_breakdown(year, region, version)

    def ranking(self, year: int, parent: str | None, level: str | None) -> tuple[Scheme, list[RankRow], str]:
        """(scheme, rows, period status) of a ranking, cached per data_version."""
        found = self._probe(year)
        if found is None:
            raise NotFound("period", year)
        key = (year, parent, level)
        cached: tuple[Scheme, list[RankRow], str] | None = self.rankings.get(key, found[0])
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
                scheme, rows = rank_regions(session, year, parent, level)
            else:
                scheme = schemes.get_scheme(session, period.scheme_code)
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
                rows = state.rank(session, scheme, year, parent, level)
        result = (scheme, rows, period.status)
        self.rankings.put(key, version, result)
        return result

    def close(self) -> None:
        self.probe.close()
        self.watch.close()
