"""Has the database changed since I last looked? Answered without a round trip, for the caches.

A cache entry (a breakdown's bytes, a key's principal) is confirmed against the database at some
*change token*; it may be served while the token read now is the same. The token changes whenever
any transaction that wrote has committed, in any process, so a cache never serves an answer
older than the database:

- **SQLite**: `PRAGMA data_version` on a dedicated read-only connection. It changes when another
  connection (of any process) commits; this connection never writes, so every commit counts. In
  WAL mode it reads the shared wal-index, a few microseconds. The connection has no busy timeout:
  a locked file answers "unknown" and the caller takes the slow path instead of waiting.
- **PostgreSQL**: every write transaction sends `NOTIFY innomon_change` (delivered on commit),
  and a listening connection per process counts what has arrived; the token is read by draining
  that connection's socket without blocking (no hand-off to a thread). Notifications reach
  other hosts a moment after the writer's commit returns, so processes on one host also share a
  counter in a small memory-mapped file that a writer increments *after its commit returns and
  before it answers*: a worker of the same host (`uvicorn --workers N`, the CLI) sees the change
  at once, strictly; and the writing process counts its own commits, so it reads its own write at
  once even without that file. A heartbeat thread makes a round trip on the listening connection
  every HEARTBEAT_EVERY seconds; when none asked within the last ALIVE_FOR seconds was answered (a
  stalled server, a parted network: silence that must not pass for "nothing committed"), or the
  connection is down or busy with the heartbeat, the token is "unknown" (None) and the read probes
  the database, as it would with no cache.

Writes are noticed by session events, not by each caller: any flush or INSERT/UPDATE/DELETE run
through a session marks it, `before_commit` sends the NOTIFY, `after_commit` bumps the counters;
a savepoint rolled back keeps the mark of what came before it. A write that bypasses the ORM
marks the session itself (`mark`: the bulk COPY); one made on a bare connection (the migrations)
is announced with `announce`. SQL run through a session as text is not noticed: write through
the ORM or Core constructs.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import mmap
import os
import sqlite3
import struct
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

log = logging.getLogger("innomon.watch")

CHANNEL = "innomon_change"
_WROTE = "innomon_wrote"
#: a lost listening connection is reconnected at most this often (seconds)
RECONNECT_EVERY = 1.0
#: the listening connection proves it is alive by a round trip this often (seconds), and its
#: token is trusted only this long after the last proof
HEARTBEAT_EVERY = 0.5
ALIVE_FOR = 2.0

Token = tuple[int, ...]


# ------------------------------------------------------------------------------ the write side


def _mark(session: Session) -> None:
    session.info[_WROTE] = True


def mark(session: Session) -> None:
    """Count a write made on the session's connection outside the ORM (a bulk COPY)."""
    _mark(session)


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        _mark(session)


def _do_orm_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _mark(state.session)


def _is_postgres(session: Session) -> bool:
    try:
        return session.get_bind().dialect.name == "postgresql"
    except Exception:  # an unbound session has nothing to announce
        return False


def _before_commit(session: Session) -> None:
    # commit() calls this before its own final flush: count what that flush will write
    if session.new or session.dirty or session.deleted:
        _mark(session)
    if session.info.get(_WROTE) and _is_postgres(session):
        # transactional: delivered to the listeners when (and only if) this transaction commits
        session.execute(text(f"NOTIFY {CHANNEL}"))


def _after_commit(session: Session) -> None:
    if session.info.pop(_WROTE, False) and _is_postgres(session):
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        _committed(str(engine.url))


#: commits of this process that wrote (PostgreSQL): part of every token, so the writing process
#: reads its own write at once even with no same-host counter and before its notification arrives
_local_commits = 0
_local_lock = threading.Lock()


def _committed(url: str) -> None:
    """After a commit that wrote returns: this process's count, then the same-host counter."""
    global _local_commits
    with _local_lock:
        _local_commits += 1
    counter = SharedCounter.for_url(url)
    if counter is not None:
        counter.bump()


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # the whole transaction ended (committed, rolled back, or closed without either); a savepoint
    # rolled back (begin_nested) leaves the mark of what was written before it, for the commit
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def announce(connection: Connection) -> None:
    """Count writes committed on a connection outside a session (the migrations): a NOTIFY in a
    transaction of its own, then the counters, as a session's commit does. PostgreSQL only (a
    SQLite commit moves the file's data_version by itself)."""
    if connection.dialect.name != "postgresql":
        return
    connection.execute(text(f"NOTIFY {CHANNEL}"))
    connection.commit()
    _committed(str(connection.engine.url))


_installed = threading.Lock()
_done = False


def install() -> None:
    """Listen to every session's writes (once per process; make_engine calls it)."""
    global _done
    with _installed:
        if _done:
            return
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _do_orm_execute)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)
        _done = True


# ------------------------------------------------------------------------------ same-host counter


class SharedCounter:
    """A 64-bit counter in a memory-mapped file, shared by the processes of one host that use the
    same database URL. Reading costs a memory load; incrementing takes a file lock."""

    _by_url: ClassVar[dict[str, SharedCounter | None]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: Path) -> None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < 8:
                os.ftruncate(fd, 8)
            self.map = mmap.mmap(fd, 8)
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd

    @classmethod
    def for_url(cls, url: str) -> SharedCounter | None:
        with cls._lock:
            if url not in cls._by_url:
                digest = hashlib.sha256(url.encode()).hexdigest()[:20]
                path = Path(tempfile.gettempdir()) / f"innomon-{os.getuid()}-{digest}.changes"
                try:
                    cls._by_url[url] = cls(path)
                except OSError as exc:
                    log.warning("no shared change counter at %s: %s", path, exc)
                    cls._by_url[url] = None
            return cls._by_url[url]

    def read(self) -> int:
        value: int = struct.unpack_from("<Q", self.map)[0]
        return value

    def bump(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        try:
            struct.pack_into("<Q", self.map, 0, (self.read() + 1) % (1 << 64))
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)


