"""Migrations: upgrade to head and `alembic check` (models and migrations agree) on the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from app.db import migrate
from app.db.engine import make_engine
from tests.conftest import ROOT


def test_test_database_is_at_head_and_matches_the_models(migrated_engine: Engine) -> None:
    assert migrate.current_revision(migrated_engine) == migrate.head_revision()
    migrate.check(migrated_engine)  # raises if autogenerate would find a difference
    names = set(inspect(migrated_engine).get_table_names())
    assert {"scheme", "region", "period", "data_value", "platform", "award"} <= names


def test_upgrade_is_idempotent(migrated_engine: Engine) -> None:
    migrate.upgrade(migrated_engine)
    assert migrate.current_revision(migrated_engine) == migrate.head_revision()


def test_fresh_sqlite_upgrade_down_and_up_again(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate.upgrade(engine)
    migrate.check(engine)
    from alembic import command

    cfg = migrate.alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
        conn.commit()
    assert "data_value" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    migrate.check(engine)
    engine.dispose()


def test_alembic_command_line_upgrade_then_check(tmp_path: Path, database_url: str) -> None:
    """The documented `alembic upgrade head` / `alembic check`, reading INNOMON_DATABASE_URL."""
    url = database_url if database_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "INNOMON_DATABASE_URL": url}
    alembic = [sys.executable, "-m", "alembic"]
    up = subprocess.run(
        [*alembic, "upgrade", "head"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert up.returncode == 0, up.stderr
    check = subprocess.run(
        [*alembic, "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr


@pytest.mark.skipif(not os.environ.get("INNOMON_TEST_DATABASE_URL"), reason="PostgreSQL only")
def test_two_migrators_at_once_on_postgresql(database_url: str) -> None:
    """Advisory lock: two processes migrating one database at once both end at head, no error."""
    code = f"from app.db import migrate; from app.db.engine import make_engine; migrate.upgrade(make_engine({database_url!r}))"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
