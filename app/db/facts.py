"""The facts read model: what scoring reads, and which regions changed since a version.

Two reads of the same facts:
- `region_facts`: values and every registry item with its name and id, for explained breakdowns
  and publishing (a snapshot lists the items it counted);
- `ranking_facts`: values, and per region the (type, level) of every item counting in the year,
  joined by the database into one string with their count. A ranking needs no names; it reads the
  driver's rows (no Row objects) and makes no object per item (one per (registry, type, level)).

`counts_in_year` below is the SQL form of the domain's one rule
(`app.domain.elements.counts_in_year`); every query that asks "does this item count in year Y"
uses it. `changed_regions` reads the change log that `mark_changed` writes beside every
data_version bump that knows its regions.
"""

from __future__ import annotations

import contextlib
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Engine,
    Numeric,
    String,
    and_,
    delete,
    func,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from app.db.bulk import insert_rows
from app.db.tables import Award, DataValue, Period, Platform, RegionChange
from app.domain import Facts, RegistryItem, Scheme
from app.domain.elements import NUMERIC_KINDS, ElementKind, RegistryCounting, Value

#: a region filter as an IN list up to this many codes; beyond it the rows are filtered in Python
IN_LIMIT = 5000
#: the same for the wide reads of a ranking, where a long IN list costs more than the rows it spares
RANKING_IN_LIMIT = 500


class ValueFact(NamedTuple):
    region: str
    element: str
    number: Decimal | None
    text: str | None


class ItemFact(NamedTuple):
    region: str
    type: str
    level: str
    start: date
    end: date | None
    name: str
    id: int


class Tally(NamedTuple):
    region: str
    type: str
    level: str
    n: int


