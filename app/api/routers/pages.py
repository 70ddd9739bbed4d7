"""Pages for people: the landing page, sign-in, offline API docs, county reports and bulletins.

None of these is part of the JSON contract (they stay out of openapi.json). Every asset is served
by this service: Swagger UI and ReDoc come from the pinned `fastapi-offline` package, charts are
inline SVG, and no page names another host.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app import __version__
from app.api.deps import Database, RegionCode, Year
from app.api.pages_wiring import DOCS_STATIC, docs_assets
from app.api.session_cookie import (
    COOKIE_NAME,
    SESSION_SECONDS,
    ReaderDep,
    key_for_token,
    make_cookie,
    session_secret,
)
from app.db import repositories as repo
from app.lru import VersionedLRU
from app.reports import data as report_data
from app.reports.render import render_html, render_pdf
from app.services.scores import ScoreReader

Lang = Annotated[Literal["zh", "en"], Query(description="the report's language")]
Format = Annotated[Literal["html", "pdf"], Query(description="html for the browser, pdf to print")]

router = APIRouter(include_in_schema=False)


#: pages of our own templates: no script at all, styles inline, forms post only here
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
#: Swagger UI and ReDoc: their bundles and inline start-up scripts, everything else from this host
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


def _html(body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(
        body,
        status_code=status_code,
        headers={"Cache-Control": "no-store", "Content-Security-Policy": PAGE_POLICY},
    )


def _docs(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    return page


def _local(next_url: str | None) -> str:
    """Where to go after signing in: a path of this service, never another host."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        return "/"
    return next_url


# ---------------------------------------------------------------------------------- landing


