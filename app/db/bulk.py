"""Bulk appends straight to the driver: PostgreSQL `COPY`, SQLite executemany."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.db import watch


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
    procs = [(i, p) for i, n in enumerate(columns) if (p := _bind_processor(table.c[n].type, dialect))]
    tail = tuple(p(v) if (p := _bind_processor(table.c[n].type, dialect)) else v for n, v in fixed.items())
    out: list[tuple[Any, ...]]
    if len(procs) == 1:  # one column to convert (a value's number): one comprehension
        ((k, proc),) = procs
        out = [(*row[:k], None if (v := row[k]) is None else proc(v), *row[k + 1 :], *tail) for row in rows]
    elif procs:
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
            types = _column_types(cursor, table.name)
            with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                # the columns' types named once: each cell is dumped for its column's type instead
                # of looking a dumper up by the cell's Python class (half the time of a COPY)
                copy.set_types([types[n] for n in names])
                for r in out:
                    copy.write_row(r)
        finally:
            cursor.close()
        return
    marks = ", ".join("?" for _ in names)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", out)


def _bind_processor(column_type: Any, dialect: Any) -> Any:
    """The column type's conversion of a bound value, as the type names it for bulk use when it
    does (app.db.types.ExactDecimal: `str` on SQLite, none on PostgreSQL, without the generic
    wrappers' two calls per value), else SQLAlchemy's."""
    bulk = getattr(column_type, "bulk_bind_processor", None)
    if bulk is not None:
        return bulk(dialect)
    return column_type._cached_bind_processor(dialect)


#: table name -> column name -> type oid, read from the server's catalog once per process
_types: dict[str, dict[str, int]] = {}


def _column_types(cursor: Any, table: str) -> dict[str, int]:
    found = _types.get(table)
    if found is None:
        cursor.execute(
            "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped",
            (table,),
        )
        found = _types[table] = {str(name): int(oid) for name, oid in cursor.fetchall()}
    return found
