"""Importing a spreadsheet: a filled template (XLSX) or long-form CSV, all sheets or nothing.

Every row goes through the same service functions as the JSON writes (data.import_values for
values, registry.create_item / update_item for platforms and awards), in one transaction; their
row problems are mapped back to the cells they came from (`D7`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session

from app.db import repositories as repo
from app.db.tables import Award, Platform
from app.domain import InvalidInput, Scheme
from app.domain.elements import Named, resolve_code
from app.domain.scheme import Element, ElementKind
from app.services import data, registry
from app.services.audit import SYSTEM, Actor
from app.services.errors import Conflict, Forbidden, NotFound, RowProblem, RowsInvalid
from app.spreadsheets.read import CSV_SHEET, Upload, cell_name
from app.spreadsheets.template import (
    AWARD_SHEET,
    CLEAR_MARKER,
    DATA_SHEET,
    NO,
    PLATFORM_SHEET,
    REGISTRY_SHEETS,
    YES,
)

#: what, typed in a value cell, deletes the stored value
DELETE_MARKERS = frozenset({CLEAR_MARKER, "DELETE"})
TRUE_WORDS = frozenset({YES, "true", "TRUE", "True"})
FALSE_WORDS = frozenset({NO, "false", "FALSE", "False"})
CSV_COLUMNS = ("region", "element", "value", "comment")


@dataclass(frozen=True)
class CellProblem:
    """A bad cell: where it is (sheet, A1 cell, 1-based row, column code) and why."""

    sheet: str
    cell: str
    row: int
    column: str
    received: Any
    reason: str
    index: int | None = None

    @property
    def field(self) -> str:
        return f"{self.sheet}!{self.cell}"

    def location(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "column": self.column,
            "received": self.received,
        }


class CellsInvalid(RowsInvalid):
    collection = None  # a cell is named by sheet and cell, not by a path into a body

    def __init__(self, problems: list[CellProblem]) -> None:
        self.problems = problems  # type: ignore[assignment]
        cells = len({(p.sheet, p.cell) for p in problems})
        Exception.__init__(self, f"{cells} cells of the file are invalid; nothing was written")


class CellsForbidden(Forbidden):
    collection = None

    def __init__(self, problems: list[CellProblem]) -> None:
        super().__init__(
            f"{len(problems)} cells may not be written with this key; nothing was written",
            problems,  # type: ignore[arg-type]
        )


@dataclass
class SheetCount:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Where:
    sheet: str
    row: int  # 0-based row in the sheet
    columns: dict[str, int]  # field -> 0-based column
    fallback: str  # the field whose cell stands for the row
    element: str | None = None  # the element of a template's value column


@dataclass
class _Work:
    problems: list[CellProblem] = field(default_factory=list)
    refused: list[CellProblem] = field(default_factory=list)

    def add(
        self, where: Where, sheet_rows: list[list[Any]], fld: str, reason: str, refused: bool = False
    ) -> None:
        col = where.columns.get(fld, where.columns[where.fallback])
        code = fld if fld in where.columns else where.fallback
        if where.element is not None and col == where.columns["value"]:
            code = where.element
        row = sheet_rows[where.row] if where.row < len(sheet_rows) else []
        raw = row[col] if col < len(row) else ""
        p = CellProblem(where.sheet, cell_name(where.row, col), where.row + 1, code, _jsonable(raw), reason)
        (self.refused if refused else self.problems).append(p)


def _jsonable(raw: Any) -> Any:
    if raw == "" or raw is None:
        return None
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    if isinstance(raw, str | int | float | bool):
        return raw
    return str(raw)


def _empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _code_text(raw: Any) -> str:
    """A code typed as text or as a number (130102 read back as 130102.0)."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


class Regions:
    """Region codes and exact Chinese names; a name shared by several regions must be given as
    a code (names are tried within the key's scope first)."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.codes: set[str] = set()
        self.by_name: dict[str, list[str]] = {}
        for r in repo.all_regions(session):
            self.codes.add(r.code)
            self.by_name.setdefault(r.name_zh, []).append(r.code)
        self.principal = actor.principal

    def resolve(self, raw: Any) -> tuple[str | None, str | None]:
        """(code, None) or (None, reason)."""
        text = _code_text(raw)
        if text in self.codes:
            return text, None
        found = self.by_name.get(text, [])
        if len(found) > 1:
            inside = [c for c in found if self.principal.covers(c)]
            found = inside if len(inside) == 1 else found
        if len(found) == 1:
            return found[0], None
        if found:
            return None, f"the name {text!r} is shared by regions {', '.join(sorted(found))}; give the code"
        return None, f"unknown region {text!r}: give a region code or its exact Chinese name"


def cell_value(el: Element, raw: Any) -> Any:
    """A cell as the JSON path would receive it; what cannot be read is passed on as it is, so
    that the element's own check gives the reason."""
    if isinstance(raw, str):
        raw = raw.strip()
    if el.kind is ElementKind.BOOLEAN:
        if isinstance(raw, str):
            return True if raw in TRUE_WORDS else False if raw in FALSE_WORDS else raw
        return raw
    if el.kind is ElementKind.CHOICE:
        code = resolve_code(el.choices, raw)  # a code, a name or an alias the scheme declares
        return code if code is not None else raw
    if isinstance(raw, str):
        try:
            return Decimal(raw)
        except InvalidOperation:
            return raw
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    return raw


