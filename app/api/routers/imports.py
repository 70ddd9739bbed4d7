"""Spreadsheet import: a filled template or long-form CSV, checked like the JSON bulk write."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Query, UploadFile
from starlette.concurrency import run_in_threadpool

from app.api.deps import ActorDep, DbDep, SettingsDep, Year, registry_scheme
from app.api.problems import responses
from app.api.sheet_schemas import ImportRead
from app.services import imports
from app.services.errors import TooLarge, UnsupportedMediaType
from app.spreadsheets.read import NotASpreadsheet, UnreadableText, read_upload

router = APIRouter(prefix="/imports", tags=["imports"])


@router.post("/{year}", response_model=ImportRead, responses=responses(404, 409, 413, 415, 422))
async def import_file(
    year: Year,
    db: DbDep,
    settings: SettingsDep,
    actor: ActorDep,
    file: UploadFile = File(
        description="a filled template (.xlsx) or CSV with the header region,element,value,comment"
    ),
    dry_run: bool = Query(False, description="check and count everything, write nothing"),
) -> Any:
    """Import a spreadsheet: all sheets or nothing. Regions by code or exact Chinese name;
    choices, levels and types by code or Chinese label; dates as spreadsheet dates or YYYY-MM-DD.
    An empty cell changes nothing; `清除` (or `DELETE`) in a value cell deletes the stored value.
    A bad file gives 422 listing every bad cell (`sheet`, `cell` like D7, `row`, `column`,
    `received`, `reason`); cells the key may not write give 403 naming them; a file that is not
    XLSX or CSV gives 415. CSV may be UTF-8 (with or without BOM) or GB18030: the answer says which."""
    content = await file.read(settings.max_body_bytes + 1)
    if len(content) > settings.max_body_bytes:
        raise TooLarge(f"the file exceeds {settings.max_body_bytes} bytes (INNOMON_MAX_BODY_BYTES)")
    return await run_in_threadpool(_import, content, file.filename, year, db, settings, actor, dry_run)


def _import(
    content: bytes, filename: str | None, year: int, db: Any, settings: Any, actor: Any, dry_run: bool
) -> Any:
    try:
        upload = read_upload(content, filename)
    except NotASpreadsheet as exc:
        raise UnsupportedMediaType(f"{exc}; send an XLSX workbook or a CSV file") from None
    except UnreadableText as exc:
        raise UnsupportedMediaType(f"{exc}; save the CSV as UTF-8 or GB18030") from None
    with db.write() as session:
        return imports.import_file(
            session,
            year,
            upload,
            registry_scheme=registry_scheme(session, settings),
            dry_run=dry_run,
            max_rows=settings.max_bulk_rows,
            actor=actor,
        )
