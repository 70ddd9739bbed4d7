"""Queries of the review before publication: quality flags, approvals, arrival times, keys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.db.repositories._sql import _driver_rows, _in_clause, _keep
from app.db.tables import ApiKey, Approval, AuditEvent, QualityFlag
from app.db.types import canonical

LIVE = ("open", "confirmed")


def numbers_of(
    session: Session, year: int, regions: Sequence[str]
) -> dict[tuple[str, str], tuple[Decimal, str]]:
    """(region, element) -> (number, who posted it) of the numeric values of these regions in `year`.
    Straight from the driver: the quality checks of a bulk import read many rows."""
    clause, params = _in_clause("region_code", regions)
    rows = _driver_rows(
        session,
        "SELECT region_code, element, value_number, source FROM data_value"
        f" WHERE year = ? AND value_number IS NOT NULL{clause}",
        [year, *params],
    )
    return {(r[0], r[1]): (canonical(Decimal(r[2])), r[3]) for r in _keep(rows, regions)}  # not null


def numbers_at_levels(
    session: Session, year: int, elements: Sequence[str], levels: Sequence[str]
) -> list[tuple[str, str, str, float]]:
    """(region, level, element, number as a float) of `elements` in `year` for the regions of
    `levels`, in one read (the cross-section the outlier check compares). The float is the stored number correctly rounded: PostgreSQL casts NUMERIC to double
    precision (strtod of its digits, as Python's float of a Decimal); SQLite's exact text is
    read by Python's float."""
    if not elements or not levels:
        return []
    sqlite = session.get_bind().dialect.name == "sqlite"
    number = "d.value_number" if sqlite else "CAST(d.value_number AS DOUBLE PRECISION)"
    rows = _driver_rows(
        session,
        f"SELECT d.region_code, r.level, d.element, {number} FROM data_value d"
        " JOIN region r ON r.code = d.region_code WHERE d.year = ? AND d.value_number IS NOT NULL"
        f" AND d.element IN ({', '.join('?' for _ in elements)}) AND r.level IN ({', '.join('?' for _ in levels)})",
        [year, *elements, *levels],
    )
    if sqlite:
        return [(r[0], r[1], r[2], float(r[3])) for r in rows]
    return rows  # the cursor's tuples


def value_count(session: Session, year: int) -> int:
    """How many values `year` holds (a cheap check that a cache of them is still whole)."""
    rows = _driver_rows(session, "SELECT count(*) FROM data_value WHERE year = ?", [year])
    return int(rows[0][0])


def period_state(session: Session, year: int) -> tuple[int, str, Any] | None:
    """(data_version, scheme_code, created_at as the driver reads it) of the period of `year` as
    this transaction sees it: its version and the identity of this life of the period."""
    rows = _driver_rows(
        session, "SELECT data_version, scheme_code, created_at FROM period WHERE year = ?", [year]
    )
    return (int(rows[0][0]), str(rows[0][1]), rows[0][2]) if rows else None


# ------------------------------------------------------------------------------------ flags


def live_flags(
    session: Session, year: int, regions: Iterable[str], kinds: Iterable[str] | None = None
) -> list[QualityFlag]:
    """Open and confirmed flags of `year` for these regions (optionally of these kinds)."""
    wanted = sorted(set(regions))
    if not wanted:
        return []
    q = select(QualityFlag).where(
        QualityFlag.year == year,
        col(QualityFlag.region_code).in_(wanted),
        col(QualityFlag.status).in_(LIVE),
    )
    if kinds is not None:
        q = q.where(col(QualityFlag.kind).in_(sorted(set(kinds))))
    return list(session.exec(q.order_by(col(QualityFlag.id))).all())


def live_flag_keys(
    session: Session, year: int, kind: str, elements: Sequence[str]
) -> set[tuple[str, str, str, str]]:
    """(region, element, kind, rule) of the open and confirmed flags of `kind` about `elements`."""
    if not elements:
        return set()
    q = sa_select(
        col(QualityFlag.region_code), col(QualityFlag.element), col(QualityFlag.kind), col(QualityFlag.rule)
    ).where(
        col(QualityFlag.year) == year,
        col(QualityFlag.kind) == kind,
        col(QualityFlag.element).in_(elements),
        col(QualityFlag.status).in_(LIVE),
    )
    return {(r[0], r[1], r[2], r[3]) for r in session.execute(q).all()}


def list_flags(
    session: Session, year: int, *, regions: Sequence[str] | None, statuses: Sequence[str]
) -> list[QualityFlag]:
    q: Any = select(QualityFlag).where(QualityFlag.year == year, col(QualityFlag.status).in_(statuses))
    if regions is not None:
        q = q.where(col(QualityFlag.region_code).in_(regions))
    order = (col(QualityFlag.region_code), col(QualityFlag.element), col(QualityFlag.id))
    return list(session.exec(q.order_by(*order)).all())


def get_flag(session: Session, year: int, flag_id: int) -> QualityFlag | None:
    flag = session.get(QualityFlag, flag_id, with_for_update=True)
    return flag if flag is not None and flag.year == year else None


def add_flags(session: Session, flags: Sequence[QualityFlag]) -> None:
    session.add_all(flags)
    session.flush()


# -------------------------------------------------------------------------------- approvals


def get_approval(session: Session, year: int, region: str, *, for_update: bool = False) -> Approval | None:
    return session.get(Approval, (year, region), with_for_update=for_update)


def approvals_of(session: Session, year: int, regions: Sequence[str] | None) -> dict[str, Approval]:
    q = select(Approval).where(Approval.year == year)
    if regions is not None:
        q = q.where(col(Approval.region_code).in_(regions))
    return {a.region_code: a for a in session.exec(q).all()}


def non_draft(session: Session, regions: Iterable[str], year: int | None = None) -> list[Approval]:
    """Approvals past draft for these regions (in `year`, or in any year)."""
    wanted = sorted(set(regions))
    if not wanted:
        return []
    q = select(Approval).where(col(Approval.region_code).in_(wanted), Approval.state != "draft")
    if year is not None:
        q = q.where(Approval.year == year)
    return list(session.exec(q.order_by(col(Approval.year), col(Approval.region_code))).all())


# --------------------------------------------------------------------------------- arrivals


def value_arrivals(session: Session, year: int) -> dict[tuple[str, str], Any]:
    """(region, element) -> when the stored value arrived: the time of its latest `create` in the
    audit trail (an update is a correction, not an arrival; a delete then a create is a new one)."""
    q = (
        sa_select(col(AuditEvent.region_code), col(AuditEvent.element), func.max(col(AuditEvent.at)))
        .where(
            col(AuditEvent.entity) == "data_value",
            col(AuditEvent.action) == "create",
            col(AuditEvent.year) == year,
        )
        .group_by(col(AuditEvent.region_code), col(AuditEvent.element))
    )
    return {(r[0], r[1]): r[2] for r in session.execute(q).all()}


# ------------------------------------------------------------------------------------- keys


def get_key(session: Session, name: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(ApiKey.name == name)).first()


def keys_in(session: Session, regions: Sequence[str] | None) -> Sequence[ApiKey]:
    q = select(ApiKey)
    if regions is not None:
        q = q.where(col(ApiKey.region_code).in_(regions))
    return session.exec(q.order_by(col(ApiKey.name))).all()
