"""RFC 9457 problem details: the one table from errors to HTTP statuses, and its handlers."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from app.api import lazy
from app.api.input_errors import (
    INVALID_INPUT,
    json_path,
    received,
    row_index,
    summary,
    validation_errors,
    zh_of,
)
from app.domain import InvalidInput, SchemeInvalid, SchemeNotFound
from app.services.approvals import NotAccepted, NotReady, RegionSubmitted
from app.services.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PeriodLocked,
    PreconditionFailed,
    RowsInvalid,
    TooLarge,
    Unauthenticated,
    Unavailable,
    UnsupportedMediaType,
)
from app.services.quality import ConsistencyBreached

log = logging.getLogger("innomon.api")
PROBLEM_MEDIA_TYPE = "application/problem+json"


class TextPosition(BaseModel):
    line: int = Field(description="from 1")
    column: int = Field(description="from 1, in characters")


class ErrorItem(BaseModel):
    index: int | None = Field(None, description="row of a batch the problem is in (bulk requests)")
    field: str = Field(
        description="where the problem is, as a JSON path into the request: `values[3].value`, "
        "`code`, `body` (the body as a whole); a path or query parameter by its name"
    )
    reason: str = Field(description="why, in English")
    reason_zh: str | None = Field(None, description="why, in Chinese")
    received: Any = Field(
        None,
        description="the value as sent (text longer than 100 characters is cut short and ends in …); "
        "spreadsheet imports: what the cell held",
    )
    position: TextPosition | None = Field(None, description="malformed JSON: where in the body the error is")
    # spreadsheet imports: where the bad cell is
    sheet: str | None = Field(None, description="spreadsheet imports: the sheet of the bad cell")
    cell: str | None = Field(None, description="spreadsheet imports: the cell in A1 notation, e.g. D7")
    row: int | None = Field(None, description="spreadsheet imports: the row number (from 1)")
    column: str | None = Field(None, description="spreadsheet imports: the column's code")


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field(description="a URI reference naming the kind of problem")
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ErrorItem] | None = None
    former_type: str | None = Field(
        None,
        description="the type an input error had before every one became `/problems/invalid-input`: "
        "`/problems/invalid-request` or `/problems/invalid-rows`; sent for this release only, match `type`",
    )


_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    431: "Request headers too large",
    500: "Internal error",
    503: "Service unavailable",
}


def problem(
    status: int,
    kind: str,
    detail: str,
    request: Request | None = None,
    errors: list[dict[str, Any]] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{kind}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path if request is not None else None,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extensions or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


def responses(*statuses: int, auth: bool = True) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of a route's problem responses; 401, 403 and 503 on every route (a
    key is needed, a key may not be allowed, the database may be down)."""
    statuses = tuple(sorted({*statuses, 503, *((401, 403) if auth else ())}))
    return {
        s: {
            "model": Problem,
            "description": _TITLES.get(s, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }


def field_of(loc: tuple[Any, ...]) -> tuple[int | None, str]:
    """(row of a batch, JSON path) of a location: ("body", "values", 3, "region") -> (3, "values[3].region")."""
    return row_index(loc), json_path(loc)


def _errors(exc: Exception, problems: list[Any]) -> list[dict[str, Any]]:
    # the rows of a batch are named by their place in the body: values[3].value
    collection = getattr(exc, "collection", None)
    out = []
    for p in problems:
        index = getattr(p, "index", None)
        field = p.field
        if collection and index is not None and not field.startswith(f"{collection}["):
            field = f"{collection}[{index}]" + ("" if field == "(row)" else f".{field}")
        item = {
            "index": index,
            "field": field,
            "received": received(getattr(p, "received", None)),
            "reason": p.reason,
            "reason_zh": getattr(p, "reason_zh", None) or zh_of(p.reason),
        }
        location = getattr(p, "location", None)  # a bad cell of an imported spreadsheet
        if location is not None:
            item.update(location())
        out.append(item)
    return out


#: The error table: each error of the domain and the services, its status and its problem type.
#: Errors that carry `problems` list them in `errors[]` (with `index` for rows of a batch).
ERROR_TABLE: dict[type[Exception], tuple[int, str]] = {
    NotFound: (404, "not-found"),
    SchemeNotFound: (404, "not-found"),
    Forbidden: (403, "forbidden"),
    Conflict: (409, "conflict"),
    PeriodLocked: (409, "period-locked"),
    PreconditionFailed: (412, "precondition-failed"),
    TooLarge: (413, "too-large"),
    UnsupportedMediaType: (415, "unsupported-media-type"),
    InvalidInput: (422, INVALID_INPUT),
    SchemeInvalid: (422, "invalid-scheme"),
    RowsInvalid: (422, INVALID_INPUT),
    ConsistencyBreached: (422, "consistency-error"),
    RegionSubmitted: (409, "region-submitted"),
    NotReady: (409, "region-not-ready"),
    NotAccepted: (409, "regions-not-accepted"),
}


def allowed_methods(app: FastAPI, path: str) -> set[str]:
    """Every method some route serves at `path` (the Allow header of a 405)."""
    table: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "allowed_methods", None)
    if table is None:
        lazy.load_all(app)  # every route, not only those requested so far
        table = []
        try:
            from fastapi.routing import iter_route_contexts

            pairs = [(c.path_format, c.original_route) for c in iter_route_contexts(app.routes)]
        except ImportError:  # FastAPI versions that copy routes with their full path
            pairs = [(getattr(r, "path", None), r) for r in app.routes]
        for template, route in pairs:
            methods = getattr(route, "methods", None)
            if isinstance(template, str) and methods:
                table.append((compile_path(template)[0], set(methods)))
        app.state.allowed_methods = table
    return {m for regex, methods in table if regex.match(path) for m in methods}


def invalid(request: Request, errors: list[dict[str, Any]]) -> JSONResponse:
    """422 `/problems/invalid-input` for errors found before the application ran (the request's form)."""
    return problem(
        422, INVALID_INPUT, summary(errors), request, errors, {"former_type": "/problems/invalid-request"}
    )


def install(app: FastAPI) -> None:
    async def _from_table(request: Request, exc: Exception) -> JSONResponse:
        status, kind = next(ERROR_TABLE[t] for t in type(exc).__mro__ if t in ERROR_TABLE)
        problems = getattr(exc, "problems", None)
        errors = _errors(exc, problems) if problems else None
        extensions = dict(getattr(exc, "extensions", None) or {})
        if isinstance(exc, RowsInvalid):
            extensions["former_type"] = "/problems/invalid-rows"
        return problem(status, kind, str(exc), request, errors, extensions)

    for error in ERROR_TABLE:
        app.add_exception_handler(error, _from_table)

    @app.exception_handler(Unauthenticated)
    async def _unauthenticated(request: Request, exc: Unauthenticated) -> JSONResponse:
        response = problem(401, "unauthenticated", str(exc), request)
        response.headers["WWW-Authenticate"] = 'Bearer realm="innomon"'
        return response

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        return problem(
            409,
            "conflict",
            "the change conflicts with stored data (a duplicate or a missing reference)",
            request,
        )

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> JSONResponse:
        # e.g. a NUL character, which PostgreSQL text cannot hold: the input is invalid, not the server
        reason = (
            "contains a value the database cannot store (a NUL character in text, or a number out of range)"
        )
        reason_zh = "含有数据库无法保存的值（文本中的 NUL 字符，或超出范围的数字）"
        return problem(
            422,
            INVALID_INPUT,
            f"the request {reason}",
            request,
            [{"index": None, "field": "body", "received": None, "reason": reason, "reason_zh": reason_zh}],
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc.errors(), exc.body)
        return invalid(request, errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(
            exc.status_code, "http-error"
        )
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "error")
        status = exc.status_code
        if status == 400:  # a body FastAPI could not even decode (e.g. not UTF-8): invalid input, 422
            reason = f"could not be read ({detail.lower()}): send JSON encoded as UTF-8"
            return invalid(
                request,
                [
                    {
                        "index": None,
                        "field": "body",
                        "received": None,
                        "reason": reason,
                        "reason_zh": "无法读取（请以 UTF-8 编码发送 JSON）",
                    }
                ],
            )
        response = problem(status, kind, detail, request)
        if exc.headers:
            response.headers.update(exc.headers)
        if status == 405:  # Starlette names the methods of the first route on the path only
            response.headers["Allow"] = ", ".join(sorted(allowed_methods(request.app, request.url.path)))
        return response

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc.orig)
        return problem(503, "database-unavailable", "the database is unavailable; try again shortly", request)

    @app.exception_handler(Unavailable)
    async def _unavailable(request: Request, exc: Unavailable) -> JSONResponse:
        log.warning("%s", exc)
        return problem(503, "database-unavailable", "the database is unavailable; try again shortly", request)

    @app.exception_handler(PoolTimeout)
    async def _pool(request: Request, exc: PoolTimeout) -> JSONResponse:
        return problem(503, "database-unavailable", "no database connection became free in time", request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal-error", "an unexpected error occurred; it has been logged", request)
