from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BeforeValidator, WithJsonSchema

from app.api.deps import DbDep, Limit, Offset, RegionCode
from app.api.exports import EXPORT_CONTENT, FormatQuery, exported
from app.api.problems import responses
from app.api.schemas import AuditPage
from app.db.tables import AuditEvent
from app.services import audit
from app.services.paging import page
from app.spreadsheets import tables

router = APIRouter(prefix="/audit", tags=["audit"])

#: the users' clock (Hebei): a time sent without an offset is China Standard Time, UTC+8
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
#: an ISO 8601 date, or date and time with an optional offset (a bare number is not a time)
ISO_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
_ISO_TIME = re.compile(ISO_TIME, re.ASCII)


def _iso_time(raw: object) -> datetime:
    if isinstance(raw, datetime):
        return raw
    if not isinstance(raw, str) or not _ISO_TIME.fullmatch(raw):
        raise ValueError("must be an ISO 8601 date or time, e.g. 2020-01-01 or 2020-01-01T08:00:00+08:00")
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a calendar date or time") from None


IsoTime = Annotated[
    datetime,
    BeforeValidator(_iso_time),
    WithJsonSchema({"type": "string", "pattern": ISO_TIME, "examples": ["2020-01-01T08:00:00+08:00"]}),
]


def event_read(e: AuditEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at,
        "actor": e.actor,
        "request_id": e.request_id,
        "action": e.action,
        "entity": e.entity,
        "entity_key": e.entity_key,
        "region": e.region_code,
        "year": e.year,
        "year_from": e.year_from,
        "year_to": e.year_to,
        "element": e.element,
        "old": json.loads(e.old) if e.old is not None else None,
        "new": json.loads(e.new) if e.new is not None else None,
        "reason": e.reason,
    }


def _utc(t: datetime) -> datetime:
    """`t` in UTC, a naive time read as China Standard Time; a time so near year 1 or 9999 that
    UTC cannot hold it becomes the first or the last representable instant."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=CHINA_STANDARD_TIME)
    try:
        return t.astimezone(UTC)
    except OverflowError:
        return (datetime.min if t.year == datetime.min.year else datetime.max).replace(tzinfo=UTC)


@router.get("", response_model=AuditPage, responses={**EXPORT_CONTENT, **responses(422)})
def list_audit(
    db: DbDep,
    request: Request,
    region: RegionCode | None = Query(None, description="events of this region"),
    year: int | None = Query(
        None,
        ge=1949,
        le=2100,
        description="changes that count in this data year: values of the year, awards dated in it, "
        "platforms standing at its end (before or after the change)",
    ),
    element: str | None = Query(None, max_length=64),
    actor: str | None = Query(None, max_length=100, description="key name"),
    since: IsoTime | None = Query(
        None,
        description="changes at or after this time (ISO 8601). A time without an offset "
        "(`2020-01-01T08:00:00`) or a bare date (`2020-01-01`, meaning its midnight) is China "
        "Standard Time, UTC+8; add `Z` or an offset for another zone.",
    ),
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQuery = None,
) -> Any:
    """The audit trail, oldest first: every create, update and delete, with actor and both states."""
    if since is not None:
        since = _utc(since)
    with db.read() as session:
        rows, total = audit.list_events(
            session,
            region=region,
            year=year,
            element=element,
            actor=actor,
            since=since,
            limit=limit,
            offset=offset,
        )
        body = page([event_read(r) for r in rows], total, limit, offset)
    return exported(request, fmt, body, tables.audit, "审计记录", "audit")
