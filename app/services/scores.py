"""Scores: breakdowns and rankings from stored data, through the one domain engine.

Reads are cached in memory per process, keyed by the period's data_version, which every write
that can change a score of that year bumps in the same transaction. A request first reads the
version (one primary-key lookup), so a process never serves a score older than the database,
even when another process made the write.
"""

from __future__ import annotations

import contextlib
import gc
import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import Engine
from sqlmodel import Session

from app import metrics
from app.db import repositories as repo
from app.domain import Breakdown, Facts, RegistryItem, Scheme, score
from app.domain.numbers import json_number
from app.services import schemes
from app.services.data import decode
from app.services.errors import NotFound, Unavailable
from app.services.periods import PUBLISHED, published_regions, snapshot, snapshots


def facts_by_region(
    session: Session, scheme: Scheme, year: int, region_codes: Sequence[str] | None
) -> dict[str, Facts]:
    """Facts of every region in `region_codes` (all regions with data when None) for `year`."""
    values: dict[str, dict[str, Any]] = defaultdict(dict)
    elements = scheme.elements
    for region, element, number, text in repo.scoring_values(session, year, region_codes):
        if element in elements:
            v = decode(scheme, element, number, text)
            if v is not None:
                values[region][element] = v
    items: dict[str, list[RegistryItem]] = defaultdict(list)
    platforms, awards = repo.scoring_items(session, year, region_codes)
    for region, type_, level, start, end, name, id_ in platforms:
        items[region].append(RegistryItem("platform", type_, level, start, end, name, id_))
    for region, type_, level, start, name, id_ in awards:
        items[region].append(RegistryItem("award", type_, level, start, None, name, id_))
    codes = region_codes if region_codes is not None else sorted(set(values) | set(items))
    return {c: Facts(year, values.get(c, {}), tuple(items.get(c, ()))) for c in codes}


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


_gc_lock = threading.Lock()
_gc_holders = 0


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Hold off the cyclic garbage collector while a ranking builds its many short-lived objects.

    Ranking thousands of regions allocates enough to trigger several full collections, each
    walking the whole heap: they took more than half of an uncached ranking (bench/ranking.py).
    Nothing made here is cyclic garbage; reference counting frees it. Concurrent rankings share
    the pause, and the last one to finish turns the collector back on.
    """
    global _gc_holders
    with _gc_lock:
        _gc_holders += 1
        was_enabled = gc.isenabled() if _gc_holders == 1 else True
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and was_enabled:
                gc.enable()


class BreakdownMemo:
    """Breakdowns per (scheme, year, region), reused while that region's facts are unchanged.

    A write bumps the version of a whole period, so a ranking after it is recomputed; this memo
    lets it re-score only the regions whose values or registry items actually changed.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.data: OrderedDict[tuple[str, int, str], tuple[Any, Breakdown]] = OrderedDict()
        self.lock = threading.Lock()

    @staticmethod
    def fingerprint(facts: Facts) -> Any:
        return tuple(sorted(facts.values.items())), facts.items

    def score(self, scheme: Scheme, facts: Facts, region: str) -> Breakdown:
        key = (scheme.content_hash, facts.year, region)
        fp = self.fingerprint(facts)
        with self.lock:
            hit = self.data.get(key)
        if hit is not None and hit[0] == fp:
            return hit[1]
        b = score(scheme, facts, region, explain=False)
        if self.size > 0:
            with self.lock:
                self.data[key] = (fp, b)
                self.data.move_to_end(key)
                while len(self.data) > self.size:
                    self.data.popitem(last=False)
        return b


def rank_regions(
    session: Session, year: int, parent: str | None, level: str | None, memo: BreakdownMemo | None = None
) -> tuple[Scheme, list[RankRow]]:
    """Every region under `parent` (all when None) at `level`, scored and ranked by total.

    Ties share a rank and the next rank skips (1, 2, 2, 4); within a tie, by region code.
    With a memo, regions whose facts did not change since the memo saw them are not re-scored.
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
    with _no_cyclic_gc():
        facts = facts_by_region(session, scheme, year, [r.code for r in regions])
        scorer = memo.score if memo is not None else partial(score, explain=False)
        scored = [(b.total, r, b) for r in regions for b in [scorer(scheme, facts[r.code], r.code)]]
        rows = _ranked(scored, RankRow.of)
    return scheme, rows


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


class VersionProbe:
    """Reads a period's data_version on one dedicated autocommit connection: the cheapest
    possible round trip, done before every cached read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.Lock()
        self.conn: Any = None
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self.sql = f"SELECT data_version, scheme_code FROM period WHERE year = {mark}"

    def _connect(self) -> Any:
        raw = self.engine.raw_connection()
        driver = raw.driver_connection
        if self.engine.dialect.name == "postgresql":
            raw.rollback()
            driver.autocommit = True  # type: ignore[union-attr]
        return raw

    def __call__(self, year: int) -> tuple[int, str] | None:
        with self.lock:
            if self.conn is None:
                try:
                    self.conn = self._connect()
                except Exception as exc:
                    raise Unavailable(f"database unavailable: {exc}") from exc
            try:
                cur = self.conn.cursor()
                cur.execute(self.sql, (year,))
                row = cur.fetchone()
                cur.close()
            except Exception as exc:
                self.close_locked()
                raise Unavailable(f"database unavailable: {exc}") from exc
        return (int(row[0]), str(row[1])) if row else None

    def close_locked(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.invalidate()
            self.conn = None

    def close(self) -> None:
        with self.lock:
            self.close_locked()


class ScoreReader:
    """Cached breakdowns (as JSON bytes) and rankings for the API."""

    def __init__(self, engine: Engine, cache_size: int) -> None:
        self.engine = engine
        self.probe = VersionProbe(engine)
        self.breakdowns = _LRU(cache_size)
        self.rankings = _LRU(max(16, cache_size // 100))
        self.memo = BreakdownMemo(cache_size)

    def cached_breakdown(self, year: int, region: str) -> tuple[int, bytes | None]:
        """(version, bytes) when cached; raises NotFound when the period does not exist."""
        found = self.probe(year)
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
        found = self.probe(year)
        if found is None:
            raise NotFound("period", year)
        key = (year, parent, level)
        cached: tuple[Scheme, list[RankRow], str] | None = self.rankings.get(key, found[0])
        if cached is not None:
            return cached
        with metrics.SCORE_COMPUTATIONS.labels("ranking").time(), Session(self.engine) as session:
            period = repo.get_period(session, year)
            if period is None:
                raise NotFound("period", year)
            scheme, rows = rank_regions(session, year, parent, level, self.memo)
        result = (scheme, rows, period.status)
        self.rankings.put(key, found[0], result)
        return result

    def close(self) -> None:
        self.probe.close()
