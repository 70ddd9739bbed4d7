"""Scores: breakdowns and rankings from stored data, through the one domain engine.

Reads are cached in memory per process, keyed by the period's data_version, which every write
that can change a score of that year bumps in the same transaction. A request first reads the
version (one primary-key lookup), so a process never serves a score older than the database,
even when another process made the write.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from app.db import repositories as repo
from app.db.tables import Award, Platform, Region
from app.domain import Breakdown, Facts, RegistryItem, Scheme, score
from app.domain.numbers import json_number
from app.services import schemes
from app.services.data import decode
from app.services.errors import NotFound, Unavailable


def _registry_item(row: Platform | Award) -> RegistryItem:
    if isinstance(row, Platform):
        return RegistryItem(
            "platform", row.type, row.level, row.recognized_on, row.revoked_on, row.name, row.id
        )
    return RegistryItem("award", row.type, row.level, row.awarded_on, None, row.name, row.id)


def facts_by_region(
    session: Session, scheme: Scheme, year: int, region_codes: Sequence[str] | None
) -> dict[str, Facts]:
    """Facts of every region in `region_codes` (all regions with data when None) for `year`."""
    values: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in repo.values_of(session, year, region_codes):
        if r[1] in scheme.elements:
            v = decode(scheme, r[1], r[2], r[3])
            if v is not None:
                values[r[0]][r[1]] = v
    items: dict[str, list[RegistryItem]] = defaultdict(list)
    platforms, awards = repo.items_for_scoring(session, year, region_codes)
    rows: list[Platform | Award] = [*platforms, *awards]
    for row in rows:
        items[row.region_code].append(_registry_item(row))
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


@dataclass(frozen=True)
class RankRow:
    rank: int
    region: Region
    breakdown: Breakdown

    def to_dict(self) -> dict[str, Any]:
        b = self.breakdown
        return {
            "rank": self.rank,
            "region": self.region.code,
            "name_zh": self.region.name_zh,
            "name_en": self.region.name_en,
            "level": self.region.level,
            "parent_code": self.region.parent_code,
            "total": json_number(b.total),
            "tier": b.tier.code,
            "complete": b.complete,
            "dimensions": {d.code: json_number(d.score) for d in b.dimensions},
        }


def rank_regions(
    session: Session, year: int, parent: str | None, level: str | None
) -> tuple[Scheme, list[RankRow]]:
    """Every region under `parent` (all when None) at `level`, scored and ranked by total.

    Ties share a rank and the next rank skips (1, 2, 2, 4); within a tie, by region code.
    """
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    scheme = schemes.get_scheme(session, period.scheme_code)
    if parent is not None and repo.get_region(session, parent) is None:
        raise NotFound("region", parent)
    codes = None if parent is None else [c for c in repo.subtree_codes(session, parent) if c != parent]
    regions = repo.regions_in(session, codes, level)
    facts = facts_by_region(session, scheme, year, [r.code for r in regions])
    scored = sorted(
        ((score(scheme, facts[r.code], r.code), r) for r in regions),
        key=lambda p: (-p[0].total, p[1].code),
    )
    rows: list[RankRow] = []
    for i, (b, r) in enumerate(scored):
        rank = rows[-1].rank if rows and b.total == rows[-1].breakdown.total else i + 1
        rows.append(RankRow(rank, r, b))
    return scheme, rows


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

    def cached_breakdown(self, year: int, region: str) -> tuple[int, bytes | None]:
        """(version, bytes) when cached; raises NotFound when the period does not exist."""
        found = self.probe(year)
        if found is None:
            raise NotFound("period", year)
        version = found[0]
        cached: bytes | None = self.breakdowns.get((year, region), version)
        return version, cached

    def compute_breakdown(self, year: int, region: str, version: int) -> bytes:
        with Session(self.engine) as session:
            body = json.dumps(score_region(session, year, region).to_dict(), ensure_ascii=False).encode()
        self.breakdowns.put((year, region), version, body)
        return body

    def breakdown_json(self, year: int, region: str) -> bytes:
        version, cached = self.cached_breakdown(year, region)
        return cached if cached is not None else self.compute_breakdown(year, region, version)

    def ranking(self, year: int, parent: str | None, level: str | None) -> tuple[Scheme, list[RankRow]]:
        found = self.probe(year)
        if found is None:
            raise NotFound("period", year)
        key = (year, parent, level)
        cached: tuple[Scheme, list[RankRow]] | None = self.rankings.get(key, found[0])
        if cached is not None:
            return cached
        with Session(self.engine) as session:
            result = rank_regions(session, year, parent, level)
        self.rankings.put(key, found[0], result)
        return result

    def close(self) -> None:
        self.probe.close()
