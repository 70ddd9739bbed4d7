"""A database that cannot be used stops `serve` and `migrate` with one line saying what to do,
not a traceback (before: 113 lines for a missing PostgreSQL database, 115 for an unreachable
server, a ModuleNotFoundError for a mysql:// URL)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.integration.test_cli_server import clean_env, free_port, innomon

#: the PostgreSQL server of the suite (INNOMON_TEST_DATABASE_URL), else the usual local one
PG = make_url(PG_URL) if PG_URL and PG_URL.startswith("postgres") else None
PG_HOST = (PG.host if PG else None) or "127.0.0.1"
PG_PORT = (PG.port if PG else None) or 5432
PG_USER = (PG.username if PG else None) or "postgres"


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def run(command: str, url: str, cwd: Path) -> tuple[int, list[str]]:
    args = [command, "--port", str(free_port())] if command == "serve" else [command]
    r = innomon(*args, cwd=cwd, env={**clean_env(), "INNOMON_DATABASE_URL": url}, timeout=60)
    lines = r.stderr.strip().splitlines()
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, lines


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_a_postgresql_database_that_does_not_exist(command: str, tmp_path: Path) -> None:
    if not _listening(PG_HOST, PG_PORT):
        pytest.skip(f"no PostgreSQL server at {PG_HOST}:{PG_PORT}")
    url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/innomon_no_such_database"
    rc, lines = run(command, url, tmp_path)
    assert rc != 0
    assert lines == [
        f"innomon: database innomon_no_such_database does not exist on {PG_HOST}:{PG_PORT}: create it with "
        f"createdb -h {PG_HOST} -p {PG_PORT} -U {PG_USER} innomon_no_such_database"
    ]


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_a_server_that_does_not_answer(command: str, tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    rc, lines = run(command, f"postgresql://postgres@127.0.0.1:{port}/innomon", tmp_path)
    assert rc != 0
    assert lines == [
        f"innomon: cannot reach PostgreSQL at 127.0.0.1:{port}: start the server, or correct the host "
        f"and port in INNOMON_DATABASE_URL"
    ]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://user:secret@db.example/innomon", "database URL scheme 'mysql' is not supported"),
        ("oracle://db.example/innomon", "database URL scheme 'oracle' is not supported"),
        ("postgresql+psycopg2://postgres@127.0.0.1/innomon", "install the driver (pip install psycopg2)"),
        ("not a url", "INNOMON_DATABASE_URL is not a database URL"),
    ],
)
def test_an_unsupported_url_names_what_is_supported(url: str, says: str, tmp_path: Path) -> None:
    rc, lines = run("serve", url, tmp_path)
    assert rc != 0 and len(lines) == 1, lines
    assert says in lines[0]
    assert "postgresql://" in lines[0] and "sqlite:///" in lines[0]
    assert "secret" not in lines[0]


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_an_sqlite_file_in_a_missing_directory(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    rc, lines = run(command, f"sqlite:///{missing}/innomon.db", tmp_path)
    assert rc != 0
    assert lines == [
        f"innomon: cannot create the SQLite database {missing}/innomon.db: the directory {missing} does "
        f"not exist; create it (mkdir -p {missing}) or point INNOMON_DATABASE_URL elsewhere"
    ]
    assert not (tmp_path / "no").exists()
