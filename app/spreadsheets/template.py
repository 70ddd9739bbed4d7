"""The data-entry workbook of one department for one year.

Sheet `数据`: row 1 Chinese headers, row 2 the machine codes (the import reads them), one row per
region from row 3, pre-filled with stored values, a validation per column. Sheets `平台` and `奖励`
for departments that keep the registries, `说明` with what each column means, and `代码表` with
the labels the drop-downs offer.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

# openpyxl is imported where a workbook is built, not at start-up (a quarter of a second)
if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

from app.domain import Scheme
from app.domain.scheme import Element, ElementKind, Value

DATA_SHEET = "数据"
PLATFORM_SHEET = "平台"
AWARD_SHEET = "奖励"
NOTES_SHEET = "说明"
LISTS_SHEET = "代码表"
#: typed in a value cell, removes the stored value
CLEAR_MARKER = "清除"
YES, NO = "是", "否"
FIRST_DATA_ROW = 3  # 1-based

PLATFORM_COLUMNS = (
    ("id", "编号（新增留空）"),
    ("region", "地区（代码或名称）"),
    ("type", "类型"),
    ("level", "级别"),
    ("name", "名称"),
    ("recognized_on", "认定日期"),
    ("revoked_on", "撤销日期"),
    ("host_organisation", "依托单位"),
    ("document_number", "文号"),
)
AWARD_COLUMNS = (
    ("id", "编号（新增留空）"),
    ("region", "地区（代码或名称）"),
    ("type", "类型"),
    ("level", "级别"),
    ("name", "名称"),
    ("awarded_on", "获奖日期"),
    ("document_number", "文号"),
)
REGISTRY_SHEETS = {"platform": (PLATFORM_SHEET, PLATFORM_COLUMNS), "award": (AWARD_SHEET, AWARD_COLUMNS)}


@cache
def _styles() -> dict[str, Any]:
    """Fonts, fill and protection, made once, when the first template is built."""
    from openpyxl.styles import Font, PatternFill, Protection

    return {
        "head": Font(bold=True),
        "key": Font(color="808080", size=9),
        "key_fill": PatternFill("solid", fgColor="F2F2F2"),
        "unlocked": Protection(locked=False),
    }


@dataclass(frozen=True)
class TemplateData:
    scheme: Scheme
    year: int
    round_label: str | None
    period_status: str
    department: str
    regions: Sequence[tuple[str, str]]  # (code, name_zh), in order
    values: Mapping[tuple[str, str], Value]  # (region, element) -> stored value
    #: registry -> existing items as dicts of the columns above; empty when the department keeps none
    registries: Mapping[str, Sequence[Mapping[str, Any]]]
    generated_at: datetime
    due_on: date | None = None


def header(el: Element) -> str:
    return f"{el.name_zh}（{el.unit}）" if el.unit else el.name_zh


def department_elements(scheme: Scheme, department: str) -> list[Element]:
    return [e for e in scheme.elements.values() if e.department == department]


def allowed(el: Element) -> str:
    if el.kind is ElementKind.COUNT:
        return "整数，≥ 0"
    if el.kind is ElementKind.NUMBER:
        return "数值，≥ 0"
    if el.kind is ElementKind.PERCENT:
        return "0–100（百分数，1.5 表示 1.5%）"
    if el.kind is ElementKind.ASSESSED:
        return f"{el.minimum or 0}–{el.maximum}"
    if el.kind is ElementKind.CHOICE:
        return "、".join(c.name_zh for c in el.choices)
    return f"{YES} 或 {NO}"


def example(el: Element) -> str:
    return {
        ElementKind.COUNT: "120",
        ElementKind.NUMBER: "5230.5",
        ElementKind.PERCENT: "62.5",
        ElementKind.ASSESSED: "3.5",
        ElementKind.CHOICE: el.choices[0].name_zh if el.choices else "",
        ElementKind.BOOLEAN: YES,
    }[el.kind]


def display(el: Element, value: Value) -> Any:
    """A stored value as the clerk sees it in the template."""
    if el.kind is ElementKind.BOOLEAN:
        return YES if value is True else NO
    if el.kind is ElementKind.CHOICE:
        return next((c.name_zh for c in el.choices if c.code == value), value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _text(ws: Any, value: str, font: Font | None = None) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def _validation(el: Element, lists: Mapping[str, str]) -> DataValidation:
    from openpyxl.worksheet.datavalidation import DataValidation

    common: dict[str, Any] = dict(
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",  # a warning, not a stop: 清除 must stay typeable
        errorTitle=el.name_zh,
        error=f"允许：{allowed(el)}；输入“{CLEAR_MARKER}”删除已存的值",
        showInputMessage=True,
        promptTitle=el.name_zh[:32],
        prompt=f"{allowed(el)}"[:255],
    )
    if el.kind is ElementKind.COUNT:
        return DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", **common)
    if el.kind is ElementKind.NUMBER:
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", **common)
    if el.kind is ElementKind.PERCENT:
        return DataValidation(type="decimal", operator="between", formula1="0", formula2="100", **common)
    if el.kind is ElementKind.ASSESSED:
        lo, hi = el.minimum or 0, el.maximum if el.maximum is not None else 10**12
        return DataValidation(
            type="decimal", operator="between", formula1=str(lo), formula2=str(hi), **common
        )
    if el.kind is ElementKind.CHOICE:
        return DataValidation(type="list", formula1=lists[el.code], **common)
    return DataValidation(type="list", formula1=f'"{YES},{NO}"', **common)


def _list_columns(data: TemplateData, elements: Sequence[Element]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The label lists the drop-downs refer to: (name, [(code, label)])."""
    columns: list[tuple[str, list[tuple[str, str]]]] = []
    for el in elements:
        if el.kind is ElementKind.CHOICE:
            columns.append((el.code, [(c.code, c.name_zh) for c in el.choices]))
    for code in data.registries:
        reg = data.scheme.registries[code]
        columns.append((f"{code}.type", [(t.code, t.name_zh) for t in reg.types]))
    if data.registries:
        columns.append(("level", [(lv.code, lv.name_zh) for lv in data.scheme.levels.values()]))
    return columns


