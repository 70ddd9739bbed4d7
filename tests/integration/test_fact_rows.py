"""The fact rows (app.db.fact_rows) stay equal to the live tables after any sequence of writes.

Random sequences of writes through the services (values put, imported and deleted; platforms and
awards created, moved, re-dated, revoked and deleted across years; a region renamed; a period
created after the items it counts; a bulk load that bumps every period), each committed or
refused as a whole. After every write, for every period and region, the facts read from the fact
rows equal those read from the live tables (`facts.live_ranking_facts`, an independent read of
data_value, platform and award), and the ranking made from them equals the ranking made from the
live tables. On SQLite and, with INNOMON_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import Session

from app.db import fact_rows, facts, migrate
from app.db import repositories as repo
from app.db.engine import make_engine, session_scope, writer
from app.db.tables import Award, DataValue, Platform
from app.db.types import utcnow
from app.demo.dataset import DEMO_SCHEME
from app.demo.regions import synthetic_parent_rows, synthetic_regions
from app.domain.problems import DomainError
from app.services import scores as scores_service
from app.services.audit import Actor, Principal
from app.services.data import ValueRow, delete_value, import_values, put_value
from app.services.periods import put_period
from app.services.regions import import_regions, update_region
from app.services.registry import AwardInput, PlatformInput, create_item, delete_item, update_item
from app.services.schemes import get_scheme, sync_builtin_schemes

ADMIN = Actor(Principal("admin", "admin"))
#: what a refused write raises (each writes nothing)
REFUSALS = DomainError
N = 6
FIRST_YEARS = [2019, 2020]
LATE_YEAR = 2021  # a period created in the middle of a sequence, after items that count in it
PARENT = synthetic_parent_rows()[0]["code"]


def _shape(f: Any) -> tuple[dict[str, tuple[str, Any]], Counter[tuple[str, str, str]]]:
    """What scoring reads of one region-year's Facts: each value with its type (True equals
    Decimal(1) in Python; a flag must not pass for a count), and the counting items by kind."""
    values = {k: (type(v).__name__, v) for k, v in f.values.items()}
    return values, Counter((i.registry, i.type, i.level) for i in f.items)


def _ranking(engine: Engine, year: int) -> list[tuple[str, Decimal, int | None]]:
    with Session(engine) as s:
        _, rows = scores_service.rank_regions(s, year, PARENT, "county")
    return [(r.region.code, r.total, r.rank) for r in rows]


def check_equal(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every period's fact rows are complete and equal the live tables, and rank the same."""
    with Session(engine) as s:
        years = [p.year for p in repo.list_periods(s, 100, 0)[0]]
        codes = [r["code"] for r in synthetic_regions(N)]
        for year in years:
            scheme = get_scheme(s, repo.get_period(s, year).scheme_code)  # type: ignore[union-attr]
            stored = fact_rows.read(s, scheme, year, codes)
            assert stored is not None, f"the fact rows of {year} are not complete"
            live = facts.live_ranking_facts(s, scheme, year, codes)
            for c in codes:
                assert _shape(stored[c]) == _shape(live[c]), (year, c)
            # and every region with data, when no regions are named
            everything = fact_rows.read(s, scheme, year, None)
            assert everything is not None
            live_all = facts.live_ranking_facts(s, scheme, year, None)
            assert {c: _shape(f) for c, f in everything.items() if f.values or f.items} == {
                c: _shape(f) for c, f in live_all.items() if f.values or f.items
            }
    for year in years:
        from_rows = _ranking(engine, year)
        with monkeypatch.context() as m:
            m.setattr(fact_rows, "read", lambda *a: None)  # the live tables only
            assert from_rows == _ranking(engine, year)


def _setup(engine: Engine) -> list[str]:
    rows = synthetic_regions(N)
    with session_scope(writer(engine)) as s:
        sync_builtin_schemes(s)
        import_regions(s, [synthetic_parent_rows()[0], *rows])
        for y in FIRST_YEARS:
            put_period(s, y, DEMO_SCHEME, None)
    return [r["code"] for r in rows]


def _value(rnd: random.Random, scheme: Any, element: str) -> Any:
    kind = scheme.elements[element].kind.value
    if kind == "boolean":
        return rnd.choice([True, False])
    if kind == "choice":
        return rnd.choice([c.code for c in scheme.elements[element].choices])
    if kind == "count":
        return rnd.randint(0, 40)
    if kind == "percent":
        return Decimal(rnd.randint(0, 1000)) / 10
    if kind == "assessed":
        return Decimal(rnd.randint(0, 20)) / 4
    return Decimal(rnd.randint(0, 100000)) / 100


def _date(rnd: random.Random) -> date:
    return date(2017, 1, 1) + timedelta(days=rnd.randint(0, 6 * 365))


