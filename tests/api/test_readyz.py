"""/readyz: ready only when the database answers and its schema is at the head migration; where
the schema stands and which revision is the head are read without alembic (app.db.migrate), and
must agree with alembic's own reading."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.config import Settings
from app.db import migrate
from app.db.engine import make_engine
from app.main import create_app

#: a revision before the head (the one that added approvals and due dates came after it)
OLDER = "7a3e91c0d4b2"


def alembic_head() -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


async def readyz(url: str) -> httpx.Response:
    # no lifespan: /readyz must answer on a database the app could not even prepare
    app = create_app(Settings(database_url=url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://innomon.test") as client:
        return await client.get("/readyz")


def test_head_and_current_revision_agree_with_alembic(migrated_engine: Engine) -> None:
    assert migrate.head_revision() == alembic_head() is not None
    with migrated_engine.connect() as conn:
        assert (
            migrate.current_revision(migrated_engine)
            == MigrationContext.configure(conn).get_current_revision()
        )


@pytest.mark.anyio
async def test_ready_at_the_head(settings: Settings) -> None:
    r = await readyz(settings.database_url)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ready", "revision": alembic_head()}


@pytest.mark.anyio
async def test_not_ready_behind_the_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine, OLDER)
    engine.dispose()
    r = await readyz(url)
    assert r.status_code == 503
    assert r.json()["detail"] == f"the database schema is at {OLDER}, not at {alembic_head()}"


@pytest.mark.anyio
async def test_not_ready_on_an_empty_database(tmp_path: Path) -> None:
    r = await readyz(f"sqlite:///{tmp_path / 'empty.db'}")
    assert r.status_code == 503
    assert r.json()["detail"] == f"the database schema is at None, not at {alembic_head()}"


@pytest.mark.anyio
async def test_not_ready_when_the_database_is_unreachable(tmp_path: Path) -> None:
    r = await readyz(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    assert r.status_code == 503
    assert r.json()["detail"] == "the database is unreachable"


def test_upgrade_at_the_head_is_left_alone_and_behind_it_migrates(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'up.db'}")
    assert migrate.upgrade(engine, OLDER) == (None, OLDER)
    assert migrate.upgrade(engine) == (OLDER, alembic_head())
    assert migrate.upgrade(engine) == (alembic_head(), alembic_head())
    engine.dispose()


def _revision_file(folder: Path, revision: str, down: str) -> None:
    (folder / f"{revision}.py").write_text(
        f'revision: str = "{revision}"\ndown_revision: str | tuple[str, ...] | None = {down}\n',
        encoding="utf-8",
    )


def test_the_head_is_read_from_the_revision_files(tmp_path: Path) -> None:
    _revision_file(tmp_path, "a1", "None")
    _revision_file(tmp_path, "b2", '"a1"')
    assert migrate.read_head(tmp_path) == "b2"
    _revision_file(tmp_path, "c3", '"a1"')  # a second branch: two heads, left to alembic
    assert migrate.read_head(tmp_path) is None
    _revision_file(tmp_path, "d4", '("b2", "c3")')  # the merge
    assert migrate.read_head(tmp_path) == "d4"
    (tmp_path / "e5.py").write_text('revision = "e5"\ndown_revision = compute()\n', encoding="utf-8")
    assert migrate.read_head(tmp_path) is None  # not a plain literal: alembic reads it