def _landing_context(db: Database) -> dict[str, Any]:
    with db.read() as session:
        periods, _ = repo.list_periods(session, 50, 0)
        cities = repo.region_rows(session, None, "city")
    return {
        "periods": [{"year": p.year, "round_label": p.round_label} for p in periods],
        "cities": [{"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en} for c in cities],
    }


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request, lang: Lang = "zh") -> HTMLResponse:
    context = await run_in_threadpool(_landing_context, request.app.state.db)
    signed_in = COOKIE_NAME in request.cookies
    return _html(render_html("landing.html", {**context, "signed_in": signed_in}, lang))


@router.get("/api/v1")
@router.get("/api/v1/")
async def api_root() -> Response:
    """The address `serve` prints: a person who opens it is shown the API's docs."""
    return RedirectResponse("/docs", status_code=307)


# ----------------------------------------------------------------------------------- sign-in


@router.get("/login", response_class=HTMLResponse)
async def login_form(next: str | None = None, lang: Lang = "zh") -> HTMLResponse:
    return _html(render_html("login.html", {"error": None, "next": _local(next)}, lang))


@router.post("/login")
async def login(
    request: Request, token: Annotated[str, Form(max_length=500)], next: Annotated[str, Form()] = "/"
) -> Response:
    """Check the API key and hand the browser a signed session cookie for reading (8 hours)."""
    key = await run_in_threadpool(key_for_token, request.app.state.db, token.strip())
    if key is None or key.id is None:
        body = render_html(
            "login.html", {"error": "the API key is unknown or revoked", "next": _local(next)}, "zh"
        )
        return _html(body, 401)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        make_cookie(session_secret(request.app.state.settings), key.id, key.token_hash),
        max_age=SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


# -------------------------------------------------------------------------------------- docs


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    root = request.scope.get("root_path", "")
    page = get_swagger_ui_html(
        openapi_url=f"{root}{app.openapi_url}",
        title=f"{app.title} {__version__} - Swagger UI",
        oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
        swagger_js_url=f"{root}{DOCS_STATIC}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{DOCS_STATIC}/swagger-ui.css",
        swagger_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
        # no validator badge: it would be fetched from another host
        swagger_ui_parameters={"validatorUrl": None},
    )
    return _docs(page)


@router.get("/docs/oauth2-redirect", response_class=HTMLResponse)
async def swagger_ui_redirect() -> HTMLResponse:
    return _docs(get_swagger_ui_oauth2_redirect_html())


# an OAuth server sends its answer here as query parameters (code, state, ...) the page reads itself
swagger_ui_redirect.any_query = True  # type: ignore[attr-defined]


@router.get("/redoc", response_class=HTMLResponse)
async def redoc(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    root = request.scope.get("root_path", "")
    page = get_redoc_html(
        openapi_url=f"{root}{app.openapi_url}",
        title=f"{app.title} {__version__} - ReDoc",
        redoc_js_url=f"{root}{DOCS_STATIC}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
        with_google_fonts=False,
    )
    return _docs(page)


#: ReDoc's side menu loads its vendor's logo from a CDN; served with this swapped for an empty image
#: (ReDoc hides a logo that fails to load), the bundle asks nothing of another host
REDOC_LOGO = b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"'
_redoc_bundle: bytes | None = None


def _redoc_js() -> bytes:
    global _redoc_bundle
    if _redoc_bundle is None:
        _redoc_bundle = (
            (docs_assets() / "redoc.standalone.js").read_bytes().replace(REDOC_LOGO, b'src:"data:,"')
        )
    return _redoc_bundle


@router.get(f"{DOCS_STATIC}/redoc.standalone.js")
async def redoc_bundle() -> Response:
    body = await run_in_threadpool(_redoc_js)
    return Response(body, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})


# ----------------------------------------------------------------------------------- reports


def _report(
    db: Database,
    reader: ScoreReader,
    caches: dict[str, VersionedLRU[bytes]],
    kind: str,
    year: int,
    code: str | None,
    lang: str,
    fmt: str,
) -> bytes:
    version = report_data.versions(reader, year)
    key = (kind, year, code, lang, fmt)

    def make() -> bytes:
        with db.read() as session:
            context = _context(session, reader, kind, year, code)
        html = render_html(
            f"{kind}.html", {**context, "made_at": report_data.generated_at(), "pdf": fmt == "pdf"}, lang
        )
        return render_pdf(html) if fmt == "pdf" else html.encode()

    return caches[fmt].get_or_make(key, version, make)


def _context(session: Session, reader: ScoreReader, kind: str, year: int, code: str | None) -> dict[str, Any]:
    if kind == "county":
        assert code is not None
        return report_data.county_report(session, reader, year, code)
    return report_data.bulletin(session, reader, year, code)


def _respond(body: bytes, fmt: str, filename: str) -> Response:
    if fmt == "pdf":
        return Response(
            body,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="{quote(filename)}.pdf"',
                "Cache-Control": "private",
            },
        )
    return Response(
        body,
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "private, no-cache", "Content-Security-Policy": PAGE_POLICY},
    )


@router.get("/reports/{year}/{region}")
async def county_report(
    request: Request,
    year: Year,
    region: RegionCode,
    _reader: ReaderDep,
    lang: Lang = "zh",
    format: Format = "html",
) -> Response:
    """A county's score report: HTML, or PDF with ?format=pdf; Chinese, or English with ?lang=en."""
    state = request.app.state
    body = await run_in_threadpool(
        _report, state.db, state.scores, state.reports, "county", year, region, lang, format
    )
    return _respond(body, format, f"innomon-{year}-{region}-{lang}")


@router.get("/reports/{year}")
async def round_bulletin(
    request: Request,
    year: Year,
    _reader: ReaderDep,
    parent: Annotated[RegionCode | None, Query(description="the regions below this one")] = None,
    lang: Lang = "zh",
    format: Format = "html",
) -> Response:
    """The round bulletin of the county-level regions (under `parent`): HTML or PDF."""
    state = request.app.state
    body = await run_in_threadpool(
        _report, state.db, state.scores, state.reports, "bulletin", year, parent, lang, format
    )
    return _respond(body, format, f"innomon-{year}-{parent or 'all'}-{lang}")
