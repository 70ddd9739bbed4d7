"""`?format=csv|xlsx` (or an Accept of text/csv or the XLSX type) on any read: one mechanism.

A route keeps building its JSON answer and ends with `return exported(request, fmt, body,
tables.<name>, "<what>")`; JSON stays the default."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Query, Request, Response
from fastapi.encoders import jsonable_encoder

from app.db.types import utcnow

if TYPE_CHECKING:
    from app.spreadsheets.tables import Tables

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Literal["json", "csv", "xlsx"]
FormatQuery = Annotated[
    Format | None,
    Query(
        alias="format",
        description="json (default), csv (UTF-8 with BOM, codes as headers) or xlsx (Chinese headers); "
        "an Accept of text/csv or the XLSX media type asks the same",
    ),
]

#: the OpenAPI description of the extra media types of an exportable read
EXPORT_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            CSV_TYPE: {"schema": {"type": "string"}},
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


def wanted(request: Request, fmt: Format | None) -> Format:
    """The query parameter wins; else the first of the Accept types we serve; else JSON."""
    if fmt is not None:
        return fmt
    return accepted_format(request.headers.get("accept", ""))


def accepted_format(accept: str) -> Format:
    """The first of the types we serve named in an Accept header; JSON when none is."""
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media == CSV_TYPE:
            return "csv"
        if media == XLSX_TYPE:
            return "xlsx"
        if media in ("application/json", "*/*", "application/*"):
            return "json"
    return "json"


def render(fmt: Format, body: Any, tables: Tables, what: str) -> tuple[bytes, str]:
    """The export's bytes and media type."""
    # imported here: the spreadsheet writers are not needed to start (app.api.cached_reads
    # imports this module for accepted_format)
    from app.spreadsheets.write import Title, to_csv, to_xlsx

    plain = jsonable_encoder(body)
    sheets = tables(plain)
    if fmt == "csv":
        return to_csv(sheets), f"{CSV_TYPE}; charset=utf-8"
    title = Title(what, plain.get("year"), plain.get("scheme"), plain.get("period_status"), utcnow())
    return to_xlsx(sheets, title), XLSX_TYPE


def exported(request: Request, fmt: Format | None, body: Any, tables: Tables, what: str, name: str) -> Any:
    """The body itself for JSON, else a CSV or XLSX attachment of its tables. `body` may be the
    JSON bytes an endpoint already serves."""
    f = wanted(request, fmt)
    if f == "json":
        return body
    if isinstance(body, bytes | str):
        body = json.loads(body)
    content, media = render(f, body, tables, what)
    year = body.get("year") if isinstance(body, dict) else None
    filename = f"{name}-{year}.{f}" if year is not None else f"{name}.{f}"
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Vary": "Accept"},
    )
