"""Queries on posted data values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, cast

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.db import facts
from app.db.repositories._sql import IN_LIMIT, _driver_rows, _in_clause, _keep, insert_rows
from app.db.tables import DataValue
from app.db.types import stored_number

VALUE_COLUMNS: tuple[Any, ...] = (
    col(DataValue.region_code),
    col(DataValue.element),
    col(DataValue.value_number),
    col(DataValue.value_text),
    col(DataValue.comment),
    col(DataValue.source).label("posted_by"),  # the column's first name; posted_by is the word
    col(DataValue.updated_at),
    col(DataValue.id),
)


class StoredValueRow(Protocol):
    """A stored value as `values_of` reads it: the driver's row, read by these names (or, in the
    hot loops of an import, by position in this order)."""

    region_code: str
    element: str
    value_number: Decimal | None
    value_text: str | None
    comment: str | None
    posted_by: str
    updated_at: datetime
    id: int

    def __getitem__(self, index: int) -> Any: ...


def values_of(session: Session, year: int, region_codes: Sequence[str] | None) -> list[StoredValueRow]:
    """The stored values of `year` of the regions `region_codes` (all when None), unordered."""
    q = sa_select(*VALUE_COLUMNS).where(col(DataValue.year) == year)
    small = region_codes is not None and len(region_codes) <= IN_LIMIT
    if region_codes is not None and small:
        q = q.where(col(DataValue.region_code).in_(region_codes))
    rows = cast(list[StoredValueRow], list(session.execute(q).all()))
    if region_codes is None or small:
        return rows
    keep = set(region_codes)
    return [r for r in rows if r.region_code in keep]


def stored_values(session: Session, year: int, region_codes: Sequence[str]) -> list[tuple[Any, ...]]:
    """(region_code, element, value_number, value_text, comment, source, id) of the values of these
    regions in `year`, numbers as ExactDecimal reads them: what a bulk import compares its rows
    with and its quality checks judge, in one read straight from the driver (no Row objects)."""
    if not region_codes:
        return []
    clause, params = _in_clause("region_code", region_codes)
    rows = _driver_rows(
        session,
        "SELECT region_code, element, value_number, value_text, comment, source, id FROM data_value"
        f" WHERE year = ?{clause}",
        [year, *params],
    )
    number = stored_number
    return [(r[0], r[1], number(r[2]), r[3], r[4], r[5], r[6]) for r in _keep(rows, region_codes)]


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
