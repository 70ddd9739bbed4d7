"""The facts read model: tallies counted by the database, and rankings that re-score only the
regions a write changed (on SQLite and, with INNOMON_TEST_DATABASE_URL, on PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from app.db import facts
from app.db import repositories as repo
from app.db.engine import make_engine, session_scope, writer
from app.db.tables import Award, Platform
from app.db.types import utcnow
from app.demo.dataset import DEMO_SCHEME, generate
from app.demo.regions import synthetic_parent_rows, synthetic_regions
from app.domain import score
from app.services import scores as scores_service
from app.services.audit import Actor, Principal
from app.services.data import ValueRow, delete_value, import_values
from app.services.periods import put_period
from app.services.regions import import_regions
from app.services.registry import AwardInput, create_item
from app.services.schemes import get_scheme, sync_builtin_schemes
from app.services.scores import rankings

ADMIN = Actor(Principal("admin", "admin"))
YEAR = 2022
N = 40


def _load(engine: Engine) -> list[str]:
    parent = synthetic_parent_rows()[0]
    rows = synthetic_regions(N)
    with session_scope(writer(engine)) as s:
        sync_builtin_schemes(s)
        import_regions(s, [parent, *rows])
        put_period(s, YEAR, DEMO_SCHEME, None)
    codes = [r["code"] for r in rows]
    dataset = generate(codes, [YEAR])
    values = [ValueRow(ry.region, e, v, None) for ry in dataset.values for e, v in ry.values.items()]
    with session_scope(writer(engine)) as s:
        import_values(s, YEAR, values, actor=ADMIN)
    now = utcnow()
    with session_scope(writer(engine)) as s:
        common = {"created_at": now, "updated_at": now}
        s.execute(
            Platform.__table__.insert(),  # type: ignore[attr-defined]
            [
                dict(
                    region_code=i.region,
                    type=i.type,
                    level=i.level,
                    name=i.name,
                    recognized_on=i.start,
                    revoked_on=i.end,
                    **common,
                )
                for i in dataset.items
                if i.registry == "platform"
            ],
        )
        s.execute(
            Award.__table__.insert(),  # type: ignore[attr-defined]
            [
                dict(
                    region_code=i.region,
                    type=i.type,
                    level=i.level,
                    name=i.name,
                    awarded_on=i.start,
                    **common,
                )
                for i in dataset.items
                if i.registry == "award"
            ],
        )
        repo.bump_periods(s)
    return codes


def _platform(
    region: str, type_: str, level: str, start: date, end: date | None, name: str
) -> dict[str, Any]:
    now = utcnow()
    return dict(
        region_code=region,
        type=type_,
        level=level,
        name=name,
        recognized_on=start,
        revoked_on=end,
        created_at=now,
        updated_at=now,
    )


def test_tallies_count_what_the_year_end_rule_counts(engine: Engine) -> None:
    """Boundary dates by hand: a platform revoked on Dec 31 of the year is gone at year end, one
    revoked on Jan 1 of the next year still counts, one recognised on Dec 31 counts, one on Jan 1
    of the next year does not; an award counts in the calendar year of its date only."""
    parent = synthetic_parent_rows()[0]
    (r,) = synthetic_regions(1)
    with session_scope(writer(engine)) as s:
        sync_builtin_schemes(s)
        import_regions(s, [parent, r])
        put_period(s, YEAR, DEMO_SCHEME, None)
        code = r["code"]
        s.execute(
            Platform.__table__.insert(),  # type: ignore[attr-defined]
            [
                _platform(code, "key_lab", "national", date(2010, 1, 1), date(YEAR, 12, 31), "a"),  # gone
                _platform(code, "key_lab", "national", date(2010, 1, 1), date(YEAR + 1, 1, 1), "b"),  # counts
                _platform(code, "key_lab", "national", date(YEAR, 12, 31), None, "c"),  # counts
                _platform(code, "key_lab", "national", date(YEAR + 1, 1, 1), None, "d"),  # not yet
                _platform(code, "key_lab", "provincial", date(2000, 6, 1), None, "e"),  # counts
            ],
        )
        now = utcnow()
        s.execute(
            Award.__table__.insert(),  # type: ignore[attr-defined]
            [
                dict(
                    region_code=code,
                    type="project",
                    level="national",
                    name=n,
                    awarded_on=d,
                    created_at=now,
                    updated_at=now,
                )
                for n, d in (("x", date(YEAR, 1, 1)), ("y", date(YEAR, 12, 31)), ("z", date(YEAR + 1, 1, 1)))
            ],
        )
    with Session(engine) as s:
        platform = {(t.type, t.level): t.n for t in facts.tallies(s, "platform", YEAR, [code])}
        award = {(t.type, t.level): t.n for t in facts.tallies(s, "award", YEAR, [code])}
        named = facts.item_facts(s, "platform", YEAR, None)
    assert platform == {("key_lab", "national"): 2, ("key_lab", "provincial"): 1}
    assert award == {("project", "national"): 2}
    assert sorted(i.name for i in named) == ["b", "c", "e"]


def test_ranking_facts_score_as_the_named_items_do(engine: Engine) -> None:
    codes = _load(engine)
    with Session(engine) as s:
        scheme = get_scheme(s, DEMO_SCHEME)
        lean = facts.ranking_facts(s, scheme, YEAR, codes)
        full = facts.region_facts(s, scheme, YEAR, codes)
    assert any(full[c].items for c in codes)
    for c in codes:
        assert Counter((i.registry, i.type, i.level) for i in lean[c].items) == Counter(
            (i.registry, i.type, i.level) for i in full[c].items
        )
        assert score(scheme, lean[c], c, explain=False).total == score(scheme, full[c], c).total


def test_ranking_facts_count_every_item_when_a_code_holds_the_separator(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The items arrive as one joined string per region; a separator inside a code (here "_",
    which type codes such as key_lab hold) is noticed and the items are read row by row."""
    codes = _load(engine)
    monkeypatch.setattr(facts, "_ITEM", "_")
    with Session(engine) as s:
        scheme = get_scheme(s, DEMO_SCHEME)
        with_underscore = [k for r, k in facts._item_keys(s, "platform", YEAR, codes) if "_" in str(k)]
        lean = facts.live_ranking_facts(s, scheme, YEAR, codes)  # the live tables' read, not the fact rows
        full = facts.region_facts(s, scheme, YEAR, codes)
    assert with_underscore and all(isinstance(k[0], tuple) for k in with_underscore)  # read row by row
    for c in codes:
        assert Counter((i.registry, i.type, i.level) for i in lean[c].items) == Counter(
            (i.registry, i.type, i.level) for i in full[c].items
        )
        assert score(scheme, lean[c], c, explain=False).total == score(scheme, full[c], c).total


