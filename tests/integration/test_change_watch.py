"""The per-process caches across processes: what one `innomon serve` acknowledged, another reads
at once (scores and key revocations), on SQLite and on PostgreSQL; and the change watch itself.

Expected totals are the hand-computed ones of tests/api/test_scores.py (tech_smes 100 -> 2.5
points, 500 -> 5, the indicator's bands in the Hebei scheme, nothing else posted)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, make_url

from app.db import migrate, watch
from app.db.engine import make_engine, session_scope, writer
from app.db.tables import Region
from tests.api.helpers import CHANGAN, seed_period, seed_regions
from tests.conftest import ADMIN_TOKEN, ROOT
from tests.integration.server import serving

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@contextmanager
def serve(database_url: str, cwd: Path) -> Iterator[str]:
    """`innomon serve` on `database_url`, in its own process, once ready; yields the API's base URL."""
    with serving(cwd, database_url, ready="/readyz") as server:
        yield server.api


@pytest.fixture
def two_servers(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    with ExitStack() as stack:
        a = stack.enter_context(serve(database_url, tmp_path))
        b = stack.enter_context(serve(database_url, tmp_path))
        yield a, b


async def test_a_write_acknowledged_by_one_process_is_read_at_once_by_another(
    two_servers: tuple[str, str],
) -> None:
    a_url, b_url = two_servers
    async with (
        httpx.AsyncClient(base_url=a_url, headers=ADMIN, timeout=30) as a,
        httpx.AsyncClient(base_url=b_url, headers=ADMIN, timeout=30) as b,
    ):
        await seed_regions(a)
        await seed_period(a, 2020)
        for i in range(12):
            value, total = (100, 2.5) if i % 2 == 0 else (500, 5)
            r = await a.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": value})
            assert r.status_code in (200, 201), r.text
            # the first read after the write, then the cached one: both the new score
            for _ in range(3):
                r = await b.get(f"/scores/2020/{CHANGAN}")
                assert r.status_code == 200 and r.json()["total"] == total, (i, r.text)


async def test_a_key_revoked_in_one_process_is_refused_at_once_by_another(
    two_servers: tuple[str, str],
) -> None:
    a_url, b_url = two_servers
    async with (
        httpx.AsyncClient(base_url=a_url, headers=ADMIN, timeout=30) as a,
        httpx.AsyncClient(base_url=b_url, timeout=30) as b,
    ):
        for i in range(3):
            r = await a.post("/keys", json={"name": f"reader-{i}", "role": "reader"})
            assert r.status_code == 201, r.text
            reader = {"Authorization": f"Bearer {r.json()['token']}"}
            for _ in range(3):  # known to b, and remembered
                assert (await b.get("/regions", headers=reader)).status_code == 200
            assert (await a.delete(f"/keys/reader-{i}")).status_code == 204
            r = await b.get("/regions", headers=reader)
            assert r.status_code == 401, r.text


def settled(changes: watch.ChangeWatch) -> watch.Token:
    """The token, once the watch has connected (PostgreSQL's listener connects in its thread)."""
    changes.ensure()
    deadline = time.monotonic() + 10
    while (token := changes.token()) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert token is not None
    return token


def test_the_token_changes_with_a_commit_of_another_process(engine: Engine, database_url: str) -> None:
    """The watch alone, with no same-host counter: the notification (PostgreSQL) or the file's
    data_version (SQLite) must announce a commit made by another process."""
    changes = watch.watch_for(engine)
    if isinstance(changes, watch.PostgresWatch):
        changes.shared = None  # as a process on another host
    before = settled(changes)
    assert changes.token() == before  # nothing committed: the same token
    script = (
        "import sys; from app.db.engine import make_engine, session_scope, writer; "
        "from app.db.tables import Region; e = make_engine(sys.argv[1]); "
        "s = session_scope(writer(e)).__enter__(); "
        "s.add(Region(code='139901', name_zh='测试县', name_en='Test County', level='county')); "
        "s.commit()"
    )
    subprocess.run([sys.executable, "-c", script, database_url], cwd=ROOT, check=True, timeout=60)
    deadline = time.monotonic() + 5
    while changes.token() == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert changes.token() != before
    changes.close()


def test_the_writing_process_reads_its_own_commit_at_once(engine: Engine) -> None:
    """PostgreSQL with no same-host counter (its file could not be made) and the notification not
    arrived yet: a commit of this process moves its token before commit() returns, so this process
    never serves what it cached before its own write (a revoked key, an old breakdown)."""
    changes = watch.watch_for(engine)
    if not isinstance(changes, watch.PostgresWatch):
        pytest.skip("the SQLite watch reads a local file")
    changes.shared = None
    settled(changes)
    changes.stopped.set()  # no heartbeat from here on; the connection stays
    assert changes.beating is not None
    changes.beating.join(timeout=10)
    changes.conn.execute(f"UNLISTEN {watch.CHANNEL}")  # the notification stays on its way
    changes.alive_at = time.monotonic()  # trusted for ALIVE_FOR seconds from now
    before = changes.token()
    assert before is not None
    with session_scope(writer(engine)) as session:
        session.add(Region(code="139903", name_zh="测试县", name_en="Test County", level="county"))
    assert changes.token() not in (before, None)
    changes.close()


def test_a_silent_listener_is_not_trusted(engine: Engine) -> None:
    """PostgreSQL: without a recent answer on the listening connection (a stalled server, a parted
    network), the token is unknown and reads ask the database."""
    changes = watch.watch_for(engine)
    if not isinstance(changes, watch.PostgresWatch):
        pytest.skip("the SQLite watch reads a local file")
    settled(changes)
    changes.stopped.set()  # the heartbeat stops, the connection stays
    assert changes.beating is not None
    changes.beating.join(timeout=10)
    assert changes.token() is not None
    changes.alive_at -= watch.ALIVE_FOR + 1  # as if the heartbeat had not been answered since
    assert changes.token() is None
    changes.close()


def test_an_answer_read_late_proves_the_server_alive_only_when_it_was_asked(engine: Engine) -> None:
    """PostgreSQL: the heartbeat's answer is read ALIVE_FOR + 0.5 s after the server gave it (a
    thread starved on a loaded host, while the server may have frozen meanwhile). The proof dates
    from the question, so the token is already untrusted when the heartbeat ends; dated from the
    reading, a breakdown cached before a freeze was served 200 seconds into it."""
    changes = watch.watch_for(engine)
    if not isinstance(changes, watch.PostgresWatch):
        pytest.skip("the SQLite watch reads a local file")
    settled(changes)
    real = changes.conn

    class ReadLate:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def execute(self, *args: Any, **kwargs: Any) -> Any:
            answer = real.execute(*args, **kwargs)
            time.sleep(watch.ALIVE_FOR + 0.5)
            return answer

    with changes.lock:
        changes.conn = ReadLate()
        stamped = changes.alive_at
    deadline = time.monotonic() + 10
    while True:  # until a heartbeat has ended and let go of the connection
        assert time.monotonic() < deadline, "no heartbeat ended"
        if changes.alive_at != stamped and changes.lock.acquire(blocking=False):
            changes.lock.release()
            break
        time.sleep(0.005)
    assert changes.token() is None
    changes.close()


def test_a_savepoint_rolled_back_keeps_the_write_before_it(engine: Engine) -> None:
    """The transaction wrote, then a savepoint inside it was rolled back: its commit still moves
    the token (on PostgreSQL the savepoint's rollback had cleared the session's mark)."""
    changes = watch.watch_for(engine)
    before = settled(changes)
    with session_scope(writer(engine)) as session:
        session.add(Region(code="139904", name_zh="测试县", name_en="Test County", level="county"))
        session.flush()
        savepoint = session.begin_nested()
        session.add(Region(code="139905", name_zh="测试县", name_en="Test County", level="county"))
        session.flush()
        savepoint.rollback()
    with session_scope(engine) as session:
        assert session.get(Region, "139904") is not None and session.get(Region, "139905") is None
    deadline = time.monotonic() + 5
    while changes.token() in (before, None) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert changes.token() not in (before, None)
    changes.close()


def test_a_migration_of_another_process_moves_the_token(database_url: str) -> None:
    """PostgreSQL: migrations write on a bare connection, outside any session; `innomon migrate`
    run by another process (another host: no same-host counter) still reaches this process's
    watch, by the NOTIFY migrate.upgrade sends after a revision applied."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the SQLite watch reads the file's data_version")
    name = "innomon_watch_migration"
    admin = make_url(database_url).set(drivername="postgresql", database="postgres")
    dsn = admin.render_as_string(hide_password=False)
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name}")
        c.execute(f"CREATE DATABASE {name}")
    engine = make_engine(url)
    try:
        head = migrate.head_revision()
        script = ScriptDirectory.from_config(migrate.alembic_config())
        previous = script.get_revision(head).down_revision
        assert isinstance(previous, str)
        migrate.upgrade(engine, previous)
        changes = watch.watch_for(engine)
        assert isinstance(changes, watch.PostgresWatch)
        changes.shared = None
        before = settled(changes)
        code = f"from app.db import migrate; from app.db.engine import make_engine; migrate.upgrade(make_engine({url!r}))"
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
        assert migrate.current_revision(engine) == head
        deadline = time.monotonic() + 5
        while changes.token() in (before, None) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert changes.token() not in (before, None)
        changes.close()
    finally:
        engine.dispose()
        with psycopg.connect(dsn, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_rolled_back_write_sends_nothing_and_a_read_changes_nothing(engine: Engine) -> None:
    changes = watch.watch_for(engine)
    before = settled(changes)
    with pytest.raises(RuntimeError), session_scope(writer(engine)) as session:
        session.add(Region(code="139902", name_zh="测试县", name_en="Test County", level="county"))
        session.flush()
        raise RuntimeError("abandon")
    with session_scope(engine) as session:
        session.get(Region, "139902")
    time.sleep(0.2)  # a notification would have arrived by now
    assert changes.token() == before
    changes.close()


@pytest.mark.skipif(os.name != "posix", reason="the same-host counter is a memory-mapped file")
def test_the_same_host_counter_is_shared_by_its_mappings(tmp_path: Path) -> None:
    counter = watch.SharedCounter(tmp_path / "c")
    other = watch.SharedCounter(tmp_path / "c")
    start = other.read()
    counter.bump()
    counter.bump()
    assert other.read() == start + 2
