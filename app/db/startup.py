"""Why a database cannot be used, in one line with what to do about it (for `innomon serve`,
`migrate` and the other commands): a missing database, an unreachable server, an unsupported URL,
a missing driver, an SQLite file in a directory that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from app.db.engine import normalise_url

SUPPORTED = "postgresql://USER@HOST:PORT/DATABASE (psycopg) or sqlite:///PATH"


class DatabaseUnusable(Exception):
    """The configured database cannot be used; the message is one line: what, and what to do."""


def _parse(url: str) -> URL:
    try:
        return make_url(normalise_url(url))
    except ArgumentError:
        raise DatabaseUnusable(
            f"INNOMON_DATABASE_URL is not a database URL ({_shown(url)}): write it as {SUPPORTED}"
        ) from None


def _shown(url: str) -> str:
    # never print a password
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def check_url(url: str) -> None:
    """Raise DatabaseUnusable for a URL innomon cannot use, before any connection is tried."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        raise DatabaseUnusable(
            f"database URL scheme {parsed.drivername!r} is not supported: innomon runs on PostgreSQL or "
            f"SQLite; set INNOMON_DATABASE_URL to {SUPPORTED}"
        )
    try:
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError:
        raise DatabaseUnusable(f"database driver {parsed.drivername!r} is unknown: use {SUPPORTED}") from None
    except ImportError as exc:
        raise DatabaseUnusable(
            f"the database driver for {parsed.drivername!r} is not installed ({exc.name}): install the "
            f"driver (pip install {exc.name}) or use {SUPPORTED}"
        ) from None
    if backend == "sqlite":
        path = parsed.database
        if path and path != ":memory:" and not path.startswith("file:"):
            folder = Path(path).expanduser().absolute().parent
            if not folder.is_dir():
                raise DatabaseUnusable(
                    f"cannot create the SQLite database {path}: the directory {folder} does not exist; "
                    f"create it (mkdir -p {folder}) or point INNOMON_DATABASE_URL elsewhere"
                )


def explain(url: str, exc: BaseException) -> str | None:
    """One line for an error met while connecting to the database at `url`; None when it is not
    a connection problem (the caller lets it through)."""
    if isinstance(exc, DatabaseUnusable):
        return str(exc)
    if not isinstance(exc, OperationalError):
        return None
    parsed = _parse(url)
    reason = str(getattr(exc, "orig", exc) or exc)
    if parsed.get_backend_name() == "sqlite":
        first = reason.strip().splitlines()[0] if reason.strip() else "unknown error"
        return (
            f"cannot open the SQLite database {parsed.database}: {first}; check the path and its permissions"
        )
    host = parsed.host or "localhost"
    port = parsed.port or 5432
    user = parsed.username or "postgres"
    where = f"{host}:{port}"
    missing = re.search(r'database "([^"]+)" does not exist', reason)
    if missing:
        name = missing.group(1)
        return (
            f"database {name} does not exist on {where}: create it with "
            f"createdb -h {host} -p {port} -U {user} {name}"
        )
    lowered = reason.lower()
    if any(
        s in lowered
        for s in (
            "connection refused",
            "timeout expired",
            "did not answer",
            "could not translate host name",
            "name or service not known",
            "no route to host",
            "network is unreachable",
            "could not connect",
            "is the server running",
        )
    ):
        return (
            f"cannot reach PostgreSQL at {where}: start the server, or correct the host and port in "
            f"INNOMON_DATABASE_URL"
        )
    if any(s in lowered for s in ("password authentication failed", "role", "no pg_hba.conf entry")):
        return (
            f"PostgreSQL at {where} refused user {user}: check the user and password in INNOMON_DATABASE_URL "
            f"(and pg_hba.conf on the server)"
        )
    first = next((line.strip() for line in reason.splitlines() if line.strip()), "unknown error")
    return f"cannot use the database at {where}: {first}; check INNOMON_DATABASE_URL"
