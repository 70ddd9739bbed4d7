"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
INNOMON_TEST_DATABASE_URL is set (e.g. postgresql+psycopg://postgres@127.0.0.1/test)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from app.config import Settings
from app.db import migrate
from app.db.engine import make_engine
from app.main import create_app

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("INNOMON_TEST_DATABASE_URL")
#: tables emptied between tests, children first (schemes stay: they are loaded at start)
DATA_TABLES = (
    "quality_flag",
    "approval",
    "region_change",
    "fact_row",
    "fact_year",
    "target",
    "audit_event",
    "period_snapshot",
    "api_key",
    "data_value",
    "platform",
    "award",
    "period",
    "region",
)
#: the `api` client's key: the bootstrap admin of the test settings
ADMIN_TOKEN = "test-admin-token-0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        return PG_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'innomon-test.db'}"


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def empty_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for t in DATA_TABLES:
                conn.execute(text(f"DELETE FROM {t}"))
        # schemes a test added; the built-in ones are refreshed by each app's start
        conn.execute(text("DELETE FROM scheme WHERE code <> 'hebei-county-2019'"))


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    empty_tables(migrated_engine)
    return migrated_engine


@pytest.fixture
def settings(engine: Engine, database_url: str) -> Settings:
    return Settings(
        database_url=database_url, max_bulk_rows=500, score_cache_size=1000, bootstrap_admin_token=ADMIN_TOKEN
    )


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://innomon.test/api/v1",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        ) as client:
            yield client
