"""Every database call is bounded: PostgreSQL cancels a long statement and a long lock wait, SQLite
gives up waiting for the write lock, and the settings reach the engine the app builds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.config import Settings
from app.db.engine import Bounds, make_engine
from tests.conftest import PG_URL

pytestmark = pytest.mark.reliability


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only (INNOMON_TEST_DATABASE_URL)")
def test_postgresql_cancels_a_statement_past_the_statement_timeout() -> None:
    assert PG_URL is not None
    engine = make_engine(PG_URL, Bounds(statement=0.5, lock=0.3))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "500ms"
            assert conn.execute(text("SHOW lock_timeout")).scalar_one() == "300ms"
            began = time.monotonic()
            with pytest.raises(OperationalError, match="statement timeout"):
                conn.execute(text("SELECT pg_sleep(10)"))
            assert time.monotonic() - began < 5  # cancelled at 0.5 s, not after the 10 s sleep
    finally:
        engine.dispose()


def test_sqlite_gives_up_waiting_for_the_write_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'locks.db'}"
    holder, waiter = make_engine(url), make_engine(url, Bounds(lock=0.3))
    try:
        with holder.begin() as h:
            h.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with holder.connect().execution_options(sqlite_begin="IMMEDIATE") as h, h.begin():
            h.exec_driver_sql("INSERT INTO t VALUES (1)")  # holds the write lock until the block ends
            began = time.monotonic()
            with (
                pytest.raises(OperationalError, match="locked"),
                waiter.connect().execution_options(sqlite_begin="IMMEDIATE") as w,
                w.begin(),
            ):
                w.exec_driver_sql("INSERT INTO t VALUES (2)")
            assert time.monotonic() - began < 5  # 0.3 s, not the 30 s the tools wait
    finally:
        holder.dispose()
        waiter.dispose()


def test_the_app_engine_takes_its_bounds_from_the_settings() -> None:
    s = Settings(
        db_connect_timeout=7, db_statement_timeout=11, db_lock_timeout=4, db_pool_timeout=9, _env_file=None
    )
    assert s.db_bounds() == Bounds(connect=7, statement=11, lock=4, pool=9)
    assert s.db_bounds().round_trip == 12  # the client gives up one second after the server would cancel
    engine = make_engine("postgresql+psycopg://u@127.0.0.1:1/db", s.db_bounds())
    assert engine.pool.timeout() == 9
    engine.dispose()
