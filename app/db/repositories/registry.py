"""Queries on the registries of platforms and awards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from app.db import facts
from app.db.tables import Award, Platform


def active_platform_filter(year: int) -> ColumnElement[bool]:
    """Platforms that count for data year `year` (the one rule, facts.counts_in_year)."""
    return facts.counting_filter("platform", year)


def award_year_filter(year: int) -> ColumnElement[bool]:
    """Awards that count for data year `year` (the one rule, facts.counts_in_year)."""
    return facts.counting_filter("award", year)


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
) -> tuple[list[facts.ItemFact], list[facts.ItemFact]]:
    """The platforms and the awards counting in `year` (facts.item_facts), in id order."""
    return (
        facts.item_facts(session, "platform", year, region_codes),
        facts.item_facts(session, "award", year, region_codes),
    )


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
