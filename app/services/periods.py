"""Periods: a data year scored under one scheme, optionally labelled with the province's round."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from app.db import repositories as repo
from app.db.tables import Period
from app.db.types import utcnow
from app.domain import InvalidInput, Problem
from app.domain.document import check_year
from app.services import schemes
from app.services.errors import NotFound


def put_period(session: Session, year: int, scheme_code: str, round_label: str | None) -> tuple[Period, bool]:
    """Create or update the period of `year`; returns it and whether it was created."""
    problems = []
    try:
        check_year(year)
    except ValueError as exc:
        problems.append(Problem("year", str(exc)))
    try:
        schemes.get_scheme(session, scheme_code)
    except NotFound:
        problems.append(Problem("scheme", f"unknown scheme {scheme_code!r}"))
    if problems:
        raise InvalidInput(problems)
    period = repo.get_period(session, year)
    if period is None:
        period = Period(year=year, scheme_code=scheme_code, round_label=round_label)
        session.add(period)
        session.flush()
        return period, True
    if (period.scheme_code, period.round_label) != (scheme_code, round_label):
        if period.scheme_code != scheme_code:
            period.data_version += 1
        period.scheme_code, period.round_label, period.updated_at = (
            scheme_code,
            round_label,
            utcnow(),
        )
        session.add(period)
        session.flush()
    return period, False


def get_period(session: Session, year: int) -> Period:
    period = repo.get_period(session, year)
    if period is None:
        raise NotFound("period", year)
    return period


def list_periods(session: Session, limit: int, offset: int) -> tuple[Sequence[Period], int]:
    return repo.list_periods(session, limit, offset)
