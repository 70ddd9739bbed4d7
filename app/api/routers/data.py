from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.deps import ActorDep, DbDep, IfMatch, Limit, Offset, RegionCode, SettingsDep, Year
from app.api.exports import EXPORT_CONTENT, FormatQuery, exported
from app.api.problems import responses
from app.api.routers.audit import event_read
from app.api.schemas import AuditPage, BulkResult, BulkValues, RegionValues, ValuePut, ValueRead, ValueWritten
from app.api.sheet_schemas import YearValues
from app.services import audit, data, exports, quality
from app.services.paging import page
from app.spreadsheets import tables

router = APIRouter(prefix="/data", tags=["data"])

ElementCode = Annotated[str, Path(min_length=1, max_length=64, examples=["tech_smes"])]


@router.put(
    "/{year}/{region}/{element}",
    response_model=ValueWritten,
    responses={201: {"model": ValueWritten, "description": "Created"}, **responses(404, 409, 412, 422)},
)
def put_value(
    year: Year,
    region: RegionCode,
    element: ElementCode,
    body: ValuePut,
    db: DbDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    """Write one value. The key must own the element's department (or be an assessor for an
    assessed element) and cover the region; a published year answers 409 period-locked."""
    with db.write() as session:
        status = data.put_value(
            session, year, region, element, body.value, body.comment, actor=actor, if_match=if_match
        )
        stored = data.get_value(session, year, region, element)
        warnings = quality.warnings_for(session, year, region, element)
    response.status_code = 201 if status == "created" else 200
    response.headers["ETag"] = stored["etag"]
    return {
        "year": year,
        "region": region,
        "element": element,
        "status": status,
        "value": stored,
        "warnings": warnings,
    }


@router.get("/{year}/{region}/{element}", response_model=ValueRead, responses=responses(404, 422))
def get_value(year: Year, region: RegionCode, element: ElementCode, db: DbDep, response: Response) -> Any:
    with db.read() as session:
        stored = data.get_value(session, year, region, element)
    response.headers["ETag"] = stored["etag"]
    return stored


@router.get("/{year}/{region}/{element}/history", response_model=AuditPage, responses=responses(404, 422))
def value_history(
    year: Year, region: RegionCode, element: ElementCode, db: DbDep, limit: Limit = 100, offset: Offset = 0
) -> Any:
    """Every change of this value, oldest first: who, when, before and after."""
    with db.read() as session:
        data.period_scheme(session, year)
        rows, total = audit.list_events(
            session, entity="data_value", entity_key=f"{year}/{region}/{element}", limit=limit, offset=offset
        )
        return page([event_read(r) for r in rows], total, limit, offset)


@router.delete("/{year}/{region}/{element}", status_code=204, responses=responses(404, 409, 412, 422))
def delete_value(
    year: Year, region: RegionCode, element: ElementCode, db: DbDep, actor: ActorDep, if_match: IfMatch = None
) -> Response:
    with db.write() as session:
        data.delete_value(session, year, region, element, actor=actor, if_match=if_match)
    return Response(status_code=204)


@router.get("/{year}/{region}", response_model=RegionValues, responses=responses(404, 422))
def region_values(year: Year, region: RegionCode, db: DbDep) -> Any:
    with db.read() as session:
        scheme = data.period_scheme(session, year)
        values = data.region_values(session, year, region)
    return {"year": year, "region": region, "scheme": scheme.code, "values": values}


@router.get("/{year}", response_model=YearValues, responses={**EXPORT_CONTENT, **responses(404, 422)})
def year_values(
    year: Year,
    db: DbDep,
    request: Request,
    department: str | None = Query(
        None, max_length=64, description="only the elements this department posts"
    ),
    parent: RegionCode | None = Query(None, description="only this region and the regions below it"),
    element: str | None = Query(None, min_length=1, max_length=64, description="only this element"),
    limit: Limit = 1000,
    offset: Offset = 0,
    fmt: FormatQuery = None,
) -> Any:
    """Every value stored for the year, by region code and then the scheme's element order, so a
    department can read back all it posted."""
    with db.read() as session:
        body = exports.year_values(
            session, year, department=department, parent=parent, element=element, limit=limit, offset=offset
        )
    return exported(request, fmt, body, tables.values, "数据", "values")


@router.post("/{year}", response_model=BulkResult, responses=responses(404, 409, 413, 422))
def import_values(year: Year, body: BulkValues, db: DbDep, settings: SettingsDep, actor: ActorDep) -> Any:
    """Write many values at once: all rows or none. Any bad row gives 422 listing every bad row
    (index, field, reason); rows the key may not write give 403 naming each of them. Rows equal to
    what is stored count as unchanged, so a re-sent batch changes nothing. With `dry_run` the batch
    is checked and counted but not written. A published year answers 409 period-locked."""
    rows = [data.ValueRow(r.region, r.element, r.value, r.comment) for r in body.values]
    with db.write() as session:
        result = data.import_values(
            session, year, rows, dry_run=body.dry_run, max_rows=settings.max_bulk_rows, actor=actor
        )
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "dry_run": result.dry_run,
        "warnings": list(result.warnings),
    }
