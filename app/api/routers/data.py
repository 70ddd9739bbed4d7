from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from app.api.deps import DbDep, RegionCode, SettingsDep, Year
from app.api.problems import responses
from app.api.schemas import BulkResult, BulkValues, RegionValues, ValuePut, ValueRead, ValueWritten
from app.services import data

router = APIRouter(prefix="/data", tags=["data"])

ElementCode = Annotated[str, Path(min_length=1, max_length=64, examples=["tech_smes"])]


@router.put(
    "/{year}/{region}/{element}",
    response_model=ValueWritten,
    responses={201: {"model": ValueWritten, "description": "Created"}, **responses(404, 422)},
)
def put_value(
    year: Year,
    region: RegionCode,
    element: ElementCode,
    body: ValuePut,
    db: DbDep,
    response: Response,
) -> Any:
    with db.write() as session:
        status = data.put_value(session, year, region, element, body.value, body.comment)
        stored = data.get_value(session, year, region, element)
    response.status_code = 201 if status == "created" else 200
    return {"year": year, "region": region, "element": element, "status": status, "value": stored}


@router.get("/{year}/{region}/{element}", response_model=ValueRead, responses=responses(404, 422))
def get_value(year: Year, region: RegionCode, element: ElementCode, db: DbDep) -> Any:
    with db.read() as session:
        return data.get_value(session, year, region, element)


@router.delete("/{year}/{region}/{element}", status_code=204, responses=responses(404, 422))
def delete_value(year: Year, region: RegionCode, element: ElementCode, db: DbDep) -> Response:
    with db.write() as session:
        data.delete_value(session, year, region, element)
    return Response(status_code=204)


@router.get("/{year}/{region}", response_model=RegionValues, responses=responses(404, 422))
def region_values(year: Year, region: RegionCode, db: DbDep) -> Any:
    with db.read() as session:
        scheme = data.period_scheme(session, year)
        values = data.region_values(session, year, region)
    return {"year": year, "region": region, "scheme": scheme.code, "values": values}


@router.post("/{year}", response_model=BulkResult, responses=responses(404, 413, 422))
def import_values(year: Year, body: BulkValues, db: DbDep, settings: SettingsDep) -> Any:
    """Write many values at once: all rows or none. Any bad row gives 422 listing every bad row
    (index, field, reason). Rows equal to what is stored count as unchanged, so a re-sent batch
    changes nothing. With `dry_run` the batch is checked and counted but not written."""
    rows = [data.ValueRow(r.region, r.element, r.value, r.comment) for r in body.values]
    with db.write() as session:
        result = data.import_values(
            session, year, rows, dry_run=body.dry_run, max_rows=settings.max_bulk_rows
        )
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "dry_run": result.dry_run,
    }
