"""Dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import Settings
from app.db.engine import session_scope, writer
from app.domain import Scheme
from app.services import schemes
from app.services.scores import ScoreReader

# The dependencies below are `async def` on purpose: a plain `def` dependency is run in the thread
# pool on every request, which halved the throughput of the cached score read (bench/api_read.py).


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


def registry_scheme(session: Session, settings: Settings) -> Scheme:
    """The scheme whose registry types and levels platform and award items are checked against."""
    return schemes.get_scheme(session, settings.default_scheme)


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ScoresDep = Annotated[ScoreReader, Depends(get_scores)]

Year = Annotated[int, Path(ge=1949, le=2100, description="the data year", examples=[2020])]
RegionCode = Annotated[
    str, Path(pattern=r"^\d{6}$", description="GB/T 2260 division code", examples=["130102"])
]
Limit = Annotated[int, Query(ge=1, le=1000, description="page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")]
