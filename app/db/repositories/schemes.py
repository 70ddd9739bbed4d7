"""Queries on stored schemes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.db.tables import SchemeRow


def get_scheme_row(session: Session, code: str) -> SchemeRow | None:
    return session.get(SchemeRow, code)


def list_scheme_rows(session: Session) -> Sequence[SchemeRow]:
    return session.exec(select(SchemeRow).order_by(col(SchemeRow.code))).all()
