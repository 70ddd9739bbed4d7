"""The application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import Depends, FastAPI, Response
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from app import __version__, observability
from app.api import lazy, pages_wiring, problems
from app.api.cached_reads import CachedBreakdowns
from app.api.cors import Cors, parse_origins
from app.api.deps import Database, RejectUnknownQuery, get_actor
from app.api.limits import RequestLimits
from app.api.routers import health
from app.config import Settings, get_settings
from app.db.engine import make_engine, session_scope, writer
from app.db.watch import watch_for
from app.heap import settle_heap
from app.services.access import Authenticator, ensure_bootstrap_admin
from app.services.schemes import get_scheme, sync_builtin_schemes
from app.services.scores import ScoreReader

API_PREFIX = "/api/v1"

#: the API's routers in the order they are included, each with the path prefixes (below
#: API_PREFIX) its routes live under: each is imported by the first request to one of them
#: (app.api.lazy); tests/api/test_lazy_routes.py checks the prefixes against the routes
API_ROUTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("app.api.routers.schemes:router", ("/schemes",)),
    ("app.api.routers.regions:router", ("/regions",)),
    ("app.api.routers.periods:router", ("/periods",)),
    ("app.api.routers.data:router", ("/data",)),
    ("app.api.routers.registry:platforms", ("/platforms",)),
    ("app.api.routers.registry:awards", ("/awards",)),
    # before scores: /scores/{year}/robustness is not a region's breakdown
    ("app.api.routers.robustness:router", ("/scores",)),
    ("app.api.routers.scores:router", ("/scores",)),
    ("app.api.routers.audit:router", ("/audit",)),
    ("app.api.routers.targets:router", ("/targets",)),
    ("app.api.routers.analytics:router", ("/periods", "/regions", "/rounds", "/scores")),
    ("app.api.routers.imports:router", ("/imports",)),
    ("app.api.routers.templates:router", ("/templates",)),
    ("app.api.routers.quality:router", ("/periods",)),
    ("app.api.routers.approvals:router", ("/approvals",)),
    ("app.api.routers.keys:router", ("/keys",)),
)


class Innomon(FastAPI):
    """FastAPI whose OpenAPI document loads the routers not yet imported first: it names every route."""

    def openapi(self) -> dict[str, Any]:
        lazy.load_all(self)
        return super().openapi()


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def _prepare(engine: Engine, settings: Settings) -> None:
    """Load the built-in schemes and the bootstrap admin key. Several processes may start at once
    on one database: the one that loses a race for the same row finds it on its second try."""
    for attempt in (1, 2):
        try:
            with session_scope(writer(engine)) as session:
                sync_builtin_schemes(session)
                if settings.bootstrap_admin_token is not None:
                    ensure_bootstrap_admin(
                        session,
                        get_scheme(session, settings.default_scheme),
                        settings.bootstrap_admin_token.get_secret_value(),
                    )
            return
        except IntegrityError:
            if attempt == 2:
                raise


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, settings.db_bounds())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _prepare(engine, settings)
        settle_heap()
        warming = None
        if settings.warm_up_after > 0:
            warming = asyncio.create_task(
                lazy.warm(app, after=settings.warm_up_after, busy=observability.serving)
            )
        yield
        if warming is not None:
            warming.cancel()
            with suppress(asyncio.CancelledError):
                await warming
        app.state.scores.close()
        engine.dispose()
        observability.shutdown()

    app = Innomon(
        title="innomon",
        version=__version__,
        summary="County-level S&T innovation capability scoring (县域科技创新能力监测评价)",
        description=(
            "Departments post statistics and registries of platforms and awards; innomon scores "
            "each region under a versioned indicator scheme, explains every point, ranks regions "
            "and classifies them into tiers. Errors are RFC 9457 problem details."
        ),
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        # /docs and /redoc are served by the pages router with their assets from this service
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = Database(engine)
    # one change watch per process: both caches trust what they hold while it reports no commit
    changes = watch_for(engine)
    app.state.scores = ScoreReader(engine, settings.score_cache_size, changes)
    app.state.auth = Authenticator(changes)
    problems.install(app)
    # innermost: a cached breakdown is answered before routing, after limits, request id and log
    app.add_middleware(CachedBreakdowns, api=app, scores=app.state.scores, auth=app.state.auth)
    app.add_middleware(
        RequestLimits,
        max_bytes=settings.max_body_bytes,
        max_header_bytes=settings.max_header_bytes,
        max_rows=settings.max_bulk_rows,
        protected_prefix=API_PREFIX + "/",
        bulk_path=rf"^{API_PREFIX}/data/[^/]+/?$",
    )
    origins, any_origin = parse_origins(settings.cors_origins)
    if origins or any_origin:
        # around the limits: a preflight is answered before limits and authentication, and every
        # answer, problems included, carries the headers a browser needs to hand it to the page;
        # inside observability, so preflights are logged and counted like any request
        app.add_middleware(Cors, origins=origins, any_origin=any_origin)
    observability.install(app)
    app.include_router(health.router, dependencies=[RejectUnknownQuery])
    pages_wiring.install(app)
    for target, prefixes in API_ROUTERS:
        # every API route needs a valid key; /healthz, /readyz, /metrics and /openapi.json do not
        lazy.include(
            app,
            target,
            [API_PREFIX + p for p in prefixes],
            prefix=API_PREFIX,
            dependencies=[Depends(get_actor), RejectUnknownQuery],
        )
    if settings.bench_routes:
        _mount_bench(app)
    return app


def _mount_bench(app: FastAPI) -> None:
    """/bench/bare/{year}/{region}: the breakdown's bytes from a dict, no database (benchmarks)."""
    held: dict[tuple[int, str], bytes] = {}

    @app.get("/bench/bare/{year}/{region}", include_in_schema=False)
    async def bare(year: int, region: str) -> Response:
        body = held.get((year, region))
        if body is None:
            body = held[(year, region)] = await run_in_threadpool(
                app.state.scores.breakdown_json, year, region
            )
        return Response(body, media_type="application/json")