OPS = (
    *("import", "import", "put", "delete_value"),
    *("platform", "platform", "award", "update_item", "delete_item"),
    *("rename", "bulk", "late_period"),
)


def _write(engine: Engine, rnd: random.Random, codes: list[str], step: int) -> str:
    """One random write through the services (or the bulk path); returns what it was."""
    op = rnd.choice(OPS)
    with session_scope(writer(engine)) as s:
        scheme = get_scheme(s, DEMO_SCHEME)
        years = [p.year for p in repo.list_periods(s, 100, 0)[0]]
        elements = sorted(scheme.elements)
        if op == "import":
            year = rnd.choice(years)
            rows = [
                ValueRow(rnd.choice(codes), e, _value(rnd, scheme, e), None)
                for e in rnd.sample(elements, rnd.randint(1, 6))
            ]
            import_values(s, year, rows, actor=ADMIN)
        elif op == "put":
            e = rnd.choice(elements)
            put_value(s, rnd.choice(years), rnd.choice(codes), e, _value(rnd, scheme, e), None, actor=ADMIN)
        elif op == "delete_value":
            stored = s.execute(select(DataValue.year, DataValue.region_code, DataValue.element)).all()
            if not stored:
                return "nothing to delete"
            year, region, element = rnd.choice(stored)
            delete_value(s, year, region, element, actor=ADMIN)
        elif op == "platform":
            start = _date(rnd)
            end = rnd.choice([None, start + timedelta(days=rnd.randint(0, 1500))])
            item = PlatformInput(
                rnd.choice(codes),
                rnd.choice(scheme.registries["platform"].type_codes),
                rnd.choice(list(scheme.levels)),
                f"p{step}",
                start,
                end,
            )
            create_item(s, scheme, item, actor=ADMIN)
        elif op == "award":
            award = AwardInput(
                rnd.choice(codes),
                rnd.choice(scheme.registries["award"].type_codes),
                rnd.choice(list(scheme.levels)),
                f"a{step}",
                _date(rnd),
            )
            create_item(s, scheme, award, actor=ADMIN)
        elif op in ("update_item", "delete_item"):
            model = rnd.choice([Platform, Award])
            ids = list(s.execute(select(model.id)).scalars())  # type: ignore[call-overload]
            if not ids:
                return f"no {model.__name__} to change"
            item_id = rnd.choice(ids)
            if op == "delete_item":
                delete_item(s, model, item_id, actor=ADMIN)
            else:
                changes: dict[str, Any] = rnd.choice(
                    [
                        {"region_code": rnd.choice(codes)},
                        {"level": rnd.choice(list(scheme.levels))},
                        {"recognized_on" if model is Platform else "awarded_on": _date(rnd)},
                        {"revoked_on": rnd.choice([None, _date(rnd)])} if model is Platform else {},
                    ]
                )
                update_item(s, scheme, model, item_id, changes, actor=ADMIN)
        elif op == "rename":
            update_region(s, rnd.choice(codes), {"name_en": f"Renamed {step}"}, actor=ADMIN)
        elif op == "bulk":
            # bench/ranking.py's load: rows inserted straight into the table, then every period bumped
            now = utcnow()
            s.execute(
                Platform.__table__.insert(),  # type: ignore[attr-defined]
                [
                    dict(
                        region_code=rnd.choice(codes),
                        type="key_lab",
                        level=rnd.choice(list(scheme.levels)),
                        name=f"bulk{step}-{k}",
                        recognized_on=_date(rnd),
                        created_at=now,
                        updated_at=now,
                    )
                    for k in range(3)
                ],
            )
            repo.bump_periods(s)
        elif op == "late_period":
            if LATE_YEAR in years:
                return "late period exists"
            put_period(s, LATE_YEAR, DEMO_SCHEME, None)
    return op


@pytest.mark.parametrize("seed", range(6))
def test_fact_rows_equal_the_live_tables_after_random_writes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rnd = random.Random(seed)
    codes = _setup(engine)
    check_equal(engine, monkeypatch)
    done: list[str] = []
    for step in range(30):
        try:
            done.append(_write(engine, rnd, codes, step))
        except Exception as exc:  # a refused write (a clash, a bad date) writes nothing
            if not isinstance(exc, REFUSALS):
                raise
            done.append(f"refused {type(exc).__name__}")
        check_equal(engine, monkeypatch)
    # the sequence did write: values and items of several kinds were made
    assert sum(op in ("import", "put") for op in done) >= 3, done
    assert sum(op in ("platform", "award") for op in done) >= 3, done


