"""Apply and check migrations from code (`innomon migrate`, `innomon serve`, tests)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

import migrations
from app.db import watch

#: key of the PostgreSQL advisory lock held while migrating, so that of several replicas starting
#: at once exactly one migrates and the others wait, then find the schema at head
MIGRATION_LOCK_KEY = 0x1_44E0_A11C


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return cfg


@cache
def head_revision() -> str | None:
    """The newest migration shipped with this code; read from disk once (it cannot change while
    the process runs), since /readyz asks for it on every probe."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Migrate to `revision`; on PostgreSQL under an advisory lock, safe with several replicas.
    Returns the revisions before and after, as read under the lock (equal: nothing to do)."""
    cfg = alembic_config()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()
        try:
            before = MigrationContext.configure(conn).get_current_revision()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
            after = MigrationContext.configure(conn).get_current_revision()
            if after != before:
                # a migration may rewrite rows that running processes have cached
                watch.announce(conn)
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                conn.commit()
    return before, after


def check(engine: Engine) -> None:
    """Raise if the tables differ from the models (alembic check)."""
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)
