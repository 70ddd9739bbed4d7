"""Spreadsheets in and out over HTTP: templates, imports with cell-level errors, exports."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import Engine, text

from app.db.engine import session_scope, writer
from app.services import access, schemes
from tests.api.helpers import CHANGAN, QIAOXI, SJZ, XINHUA, assert_problem, seed_period, seed_regions

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LUNAN, TANGSHAN = "130202", "130200"


def stored(engine: Engine) -> dict[tuple[str, str], Any]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT region_code, element, value_number, value_text FROM data_value"))
        return {(r[0], r[1]): (float(r[2]) if r[2] is not None else r[3]) for r in rows}


@pytest.fixture
async def world(api: httpx.AsyncClient, engine: Engine) -> AsyncIterator[dict[str, dict[str, str]]]:
    """Shijiazhuang's three districts and Tangshan's Lunan, period 2020, and department keys."""
    await seed_regions(api)
    for body in (
        {"code": TANGSHAN, "name_zh": "唐山市", "name_en": "Tangshan", "level": "city", "parent_code": "130000"},
        {"code": LUNAN, "name_zh": "路南区", "name_en": "Lunan", "level": "county", "parent_code": TANGSHAN},
    ):
        assert (await api.post("/regions", json=body)).status_code == 201
    await seed_period(api, 2020)
    keys = {
        "st": ("department", ["science_tech"], SJZ),
        "stats": ("department", ["statistics"], SJZ),
    }
    headers = {"admin": dict(api.headers)}
    with session_scope(writer(engine)) as session:
        scheme = schemes.get_scheme(session, "hebei-county-2019")
        for name, (role, depts, region) in keys.items():
            _, token = access.create_key(session, scheme, name, role, depts, region)
            headers[name] = {"Authorization": f"Bearer {token}"}
    yield headers


async def template(api: httpx.AsyncClient, headers: dict[str, str], **params: str) -> openpyxl.Workbook:
    r = await api.get("/templates/2020.xlsx", params=params, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    return openpyxl.load_workbook(io.BytesIO(r.content))


def workbook_bytes(book: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


async def upload(
    api: httpx.AsyncClient, content: bytes, headers: dict[str, str] | None = None, name: str = "data.xlsx", **params: Any
) -> httpx.Response:
    return await api.post(
        "/imports/2020", files={"file": (name, content, "application/octet-stream")}, params=params, headers=headers
    )


def column_of(ws: Any, code: str) -> int:
    """1-based column of a code in the template's second row."""
    return next(c.column for c in ws[2] if c.value == code)


def row_of(ws: Any, region: str) -> int:
    return next(r[0].row for r in ws.iter_rows(min_row=3) if r[0].value == region)


async def test_template_of_a_department_key(api: httpx.AsyncClient, world: dict[str, dict[str, str]]) -> None:
    r = await api.put(f"/data/2020/{CHANGAN}/high_tech_enterprises", json={"value": 41})
    assert r.status_code == 201
    await api.put(f"/data/2020/{CHANGAN}/st_admin_body", json={"value": "merged_office"})
    book = await template(api, world["st"])
    assert book.sheetnames == ["数据", "平台", "奖励", "说明", "代码表"]
    ws = book["数据"]
    # the key's region is Shijiazhuang: its three districts, not Tangshan's Lunan
    assert [ws.cell(r, 1).value for r in range(3, ws.max_row + 1)] == [CHANGAN, QIAOXI, XINHUA]
    assert [ws.cell(r, 2).value for r in range(3, ws.max_row + 1)] == ["长安区", "桥西区", "新华区"]
    assert ws["A1"].value == "地区代码" and ws["B1"].value == "地区名称"
    headers = [c.value for c in ws[1]]
    codes = [c.value for c in ws[2]]
    # science_tech posts these six elements (DESIGN.md): names and units from the scheme file
    assert codes == [
        "region",
        "name",
        "high_tech_enterprises",
        "tech_smes",
        "st_admin_body",
        "st_leading_group",
        "st_management_innovation_score",
        "other_award_points",
    ]
    assert headers[2] == "高新技术企业数量（家）" and headers[4] == "科技行政管理机构设置"
    # pre-filled: the stored count, and the choice shown by its Chinese label
    assert ws.cell(3, 3).value == 41 and ws.cell(3, 5).value == "合署办公"
    assert ws.freeze_panes == "C3"
    assert ws.protection.sheet and ws.cell(3, 3).protection.locked is False
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    count = rules["C3:C5"]
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert rules["E3:E5"].type == "list" and "代码表" in rules["E3:E5"].formula1
    assert rules["F3:F5"].formula1 == '"是,否"'
    assessed = rules["G3:G5"]
    assert (assessed.type, assessed.formula1, assessed.formula2) == ("decimal", "0", "5")
    lists = book["代码表"]
    assert [lists.cell(r, 1).value for r in range(2, 6)] == ["独立行政科技管理部门", "合署办公", "加挂科技局牌子", "无"]
    notes = [[c.value for c in row] for row in book["说明"].iter_rows()]
    assert ["数据年度 year", "2020"] == notes[0][:2]
    assert any(row[0] == "agri_industrialization_rate" for row in notes) is False
    assert any(row[0] == "tech_smes" and row[3] == "家" for row in notes)


async def test_template_of_statistics_has_percent_validation_and_no_registries(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    book = await template(api, world["admin"], department="statistics", parent=SJZ)
    assert book.sheetnames == ["数据", "说明", "代码表"]
    ws = book["数据"]
    col = column_of(ws, "agri_industrialization_rate")
    letter = openpyxl.utils.get_column_letter(col)
    dv = next(d for d in ws.data_validations.dataValidation if str(d.sqref) == f"{letter}3:{letter}5")
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "0", "100")
    assert ws.cell(1, col).value == "农业产业化经营率（%）"


async def test_admin_template_needs_a_department(api: httpx.AsyncClient, world: dict[str, dict[str, str]]) -> None:
    body = assert_problem(await api.get("/templates/2020.xlsx"), 422)
    assert body["errors"][0]["field"] == "department"
