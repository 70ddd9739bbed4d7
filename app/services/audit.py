"""The audit trail: one append-only row per change, with the actor, the request and both states."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from app.db import audit as audit_rows
from app.db.tables import AuditEvent
from app.db.types import utcnow
from app.domain.numbers import json_number


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
        return json_number(o)
    if isinstance(o, date | datetime):
        return o.isoformat()
    raise TypeError(type(o))


def dumps(state: dict[str, Any] | None) -> str | None:
    return None if state is None else json.dumps(state, ensure_ascii=False, sort_keys=True, default=_default)


_text = json.encoder.encode_basestring


def _scalar(x: Any) -> str:
    if x is None:
        return "null"
    if isinstance(x, str):
        return _text(x)
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, Decimal):
        x = json_number(x)
    if isinstance(x, int):
        return int.__repr__(x)
    if isinstance(x, float) and math.isfinite(x):
        return float.__repr__(x)  # what json.dumps writes for a finite float, without its encoder
    return json.dumps(x)


def value_state(value: Any, comment: str | None) -> str:
    """`dumps({"value": value, "comment": comment})`, written directly: a bulk import records one
    per row (the same text, checked by tests/unit/test_audit_state.py)."""
    if type(value) is Decimal and value.is_finite():
        # json_number inline, the usual case of a bulk import: a whole number as a JSON integer
        whole = value == value.to_integral_value()
        number = int.__repr__(int(value)) if whole else float.__repr__(float(value))
        return f'{{"comment": {"null" if comment is None else _scalar(comment)}, "value": {number}}}'
    return f'{{"comment": {_scalar(comment)}, "value": {_scalar(value)}}}'


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


#: columns of an event row of a data value, in the order `record_values` takes them
VALUE_EVENT_COLUMNS = ("action", "entity_key", "region_code", "element", "old", "new")


def record_values(session: Session, actor: Actor, year: int, rows: Sequence[tuple[Any, ...]]) -> None:
    """Append events on data values of `year`, one per row of VALUE_EVENT_COLUMNS, all at one
    time and by `actor`, in one bulk write: what `record` of `event(...)` rows would store."""
    audit_rows.insert_events(
        session,
        VALUE_EVENT_COLUMNS,
        rows,
        {
            "at": utcnow(),
            "actor": actor.name,
            "request_id": actor.request_id,
            "entity": "data_value",
            "year": year,
        },
    )


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
    equal = (
        (AuditEvent.region_code, region),
        (AuditEvent.element, element),
        (AuditEvent.actor, actor),
        (AuditEvent.entity, entity),
        (AuditEvent.entity_key, entity_key),
    )
    return audit_rows.list_events(session, year=year, equal=equal, since=since, limit=limit, offset=offset)
