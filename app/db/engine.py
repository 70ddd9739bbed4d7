"""Engine and sessions. Built on demand from a URL, never at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

from app.db import watch


@dataclass(frozen=True)
class Bounds:
    """How long any database call may take before it fails (seconds).

    A stalled server (frozen, or unreachable without a refusal) is noticed by the client, not by
    the server: every PostgreSQL round trip is bounded on our side (`statement + 1`), and PostgreSQL
    itself cancels statements and lock waits that run too long, so that a request never waits
    for the database longer than these bounds and answers 503 instead."""

    connect: float = 2.0
    statement: float = 3.0
    lock: float = 2.0
    pool: float = 2.0
    #: a pooled connection is checked before use with a round trip this short
    ping: float = 1.0

    @property
    def round_trip(self) -> float:
        # the server cancels a statement at `statement`; its answer may take a moment more
        return self.statement + 1.0


#: what the command-line tools use: migrations may wait for each other's advisory lock and run
#: long DDL, so only connecting is bounded
UNBOUNDED = Bounds(connect=5.0, statement=0, lock=0, pool=30.0, ping=5.0)


@cache
def bounded_connection() -> type[Any]:
    """The psycopg connection class whose every wait on the server ends after `io_timeout` seconds
    (made on first use: psycopg is imported only for PostgreSQL).

    libpq has no client-side query timeout: a server that accepted the query and then stalled
    (SIGSTOP, a hung host behind a live kernel) keeps the caller waiting forever, and the
    server-side statement_timeout cannot fire either. On expiry the connection is closed (its
    state is unknown) and an OperationalError raised, which SQLAlchemy treats as a disconnect."""
    import psycopg
    from psycopg import errors as pg_errors

    class BoundedConnection(psycopg.Connection[Any]):
        io_timeout: float | None = None

        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            try:
                return super().wait(gen, interval=interval, timeout=timeout or self.io_timeout)
            except pg_errors._WaitTimeout as exc:
                self.pgconn.finish()
                raise psycopg.OperationalError(
                    f"the database did not answer within {timeout or self.io_timeout:g} s"
                ) from exc

    return BoundedConnection


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, bounds: Bounds = UNBOUNDED, **kwargs: Any) -> Engine:
    """An engine whose calls are bounded by `bounds` (the app passes its settings; the default
    suits command-line tools and migrations)."""
    url = normalise_url(url)
    watch.install()
    if url.startswith("sqlite"):
        busy = bounds.lock or 30.0
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL: readers never wait for a writer; FULL: an acknowledged commit survives power loss.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
            cur.close()
            # Let SQLAlchemy, not the driver, decide when a transaction starts (see "begin" below).
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A real BEGIN at the start of each transaction; writers say BEGIN IMMEDIATE (see
            # writer()) so they hold the write lock before they read what they will change.
            conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('sqlite_begin', '')}")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_timeout", bounds.pool)
    connect_args: dict[str, Any] = {"connect_timeout": max(2, round(bounds.connect))}
    options = []
    if bounds.statement:
        options.append(f"-c statement_timeout={int(bounds.statement * 1000)}")
    if bounds.lock:
        options.append(f"-c lock_timeout={int(bounds.lock * 1000)}")
    if options:
        connect_args["options"] = " ".join(options)
    kwargs.setdefault("connect_args", connect_args)
    engine = create_engine(url, **kwargs)
    io_timeout = bounds.round_trip if bounds.statement else None
    bounded = bounded_connection()

    @event.listens_for(engine, "do_connect")
    def _bounded_connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        conn = bounded.connect(*cargs, **cparams)
        conn.io_timeout = io_timeout
        return conn

    default_ping = engine.dialect.do_ping

    def _short_ping(dbapi_conn: Any) -> bool:
        # a stalled server is found by a short round trip, before the request's own timeouts
        saved = getattr(dbapi_conn, "io_timeout", None)
        if isinstance(dbapi_conn, bounded):
            dbapi_conn.io_timeout = bounds.ping
        try:
            return bool(default_ping(dbapi_conn))
        finally:
            if isinstance(dbapi_conn, bounded):
                dbapi_conn.io_timeout = saved

    engine.dialect.do_ping = _short_ping  # type: ignore[method-assign,assignment]
    return engine


def writer(engine: Engine) -> Engine:
    """The engine for write transactions: on SQLite they start with BEGIN IMMEDIATE, so a
    transaction that reads and then writes never meets a stale snapshot (SQLITE_BUSY_SNAPSHOT)."""
    return engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