@pytest.fixture
def scored(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The regions the ranking scores, in order (the service's `summarise`, wrapped where it is
    defined, app.services.scores.rankings, so that both the uncached and the cached ranking call
    the wrapper)."""
    calls: list[str] = []
    real = rankings.summarise

    def counting(scheme: Any, f: Any, codes: list[str]) -> Any:
        calls.extend(codes)
        return real(scheme, f, codes)

    monkeypatch.setattr(rankings, "summarise", counting)
    real_facts = facts.ranking_facts

    def loading(session: Any, scheme: Any, year: int, codes: Any) -> Any:
        LOADED.append(sorted(codes))
        return real_facts(session, scheme, year, codes)

    LOADED.clear()
    monkeypatch.setattr(facts, "ranking_facts", loading)
    return calls


#: the regions whose facts a ranking read, one list per read
LOADED: list[list[str]] = []


def _uncached(engine: Engine, parent: str | None = None) -> list[tuple[str, Decimal, int]]:
    with Session(engine) as s:
        _, rows = scores_service.rank_regions(s, YEAR, parent, None)
    return [(r.region.code, r.total, r.rank) for r in rows]


def _cached(reader: scores_service.ScoreReader, parent: str | None = None) -> list[tuple[str, Decimal, int]]:
    _, rows, _ = reader.ranking(YEAR, parent, None)
    return [(r.region.code, r.total, r.rank) for r in rows]


def test_a_write_re_scores_only_the_regions_it_changed(
    engine: Engine, database_url: str, scored: list[str]
) -> None:
    codes = _load(engine)
    parent = synthetic_parent_rows()[0]["code"]
    reader = scores_service.ScoreReader(engine, 1000)
    first = _cached(reader)
    assert len(scored) == N  # every county scored once (the parent, a province, is not scored)
    scored.clear()

    # a value write in this process: one region re-scored, the ranking equals an uncached one
    with session_scope(writer(engine)) as s:
        import_values(s, YEAR, [ValueRow(codes[3], "high_tech_enterprises", 999, None)], actor=ADMIN)
    LOADED.clear()
    after = _cached(reader)
    assert scored == [codes[3]] and [[codes[3]]] == LOADED  # its facts alone were read
    assert after != first and after == _uncached(engine)
    scored.clear()

    # a registry item and a value deletion, written through another engine (another process's
    # writes reach this reader through the database's change log)
    other = make_engine(database_url)
    try:
        with session_scope(writer(other)) as s:
            award = AwardInput(codes[7], "project", "national", "n", date(YEAR, 5, 1))
            create_item(s, get_scheme(s, DEMO_SCHEME), award, actor=ADMIN)
        with session_scope(writer(other)) as s:
            delete_value(s, YEAR, codes[9], "high_tech_enterprises", actor=ADMIN)
    finally:
        other.dispose()
    cached = _cached(reader, parent)
    assert sorted(scored) == sorted([codes[7], codes[9]])
    assert cached == _uncached(engine, parent)
    scored.clear()
    cached = _cached(reader)  # same version: from the ranking cache
    assert scored == []
    assert cached == _uncached(engine)
    scored.clear()

    # a region renamed: a bump with no region named, so every region is scored again
    with session_scope(writer(engine)) as s:
        repo.bump_periods(s)
    _cached(reader)
    assert len(scored) == N
