"""Fact rows: the facts of each region-year stored ready for a ranking (a read model, never a cache).

One row per (year, region) holds every stored value of the year as text (numbers as exact decimal
text) and, per registry, how many items of each (type, level) count in the year
(`facts.counts_in_year`). A ranking reads them with one query of one row per region and makes
Facts from them without an object per value row or per item (`read`).

Kept exact by the one choke point of every write that changes facts: `bump_periods`, the first
statement of each such write, notes what the write may change (`note`), and the session's commit
recomputes those rows in the same transaction, after the write's own statements
(`_before_commit`), with one set-based statement per year:

- a write that knows its regions (values, registry items: `bump_periods(regions=...)`) recomputes
  those regions in every year it bumps (a platform dated in year Y bumps the years >= Y, so its
  end date and every later year are recomputed too);
- a write of values only (`bump_periods(values_only=True)`: values imported, put or deleted)
  cannot change a registry's tallies: it recomputes the values of its regions and keeps their
  tallies (one upsert, `_compute_values`), skipping the registry queries;
- a write that does not know its regions (a region renamed or moved, regions imported, a period
  published, a bulk load that bumps every period) rebuilds the whole of each year it bumps, and a
  new period (`note_year`) is built when it is created. Such writes are rare, and a whole year is
  one INSERT ... SELECT.

A year is read from here only while it has a `fact_year` row, which only a complete rebuild
writes: a year whose rows were never built (a period made by a path that does not note it) is
ranked from the live tables (`facts.ranking_facts`' own queries), correct and slower, until any
write to it rebuilds it. Published years are ranked from their snapshots and never read here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    any_,
    bindparam,
    case,
    cast,
    delete,
    event,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.db.facts import REGISTRIES, _driver_rows, _in, _keep, counting_filter
from app.db.tables import DataValue, FactRow, FactYear, Period
from app.domain import Facts, Scheme
from app.domain.elements import NUMERIC_KINDS, ElementKind, Value

#: the separator of the stored strings (a unit separator: never in a code, a number or a choice)
SEP = "\x1f"
#: between the tallies of the registries, in the order of facts.REGISTRIES (a record separator)
SECTION = "\x1e"
#: a write touching more regions of a year than this rebuilds the whole year (one short statement
#: instead of a long IN list)
PARTIAL_LIMIT = 2000
#: the regions filter of a read as an IN list up to this many codes (as facts.RANKING_IN_LIMIT)
READ_IN_LIMIT = 500
#: the tallies of a region with no counting item: every registry's section empty
EMPTY_TALLIES = SECTION.join([""] * len(REGISTRIES))

_PENDING = "fact_rows.pending"

#: (years, from_year, regions, values_only) of one `note`
Pending = tuple[frozenset[int] | None, int | None, frozenset[str] | None, bool]

_ROW = FactRow.__table__  # type: ignore[attr-defined]
_YEAR = FactYear.__table__  # type: ignore[attr-defined]
_PERIOD = Period.__table__  # type: ignore[attr-defined]
_VALUE = DataValue.__table__  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------ writes


def note(
    session: Session,
    *,
    years: Iterable[int] | None = None,
    from_year: int | None = None,
    regions: Iterable[str] | None = None,
    values_only: bool = False,
) -> None:
    """Note that this transaction changes the facts of `regions` (all regions when None) in
    these years (`bump_periods`' choice of periods): recomputed when the session commits.
    `values_only`: it changes stored values and no registry item (the tallies are kept)."""
    pending: list[Pending] = session.info.setdefault(_PENDING, [])
    pending.append(
        (
            None if years is None else frozenset(years),
            from_year,
            None if regions is None else frozenset(regions),
            values_only,
        )
    )


def note_year(session: Session, year: int) -> None:
    """A new period: its rows are built when the session commits.

    Every other period's row is locked first (ascending, as every writer locks them): a registry
    write that locked them earlier has committed before this build reads the tables, and one
    that comes later waits for this commit and then finds the new period among the years it
    recomputes. On SQLite the write lock is held already."""
    session.execute(select(_PERIOD.c.year).order_by(_PERIOD.c.year).with_for_update())
    note(session, years=[year])


def _before_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.flush()  # the write's pending ORM changes first
        apply(session, pending)


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the whole transaction is over (committed or rolled back)
        session.info.pop(_PENDING, None)


event.listen(Session, "before_commit", _before_commit)
event.listen(Session, "after_transaction_end", _after_transaction_end)


def apply(session: Session, pending: Sequence[Pending]) -> None:
    """Recompute what `pending` (as `note` made it) names, one year at a time."""
    period_years = [
        int(y) for y in session.execute(select(_PERIOD.c.year).order_by(_PERIOD.c.year)).scalars()
    ]
    #: per year, the regions to recompute whole (None: every region) and those whose values only
    todo: dict[int, set[str] | None] = {}
    values_todo: dict[int, set[str]] = {}
    for years, from_year, regions, values_only in pending:
        if years is not None:
            chosen = [y for y in period_years if y in years]
        elif from_year is not None:
            chosen = [y for y in period_years if y >= from_year]
        else:
            chosen = period_years
        for y in chosen:
            if regions is None:
                todo[y] = None
            elif values_only:
                values_todo.setdefault(y, set()).update(regions)
            elif y not in todo:
                todo[y] = set(regions)
            elif (held := todo[y]) is not None:
                held.update(regions)
    years_todo = sorted(todo.keys() | values_todo.keys())
    if not years_todo:
        return
    ready = set(session.execute(select(_YEAR.c.year).where(_YEAR.c.year.in_(years_todo))).scalars())
    for year in years_todo:
        whole = todo.get(year, set())
        if whole is None or year not in ready:
            rebuild(session, year, ready=year in ready)
            continue
        values = values_todo.get(year, set()) - whole
        if len(whole) + len(values) > PARTIAL_LIMIT:
            rebuild(session, year, ready=True)
            continue
        if whole:
            _compute(session, year, sorted(whole))
        if values:
            _compute_values(session, year, sorted(values))


def rebuild(session: Any, year: int, *, ready: bool = False) -> None:
    """Every fact row of `year` anew, and the year marked complete (`session`: a Session or a
    Connection, as a migration has)."""
    _compute(session, year, None)
    if not ready:
        session.execute(insert(_YEAR).values(year=year))


def _compute(session: Any, year: int, codes: Sequence[str] | None) -> None:
    """Replace the rows of `codes` (every region when None) in `year` by what the tables hold:
    one DELETE and one INSERT ... SELECT."""
    where_rows = [_ROW.c.year == year]
    if codes is not None:
        where_rows.append(_ROW.c.region_code.in_(codes))
    session.execute(delete(_ROW).where(*where_rows))
    session.execute(
        insert(_ROW).from_select(
            ["year", "region_code", "numbers", "texts", "tallies", "n_values", "n_tallies"],
            _source(year, codes),
        )
    )


def _compute_values(session: Session, year: int, codes: Sequence[str]) -> None:
    """Replace the values of `codes`' rows in `year` by what data_value holds and keep their
    tallies (a write of values only): an upsert of the regions with values; then the rows of any
    region left without values (a value deleted) are emptied, and dropped when they hold no
    tallies either (as `_compute` would leave them)."""
    upsert: Any = pg_insert(_ROW) if session.get_bind().dialect.name == "postgresql" else sqlite_insert(_ROW)
    upsert = upsert.from_select(
        ["year", "region_code", "numbers", "texts", "tallies", "n_values", "n_tallies"],
        _values_source(year, codes, postgresql=session.get_bind().dialect.name == "postgresql"),
    )
    done = session.execute(
        upsert.on_conflict_do_update(
            index_elements=[_ROW.c.year, _ROW.c.region_code],
            set_={c: upsert.excluded[c] for c in ("numbers", "texts", "n_values")},
        ).execution_options(preserve_rowcount=True)  # the driver's count, kept for an INSERT too
    )
    # one row inserted or updated per region with values: as many as codes, none is left without
    if getattr(done, "rowcount", -1) == len(codes):
        return
    v = _VALUE
    with_values = set(
        session.execute(
            select(v.c.region_code).where(v.c.year == year, v.c.region_code.in_(codes)).distinct()
        ).scalars()
    )
    emptied = sorted(set(codes) - with_values)
    if emptied:
        where = [_ROW.c.year == year, _ROW.c.region_code.in_(emptied)]
        session.execute(update(_ROW).where(*where).values(numbers="", texts="", n_values=0))
        session.execute(delete(_ROW).where(*where, _ROW.c.n_tallies == 0))


def _values_source(year: int, codes: Sequence[str], *, postgresql: bool = False) -> Any:
    """The values part of `_source`'s rows (their tallies empty: not read), from one scan of
    data_value: a row holds a number or a text (its check constraint), so each string aggregates
    the entries of the rows holding one, and the count is that of the rows (the order within a
    string is the database's in either). On PostgreSQL the codes go as one array parameter (`= ANY`), which
    the server plans faster than an IN list of as many parameters (bench/bulk_import.py)."""
    v = _VALUE
    region_in = (
        v.c.region_code == any_(bindparam("codes", list(codes), type_=ARRAY(String)))
        if postgresql
        else v.c.region_code.in_(codes)
    )

    def joined(present: Any, entry: Any) -> Any:
        return func.coalesce(func.aggregate_strings(case((present, entry)), SEP), "")

    return (
        select(
            literal(year, Integer),
            v.c.region_code,
            joined(v.c.value_number.is_not(None), v.c.element + SEP + cast(v.c.value_number, String)),
            joined(v.c.value_text.is_not(None), v.c.element + SEP + v.c.value_text),
            literal(EMPTY_TALLIES, String),
            func.count(),
            literal(0, Integer),
        )
        .where(v.c.year == year, region_in)
        .group_by(v.c.region_code)
    )


def _source(year: int, codes: Sequence[str] | None) -> Any:
    """One row per region with values or counting items in `year`: the stored strings and counts
    (a write of values only reads `_values_source` instead)."""

    def region_in(column: Any) -> list[ColumnElement[bool]]:
        return [] if codes is None else [column.in_(codes)]

    v = _VALUE
    number_text = cast(v.c.value_number, String)
    parts = [
        select(
            v.c.region_code.label("region_code"),
            literal(0, Integer).label("kind"),
            (v.c.element + SEP + number_text).label("entry"),
        ).where(v.c.year == year, v.c.value_number.is_not(None), *region_in(v.c.region_code)),
        select(
            v.c.region_code,
            literal(1, Integer),
            v.c.element + SEP + v.c.value_text,
        ).where(v.c.year == year, v.c.value_text.is_not(None), *region_in(v.c.region_code)),
    ]
    registries = range(2, 2 + len(REGISTRIES))
    for k, (registry, (table, _, _, _)) in zip(registries, REGISTRIES.items(), strict=True):
        t = table.__table__
        parts.append(
            select(
                t.c.region_code,
                literal(k, Integer),
                t.c.type + SEP + t.c.level + SEP + cast(func.count(), String),
            )
            .where(counting_filter(registry, year), *region_in(t.c.region_code))
            .group_by(t.c.region_code, t.c.type, t.c.level)
        )
    u = union_all(*parts).subquery()

    def joined(kind: int) -> Any:
        return func.coalesce(func.aggregate_strings(case((u.c.kind == kind, u.c.entry)), SEP), "")

    def counted(*kinds: int) -> Any:
        return func.count(case((u.c.kind.in_(kinds), 1)))

    tallies: Any = joined(registries[0])
    for k in registries[1:]:
        tallies = tallies + SECTION + joined(k)
    return select(
        literal(year, Integer),
        u.c.region_code,
        joined(0),
        joined(1),
        tallies,
        counted(0, 1),
        counted(*registries),
    ).group_by(u.c.region_code)


# ------------------------------------------------------------------------------------- reads


def is_ready(session: Session, year: int) -> bool:
    return session.execute(select(_YEAR.c.year).where(_YEAR.c.year == year)).first() is not None


def read(session: Session, scheme: Scheme, year: int, codes: Sequence[str] | None) -> dict[str, Facts] | None:
    """The facts `facts.ranking_facts` reads, from the fact rows; None when the year's rows are
    not complete (or a stored string does not split as its counts say): read the live tables."""
    r = _ROW
    # the year's completeness asked in the same query: a row found proves it (one round trip
    # instead of two; asked apart only when no row comes back)
    ready = select(_YEAR.c.year).where(_YEAR.c.year == year).exists()
    q = select(r.c.region_code, r.c.numbers, r.c.texts, r.c.tallies, r.c.n_values, r.c.n_tallies).where(
        r.c.year == year, ready, *_in(r.c.region_code, codes, READ_IN_LIMIT)
    )
    rows = _keep(_driver_rows(session, q), codes, READ_IN_LIMIT)
    if not rows and not is_ready(session, year):
        return None
    elements = scheme.elements
    numeric = frozenset(c for c, el in elements.items() if el.kind in NUMERIC_KINDS)
    flags = frozenset(c for c, el in elements.items() if el.kind is ElementKind.BOOLEAN)
    texts = frozenset(elements) - numeric - flags
    new, tallied = Decimal, Facts.tallied
    registries = list(REGISTRIES)
    n_registries = len(registries)
    out: dict[str, Facts] = {}
    for region, numbers, stored_texts, tallies, n_values, n_tallies in rows:
        pn = numbers.split(SEP) if numbers else []
        pt = stored_texts.split(SEP) if stored_texts else []
        sections = tallies.split(SECTION)
        if len(pn) % 2 or len(pt) % 2 or len(pn) + len(pt) != 2 * n_values or len(sections) != n_registries:
            return None
        values: dict[str, Value] = dict(zip(pn[::2], map(new, pn[1::2]), strict=True))
        if not values.keys() <= numeric:
            # flags stored as a number read as false (their text is none); anything else not numeric
            # is not read, as in `facts.decode`
            values = {
                e: (False if e in flags else n) for e, n in values.items() if e in numeric or e in flags
            }
        for i in range(0, len(pt), 2):
            e = pt[i]
            if e in flags:
                values[e] = pt[i + 1] == "true"
            elif e in texts:
                values[e] = pt[i + 1]
        counted: dict[str, list[tuple[str, str, int]]] = {}
        entries = 0
        for registry, section in zip(registries, sections, strict=True):
            if section:
                pi = section.split(SEP)
                if len(pi) % 3:
                    return None
                counted[registry] = list(zip(pi[0::3], pi[1::3], map(int, pi[2::3]), strict=True))
                entries += len(pi)
        if entries != 3 * n_tallies:
            return None
        out[region] = tallied(year, values, counted)
    keys = codes if codes is not None else sorted(out)
    empty = Facts.by_registry
    return {c: out.get(c) or empty(year, {}, {}) for c in keys}


__all__ = ["SEP", "apply", "is_ready", "note", "note_year", "read", "rebuild"]
