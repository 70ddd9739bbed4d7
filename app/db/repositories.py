"""Every query of the service. Functions take a Session and plain values and return rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.db.tables import Award, DataValue, Period, Platform, Region, SchemeRow, Target

#: above this many codes a filter is applied in Python rather than as an IN list
IN_LIMIT = 5000

# -------------------------------------------------------------------------------------- schemes


def get_scheme_row(session: Session, code: str) -> SchemeRow | None:
    return session.get(SchemeRow, code)


def list_scheme_rows(session: Session) -> Sequence[SchemeRow]:
    return session.exec(select(SchemeRow).order_by(col(SchemeRow.code))).all()


# -------------------------------------------------------------------------------------- regions


def get_region(session: Session, code: str) -> Region | None:
    return session.get(Region, code)


def existing_region_codes(session: Session, codes: Iterable[str]) -> set[str]:
    wanted = sorted(set(codes))
    found: set[str] = set()
    for i in range(0, len(wanted), IN_LIMIT):
        chunk = wanted[i : i + IN_LIMIT]
        found.update(session.exec(select(Region.code).where(col(Region.code).in_(chunk))).all())
    return found


def subtree_codes(session: Session, root: str) -> list[str]:
    """The code of `root` and of all its descendants (a recursive query, same on both databases)."""
    tree = select(Region.code).where(Region.code == root).cte("tree", recursive=True)
    tree = tree.union_all(select(Region.code).where(Region.parent_code == tree.c.code))
    return [r[0] for r in session.execute(select(tree.c.code)).all()]


def _region_query(codes: Sequence[str] | None, level: str | None) -> Any:
    q = select(Region)
    if codes is not None:
        q = q.where(col(Region.code).in_(codes))
    if level is not None:
        q = q.where(Region.level == level)
    return q


def list_regions(
    session: Session, *, codes: Sequence[str] | None, level: str | None, limit: int, offset: int
) -> tuple[Sequence[Region], int]:
    q = _region_query(codes, level)
    total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = session.exec(q.order_by(col(Region.code)).limit(limit).offset(offset)).all()
    return rows, int(total)


def regions_in(session: Session, codes: Sequence[str] | None, level: str | None) -> Sequence[Region]:
    rows: Sequence[Region] = session.exec(_region_query(codes, level).order_by(col(Region.code))).all()
    return rows


def all_regions(session: Session) -> Sequence[Region]:
    return session.exec(select(Region).order_by(col(Region.code))).all()


# -------------------------------------------------------------------------------------- periods


def get_period(session: Session, year: int) -> Period | None:
    return session.get(Period, year)


def list_periods(session: Session, limit: int, offset: int) -> tuple[Sequence[Period], int]:
    total = session.execute(select(func.count()).select_from(Period)).scalar_one()
    rows = session.exec(select(Period).order_by(col(Period.year)).limit(limit).offset(offset)).all()
    return rows, int(total)


def published_years(session: Session) -> set[int]:
    return set(session.exec(select(Period.year).where(Period.status == "published")).all())


def lock_periods(
    session: Session, *, years: Iterable[int] | None = None, from_year: int | None = None
) -> list[Period]:
    """Lock these periods' rows (all periods when neither is given) and return them fresh.

    The publisher holds its period's row lock while it snapshots, so a write that takes the lock
    of every period it can change, and reads the status under it, either commits before the
    snapshot is taken or sees the period published. Rows are locked in ascending year, the one
    order every writer uses, so two writers of overlapping years queue instead of deadlocking.
    On SQLite `FOR UPDATE` is not emitted: write transactions begin IMMEDIATE and hold the
    database's single write lock from their first statement.
    """
    q = select(Period)
    if years is not None:
        ys = sorted(set(years))
        if not ys:
            return []
        q = q.where(col(Period.year).in_(ys))
    elif from_year is not None:
        q = q.where(col(Period.year) >= from_year)
    q = q.order_by(col(Period.year)).with_for_update().execution_options(populate_existing=True)
    return list(session.exec(q).all())


def bump_periods(
    session: Session, *, years: Iterable[int] | None = None, from_year: int | None = None
) -> None:
    """Mark the scores of these periods changed (all periods when neither is given).

    As the first statement of a write it also takes the write lock (SQLite) or the periods' row
    locks (PostgreSQL), so concurrent writers of one period queue instead of interleaving.
    """
    stmt = update(Period).values(data_version=Period.data_version + 1)
    if years is not None:
        ys = sorted(set(years))
        if not ys:
            return
        stmt = stmt.where(col(Period.year).in_(ys))
    elif from_year is not None:
        stmt = stmt.where(col(Period.year) >= from_year)
    session.execute(stmt)


# ---------------------------------------------------------------------------------- data values

VALUE_COLUMNS = tuple(
    col(c)
    for c in (
        DataValue.region_code,
        DataValue.element,
        DataValue.value_number,
        DataValue.value_text,
        DataValue.comment,
        DataValue.source,
        DataValue.updated_at,
        DataValue.id,
    )
)


def values_of(session: Session, year: int, region_codes: Sequence[str] | None) -> list[Any]:
    """(region_code, element, value_number, value_text, comment, source, updated_at, id) rows."""
    q = sa_select(*VALUE_COLUMNS).where(col(DataValue.year) == year)
    small = region_codes is not None and len(region_codes) <= IN_LIMIT
    if region_codes is not None and small:
        q = q.where(col(DataValue.region_code).in_(region_codes))
    rows = list(session.execute(q).all())
    if region_codes is None or small:
        return rows
    keep = set(region_codes)
    return [r for r in rows if r[0] in keep]


def _driver_rows(session: Session, sql: str, params: Sequence[Any]) -> list[Any]:
    """Rows straight from the driver: for the few hot, wide reads of scoring, where the ORM's
    per-row processing costs more than the query (see bench/ranking.py)."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":  # stored as ISO text there; sqlite3's date adapter is deprecated
        params = [p.isoformat() if isinstance(p, date) else p for p in params]
        return list(conn.exec_driver_sql(sql, tuple(params)).all())
    return list(conn.exec_driver_sql(sql.replace("?", "%s"), tuple(params)).all())


