"""Dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.config import Settings
from app.db.engine import session_scope, writer
from app.domain import InvalidInput, Problem, Scheme
from app.services import schemes
from app.services.access import Authenticator
from app.services.audit import Actor, Principal
from app.services.errors import Unauthenticated
from app.services.scores import ScoreReader

# The dependencies below are `async def` on purpose: a plain `def` dependency is run in the thread
# pool on every request, which halved the throughput of the cached score read (bench/api_read.py).
# None of them touches the database on the event loop: a stalled database must not stall the
# process (/healthz keeps answering); database work goes to the thread pool.


class Database:
    """Transactions for a request: `read()` for queries, `write()` for changes (commits on exit)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.write_engine = writer(engine)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with session_scope(self.write_engine) as session:
            yield session


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_scores(request: Request) -> ScoreReader:
    reader: ScoreReader = request.app.state.scores
    return reader


async def authenticate(request: Request, token: str) -> Principal | None:
    """The principal behind `token`, or None. A token seen in the last seconds is answered from
    memory; otherwise the key is looked up in a worker thread, never on the event loop."""
    auth: Authenticator = request.app.state.auth
    found, principal = auth.cached(token)
    if found:
        return principal
    db: Database = request.app.state.db
    return await run_in_threadpool(auth.lookup, db.read, token)


NO_KEY = "this request needs an API key: Authorization: Bearer <token>"


def bearer_token(header: str | None) -> tuple[str | None, str]:
    """(the key, "") of an Authorization header, or (None, why it holds none): a header without
    the word Bearer gets its own message, as a key pasted alone is the usual mistake."""
    if not header or not header.strip():
        return None, NO_KEY
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None, (
            "the Authorization header must read 'Bearer <token>': the word Bearer, a space, then the "
            "key; this one has no 'Bearer ' before the key (Authorization 头须写作 'Bearer <token>')"
        )
    if not token.strip():
        return None, "the Authorization header reads 'Bearer' but holds no key after it"
    return token.strip(), ""


_bearer = HTTPBearer(auto_error=False, description="an innomon API key: `Authorization: Bearer <token>`")


async def get_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    """The key behind the request; 401 without a valid one. Reads need any valid key; each write
    checks its own permission in the service it calls."""
    # `credentials` documents the scheme in OpenAPI; the header itself says what is wrong with it
    token, why = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Unauthenticated(why)
    principal = await authenticate(request, token)
    if principal is None:
        raise Unauthenticated("the API key is unknown or revoked")
    request_id = getattr(request.state, "request_id", None) or request.headers.get("x-request-id")
    return Actor(principal, request_id)


def registry_scheme(session: Session, settings: Settings) -> Scheme:
    """The scheme whose registry types and levels platform and award items are checked against."""
    return schemes.get_scheme(session, settings.default_scheme)


DbDep = Annotated[Database, Depends(get_db)]
ActorDep = Annotated[Actor, Depends(get_actor)]
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="the ETag you last read; 412 if the resource changed since"),
]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ScoresDep = Annotated[ScoreReader, Depends(get_scores)]

Year = Annotated[int, Path(ge=1949, le=2100, description="the data year", examples=[2020])]
RegionCode = Annotated[
    str, Path(pattern=r"^[0-9]{6}$", description="GB/T 2260 division code", examples=["130102"])
]
Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")]


# ------------------------------------------------------------------------ unknown query parameters

#: the attribute a route keeps its accepted query parameters in (computed on first use)
_ACCEPTED = "_innomon_accepted_query"


def accepted_query(route: object) -> tuple[str, ...]:
    """The query parameters a route declares (their names as sent, e.g. `format`), sorted."""
    found: tuple[str, ...] | None = getattr(route, _ACCEPTED, None)
    if found is None:
        names: set[str] = set()
        stack = [getattr(route, "dependant", None)]
        while stack:  # the route's parameters and those of every dependency it uses
            dependant = stack.pop()
            if dependant is None:
                continue
            stack.extend(dependant.dependencies)
            for param in dependant.query_params:
                model = param.field_info.annotation
                if isinstance(model, type) and issubclass(model, BaseModel):  # a Query() model
                    names.update(f.alias or n for n, f in model.model_fields.items())
                else:
                    names.add(param.alias)
        found = tuple(sorted(names))
        setattr(route, _ACCEPTED, found)
    return found


async def reject_unknown_query(request: Request) -> None:
    """A query parameter the route does not declare is a 422 naming it and the accepted ones, on
    every route: a misspelt filter (`?teir=A`) must not be ignored silently."""
    if not request.scope.get("query_string"):
        return
    route = request.scope.get("route")
    # not a route of ours (none matched), or one that reads its query itself (`any_query`)
    if route is None or getattr(getattr(route, "endpoint", None), "any_query", False):
        return
    accepted = accepted_query(route)
    unknown = sorted({k for k in request.query_params if k not in accepted})
    if unknown:
        listed = ", ".join(accepted) if accepted else "none"
        raise InvalidInput(
            [
                Problem(
                    name,
                    f"unknown query parameter {name!r}; this endpoint accepts: {listed}"
                    f"（未知的查询参数 {name}；本接口接受：{listed}）",
                )
                for name in unknown
            ]
        )


RejectUnknownQuery = Depends(reject_unknown_query)