def _date(raw: Any) -> tuple[date | None, str | None]:
    if _empty(raw):
        return None, None
    if isinstance(raw, datetime):
        return raw.date(), None
    if isinstance(raw, date):
        return raw, None
    if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        try:
            return date.fromisoformat(raw.strip()), None
        except ValueError:
            pass
    return None, "must be a date: a spreadsheet date or YYYY-MM-DD"


def _label(raw: Any, options: Iterable[Named]) -> Any:
    """The code a cell names (a code, a Chinese or English name, an alias), or the cell as typed
    for the check to refuse."""
    code = resolve_code(options, raw)
    return code if code is not None else (raw.strip() if isinstance(raw, str) else raw)


def _header_row(rows: list[list[Any]], first: str) -> int | None:
    for i, row in enumerate(rows[:5]):
        if row and isinstance(row[0], str) and row[0].strip() == first:
            return i
    return None


def import_file(
    session: Session,
    year: int,
    upload: Upload,
    *,
    registry_scheme: Scheme | None = None,
    dry_run: bool = False,
    max_rows: int = 20_000,
    actor: Actor = SYSTEM,
) -> dict[str, Any]:
    """Check and write every sheet of the file in this transaction, or raise and write nothing.

    Raises CellsForbidden (403) naming cells the key may not write, CellsInvalid (422) listing
    every bad cell, and what the JSON path raises (NotFound, PeriodLocked, TooLarge). A dry run
    checks everything, writes, and rolls the transaction back."""
    scheme = data.period_scheme(session, year)
    reg_scheme = registry_scheme or scheme
    regions = Regions(session, actor)
    work = _Work()
    sheets: dict[str, SheetCount] = {}
    value_rows: list[data.ValueRow] = []
    value_where: list[Where] = []
    deletes: list[tuple[str, str, Where]] = []
    if upload.kind == "csv":
        rows = upload.sheets[CSV_SHEET]
        sheets[CSV_SHEET] = _csv_values(scheme, regions, rows, work, value_rows, value_where, deletes)
    else:
        known = [s for s in (DATA_SHEET, PLATFORM_SHEET, AWARD_SHEET) if s in upload.sheets]
        if not known:
            first = next(iter(upload.sheets), "")
            work.problems.append(
                CellProblem(
                    first,
                    "A1",
                    1,
                    "(sheet)",
                    None,
                    f"the workbook has none of the sheets {DATA_SHEET}, {PLATFORM_SHEET}, {AWARD_SHEET}; "
                    "download a template with GET /api/v1/templates/{year}.xlsx",
                )
            )
        if DATA_SHEET in upload.sheets:
            sheets[DATA_SHEET] = _template_values(
                scheme, regions, upload.sheets[DATA_SHEET], work, value_rows, value_where, deletes
            )
    counts = sheets.get(DATA_SHEET) or sheets.get(CSV_SHEET)
    if value_rows:
        assert counts is not None
        try:
            result = data.import_values(session, year, value_rows, max_rows=max_rows, actor=actor)
        except RowsInvalid as exc:
            _map(exc.problems, value_where, upload, work, refused=False)
        except Forbidden as exc:
            _map(exc.problems, value_where, upload, work, refused=True)
        else:
            counts.created += result.created
            counts.updated += result.updated
            counts.unchanged += result.unchanged
    for region, element, where in deletes:
        assert counts is not None
        try:
            data.delete_value(session, year, region, element, actor=actor)
            counts.deleted += 1
        except NotFound:
            counts.unchanged += 1  # nothing stored: nothing to delete
        except Forbidden as exc:
            work.add(where, upload.sheets[where.sheet], "value", str(exc), refused=True)
    if upload.kind == "xlsx":
        for code, (title, _) in REGISTRY_SHEETS.items():
            if title in upload.sheets:
                sheets[title] = _registry(
                    session, reg_scheme, code, regions, upload.sheets[title], work, actor
                )
    if work.refused:
        raise CellsForbidden(work.refused)
    if work.problems:
        raise CellsInvalid(work.problems)
    if dry_run:
        session.rollback()
    return {
        "year": year,
        "dry_run": dry_run,
        "format": upload.kind,
        "encoding": upload.encoding,
        "sheets": {name: c.as_dict() for name, c in sheets.items()},
    }


