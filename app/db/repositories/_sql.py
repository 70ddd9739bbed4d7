"""Helpers shared by the query modules: raw driver rows and IN lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from app.db import watch

#: above this many codes a filter is applied in Python rather than as an IN list
IN_LIMIT = 5000


def _driver_rows(session: Session, sql: str, params: Sequence[Any]) -> list[Any]:
    """Rows (plain tuples) straight from the driver's cursor: for the few hot, wide reads of
    scoring and of the quality checks of an import, where building SQLAlchemy rows costs more
    than the query (see bench/ranking.py, bench/bulk_import.py)."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":  # stored as ISO text there; sqlite3's date adapter is deprecated
        params = [p.isoformat() if isinstance(p, date) else p for p in params]
    else:
        sql = sql.replace("?", "%s")
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _in_clause(column: str, codes: Sequence[str] | None) -> tuple[str, list[str]]:
    if codes is None or len(codes) > IN_LIMIT:
        return "", []
    if not codes:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join('?' for _ in codes)})", list(codes)


def _keep(rows: list[Any], codes: Sequence[str] | None) -> list[Any]:
    if codes is None or len(codes) <= IN_LIMIT:
        return rows
    keep = set(codes)
    return [r for r in rows if r[0] in keep]


def _number(raw: Any) -> Decimal | None:
    # SQLite keeps exact decimals as text (see ExactDecimal); PostgreSQL returns Decimal
    return None if raw is None else raw if isinstance(raw, Decimal) else Decimal(raw)


def insert_rows(
    session: Session,
    table: Any,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    constants: dict[str, Any] | None = None,
) -> None:
    """Append `rows` (values of `columns`, in order) to `table`, each with the same `constants`.

    For the bulk writes (an import's values and their audit events): each column's bind processing
    is looked up once and applied only where the column's type has one, and the rows go to the
    driver in one call, PostgreSQL `COPY` or SQLite's executemany, without SQLAlchemy building a
    parameter dictionary per row (see bench/bulk_import.py).
    """
    if not rows:
        return
    session.flush()  # pending ORM changes first, in the order they were made
    watch.mark(session)  # a write, as one through session.execute would count
    conn = session.connection()
    dialect = conn.dialect
    fixed = dict(constants or {})
    names = [*columns, *fixed]
    procs = [(i, p) for i, n in enumerate(columns) if (p := table.c[n].type._cached_bind_processor(dialect))]
    tail = tuple(
        p(v) if (p := table.c[n].type._cached_bind_processor(dialect)) else v for n, v in fixed.items()
    )
    out: list[tuple[Any, ...]]
    if procs:
        out = []
        for row in rows:
            cells = list(row)
            for i, p in procs:
                if cells[i] is not None:
                    cells[i] = p(cells[i])
            out.append((*cells, *tail))
    else:
        out = [(*row, *tail) for row in rows]
    if dialect.name == "postgresql":
        cursor = conn.connection.cursor()
        try:
            with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for r in out:
                    copy.write_row(r)
        finally:
            cursor.close()
        return
    marks = ", ".join("?" for _ in names)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", out)
