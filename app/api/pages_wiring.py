"""What the app sets up for the pages (app/api/routers/pages.py) before their router is imported:
the report caches, the sign-in redirect, the docs assets' mount and a stand-in for the router,
which the first request to a page imports (app.api.lazy)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from app.api import lazy
from app.api.deps import RejectUnknownQuery
from app.api.session_cookie import SignInRequired
from app.lru import VersionedLRU

DOCS_STATIC = "/static/docs"
#: reports kept in memory per process, each language apart: HTML pages (tens of kB each) and PDFs
#: (hundreds of kB each)
REPORT_CACHE_SIZES = {"html": 512, "pdf": 32}
#: the paths of the pages, exactly, and the prefixes under which they take parameters
PAGE_PATHS = (
    "/",
    "/api/v1",
    "/api/v1/",
    "/login",
    "/logout",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    f"{DOCS_STATIC}/redoc.standalone.js",
)
PAGE_PREFIXES = ("/reports",)


def docs_assets() -> Path:
    return Path(str(resources.files("fastapi_offline") / "static"))


def sign_in_redirect(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def install(app: FastAPI) -> None:
    """Mount the docs assets and the pages on `app` (built with docs_url and redoc_url None)."""
    app.state.reports = {fmt: VersionedLRU[bytes](size) for fmt, size in REPORT_CACHE_SIZES.items()}
    app.add_exception_handler(SignInRequired, sign_in_redirect)
    # before the mount, so that the ReDoc bundle route wins
    lazy.include(
        app,
        "app.api.routers.pages:router",
        PAGE_PREFIXES,
        paths=PAGE_PATHS,
        dependencies=[RejectUnknownQuery],
    )
    app.mount(DOCS_STATIC, StaticFiles(directory=docs_assets()), name="docs-static")