def _list_ranges(columns: Sequence[tuple[str, Sequence[Any]]]) -> dict[str, str]:
    from openpyxl.utils import get_column_letter

    ranges = {}
    for n, (name, items) in enumerate(columns):
        letter = get_column_letter(2 * n + 1)
        ranges[name] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(items) + 1}"
    return ranges


def _lists_sheet(book: Workbook, columns: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> None:
    ws = book.create_sheet(LISTS_SHEET)
    head: list[Any] = []
    for name, _ in columns:
        head += [
            _text(ws, f"{name}（名称）", _styles()["head"]),
            _text(ws, f"{name}（代码）", _styles()["head"]),
        ]
    ws.append(head)
    for i in range(max((len(items) for _, items in columns), default=0)):
        row: list[Any] = []
        for _, items in columns:
            row += [_text(ws, items[i][1]), _text(ws, items[i][0])] if i < len(items) else [None, None]
        ws.append(row)


def build_template(data: TemplateData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    scheme = data.scheme
    elements = department_elements(scheme, data.department)
    book = Workbook(write_only=True)
    ws = book.create_sheet(DATA_SHEET)
    list_columns = _list_columns(data, elements)
    lists = _list_ranges(list_columns)
    last_row = FIRST_DATA_ROW + len(data.regions) - 1
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 18
    for i, el in enumerate(elements, start=3):
        letter = get_column_letter(i)
        dim = ws.column_dimensions[letter]
        dim.width = max(12, min(36, 2 * len(header(el)) + 2))
        dim.protection = _styles()["unlocked"]  # blank input cells take the column's style
        dv = _validation(el, lists)
        dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{max(last_row, FIRST_DATA_ROW)}")
        ws.data_validations.append(dv)
    ws.protection.sheet = True  # no password: it only guards the codes and names against slips
    ws.protection.formatColumns = False
    ws.append(
        [_text(ws, "地区代码", _styles()["head"]), _text(ws, "地区名称", _styles()["head"])]
        + [_text(ws, header(e), _styles()["head"]) for e in elements]
    )
    keys = [_text(ws, "region", _styles()["key"]), _text(ws, "name", _styles()["key"])] + [
        _text(ws, e.code, _styles()["key"]) for e in elements
    ]
    for k in keys:
        k.fill = _styles()["key_fill"]
    ws.append(keys)
    values = data.values
    for code, name in data.regions:
        row: list[Any] = [code, name]
        for el in elements:
            v = values.get((code, el.code))
            if v is None:
                row.append(None)
            else:
                cell = WriteOnlyCell(ws, value=display(el, v))
                cell.protection = _styles()["unlocked"]
                row.append(cell)
        ws.append(row)
    for registry, items in data.registries.items():
        _registry_sheet(book, data, registry, items, lists, last_row)
    _notes_sheet(book, data, elements)
    _lists_sheet(book, list_columns)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _registry_sheet(
    book: Workbook,
    data: TemplateData,
    registry: str,
    items: Sequence[Mapping[str, Any]],
    lists: Mapping[str, str],
    last_region_row: int,
) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    title, columns = REGISTRY_SHEETS[registry]
    ws = book.create_sheet(title)
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    codes = [c for c, _ in columns]
    for i, (code, _) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = (
            30 if code in ("name", "type", "host_organisation") else 14
        )
    rows_to = FIRST_DATA_ROW + len(items) + 500
    types = {t.code: t.name_zh for t in data.scheme.registries[registry].types}
    levels = {lv.code: lv.name_zh for lv in data.scheme.levels.values()}

    def col(code: str) -> str:
        return str(get_column_letter(codes.index(code) + 1))

    def rng(code: str) -> str:
        return f"{col(code)}{FIRST_DATA_ROW}:{col(code)}{rows_to}"

    for code, formula in (
        ("type", lists[f"{registry}.type"]),
        ("level", lists["level"]),
        ("region", f"'{DATA_SHEET}'!$B${FIRST_DATA_ROW}:$B${max(last_region_row, FIRST_DATA_ROW)}"),
    ):
        dv = DataValidation(
            type="list", formula1=formula, allow_blank=True, showErrorMessage=True, errorStyle="warning"
        )
        dv.add(rng(code))
        ws.data_validations.append(dv)
    for code in codes:
        if code.endswith("_on"):
            dv = DataValidation(
                type="date",
                operator="greaterThanOrEqual",
                formula1="17899",  # 1949-01-01 as a spreadsheet serial date
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
                error="日期，例如 2020-06-30",
            )
            dv.add(rng(code))
            ws.data_validations.append(dv)
    ws.append([_text(ws, zh, _styles()["head"]) for _, zh in columns])
    keys = [_text(ws, c, _styles()["key"]) for c in codes]
    for k in keys:
        k.fill = _styles()["key_fill"]
    ws.append(keys)
    for item in items:
        row: list[Any] = []
        for code in codes:
            v: Any = item.get(code)
            if code == "type":
                v = types.get(v, v)
            elif code == "level":
                v = levels.get(v, v)
            if isinstance(v, date):
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = "yyyy-mm-dd"
                row.append(cell)
            elif isinstance(v, str):
                row.append(_text(ws, v))
            else:
                row.append(v)
        ws.append(row)


def _notes_sheet(book: Workbook, data: TemplateData, elements: Sequence[Element]) -> None:
    ws = book.create_sheet(NOTES_SHEET)
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 50
    ws.column_dimensions["D"].width = 10
    ws.column_dimensions["E"].width = 30
    ws.column_dimensions["F"].width = 16
    dept = data.scheme.departments.get(data.department)
    facts = [
        ("数据年度 year", str(data.year)),
        ("评价轮次 round", data.round_label or "—"),
        ("指标体系 scheme", f"{data.scheme.code}（{data.scheme.name_zh}）"),
        (
            "数据状态 status",
            "已发布，不可修改 published" if data.period_status == "published" else "草稿 open",
        ),
        ("部门 department", f"{data.department}（{dept.name_zh if dept else ''}）"),
        ("截止日期 due date", data.due_on.isoformat() if data.due_on else "—"),
        ("生成时间 generated", data.generated_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
        (
            "填写说明 how to fill",
            f"在“{DATA_SHEET}”表第 {FIRST_DATA_ROW} 行起填写；第 2 行为系统代码，请勿修改。空单元格不改变已存的值；"
            f"输入“{CLEAR_MARKER}”删除已存的值。地区可填代码或准确的中文名称。",
        ),
    ]
    for k, v in facts:
        ws.append([_text(ws, k, _styles()["head"]), _text(ws, v)])
    ws.append([])
    ws.append(
        [
            _text(ws, h, _styles()["head"])
            for h in (
                "列 column",
                "名称 name",
                "定义 definition",
                "单位 unit",
                "允许范围 allowed",
                "示例 example",
            )
        ]
    )
    for el in elements:
        ws.append(
            [
                _text(ws, el.code),
                _text(ws, header(el)),
                _text(ws, f"{el.name_zh}；{el.name_en}"),
                _text(ws, el.unit),
                _text(ws, allowed(el)),
                _text(ws, example(el)),
            ]
        )
    for registry in data.registries:
        title, columns = REGISTRY_SHEETS[registry]
        for code, zh in columns:
            kind = (
                "日期 YYYY-MM-DD"
                if code.endswith("_on")
                else ("下拉选择" if code in ("type", "level") else "文本")
            )
            ws.append(
                [
                    _text(ws, f"{title}.{code}"),
                    _text(ws, zh),
                    _text(ws, zh),
                    _text(ws, ""),
                    _text(ws, kind),
                    _text(ws, ""),
                ]
            )