def _in_clause(column: str, codes: Sequence[str] | None) -> tuple[str, list[str]]:
    if codes is None or len(codes) > IN_LIMIT:
        return "", []
    if not codes:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join('?' for _ in codes)})", list(codes)


def _keep(rows: list[Any], codes: Sequence[str] | None) -> list[Any]:
    if codes is None or len(codes) <= IN_LIMIT:
        return rows
    keep = set(codes)
    return [r for r in rows if r[0] in keep]


def _number(raw: Any) -> Decimal | None:
    # SQLite keeps exact decimals as text (see ExactDecimal); PostgreSQL returns Decimal
    return None if raw is None else raw if isinstance(raw, Decimal) else Decimal(raw)


def scoring_values(session: Session, year: int, region_codes: Sequence[str] | None) -> list[tuple[Any, ...]]:
    """(region_code, element, value_number, value_text) rows: just what scoring reads."""
    clause, params = _in_clause("region_code", region_codes)
    rows = _driver_rows(
        session,
        f"SELECT region_code, element, value_number, value_text FROM data_value WHERE year = ?{clause}",
        [year, *params],
    )
    return [(r[0], r[1], _number(r[2]), r[3]) for r in _keep(rows, region_codes)]


def get_value(session: Session, year: int, region: str, element: str) -> DataValue | None:
    q = select(DataValue).where(
        DataValue.year == year, DataValue.region_code == region, DataValue.element == element
    )
    return session.exec(q).first()


def insert_values(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(DataValue.__table__.insert(), rows)  # type: ignore[attr-defined]


def update_values(session: Session, rows: list[dict[str, Any]]) -> None:
    """Rows carry `_id` and the new value_number, value_text, comment, source and updated_at."""
    if not rows:
        return
    t = DataValue.__table__  # type: ignore[attr-defined]
    stmt = (
        t.update()
        .where(t.c.id == bindparam("_id"))
        .values(
            value_number=bindparam("value_number"),
            value_text=bindparam("value_text"),
            comment=bindparam("comment"),
            source=bindparam("source"),
            updated_at=bindparam("updated_at"),
        )
    )
    session.execute(stmt, rows)


# ------------------------------------------------------------------------ platforms and awards


def active_platform_filter(year: int) -> ColumnElement[bool]:
    """Platforms that count for data year `year`: recognised by Dec 31, not revoked by then."""
    end = date(year, 12, 31)
    return and_(
        col(Platform.recognized_on) <= end,
        or_(col(Platform.revoked_on).is_(None), col(Platform.revoked_on) > end),
    )


def award_year_filter(year: int) -> ColumnElement[bool]:
    return and_(col(Award.awarded_on) >= date(year, 1, 1), col(Award.awarded_on) <= date(year, 12, 31))


def list_items(
    session: Session,
    model: type[Platform] | type[Award],
    *,
    region_codes: Sequence[str] | None,
    type_: str | None,
    level: str | None,
    active_in: int | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Any], int]:
    q: Any = select(model)
    if region_codes is not None:
        q = q.where(col(model.region_code).in_(region_codes))
    if type_ is not None:
        q = q.where(model.type == type_)
    if level is not None:
        q = q.where(model.level == level)
    if active_in is not None:
        q = q.where(active_platform_filter(active_in) if model is Platform else award_year_filter(active_in))
    total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = session.exec(q.order_by(col(model.id)).limit(limit).offset(offset)).all()
    return rows, int(total)


