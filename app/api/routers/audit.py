from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request

from app.api.deps import DbDep, Limit, Offset
from app.api.exports import EXPORT_CONTENT, FormatQuery, exported
from app.api.problems import responses
from app.api.schemas import AuditPage
from app.db.tables import AuditEvent
from app.services import audit
from app.spreadsheets import tables

router = APIRouter(prefix="/audit", tags=["audit"])


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
        "element": e.element,
        "old": json.loads(e.old) if e.old is not None else None,
        "new": json.loads(e.new) if e.new is not None else None,
        "reason": e.reason,
    }


@router.get("", response_model=AuditPage, responses={**EXPORT_CONTENT, **responses(422)})
def list_audit(
    db: DbDep,
    request: Request,
    region: str | None = Query(None, max_length=12),
    year: int | None = Query(None, ge=1949, le=2100),
    element: str | None = Query(None, max_length=64),
    actor: str | None = Query(None, max_length=100, description="key name"),
    since: datetime | None = Query(None, description="changes at or after this time (ISO 8601)"),
    limit: Limit = 100,
    offset: Offset = 0,
    fmt: FormatQuery = None,
) -> Any:
    """The audit trail, oldest first: every create, update and delete, with actor and both states."""
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
        body = {"items": [event_read(r) for r in rows], "total": total, "limit": limit, "offset": offset}
    return exported(request, fmt, body, tables.audit, "审计记录", "audit")
