"""Department data-entry templates (XLSX)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from app.api.deps import ActorDep, DbDep, RegionCode, Year
from app.api.exports import XLSX_TYPE
from app.api.problems import responses
from app.services import exports
from app.spreadsheets.template import build_template

router = APIRouter(prefix="/templates", tags=["templates"])


@router.get(
    "/{year}.xlsx",
    response_class=Response,
    responses={
        200: {
            "description": "The workbook",
            "content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
        **responses(404, 422),
    },
)
def get_template(
    year: Year,
    db: DbDep,
    actor: ActorDep,
    department: str | None = Query(
        None,
        max_length=64,
        description="the department whose elements the workbook asks for; default the key's own",
    ),
    parent: RegionCode | None = Query(
        None, description="the regions below this one; default the key's region"
    ),
) -> Response:
    """A workbook to fill: sheet 数据 with one row per county in scope and one column per
    element the department posts (pre-filled with stored values, validated per column), sheets
    平台 and 奖励 for the departments that keep the registries, and 说明 describing every column.
    Send it back filled to POST /api/v1/imports/{year}."""
    with db.read() as session:
        content = exports.template_data(session, year, actor, department=department, parent=parent)
        body = build_template(content)
    name = f"innomon-{year}-{content.department}.xlsx"
    return Response(
        body, media_type=XLSX_TYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
