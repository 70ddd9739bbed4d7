"""Queries on regions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.db.repositories._sql import _driver_rows, _in_clause, _keep
from app.db.tables import Region


def get_region(session: Session, code: str) -> Region | None:
    return session.get(Region, code)


def region_levels(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """code -> level of the regions among `codes` that exist, in one read straight from the
    driver: a bulk import checks its rows' regions with it and judges outliers by level."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    clause, params = _in_clause("code", wanted)
    rows = _driver_rows(session, f"SELECT code, level FROM region WHERE 1 = 1{clause}", params)
    return {r[0]: r[1] for r in _keep(rows, wanted)}


def subtree_codes(session: Session, root: str) -> list[str]:
    """The code of `root` and of all its descendants (a recursive query, same on both databases)."""
    tree = select(Region.code).where(Region.code == root).cte("tree", recursive=True)
    tree = tree.union_all(select(Region.code).where(Region.parent_code == tree.c.code))
    return [r[0] for r in session.execute(select(tree.c.code)).all()]


def _region_query(codes: Sequence[str] | None, level: str | None, text: str | None = None) -> Any:
    q = select(Region)
    if codes is not None:
        q = q.where(col(Region.code).in_(codes))
    if level is not None:
        q = q.where(Region.level == level)
    if text:
        needle = text.strip()
        q = q.where(
            or_(
                col(Region.code).contains(needle, autoescape=True),
                col(Region.name_zh).contains(needle, autoescape=True),
                func.lower(col(Region.name_en)).contains(needle.lower(), autoescape=True),
            )
        )
    return q


def list_regions(
    session: Session,
    *,
    codes: Sequence[str] | None,
    level: str | None,
    limit: int,
    offset: int,
    text: str | None = None,
) -> tuple[Sequence[Region], int]:
    q = _region_query(codes, level, text)
    total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = session.exec(q.order_by(col(Region.code)).limit(limit).offset(offset)).all()
    return rows, int(total)


def regions_in(session: Session, codes: Sequence[str] | None, level: str | None) -> Sequence[Region]:
    rows: Sequence[Region] = session.exec(_region_query(codes, level).order_by(col(Region.code))).all()
    return rows


def all_regions(session: Session) -> Sequence[Region]:
    return session.exec(select(Region).order_by(col(Region.code))).all()


class RegionRow(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str | None


def region_rows(session: Session, codes: Sequence[str] | None, level: str | None) -> list[RegionRow]:
    """The regions `codes` (all when None) at `level` (any when None), by code, as driver rows made
    typed: a ranking reads thousands of them, so no ORM objects."""
    clause, params = _in_clause("code", codes)
    if level is not None:
        clause += " AND level = ?"
        params.append(level)
    rows = _driver_rows(
        session,
        f"SELECT code, name_zh, name_en, level, parent_code FROM region WHERE 1 = 1{clause} ORDER BY code",
        params,
    )
    return [RegionRow._make(r) for r in _keep(rows, codes)]