# ------------------------------------------------------------------------------ the read side


class ChangeWatch:
    """`token()` is cheap and never waits on the database; None means "cannot tell, ask the
    database". `ensure()` (re)opens what `token()` needs and may block: call it off the loop."""

    def token(self) -> Token | None:
        return None

    def ensure(self) -> None:
        return None

    def close(self) -> None:
        return None


class SQLiteWatch(ChangeWatch):
    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.conn: sqlite3.Connection | None = None
        self.pid = 0
        self.epoch = 0

    def ensure(self) -> None:
        if self.conn is not None and self.pid == os.getpid():
            return
        # never writes (so every commit is another connection's); no busy wait
        conn = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
        with self.lock:
            self.conn, self.pid = conn, os.getpid()
            self.epoch += 1

    def token(self) -> Token | None:
        with self.lock:
            conn = self.conn
            if conn is None or self.pid != os.getpid():
                return None
            try:
                row = conn.execute("PRAGMA data_version").fetchone()
            except sqlite3.Error:
                return None  # busy (rollback-journal writer) or gone: the caller asks the database
            return (self.epoch, int(row[0]))

    def close(self) -> None:
        with self.lock:
            if self.conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.close()
            self.conn = None


class PostgresWatch(ChangeWatch):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.Lock()
        self.conn: Any = None
        self.pid = 0
        self.epoch = 0
        self.received = 0
        #: when the listening connection last answered a round trip (time.monotonic())
        self.alive_at = 0.0
        self.stopped = threading.Event()
        self.beating: threading.Thread | None = None
        self.shared = SharedCounter.for_url(str(engine.url))

    def ensure(self) -> None:
        """Start the listener's thread (no I/O here: it connects, and reconnects, by itself)."""
        if self.beating is not None and self.beating.is_alive() and self.pid == os.getpid():
            return  # the usual case, without waiting for a lock a heartbeat may hold
        with self.lock:
            if self.beating is None or not self.beating.is_alive() or self.pid != os.getpid():
                self.conn, self.pid = None, os.getpid()
                self.beating = threading.Thread(target=self._run, name="innomon-change-listener", daemon=True)
                self.beating.start()

    def _connect(self) -> None:
        try:
            raw = self.engine.raw_connection()
            driver: Any = raw.driver_connection
            raw.detach()  # ours for good, never back to the pool
            driver.rollback()
            driver.autocommit = True
            # notifications that arrive during the heartbeat's round trip are counted here
            driver.add_notify_handler(self._notified)
            asked = time.monotonic()
            driver.execute(f"LISTEN {CHANNEL}")
        except Exception as exc:  # the database is down: reads probe until it is back
            log.warning("change listener not connected: %s", exc)
            return
        with self.lock:
            # nothing that committed before LISTEN was announced to us: a new epoch makes every
            # token taken before it differ from every token taken after
            self.conn = driver
            self.epoch += 1
            self.alive_at = asked

    def _notified(self, _notify: object) -> None:
        self.received += 1  # called by psycopg inside execute(), with the lock held

    def _run(self) -> None:
        """Connect (again, at most every RECONNECT_EVERY seconds), then make a round trip on the
        listening connection every HEARTBEAT_EVERY seconds."""
        wait = 0.0
        while not self.stopped.wait(wait):
            if self.conn is None:
                self._connect()
                wait = RECONNECT_EVERY if self.conn is None else HEARTBEAT_EVERY
                continue
            wait = HEARTBEAT_EVERY
            with self.lock:
                if self.conn is None:
                    continue
                asked = time.monotonic()
                try:
                    self.conn.execute("SELECT 1")
                except Exception:
                    self._drop_locked()
                    continue
                # an answer proves the server alive when it was asked, not when the answer was
                # read: a thread that reads it late (a loaded host) must not stretch the trust
                self.alive_at = asked

    def _drop_locked(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
        self.conn = None

    def token(self) -> Token | None:
        shared = self.shared.read() if self.shared is not None else 0
        # never waits: while the heartbeat's round trip holds the connection, the caller probes
        if not self.lock.acquire(blocking=False):
            return None
        try:
            conn = self.conn
            if conn is None or self.pid != os.getpid() or time.monotonic() - self.alive_at > ALIVE_FOR:
                return None
            pgconn = conn.pgconn
            try:
                pgconn.consume_input()  # a non-blocking read of what the socket holds
                while pgconn.notifies() is not None:
                    self.received += 1
            except Exception:
                self._drop_locked()
                return None
            if pgconn.status != 0:  # CONNECTION_OK
                self._drop_locked()
                return None
            return (self.epoch, self.received, shared, _local_commits)
        finally:
            self.lock.release()

    def close(self) -> None:
        self.stopped.set()
        with self.lock:
            self._drop_locked()


def watch_for(engine: Engine) -> ChangeWatch:
    """The change watch of this engine's database; a watch that always says "ask" for an
    in-memory SQLite database (no second connection can see it)."""
    if engine.dialect.name == "postgresql":
        return PostgresWatch(engine)
    database = engine.url.database
    if (
        engine.dialect.name == "sqlite"
        and database
        and database != ":memory:"
        and "mode=memory" not in database
    ):
        return SQLiteWatch(str(Path(database).resolve()))
    return ChangeWatch()