def test_a_refused_write_leaves_the_fact_rows_as_they_were(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = _setup(engine)
    with session_scope(writer(engine)) as s:
        import_values(s, 2020, [ValueRow(codes[0], "tech_smes", 5, None)], actor=ADMIN)
    with pytest.raises(RuntimeError), session_scope(writer(engine)) as s:
        import_values(s, 2020, [ValueRow(codes[0], "tech_smes", 7, None)], actor=ADMIN)
        raise RuntimeError("the caller fails after the write: all of it is rolled back")
    check_equal(engine, monkeypatch)
    with Session(engine) as s:
        f = fact_rows.read(s, get_scheme(s, DEMO_SCHEME), 2020, [codes[0]])
    assert f is not None and f[codes[0]].values["tech_smes"] == 5


def test_a_period_made_outside_the_services_is_ranked_from_the_live_tables_until_written(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = _setup(engine)
    with session_scope(writer(engine)) as s:
        create_item(
            s,
            get_scheme(s, DEMO_SCHEME),
            PlatformInput(codes[1], "key_lab", "national", "k", date(2018, 3, 1)),
            actor=ADMIN,
        )
    with engine.begin() as conn:  # a period inserted by hand: no fact rows noted for it
        conn.execute(
            text(
                "INSERT INTO period (year, scheme_code, status, data_version, created_at, updated_at)"
                " VALUES (2022, :s, 'open', 1, :t, :t)"
            ),
            {"s": DEMO_SCHEME, "t": utcnow()},
        )
    with Session(engine) as s:
        assert not fact_rows.is_ready(s, 2022)
        scheme = get_scheme(s, DEMO_SCHEME)
        assert fact_rows.read(s, scheme, 2022, codes) is None
        ranked = facts.ranking_facts(s, scheme, 2022, codes)  # from the live tables
    assert Counter(i.type for i in ranked[codes[1]].items) == Counter({"key_lab": 1})
    # a write to one region of that year builds the whole year
    with session_scope(writer(engine)) as s:
        import_values(s, 2022, [ValueRow(codes[0], "tech_smes", 3, None)], actor=ADMIN)
    check_equal(engine, monkeypatch)


BEFORE = "5a454b785fba"  # the revision before the fact rows


def test_the_migration_builds_the_fact_rows_of_an_existing_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrate.upgrade(engine, BEFORE)
        with session_scope(writer(engine)) as s:
            sync_builtin_schemes(s)
        now = utcnow()
        with engine.begin() as conn:
            for r in [synthetic_parent_rows()[0], *synthetic_regions(N)]:
                conn.execute(
                    text(
                        "INSERT INTO region (code, name_zh, name_en, level, parent_code, created_at, updated_at)"
                        " VALUES (:code, :name_zh, :name_en, :level, :parent_code, :t, :t)"
                    ),
                    {**r, "t": now},
                )
            for y in FIRST_YEARS:
                conn.execute(
                    text(
                        "INSERT INTO period (year, scheme_code, status, data_version, created_at, updated_at)"
                        " VALUES (:y, :s, 'open', 1, :t, :t)"
                    ),
                    {"y": y, "s": DEMO_SCHEME, "t": now},
                )
            conn.execute(
                text(
                    "INSERT INTO data_value (year, region_code, element, value_number, value_text, source, updated_at)"
                    " VALUES (2020, '900001', 'tech_smes', '12', NULL, 'api', :t),"
                    " (2020, '900001', 'st_leading_group', NULL, 'true', 'api', :t),"
                    " (2019, '900002', 'industrial_revenue', '1234.5', NULL, 'api', :t)"
                ),
                {"t": now},
            )
            conn.execute(
                text(
                    "INSERT INTO platform (region_code, type, level, name, recognized_on, revoked_on,"
                    " created_at, updated_at) VALUES"
                    " ('900003', 'key_lab', 'national', 'a', '2018-05-01', '2020-12-31', :t, :t),"
                    " ('900003', 'key_lab', 'national', 'b', '2019-12-31', NULL, :t, :t)"
                ),
                {"t": now},
            )
        migrate.upgrade(engine)
        with Session(engine) as s:
            scheme = get_scheme(s, DEMO_SCHEME)
            got = {y: fact_rows.read(s, scheme, y, ["900001", "900002", "900003"]) for y in FIRST_YEARS}
        assert got[2019] is not None and got[2020] is not None
        # by hand: 2019 counts both platforms; 2020 only b (a is revoked on Dec 31, 2020)
        assert Counter(i.type for i in got[2019]["900003"].items) == Counter({"key_lab": 2})
        assert Counter(i.type for i in got[2020]["900003"].items) == Counter({"key_lab": 1})
        assert got[2020]["900001"].values == {"tech_smes": Decimal(12), "st_leading_group": True}
        assert got[2019]["900002"].values == {"industrial_revenue": Decimal("1234.5")}
        assert got[2019]["900001"].values == {}
    finally:
        engine.dispose()
