"""Helpers shared by the benchmark scripts in bench/ (not a benchmark itself).

- `scratch_database(url)`: a fresh database for one run, removed afterwards. With no URL it is an
  SQLite file in a temporary directory; with a PostgreSQL URL the database named in it is created
  (and dropped at the end) through the server's `postgres` maintenance database.
- `progress(msg)`: a set-up line on standard error, so that standard output holds the figures.
- `median`, `pct`: order statistics of a list of timings.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

_T0 = time.perf_counter()


def progress(msg: str) -> None:
    print(f"[{time.perf_counter() - _T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def pct(xs: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), nearest rank, of a non-empty sample."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))
    return s[k]


def redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _pg_admin(url: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from app.db.engine import normalise_url

    u = make_url(normalise_url(url))
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    return u.database, admin


@contextmanager
def scratch_database(url: str | None, label: str) -> Iterator[str]:
    """Yield the URL of an empty database; remove it (temp dir or PostgreSQL database) at the end.

    A PostgreSQL database that already exists is dropped and re-created only when its name contains
    "bench" (a left-over of an interrupted run); otherwise the run stops rather than destroy data.
    """
    if url is None:
        tmp = Path(tempfile.mkdtemp(prefix=f"innomon-{label}-"))
        try:
            yield f"sqlite:///{tmp / 'bench.db'}"
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            progress(f"removed {tmp}")
        return
    if not url.startswith(("postgresql", "postgres")):
        raise SystemExit(f"--database-url: only PostgreSQL URLs are supported, not {redact(url)}")
    from sqlalchemy import text

    name, admin = _pg_admin(url)
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"--database-url: use a plain database name, not {name!r}")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists:
                if "bench" not in name:
                    raise SystemExit(
                        f"database {name} exists; the benchmark drops its database at the end, "
                        "so it only re-creates databases whose name contains 'bench'"
                    )
                progress(f"dropping left-over database {name}")
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        progress(f"created PostgreSQL database {name}")
        try:
            yield url
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            progress(f"dropped PostgreSQL database {name}")
    finally:
        admin.dispose()


def database_label(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgres") else "SQLite"
