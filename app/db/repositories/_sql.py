"""Helpers shared by the query modules: raw driver rows and IN lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from app.db.bulk import insert_rows as insert_rows

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
