"""The scores cache of a process: breakdowns (JSON bytes) and rankings, kept per period.

Reads are cached in memory per process, keyed by the period's data_version, which every write
that can change a score of that year bumps in the same transaction. The version a process last
read is trusted while the database's change token (app.db.watch) is the one it was read at: a
cached breakdown is then served without a round trip. Any commit, by any process, changes the
token, and the next read probes the version again, so a process never serves a score older than
the database.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from app import metrics
from app.db import facts as facts_reader
from app.db import repositories as repo
from app.db.repositories import RegionRow
from app.db.watch import ChangeWatch, Token, watch_for
from app.domain import Scheme
from app.lru import VersionedLRU
from app.services import schemes
from app.services.errors import NotFound, Unavailable
from app.services.periods import PUBLISHED
from app.services.scores import rankings
from app.services.scores.aggregates import AggregateRow, aggregate_scope, rank_aggregates
from app.services.scores.breakdown import breakdown_json, region_place, with_ranks
from app.services.scores.rankings import Ranking, RankRow, Summary, from_summary, ranking_level, standings


@dataclass
class YearScores:
    """One open period's scores per region, as of `version`: a later version re-scores only the
    regions the change log names (facts.changed_regions), or starts over when it names none."""

    version: int
    scheme_hash: str
    regions: dict[str, RegionRow]
    children: dict[str | None, list[str]]
    scored: dict[str, Summary]
    #: per (parent, level): the regions ranked, in the order of the last ranking (so that the next
    #: sort, after a few regions changed, finds them nearly sorted)
    views: dict[tuple[str | None, str | None], list[RegionRow]] = field(default_factory=dict)
    #: per region: the summary and row of the last ranking, reused while both rank and summary hold
    rows: dict[str, tuple[Summary, RankRow]] = field(default_factory=dict)
    #: per region scored: its place in a ranking, (-total, code)
    order: dict[str, tuple[Decimal, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, version: int, scheme: Scheme) -> YearScores:
        regions = {r.code: r for r in repo.region_rows(session, None, None)}
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
            # through the module, as `standings` calls it: a wrapper set on rankings.summarise counts both
            summaries = rankings.summarise(scheme, facts, missing)
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
                row = from_summary(rank, r, s)
                out.append(row)
            else:
                row = from_summary(None, r, s)
                unscored.append(row)
            last[r.code] = (s, row)
        unscored.sort(key=lambda row: row.region.code)
        return out + unscored


class ScoreReader:
    """Cached breakdowns (as JSON bytes) and rankings for the API."""

    def __init__(self, engine: Engine, cache_size: int, watch: ChangeWatch | None = None) -> None:
        self.engine = engine
        self.probe = facts_reader.VersionProbe(engine)
        self.watch = watch if watch is not None else watch_for(engine)
        self.breakdowns: VersionedLRU[bytes] = VersionedLRU(cache_size)
        self.rankings: VersionedLRU[Ranking] = VersionedLRU(max(16, cache_size // 100))
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
            place = region_place(session, year, region)
        body = with_ranks(body, self.ranks(year, region, place))
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
                scored_level = ranking_level(scheme, level)
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
        found = self._probe(year)
        if found is None:
            raise NotFound("period", year)
        with Session(self.engine) as session:
            scheme, tree = aggregate_scope(session, year, parent, level)
        base = self.standings(year, parent, None)
        return base, rank_aggregates(scheme, tree, base.ranked, parent, level)

    def close(self) -> None:
        self.probe.close()
        self.watch.close()
