"""Reading an uploaded file into sheets of cells, remembering where each cell came from.

XLSX is read with python-calamine (measured several times faster than openpyxl on a 3,000-row
workbook: bench/spreadsheets.py); CSV is decoded as UTF-8 (with or without BOM) or GB18030, the
encoding Excel on Chinese Windows writes, and the answer says which was read.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineWorkbook

#: the data sheet of a template, and the sheet name given to a CSV file
CSV_SHEET = "CSV"


class NotASpreadsheet(Exception):
    """The file is neither an XLSX workbook nor CSV text."""


class UnreadableText(Exception):
    """CSV bytes in none of the encodings we accept."""


@dataclass(frozen=True)
class Upload:
    kind: str  # "xlsx" or "csv"
    encoding: str | None  # for CSV: "UTF-8", "UTF-8 with BOM" or "GB18030"
    sheets: dict[str, list[list[Any]]]  # sheet name -> rows of cells ("" for an empty cell)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_name(row: int, column: int) -> str:
    """A1 notation of a 0-based (row, column)."""
    return f"{column_letter(column)}{row + 1}"


def decode_text(data: bytes) -> tuple[str, str]:
    """The text and the name of the encoding it was read in."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "UTF-8 with BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError:
        raise UnreadableText("the CSV file is neither UTF-8 nor GB18030 text") from None


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and .doc) container


def read_upload(data: bytes, filename: str | None = None) -> Upload:
    """Sheets of cells from an XLSX workbook or a CSV file; raises NotASpreadsheet or
    UnreadableText."""
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(_OLE):
        raise NotASpreadsheet(
            "this is an old binary Excel (.xls) file; save it as .xlsx or CSV and send it again"
        )
    if b"\x00" in data or not data.strip():
        raise NotASpreadsheet(f"{filename or 'the file'} is neither an XLSX workbook nor CSV text")
    text, encoding = decode_text(data)
    rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    return Upload("csv", encoding, {CSV_SHEET: rows})


def _read_xlsx(data: bytes) -> Upload:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if "xl/workbook.xml" not in z.namelist():
                raise NotASpreadsheet("the file is a ZIP archive but not an XLSX workbook")
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = {
            name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names
        }
    except NotASpreadsheet:
        raise
    except Exception as exc:  # a damaged archive: calamine and zipfile raise their own errors
        raise NotASpreadsheet(f"the XLSX workbook could not be read: {exc}") from None
    return Upload("xlsx", None, sheets)
