"""Queries on periods (data years) and their row locks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app.db import fact_rows, facts
from app.db.tables import Period


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
    session: Session,
    *,
    years: Iterable[int] | None = None,
    from_year: int | None = None,
    regions: Iterable[str] | None = None,
    values_only: bool = False,
) -> None:
    """Mark the scores of these periods changed (all periods when neither is given).

    As the first statement of a write it also takes the write lock (SQLite) or the periods' row
    locks (PostgreSQL), so concurrent writers of one period queue instead of interleaving.
    With `regions`, the change is logged as touching those regions only (facts.mark_changed), so
    a ranking re-scores just them; without, every region counts as changed. `values_only`: the
    write changes stored values and no registry item, so the fact rows keep their tallies (a value
    cannot change what a registry counts) and only their values are recomputed.
    """
    stmt = update(Period).values(data_version=Period.data_version + 1)
    ys: list[int] | None = None
    codes = None if regions is None else frozenset(regions)
    if years is not None:
        ys = sorted(set(years))
        if not ys:
            return
        stmt = stmt.where(col(Period.year).in_(ys))
    elif from_year is not None:
        stmt = stmt.where(col(Period.year) >= from_year)
    session.execute(stmt)
    # the fact rows of what this write changes are recomputed when it commits
    fact_rows.note(session, years=ys, from_year=from_year, regions=codes, values_only=values_only)
    if codes is not None:
        facts.mark_changed(session, codes, years=ys, from_year=from_year)
