"""Writing tables as CSV (UTF-8 with BOM, CRLF, codes as headers) or XLSX (a title row, Chinese
headers with the codes in a second row, numbers as numbers, tiers coloured, frozen header,
autofilter). Text that a spreadsheet would run as a formula is never written as one."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

# openpyxl is imported where a workbook is written, not at start-up (a quarter of a second)
if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell

#: what a spreadsheet reads as the start of a formula (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@cache
def _styles() -> dict[str, Any]:
    """Tier fills and header fonts, made once, when the first workbook is written."""
    from openpyxl.styles import Font, PatternFill

    return {
        "tier": {
            "A": PatternFill("solid", fgColor="C6EFCE"),
            "B": PatternFill("solid", fgColor="FFEB9C"),
            "C": PatternFill("solid", fgColor="FFC7CE"),
        },
        "header": Font(bold=True),
        "code": Font(color="808080", size=9),
    }


@dataclass(frozen=True)
class Column:
    code: str
    name_zh: str
    #: text, number, points (two decimals), integer, tier, date, bool
    kind: str = "text"
    width: int = 0


@dataclass
class Table:
    code: str  # sheet name in XLSX (short, Chinese allowed)
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Title:
    """What the title row of an XLSX export names."""

    what: str
    year: int | None
    scheme: str | None
    status: str | None  # the period's status: "open" (draft) or "published"
    exported_at: datetime

    def text(self) -> str:
        status = {"open": "草稿 draft", "published": "已发布 published"}.get(self.status or "", "—")
        parts = [self.what]
        if self.year is not None:
            parts.append(f"{self.year}年")
        if self.scheme:
            parts.append(self.scheme)
        parts.append(f"数据状态 {status}")
        parts.append(f"导出时间 {self.exported_at.strftime('%Y-%m-%d %H:%M:%S UTC')}")
        return " · ".join(parts)


def guard_text(text: str) -> str:
    """CSV: text a spreadsheet would read as a formula, prefixed with an apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return value


def to_csv(tables: Sequence[Table]) -> bytes:
    """One table: a header row of codes, then the rows. Several: each preceded by a row naming it
    (`# code`) and separated by an empty line."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    for n, table in enumerate(tables):
        if len(tables) > 1:
            if n:
                w.writerow([])
            w.writerow([f"# {table.code}"])
        w.writerow([c.code for c in table.columns])
        for row in table.rows:
            out = []
            for v in row:
                v = _plain(v)
                if v is None:
                    out.append("")
                elif isinstance(v, str):
                    out.append(guard_text(v))
                elif isinstance(v, datetime | date):
                    out.append(v.isoformat())
                else:
                    out.append(str(v))
            w.writerow(out)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _text_cell(ws: Any, value: str) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # never a formula, whatever the text begins with
    return cell


def _cell(ws: Any, column: Column, value: Any) -> Any:
    value = _plain(value)
    if value is None:
        return None
    if isinstance(value, str):
        if column.kind in ("number", "points", "integer"):
            try:
                value = Decimal(value)
            except ArithmeticError:
                return _text_cell(ws, value)
        else:
            cell = _text_cell(ws, value)
            fills = _styles()["tier"]
            if column.kind == "tier" and value in fills:
                cell.fill = fills[value]
            return cell
    if isinstance(value, Decimal):
        value = (
            int(value) if value == value.to_integral_value() and column.kind == "integer" else float(value)
        )
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    if column.kind == "points":
        cell.number_format = "0.00"
    elif isinstance(value, datetime):
        cell.value = value.replace(tzinfo=None)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def to_xlsx(tables: Sequence[Table], title: Title) -> bytes:
    """One sheet per table: row 1 the title, row 2 Chinese headers, row 3 the codes, data from
    row 4; frozen below the header, with an autofilter on the code row."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    for table in tables:
        ws = book.create_sheet(table.code[:31])
        ncols = max(len(table.columns), 1)
        for i, c in enumerate(table.columns, start=1):
            width = c.width or max(10, min(40, 2 * len(c.name_zh) + 2, len(c.code) + 4))
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A4"
        last = 3 + len(table.rows)
        ws.auto_filter.ref = f"A3:{get_column_letter(ncols)}{last}"
        head = _text_cell(ws, title.text())
        head.font = Font(bold=True, size=12)
        head.alignment = Alignment(horizontal="left")
        ws.append([head])
        zh = []
        for c in table.columns:
            cell = _text_cell(ws, c.name_zh)
            cell.font = _styles()["header"]
            zh.append(cell)
        ws.append(zh)
        codes = []
        for c in table.columns:
            cell = _text_cell(ws, c.code)
            cell.font = _styles()["code"]
            codes.append(cell)
        ws.append(codes)
        for row in table.rows:
            ws.append([_cell(ws, c, v) for c, v in zip(table.columns, row, strict=False)])
    if not tables:
        book.create_sheet("empty")
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