def _map(
    problems: Sequence[RowProblem], where: list[Where], upload: Upload, work: _Work, *, refused: bool
) -> None:
    for p in problems:
        w = where[p.index]
        work.add(w, upload.sheets[w.sheet], p.field, p.reason, refused=refused)


def _value_cell(
    el: Element,
    region: str,
    raw: Any,
    where: Where,
    value_rows: list[data.ValueRow],
    value_where: list[Where],
    deletes: list[tuple[str, str, Where]],
    comment: Any = None,
) -> None:
    if isinstance(raw, str) and raw.strip() in DELETE_MARKERS:
        deletes.append((region, el.code, where))
        return
    value_rows.append(data.ValueRow(region, el.code, cell_value(el, raw), comment))
    value_where.append(where)


def _template_values(
    scheme: Scheme,
    regions: Regions,
    rows: list[list[Any]],
    work: _Work,
    value_rows: list[data.ValueRow],
    value_where: list[Where],
    deletes: list[tuple[str, str, Where]],
) -> SheetCount:
    count = SheetCount()
    head = _header_row(rows, "region")
    if head is None:
        work.problems.append(
            CellProblem(
                DATA_SHEET,
                "A2",
                2,
                "region",
                _jsonable(rows[1][0]) if len(rows) > 1 and rows[1] else None,
                "the row of codes (region, name, then element codes) is missing: fill a template from "
                "GET /api/v1/templates/{year}.xlsx and keep its second row",
            )
        )
        return count
    codes = [_code_text(c) if not _empty(c) else "" for c in rows[head]]
    elements: dict[int, Element] = {}
    for j, code in enumerate(codes[2:], start=2):
        if not code:
            continue
        el = scheme.elements.get(code)
        if el is None:
            work.problems.append(
                CellProblem(
                    DATA_SHEET,
                    cell_name(head, j),
                    head + 1,
                    code,
                    code,
                    f"unknown element {code!r} in scheme {scheme.code}",
                )
            )
        else:
            elements[j] = el
    for i in range(head + 1, len(rows)):
        row = rows[i]
        filled = [(j, row[j]) for j in elements if j < len(row) and not _empty(row[j])]
        if not filled:
            continue
        count.rows += 1
        columns = {"region": 0, "name": 1}
        raw_region = row[0] if row and not _empty(row[0]) else (row[1] if len(row) > 1 else "")
        if _empty(raw_region):
            work.problems.append(
                CellProblem(DATA_SHEET, cell_name(i, 0), i + 1, "region", None, "the region is empty")
            )
            continue
        region, why = regions.resolve(raw_region)
        if region is None:
            col = 0 if not _empty(row[0]) else 1
            work.problems.append(
                CellProblem(
                    DATA_SHEET,
                    cell_name(i, col),
                    i + 1,
                    codes[col] or "region",
                    _jsonable(raw_region),
                    why or "",
                )
            )
            continue
        for j, raw in filled:
            el = elements[j]
            where = Where(
                DATA_SHEET,
                i,
                {**columns, "value": j, "element": j, "year": j, "comment": j},
                "value",
                el.code,
            )
            _value_cell(el, region, raw, where, value_rows, value_where, deletes)
    return count


def _csv_values(
    scheme: Scheme,
    regions: Regions,
    rows: list[list[Any]],
    work: _Work,
    value_rows: list[data.ValueRow],
    value_where: list[Where],
    deletes: list[tuple[str, str, Where]],
) -> SheetCount:
    count = SheetCount()
    head = [c.strip().lower() for c in rows[0]] if rows else []
    missing = [c for c in CSV_COLUMNS[:3] if c not in head]
    if missing:
        work.problems.append(
            CellProblem(
                CSV_SHEET,
                "A1",
                1,
                "(header)",
                ",".join(rows[0]) if rows else None,
                f"the first row must name the columns region,element,value[,comment]; missing {', '.join(missing)}",
            )
        )
        return count
    columns = {c: head.index(c) for c in CSV_COLUMNS if c in head}
    by_label = {el.name_zh: el for el in scheme.elements.values()}
    for i in range(1, len(rows)):
        row = rows[i]
        if all(_empty(c) for c in row):
            continue
        count.rows += 1

        def get(name: str, row: list[Any] = row) -> Any:
            j = columns.get(name)
            return row[j] if j is not None and j < len(row) else ""

        where = Where(CSV_SHEET, i, columns, "value")
        region, why = regions.resolve(get("region"))
        element_raw = str(get("element")).strip()
        el = scheme.elements.get(element_raw) or by_label.get(element_raw)
        raw = get("value")
        comment = get("comment")
        if region is None:
            work.add(where, rows, "region", why or "")
        if el is None:
            work.add(where, rows, "element", f"unknown element {element_raw!r} in scheme {scheme.code}")
        if region is None or el is None:
            continue
        if _empty(raw):
            work.add(
                where, rows, "value", f"is empty; to delete the stored value write {CLEAR_MARKER} or DELETE"
            )
            continue
        _value_cell(
            el, region, raw, where, value_rows, value_where, deletes, None if _empty(comment) else comment
        )
    return count


