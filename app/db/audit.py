"""Audit trail queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from app.db.repositories._sql import insert_rows
from app.db.tables import AuditEvent


def insert_events(
    session: Session, columns: Sequence[str], rows: Sequence[Sequence[Any]], constants: dict[str, Any]
) -> None:
    """Append event rows in one bulk write (see _sql.insert_rows)."""
    insert_rows(session, AuditEvent.__table__, columns, rows, constants)  # type: ignore[attr-defined]


def list_events(
    session: Session,
    *,
    year: int | None,
    equal: Sequence[tuple[Any, Any]],
    since: datetime | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[AuditEvent], int]:
    """Events of `year` (its own, or spanning it), whose columns equal the given values (None:
    any), at or after `since`, by id; and how many there are in all."""
    q: Any = select(AuditEvent)
    if year is not None:
        q = q.where(
            or_(
                col(AuditEvent.year) == year,
                and_(
                    col(AuditEvent.year_from) <= year,
                    or_(col(AuditEvent.year_to).is_(None), col(AuditEvent.year_to) >= year),
                ),
            )
        )
    for column, value in equal:
        if value is not None:
            q = q.where(col(column) == value)
    if since is not None:
        q = q.where(col(AuditEvent.at) >= since)
    total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = session.exec(q.order_by(col(AuditEvent.id)).limit(limit).offset(offset)).all()
    return rows, int(total)