def counts_in_year(counting: RegistryCounting, start: Any, end: Any, year: int) -> ColumnElement[bool]:
    """SQL of `app.domain.elements.counts_in_year`: a stock item counts when recognised by Dec 31
    of `year` and not revoked on or before it; an event item counts in the year of its date."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if counting is RegistryCounting.EVENT:
        return and_(start >= first, start <= last)
    return and_(start <= last, or_(end.is_(None), end > last))


#: the registry tables: registry code -> (table, counting, start column, end column)
REGISTRIES: dict[str, tuple[Any, RegistryCounting, Any, Any]] = {
    "platform": (Platform, RegistryCounting.STOCK, Platform.recognized_on, Platform.revoked_on),
    "award": (Award, RegistryCounting.EVENT, Award.awarded_on, None),
}


def counting_filter(registry: str, year: int) -> ColumnElement[bool]:
    """Items of `registry` that count for data year `year`."""
    _, counting, start, end = REGISTRIES[registry]
    return counts_in_year(counting, start, end, year)


def decode(scheme: Scheme, element: str, number: Decimal | None, text: str | None) -> Value | None:
    """A stored value as the scheme reads it (numbers in value_number, choices and flags as text)."""
    el = scheme.elements.get(element)
    if el is None:  # stored under an earlier scheme of the period; shown as stored
        return number if number is not None else text
    if el.kind is ElementKind.BOOLEAN:
        return text == "true"
    if el.kind is ElementKind.CHOICE:
        return text
    return number


def _in(column: Any, codes: Sequence[str] | None, limit: int = IN_LIMIT) -> list[ColumnElement[bool]]:
    if codes is None or len(codes) > limit:
        return []
    return [column.in_(codes)]


def _keep(rows: Sequence[Any], codes: Sequence[str] | None, limit: int = IN_LIMIT) -> list[Any]:
    """Rows (fetched at once: row by row costs more than the query) of the regions in `codes`."""
    if codes is None or len(codes) <= limit:
        return list(rows)
    keep = set(codes)
    return [r for r in rows if r[0] in keep]


def _number(raw: Any) -> Decimal | None:
    return raw if raw is None or isinstance(raw, Decimal) else Decimal(raw)


def value_facts(
    session: Session, year: int, codes: Sequence[str] | None, *, raw: bool = False
) -> list[ValueFact]:
    """(region, element, number, text) of the stored values of `year`: only what scoring reads.

    With `raw`, numbers come as the driver reads them (text on SQLite, NUMERIC on PostgreSQL)
    instead of in their canonical form: equal in value, and several times cheaper to read."""
    t = DataValue.__table__  # type: ignore[attr-defined]
    number = t.c.value_number
    if raw:
        number = type_coerce(number, String() if session.get_bind().dialect.name == "sqlite" else Numeric())
    q = select(t.c.region_code, t.c.element, number, t.c.value_text).where(
        t.c.year == year, *_in(t.c.region_code, codes)
    )
    return _keep(session.execute(q).all(), codes)


def item_facts(session: Session, registry: str, year: int, codes: Sequence[str] | None) -> list[ItemFact]:
    """The items of `registry` counting in `year`, with name and id, in id order."""
    table, _, start, end = REGISTRIES[registry]
    t = table.__table__
    q = (
        select(
            t.c.region_code,
            t.c.type,
            t.c.level,
            start,
            end if end is not None else null(),
            t.c.name,
            t.c.id,
        )
        .where(counting_filter(registry, year), *_in(t.c.region_code, codes))
        .order_by(t.c.id)
    )
    return [ItemFact._make(r) for r in _keep(session.execute(q).all(), codes)]


def tallies(session: Session, registry: str, year: int, codes: Sequence[str] | None) -> list[Tally]:
    """Per (region, type, level): how many items of `registry` count in `year`."""
    table, _, _, _ = REGISTRIES[registry]
    t = table.__table__
    q = (
        select(t.c.region_code.label("region"), t.c.type, t.c.level, func.count().label("n"))
        .where(counting_filter(registry, year), *_in(t.c.region_code, codes))
        .group_by(t.c.region_code, t.c.type, t.c.level)
    )
    return _keep(session.execute(q).all(), codes)  # rows shaped as Tally


def _values(
    session: Session, scheme: Scheme, year: int, codes: Sequence[str] | None, *, raw: bool = False
) -> dict[str, dict[str, Value]]:
    values: dict[str, dict[str, Value]] = defaultdict(dict)
    elements = scheme.elements
    for region, element, number, text in value_facts(session, year, codes, raw=raw):
        if element in elements:
            v = decode(scheme, element, _number(number), text)
            if v is not None:
                values[region][element] = v
    return values


def region_facts(
    session: Session, scheme: Scheme, year: int, codes: Sequence[str] | None
) -> dict[str, Facts]:
    """Facts of every region in `codes` (all regions with data when None) for `year`, with every
    counting registry item named: for explained breakdowns and snapshots."""
    values = _values(session, scheme, year, codes)
    items: dict[str, list[RegistryItem]] = defaultdict(list)
    for registry in REGISTRIES:
        for region, type_, level, start, end, name, id_ in item_facts(session, registry, year, codes):
            items[region].append(RegistryItem(registry, type_, level, start, end, name, id_))
    keys = codes if codes is not None else sorted(set(values) | set(items))
    return {c: Facts(year, values.get(c, {}), tuple(items.get(c, ()))) for c in keys}


def _driver_rows(session: Session, q: Any) -> list[Any]:
    """Every row of `q` as the driver's own tuples: no result processing and no Row objects (values
    as the driver reads them), for the wide reads of a ranking where those cost more than the query."""
    result = session.connection().execute(q)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


#: separators of the (type, level) keys `_item_keys` reads as one string per region (never in a code)
_TYPE_LEVEL, _ITEM = "\x1f", "\x1e"


def _item_keys(session: Session, registry: str, year: int, codes: Sequence[str] | None) -> list[Any]:
    """Per region with items of `registry` counting in `year`: one "type<US>level" key per item
    (a (type, level) pair when read row by row).
    Aggregated by the database into one string and a count per region (a third of the time of a
    row per item); read row by row instead should a type or level hold a separator."""
    table, _, _, _ = REGISTRIES[registry]
    t = table.__table__
    key = t.c.type + _TYPE_LEVEL + t.c.level
    where = (counting_filter(registry, year), *_in(t.c.region_code, codes, RANKING_IN_LIMIT))
    q = select(t.c.region_code, func.count(), func.aggregate_strings(key, _ITEM)).where(*where)
    out = []
    for region, n, joined in _keep(
        _driver_rows(session, q.group_by(t.c.region_code)), codes, RANKING_IN_LIMIT
    ):
        keys = joined.split(_ITEM)
        if len(keys) != n or joined.count(_TYPE_LEVEL) != n:
            rows = _driver_rows(session, select(t.c.region_code, t.c.type, t.c.level).where(*where))
            grouped: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for r, type_, level in _keep(rows, codes, RANKING_IN_LIMIT):
                grouped[r].append((type_, level))
            return list(grouped.items())
        out.append((region, keys))
    return out


def _ranking_values(
    session: Session, scheme: Scheme, year: int, codes: Sequence[str] | None
) -> dict[str, dict[str, Value]]:
    """The values of `year` of the scheme's elements as `decode` reads them: numbers (stored ones
    only) from one query in region order, made into each region's dict at once; flags and choices
    (a few per region) from another."""
    numeric = [c for c, el in scheme.elements.items() if el.kind in NUMERIC_KINDS]
    flags = {c for c, el in scheme.elements.items() if el.kind is ElementKind.BOOLEAN}
    texts = [c for c, el in scheme.elements.items() if el.kind not in NUMERIC_KINDS]
    t = DataValue.__table__  # type: ignore[attr-defined]
    where = (t.c.year == year, *_in(t.c.region_code, codes, RANKING_IN_LIMIT))
    q = (
        select(t.c.region_code, t.c.element, t.c.value_number)
        .where(*where, t.c.element.in_(numeric), t.c.value_number.is_not(None))
        .order_by(t.c.region_code)
    )
    rows = _keep(_driver_rows(session, q), codes, RANKING_IN_LIMIT)
    new = Decimal
    values: dict[str, dict[str, Value]]
    if session.get_bind().dialect.name == "sqlite":  # exact decimals kept as text (ExactDecimal)
        values = {r: {e: new(n) for _, e, n in group} for r, group in groupby(rows, itemgetter(0))}
    else:
        values = {
            r: {e: n if type(n) is new else new(n) for _, e, n in group}
            for r, group in groupby(rows, itemgetter(0))
        }
    if texts:
        q = select(t.c.region_code, t.c.element, t.c.value_text).where(*where, t.c.element.in_(texts))
        for region, element, text in _keep(_driver_rows(session, q), codes, RANKING_IN_LIMIT):
            if element in flags:
                v: Value = text == "true"
            elif text is None:
                continue
            else:
                v = text
            held = values.get(region)
            if held is None:
                values[region] = {element: v}
            else:
                held[element] = v
    return values


def ranking_facts(
    session: Session, scheme: Scheme, year: int, codes: Sequence[str] | None
) -> dict[str, Facts]:
    """Facts for scoring without explanation: the values, and the registry items counting in the
    year as the database selects them, by type and level only. Each (registry, type, level) is one
    item dated Jan 1 of `year` (it counts in the year under either counting), shared by every
    region holding such items: its name and id are not read. The same values as `region_facts`
    (`decode`), read as the driver returns them, and no objects per item.

    Read from the fact rows (app.db.fact_rows) when the year's are complete; from the live tables
    otherwise (`live_ranking_facts`)."""
    from app.db import fact_rows

    stored = fact_rows.read(session, scheme, year, codes)
    return stored if stored is not None else live_ranking_facts(session, scheme, year, codes)


def live_ranking_facts(
    session: Session, scheme: Scheme, year: int, codes: Sequence[str] | None
) -> dict[str, Facts]:
    """`ranking_facts` read from the values and registry tables themselves."""
    values = _ranking_values(session, scheme, year, codes)
    items: dict[str, dict[str, list[RegistryItem]]] = {}
    start = date(year, 1, 1)
    for registry in REGISTRIES:
        shared: dict[Any, RegistryItem] = {}
        get = shared.get
        for region, keys in _item_keys(session, registry, year, codes):
            listed = [get(key) for key in keys]
            if None in listed:  # a (type, level) seen first here
                for key in keys:
                    if key not in shared:
                        type_, level = key if isinstance(key, tuple) else key.split(_TYPE_LEVEL)
                        shared[key] = RegistryItem(registry, type_, level, start)
                listed = [get(key) for key in keys]
            grouped = items.get(region)
            if grouped is None:
                items[region] = {registry: listed}  # type: ignore[dict-item]
            else:
                grouped[registry] = listed  # type: ignore[assignment]
    keys = codes if codes is not None else sorted(set(values) | set(items))
    by_registry = Facts.by_registry
    return {c: by_registry(year, values.get(c) or {}, items.get(c) or {}) for c in keys}


# ------------------------------------------------------------------------------- change tracking


def period_clause(years: Iterable[int] | None, from_year: int | None) -> list[ColumnElement[bool]]:
    col = Period.__table__.c.year  # type: ignore[attr-defined]
    if years is not None:
        return [col.in_(sorted(set(years)))]
    if from_year is not None:
        return [col >= from_year]
    return []


#: how many versions of change log a period keeps; a cache further behind starts over
KEEP_VERSIONS = 1000


def mark_changed(
    session: Session,
    regions: Iterable[str],
    *,
    years: Iterable[int] | None = None,
    from_year: int | None = None,
) -> None:
    """Log `regions` as changed at the current data_version of these periods (call right after the
    bump, in the same transaction). Regions never logged for a version are taken as unchanged
    only when the version has at least one row: a bump without a log means "anything"."""
    codes = sorted(set(regions))
    if not codes:
        return
    p = Period.__table__  # type: ignore[attr-defined]
    rows = session.execute(select(p.c.year, p.c.data_version).where(*period_clause(years, from_year))).all()
    c = RegionChange.__table__  # type: ignore[attr-defined]
    for year, version in rows:
        # rows at or above the new version are left from an earlier life of the period (deleted
        # and made again); those far behind it no cache will ask for: the log stays small
        session.execute(
            delete(c).where(
                c.c.year == year, or_(c.c.data_version >= version, c.c.data_version < version - KEEP_VERSIONS)
            )
        )
    if rows:
        insert_rows(
            session,
            c,
            ("year", "data_version", "region_code"),
            [(y, v, code) for y, v in rows for code in codes],
        )


def period_version(session: Session, year: int) -> int | None:
    p = Period.__table__  # type: ignore[attr-defined]
    v = session.execute(select(p.c.data_version).where(p.c.year == year)).scalar()
    return None if v is None else int(v)


def changed_regions(session: Session, year: int, since: int, until: int) -> set[str] | None:
    """The regions changed in `year` by the versions after `since` up to `until`; None when one
    of those versions logged no region (anything may have changed)."""
    if until == since:
        return set()
    if until < since:
        return None
    c = RegionChange.__table__  # type: ignore[attr-defined]
    q = select(c.c.data_version, c.c.region_code).where(
        c.c.year == year, c.c.data_version > since, c.c.data_version <= until
    )
    versions: set[int] = set()
    regions: set[str] = set()
    for version, region in session.execute(q):
        versions.add(version)
        regions.add(region)
    return regions if len(versions) == until - since else None


class DatabaseUnavailable(Exception):
    """The version probe could not reach the database."""


class VersionProbe:
    """Reads a period's data_version on one dedicated autocommit connection: the cheapest
    possible round trip, done before every cached read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.Lock()
        self.conn: Any = None
        mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self.sql = f"SELECT data_version, scheme_code FROM period WHERE year = {mark}"

    def _connect(self) -> Any:
        raw = self.engine.raw_connection()
        driver = raw.driver_connection
        # ours for good: closed when the probe drops it or is collected, never handed back to the
        # pool, where a session would get a connection in autocommit mode and its rollback would
        # undo nothing
        raw.detach()
        if self.engine.dialect.name == "postgresql":
            raw.rollback()
            driver.autocommit = True  # type: ignore[union-attr]
        return raw

    def __call__(self, year: int) -> tuple[int, str] | None:
        with self.lock:
            if self.conn is None:
                try:
                    self.conn = self._connect()
                except Exception as exc:
                    raise DatabaseUnavailable(f"database unavailable: {exc}") from exc
            try:
                cur = self.conn.cursor()
                cur.execute(self.sql, (year,))
                row = cur.fetchone()
                cur.close()
            except Exception as exc:
                self.close_locked()
                raise DatabaseUnavailable(f"database unavailable: {exc}") from exc
        return (int(row[0]), str(row[1])) if row else None

    def close_locked(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()  # detached: closes the driver's connection
            self.conn = None

    def close(self) -> None:
        with self.lock:
            self.close_locked()