def _registry(
    session: Session,
    scheme: Scheme,
    code: str,
    regions: Regions,
    rows: list[list[Any]],
    work: _Work,
    actor: Actor,
) -> SheetCount:
    title, spec = REGISTRY_SHEETS[code]
    count = SheetCount()
    head = _header_row(rows, "id")
    if head is None:
        work.problems.append(
            CellProblem(title, "A2", 2, "id", None, "the row of codes (id, region, type, ...) is missing")
        )
        return count
    columns = {_code_text(c): j for j, c in enumerate(rows[head]) if not _empty(c)}
    wanted = [c for c, _ in spec]
    absent = [c for c in wanted if c not in columns]
    if absent:
        work.problems.append(
            CellProblem(
                title, cell_name(head, 0), head + 1, "id", None, f"missing columns {', '.join(absent)}"
            )
        )
        return count
    reg = scheme.registries[code]
    types, levels = reg.types, tuple(scheme.levels.values())
    model: type[Platform] | type[Award] = Platform if code == "platform" else Award
    for i in range(head + 1, len(rows)):
        row = rows[i]

        def get(name: str, row: list[Any] = row) -> Any:
            j = columns[name]
            return row[j] if j < len(row) else ""

        if all(_empty(get(c)) for c in wanted):
            continue
        count.rows += 1
        where = Where(title, i, {"region_code": columns["region"], **columns}, "name")
        before = len(work.problems)
        region, why = regions.resolve(get("region"))
        if region is None:
            work.add(where, rows, "region", why or "")
        fields: dict[str, Any] = {
            "region_code": region,
            "type": _label(get("type"), types),
            "level": _label(get("level"), levels),
        }
        name = get("name")
        name = _code_text(name) if not _empty(name) else ""
        if not name or len(name) > 200:
            work.add(where, rows, "name", "must be 1 to 200 characters")
        fields["name"] = name
        dates = ["recognized_on", "revoked_on"] if code == "platform" else ["awarded_on"]
        for d in dates:
            value, bad = _date(get(d))
            if bad:
                work.add(where, rows, d, bad)
            elif value is None and d != "revoked_on":
                work.add(where, rows, d, "must not be empty")
            fields[d] = value
        for extra, limit in (("host_organisation", 200), ("document_number", 100)):
            if extra in columns:
                v = get(extra)
                fields[extra] = None if _empty(v) else _code_text(v)
                if fields[extra] is not None and len(fields[extra]) > limit:
                    work.add(where, rows, extra, f"must be at most {limit} characters")
        item_id: int | None = None
        raw_id = get("id")
        if not _empty(raw_id):
            try:
                item_id = int(_code_text(raw_id))
            except ValueError:
                work.add(where, rows, "id", "must be the id of an existing item, or empty for a new one")
        if len(work.problems) > before:
            continue
        try:
            if item_id is None:
                cls = registry.PlatformInput if code == "platform" else registry.AwardInput
                _, created = registry.create_item(session, scheme, cls(**fields), actor=actor)
                if created:
                    count.created += 1
                else:
                    count.unchanged += 1
            else:
                row_before = registry.get_item(session, model, item_id)
                old = registry.item_etag(row_before)
                after = registry.update_item(session, scheme, model, item_id, fields, actor=actor)
                if registry.item_etag(after) == old:
                    count.unchanged += 1
                else:
                    count.updated += 1
        except InvalidInput as exc:
            for p in exc.problems:
                work.add(where, rows, p.field, p.reason)
        except NotFound as exc:
            work.add(where, rows, "id", str(exc))
        except Conflict as exc:
            work.add(where, rows, "name", str(exc))
        except Forbidden as exc:
            work.add(where, rows, "region", str(exc), refused=True)
    return count
