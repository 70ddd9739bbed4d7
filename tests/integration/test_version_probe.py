"""The version probe's connection (app.db.facts.VersionProbe) never goes back to the pool: on
PostgreSQL it is in autocommit mode, and a session handed it would commit each statement as it ran,
so that its rollback undid nothing."""

from __future__ import annotations

import gc

from sqlalchemy import Engine, text

from app.db.engine import session_scope, writer
from app.db.facts import VersionProbe


def pooled_drivers(engine: Engine, n: int = 3) -> list[object]:
    """The driver connections of the next `n` connections the pool hands out."""
    conns = [engine.raw_connection() for _ in range(n)]
    try:
        return [c.driver_connection for c in conns]
    finally:
        for c in conns:
            c.close()


def test_a_dropped_probe_leaves_its_connection_out_of_the_pool(engine: Engine) -> None:
    probe = VersionProbe(engine)
    assert probe(2020) is None  # no such period: it connected and asked
    ours = (
        probe.conn.driver_connection
        if probe.conn.driver_connection is not None
        else probe.conn.dbapi_connection
    )
    del probe
    gc.collect()
    handed = pooled_drivers(engine)
    assert all(d is not ours for d in handed)
    # on PostgreSQL the probe's is in autocommit mode: no session may get one like it
    assert True not in [getattr(d, "autocommit", None) for d in handed]


def test_a_write_rolled_back_after_a_dropped_probe_leaves_nothing(engine: Engine) -> None:
    probe = VersionProbe(engine)
    probe(2020)
    del probe
    gc.collect()
    for _ in range(3):  # whichever pooled connection the session gets
        try:
            with session_scope(writer(engine)) as s:
                s.execute(
                    text(
                        "INSERT INTO region (code, name_zh, name_en, level, created_at, updated_at) "
                        "VALUES ('990001', '甲', 'A', 'county', :at, :at)"
                    ),
                    {"at": "2026-01-01 00:00:00"},
                )
                raise RuntimeError("abort")
        except RuntimeError:
            pass
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM region WHERE code = '990001'")).scalar_one() == 0


def test_a_closed_probe_reconnects_on_its_next_read(engine: Engine) -> None:
    probe = VersionProbe(engine)
    probe(2020)
    first = probe.conn
    driver = first.dbapi_connection
    probe.close()
    assert probe.conn is None
    # closed, not left for the garbage collector (nor handed to the pool)
    assert driver.closed if hasattr(driver, "closed") else _sqlite_closed(driver)
    assert probe(2020) is None and probe.conn is not None and probe.conn is not first
    probe.close()


def _sqlite_closed(driver: object) -> bool:
    try:
        driver.execute("SELECT 1")  # type: ignore[attr-defined]
    except Exception:
        return True
    return False
