"""Queries on targets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.db.tables import Target


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
