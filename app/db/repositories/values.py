"""Queries on posted data values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.db import facts
from app.db.repositories._sql import IN_LIMIT, insert_rows
from app.db.tables import DataValue

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


def scoring_values(session: Session, year: int, region_codes: Sequence[str] | None) -> list[facts.ValueFact]:
    """(region, element, number, text) rows: just what scoring reads (facts.value_facts)."""
    return facts.value_facts(session, year, region_codes)


def get_value(session: Session, year: int, region: str, element: str) -> DataValue | None:
    q = select(DataValue).where(
        DataValue.year == year, DataValue.region_code == region, DataValue.element == element
    )
    return session.exec(q).first()


#: columns of a new value row, in the order `insert_values` takes them
NEW_VALUE_COLUMNS = ("region_code", "element", "value_number", "value_text", "comment")


def insert_values(
    session: Session, year: int, rows: Sequence[tuple[Any, ...]], *, source: str, updated_at: datetime
) -> None:
    """Append values of `year`, one per row of NEW_VALUE_COLUMNS, in one bulk write."""
    insert_rows(
        session,
        DataValue.__table__,  # type: ignore[attr-defined]
        NEW_VALUE_COLUMNS,
        rows,
        {"year": year, "source": source, "updated_at": updated_at},
    )


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
