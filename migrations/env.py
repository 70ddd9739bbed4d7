"""Alembic environment: the URL comes from Settings (INNOMON_DATABASE_URL) unless the caller set one."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

import app.db.tables  # noqa: F401  (registers the tables on the metadata)
from app.config import Settings
from app.db.engine import make_engine, normalise_url
from app.db.tables import metadata

config = context.config


def _drop_empty(context: Any, revision: Any, directives: list[Any]) -> None:
    # An autogenerate run that finds no change writes no empty revision file.
    if (
        getattr(config.cmd_opts, "autogenerate", False)
        and directives
        and directives[0].upgrade_ops.is_empty()
    ):
        directives[:] = []


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        process_revision_directives=_drop_empty,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or Settings().database_url
    engine = make_engine(normalise_url(url))
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
