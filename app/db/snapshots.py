"""Published snapshots: one breakdown (and the region's state) per region of a published year."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.db.tables import PeriodSnapshot


def delete_year(session: Session, year: int) -> None:
    session.execute(delete(PeriodSnapshot).where(col(PeriodSnapshot.year) == year))


def list_year(session: Session, year: int) -> Sequence[PeriodSnapshot]:
    return session.exec(select(PeriodSnapshot).where(col(PeriodSnapshot.year) == year)).all()


def region_states(session: Session, year: int) -> list[tuple[str, str | None]]:
    """(region_code, region_state) of every snapshot of `year`."""
    rows = session.exec(
        select(PeriodSnapshot.region_code, PeriodSnapshot.region_state).where(
            col(PeriodSnapshot.year) == year
        )
    ).all()
    return [(code, state) for code, state in rows]