def scoring_items(
    session: Session, year: int, region_codes: Sequence[str] | None
) -> tuple[list[Any], list[Any]]:
    """Rows of the platforms active at the end of `year` and of the awards of `year`:
    (region_code, type, level, recognized_on, revoked_on, name, id) and
    (region_code, type, level, awarded_on, name, id). The same conditions as
    active_platform_filter and award_year_filter."""
    clause, params = _in_clause("region_code", region_codes)
    first, last = date(year, 1, 1), date(year, 12, 31)
    platforms = _driver_rows(
        session,
        "SELECT region_code, type, level, recognized_on, revoked_on, name, id FROM platform"
        f" WHERE recognized_on <= ? AND (revoked_on IS NULL OR revoked_on > ?){clause} ORDER BY id",
        [last, last, *params],
    )
    awards = _driver_rows(
        session,
        "SELECT region_code, type, level, awarded_on, name, id FROM award"
        f" WHERE awarded_on >= ? AND awarded_on <= ?{clause} ORDER BY id",
        [first, last, *params],
    )
    return _dates(_keep(platforms, region_codes), 3, 4), _dates(_keep(awards, region_codes), 3)


def _dates(rows: list[Any], *positions: int) -> list[Any]:
    # SQLite hands dates back as ISO text when read through the driver
    if not rows or all(isinstance(rows[0][p], date | None) for p in positions):
        return rows
    out = []
    for r in rows:
        r = list(r)
        for p in positions:
            if isinstance(r[p], str):
                r[p] = date.fromisoformat(r[p])
        out.append(tuple(r))
    return out


def region_rows(session: Session, codes: Sequence[str] | None, level: str | None) -> list[Any]:
    """(code, name_zh, name_en, level, parent_code) of regions, by code."""
    clause, params = _in_clause("code", codes)
    if level is not None:
        clause += " AND level = ?"
        params.append(level)
    rows = _driver_rows(
        session,
        f"SELECT code, name_zh, name_en, level, parent_code FROM region WHERE 1 = 1{clause} ORDER BY code",
        params,
    )
    return _keep(rows, codes)


def find_platform(session: Session, region: str, type_: str, level: str, name: str) -> Platform | None:
    q = select(Platform).where(
        Platform.region_code == region,
        Platform.type == type_,
        Platform.level == level,
        Platform.name == name,
    )
    return session.exec(q).first()


def find_award(
    session: Session, region: str, type_: str, level: str, name: str, awarded_on: date
) -> Award | None:
    q = select(Award).where(
        Award.region_code == region,
        Award.type == type_,
        Award.level == level,
        Award.name == name,
        Award.awarded_on == awarded_on,
    )
    return session.exec(q).first()


# -------------------------------------------------------------------------------------- targets


def find_target(
    session: Session, region: str, kind: str, subject: str, level: str, by_year: int
) -> Target | None:
    q = select(Target).where(
        Target.region_code == region,
        Target.kind == kind,
        Target.subject == subject,
        Target.level == level,
        Target.by_year == by_year,
    )
    return session.exec(q).first()


def list_targets(
    session: Session, *, region_codes: Sequence[str] | None, kind: str | None, limit: int, offset: int
) -> tuple[Sequence[Target], int]:
    q: Any = select(Target)
    if region_codes is not None:
        q = q.where(col(Target.region_code).in_(region_codes))
    if kind is not None:
        q = q.where(Target.kind == kind)
    total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    order = (col(Target.region_code), col(Target.by_year), col(Target.id))
    rows = session.exec(q.order_by(*order).limit(limit).offset(offset)).all()
    return rows, int(total)
