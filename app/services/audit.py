"""The audit trail: one append-only row per change, with the actor, the request and both states."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from app.db.tables import AuditEvent
from app.db.types import utcnow


@dataclass(frozen=True)
class Principal:
    """Who is acting: an API key's name, role, departments and region scope."""

    name: str
    role: str
    departments: frozenset[str] = frozenset()
    region: str | None = None
    #: codes of `region` and everything below it; None means every region
    scope: frozenset[str] | None = None

    def covers(self, region: str) -> bool:
        return self.scope is None or region in self.scope


@dataclass(frozen=True)
class Actor:
    principal: Principal
    request_id: str | None = field(default=None)

    @property
    def name(self) -> str:
        return self.principal.name


#: changes made by the service itself or the command line (demo data, reference imports)
SYSTEM = Actor(Principal("system", "admin"))
#: the loader of the synthetic demo dataset (app/services/demo.py)
DEMO_ACTOR_NAME = "demo"


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return int(o) if o == o.to_integral_value() else float(o)
    if isinstance(o, date | datetime):
        return o.isoformat()
    raise TypeError(type(o))


def dumps(state: dict[str, Any] | None) -> str | None:
    return None if state is None else json.dumps(state, ensure_ascii=False, sort_keys=True, default=_default)


def event(
    actor: Actor,
    action: str,
    entity: str,
    key: str,
    *,
    region: str | None = None,
    year: int | None = None,
    element: str | None = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str | None = None,
    years: tuple[int, int | None] | None = None,
) -> dict[str, Any]:
    """An event row; `years` is the span of data years a multi-year change counts in (first,
    last or None for open-ended), matched by `list_events(year=...)` as `year` is."""
    return {
        "at": utcnow(),
        "actor": actor.name,
        "request_id": actor.request_id,
        "action": action,
        "entity": entity,
        "entity_key": key,
        "region_code": region,
        "year": year,
        "year_from": years[0] if years else None,
        "year_to": years[1] if years else None,
        "element": element,
        "old": dumps(old),
        "new": dumps(new),
        "reason": reason,
    }


def record(session: Session, *events: dict[str, Any]) -> None:
    """Append events (dicts from `event`) in one statement."""
    if events:
        session.execute(AuditEvent.__table__.insert(), list(events))  # type: ignore[attr-defined]


def list_events(
    session: Session,
    *,
    region: str | None = None,
    year: int | None = None,
    element: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    entity: str | None = None,
    entity_key: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[Sequence[AuditEvent], int]:
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
    for column, value in (
        (AuditEvent.region_code, region),
        (AuditEvent.element, element),
        (AuditEvent.actor, actor),
        (AuditEvent.entity, entity),
        (AuditEvent.entity_key, entity_key),
    ):
        if value is not None:
            q = q.where(col(column) == value)
    if since is not None:
        q = q.where(col(AuditEvent.at) >= since)
    total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = session.exec(q.order_by(col(AuditEvent.id)).limit(limit).offset(offset)).all()
    return rows, int(total)
