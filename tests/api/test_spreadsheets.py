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
        {
            "code": TANGSHAN,
            "name_zh": "唐山市",
            "name_en": "Tangshan",
            "level": "city",
            "parent_code": "130000",
        },
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
    api: httpx.AsyncClient,
    content: bytes,
    headers: dict[str, str] | None = None,
    name: str = "data.xlsx",
    **params: Any,
) -> httpx.Response:
    return await api.post(
        "/imports/2020",
        files={"file": (name, content, "application/octet-stream")},
        params=params,
        headers=headers,
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
    assert [lists.cell(r, 1).value for r in range(2, 6)] == [
        "独立行政科技管理部门",
        "合署办公",
        "加挂科技局牌子",
        "无",
    ]
    notes = [[c.value for c in row] for row in book["说明"].iter_rows()]
    assert notes[0][:2] == ["数据年度 year", "2020"]
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


async def test_admin_template_needs_a_department(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    body = assert_problem(await api.get("/templates/2020.xlsx"), 422)
    assert body["errors"][0]["field"] == "department"


async def test_filled_template_round_trip_dry_run_then_import(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]], engine: Engine
) -> None:
    book = await template(api, world["st"])
    ws = book["数据"]
    ws.cell(row_of(ws, CHANGAN), column_of(ws, "high_tech_enterprises")).value = 40
    ws.cell(row_of(ws, CHANGAN), column_of(ws, "st_admin_body")).value = "独立行政科技管理部门"
    ws.cell(row_of(ws, CHANGAN), column_of(ws, "st_leading_group")).value = "是"
    ws.cell(row_of(ws, QIAOXI), column_of(ws, "tech_smes")).value = "120"  # typed as text
    ws.cell(row_of(ws, QIAOXI), column_of(ws, "st_management_innovation_score")).value = 3.5
    plat = book["平台"]
    plat.append(
        [None, "长安区", "重点实验室", "省级", "某重点实验室", "2018-06-01", None, None, "冀科〔2018〕1号"]
    )
    content = workbook_bytes(book)

    dry = await upload(api, content, world["st"], dry_run="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True and dry.json()["format"] == "xlsx"
    assert dry.json()["sheets"]["数据"] == {
        "rows": 2,
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
    }
    assert dry.json()["sheets"]["平台"]["created"] == 1
    assert stored(engine) == {}
    assert (await api.get("/platforms")).json()["total"] == 0

    done = await upload(api, content, world["st"])
    assert done.status_code == 200, done.text
    assert stored(engine) == {
        (CHANGAN, "high_tech_enterprises"): 40.0,
        (CHANGAN, "st_admin_body"): "independent",
        (CHANGAN, "st_leading_group"): "true",
        (QIAOXI, "tech_smes"): 120.0,
        (QIAOXI, "st_management_innovation_score"): 3.5,
    }
    items = (await api.get("/platforms")).json()["items"]
    assert [(i["region"], i["type"], i["level"], i["recognized_on"]) for i in items] == [
        (CHANGAN, "key_lab", "provincial", "2018-06-01")
    ]
    # the same file again changes nothing
    again = await upload(api, content, world["st"])
    assert (
        again.json()["sheets"]["数据"]["unchanged"] == 5 and again.json()["sheets"]["平台"]["unchanged"] == 1
    )
    # the scores: by hand from DESIGN.md's bands. 长安区: high_tech_enterprises 40 -> 8 points;
    # st_admin_body independent 4 + leading group 1 = 5; a provincial key lab 1 point.
    b = (await api.get(f"/scores/2020/{CHANGAN}")).json()
    points = {i["code"]: i["score"] for d in b["dimensions"] for i in d["indicators"]}
    assert points["high_tech_enterprises"] == 8 and points["st_admin_body"] == 5
    assert points["innovation_platforms"] == 1


async def test_template_import_scores_the_same_as_the_json_path(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    values = {
        "high_tech_enterprises": 57,
        "tech_smes": 333,
        "st_admin_body": "nameplate",
        "st_leading_group": False,
        "st_management_innovation_score": 2.25,
    }
    book = await template(api, world["st"])
    ws = book["数据"]
    labels = {"nameplate": "加挂科技局牌子", False: "否"}
    for element, value in values.items():
        ws.cell(row_of(ws, XINHUA), column_of(ws, element)).value = labels.get(value, value)  # type: ignore[call-overload]
    assert (await upload(api, workbook_bytes(book), world["st"])).status_code == 200
    await seed_period(api, 2021)
    rows = [{"region": XINHUA, "element": e, "value": v} for e, v in values.items()]
    assert (await api.post("/data/2021", json={"values": rows})).status_code == 200
    from_sheet = (await api.get(f"/scores/2020/{XINHUA}")).json()
    from_json = (await api.get(f"/scores/2021/{XINHUA}")).json()
    assert from_sheet["total"] == from_json["total"] and from_sheet["dimensions"] == from_json["dimensions"]


def bad(body: dict[str, Any], sheet: str = "数据") -> dict[str, dict[str, Any]]:
    return {e["cell"]: e for e in body["errors"] if e["sheet"] == sheet}


async def test_every_bad_cell_is_named_and_nothing_is_written(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]], engine: Engine
) -> None:
    book = await template(api, world["admin"], department="science_tech")
    ws = book["数据"]
    hte, smes, body_, group, assessed = (
        column_of(ws, c)
        for c in (
            "high_tech_enterprises",
            "tech_smes",
            "st_admin_body",
            "st_leading_group",
            "st_management_innovation_score",
        )
    )
    ws.cell(3, hte).value = 12  # a good cell: still not written, since the file has bad ones
    ws.cell(3, smes).value = "很多"  # wrong type
    ws.cell(4, hte).value = 12.5  # a count with a fraction
    ws.cell(4, assessed).value = 7  # out of range 0-5
    ws.cell(4, body_).value = "独立部门"  # not a label of the scheme
    ws.cell(5, group).value = "也许"  # a flag that is neither 是 nor 否
    ws.cell(5, hte).value = -3  # negative
    ws.append(["139999", None, 5])  # unknown region code
    ws.append([None, "不存在区", 5])  # unknown region name
    plat = book["平台"]
    plat.append([None, CHANGAN, "重点实验室", "省级", "某实验室", "2018-13-45"])  # bad date
    plat.append([None, CHANGAN, "火箭基地", "县级", "某基地", "2018-06-01"])  # unknown type and level
    r = await upload(api, workbook_bytes(book))
    body = assert_problem(r, 422)
    cells = bad(body)
    letter = openpyxl.utils.get_column_letter
    assert cells[f"{letter(smes)}3"]["reason"] == "'很多' is not a number"
    assert cells[f"{letter(smes)}3"]["reason_zh"] == "'很多' 不是数字"
    assert cells[f"{letter(smes)}3"]["received"] == "很多"
    assert cells[f"{letter(smes)}3"]["column"] == "tech_smes" and cells[f"{letter(smes)}3"]["row"] == 3
    assert cells[f"{letter(hte)}4"]["reason"] == "must be a whole number"
    assert "between 0 and 5" in cells[f"{letter(assessed)}4"]["reason"]
    assert "unknown choice '独立部门'" in cells[f"{letter(body_)}4"]["reason"]
    assert cells[f"{letter(group)}5"]["reason"] == "must be true or false"
    assert cells[f"{letter(hte)}5"]["reason"] == "must not be negative"
    # the template holds the four counties in rows 3 to 6; the two rows appended are 7 and 8
    assert "unknown region '139999'" in cells["A7"]["reason"] and cells["A7"]["sheet"] == "数据"
    assert "unknown region '不存在区'" in cells["B8"]["reason"]
    plat_cells = {e["cell"]: e for e in body["errors"] if e["sheet"] == "平台"}
    assert "must be a date" in plat_cells["F3"]["reason"] and plat_cells["F3"]["received"] == "2018-13-45"
    assert "unknown platform type '火箭基地'" in plat_cells["C4"]["reason"]
    assert "unknown level '县级'" in plat_cells["D4"]["reason"]
    assert len(body["errors"]) == 11
    assert stored(engine) == {} and (await api.get("/platforms")).json()["total"] == 0


async def test_rows_outside_the_key_are_403_naming_the_cells(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]], engine: Engine
) -> None:
    book = await template(api, world["admin"], department="science_tech")
    ws = book["数据"]
    col = column_of(ws, "tech_smes")
    ws.cell(row_of(ws, CHANGAN), col).value = 10
    ws.cell(row_of(ws, LUNAN), col).value = 20  # Tangshan: outside the st key's Shijiazhuang
    r = await upload(api, workbook_bytes(book), world["st"])
    body = assert_problem(r, 403)
    letter = openpyxl.utils.get_column_letter(col)
    assert [(e["cell"], e["column"]) for e in body["errors"]] == [
        (f"{letter}{row_of(ws, LUNAN)}", "tech_smes")
    ]
    assert "outside the key's region" in body["errors"][0]["reason"]
    assert stored(engine) == {}


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n\x00\x00", "data.pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "data.xls"),
        (b"PK\x03\x04" + b"\x00" * 100, "broken.xlsx"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "data.png"),
    ],
)
async def test_a_file_that_is_not_xlsx_or_csv_is_415(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]], content: bytes, name: str
) -> None:
    body = assert_problem(await upload(api, content, name=name), 415)
    assert "XLSX" in body["detail"]


@pytest.mark.parametrize(
    ("encoding", "prefix", "reported"),
    [("utf-8", b"", "UTF-8"), ("utf-8", b"\xef\xbb\xbf", "UTF-8 with BOM"), ("gb18030", b"", "GB18030")],
)
async def test_csv_long_form_in_each_encoding(
    api: httpx.AsyncClient,
    world: dict[str, dict[str, str]],
    engine: Engine,
    encoding: str,
    prefix: bytes,
    reported: str,
) -> None:
    # regions and elements by Chinese name, a choice by its label, a comment in Chinese
    text_ = (
        "region,element,value,comment\r\n"
        "长安区,高新技术企业数量,40,年报数\r\n"
        f"{QIAOXI},st_admin_body,合署办公,\r\n"
        "新华区,agri_industrialization_rate,62.5,\r\n"
    )
    content = prefix + text_.encode(encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            content.decode("utf-8")  # the test is only worth something if the bytes are not UTF-8
    r = await upload(api, content, name="data.csv")
    assert r.status_code == 200, r.text
    assert r.json()["encoding"] == reported and r.json()["format"] == "csv"
    assert r.json()["sheets"]["CSV"]["created"] == 3
    assert stored(engine) == {
        (CHANGAN, "high_tech_enterprises"): 40.0,
        (QIAOXI, "st_admin_body"): "merged_office",
        (XINHUA, "agri_industrialization_rate"): 62.5,
    }
    got = (await api.get(f"/data/2020/{CHANGAN}/high_tech_enterprises")).json()
    assert got["comment"] == "年报数"


async def test_csv_bad_cells_and_clear_marker(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]], engine: Engine
) -> None:
    assert (await api.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 5})).status_code == 201
    bad_csv = "region,element,value\n长安区,agri_industrialization_rate,150\n长安区,tech_smes,清除\n999999,tech_smes,1\n长安区,no_such,1\n"
    body = assert_problem(await upload(api, bad_csv.encode(), name="x.csv"), 422)
    cells = bad(body, "CSV")
    assert (
        cells["C2"]["reason"] == "is a percentage and must not exceed 100"
        and cells["C2"]["received"] == "150"
    )
    assert "unknown region '999999'" in cells["A4"]["reason"]
    assert "unknown element 'no_such'" in cells["B5"]["reason"]
    assert stored(engine) == {(CHANGAN, "tech_smes"): 5.0}  # the 清除 was not carried out either
    good = "region,element,value\n长安区,tech_smes,清除\n"
    r = await upload(api, good.encode(), name="x.csv")
    assert r.status_code == 200 and r.json()["sheets"]["CSV"]["deleted"] == 1
    assert stored(engine) == {}


async def test_csv_without_header_is_422_at_a1(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    body = assert_problem(await upload(api, b"130102,tech_smes,5\n", name="x.csv"), 422)
    assert body["errors"][0]["cell"] == "A1" and "region,element,value" in body["errors"][0]["reason"]


async def scored_world(api: httpx.AsyncClient) -> None:
    """长安区 with 40 high-tech enterprises (8 points by DESIGN.md's bands) and nothing else;
    桥西区 with 100 (the max, 10 points), and a comment a spreadsheet would run as a formula."""
    rows = [
        {
            "region": CHANGAN,
            "element": "high_tech_enterprises",
            "value": 40,
            "comment": '=HYPERLINK("http://x")',
        },
        {"region": QIAOXI, "element": "high_tech_enterprises", "value": 100, "comment": "-1+2"},
    ]
    assert (await api.post("/data/2020", json={"values": rows})).status_code == 200


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in content and b"\n" not in content.replace(b"\r\n", b"")
    return list(csv.reader(io.StringIO(content[3:].decode("utf-8"), newline="")))


async def test_ranking_csv_and_xlsx(api: httpx.AsyncClient, world: dict[str, dict[str, str]]) -> None:
    await scored_world(api)
    r = await api.get("/scores/2020", params={"format": "csv", "parent": SJZ})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="ranking-2020.csv"' in r.headers["content-disposition"]
    rows = read_csv(r.content)
    assert rows[0][:8] == ["rank", "region", "name_zh", "name_en", "level", "parent_code", "total", "tier"]
    by_region = {row[1]: row for row in rows[1:]}
    assert by_region[QIAOXI][6] == "10" and by_region[QIAOXI][0] == "1"
    assert by_region[CHANGAN][6] == "8" and by_region[CHANGAN][7] == "C"

    x = await api.get("/scores/2020", params={"parent": SJZ}, headers={"Accept": XLSX})
    assert x.status_code == 200 and x.headers["content-type"] == XLSX
    ws = openpyxl.load_workbook(io.BytesIO(x.content))["排名"]
    title = ws["A1"].value
    assert "2020年" in title and "hebei-county-2019" in title and "草稿" in title and "导出时间" in title
    assert ws["A2"].value == "排名" and ws["G2"].value == "总分" and ws["G3"].value == "total"
    assert ws["G4"].value == 10 and ws["G4"].number_format == "0.00" and ws["G4"].data_type == "n"
    assert ws["H4"].fill.fgColor.rgb.endswith("FFC7CE")  # tier C coloured
    assert (
        ws.freeze_panes == "A4"
        # the header, then the two ranked regions (新华区 posted nothing: not ranked)
        and ws.auto_filter.ref == f"A3:{openpyxl.utils.get_column_letter(ws.max_column)}5"
    )


async def test_formula_injection_is_guarded(api: httpx.AsyncClient, world: dict[str, dict[str, str]]) -> None:
    await scored_world(api)
    r = await api.get("/data/2020", params={"format": "csv"})
    rows = read_csv(r.content)
    comments = {row[0]: row[4] for row in rows[1:]}
    assert comments[CHANGAN] == '\'=HYPERLINK("http://x")' and comments[QIAOXI] == "'-1+2"
    x = await api.get("/data/2020", params={"format": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    cells = [c for row in ws.iter_rows(min_row=4) for c in row if c.column == 5]
    assert [(c.value, c.data_type) for c in cells] == [('=HYPERLINK("http://x")', "s"), ("-1+2", "s")]


async def test_year_wide_read_is_paginated_and_filtered(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    await scored_world(api)
    await api.put(f"/data/2020/{XINHUA}/resident_population", json={"value": 500000})
    page = (await api.get("/data/2020", params={"limit": 2})).json()
    assert page["total"] == 3 and [(i["region"], i["element"]) for i in page["items"]] == [
        (CHANGAN, "high_tech_enterprises"),
        (QIAOXI, "high_tech_enterprises"),
    ]
    rest = (await api.get("/data/2020", params={"limit": 2, "offset": 2})).json()
    assert [(i["region"], i["value"]) for i in rest["items"]] == [(XINHUA, 500000)]
    stats = (await api.get("/data/2020", params={"department": "statistics"})).json()
    assert [i["element"] for i in stats["items"]] == ["resident_population"]
    one = (await api.get("/data/2020", params={"parent": CHANGAN})).json()
    assert [i["region"] for i in one["items"]] == [CHANGAN]
    assert_problem(await api.get("/data/2020", params={"element": "nope"}), 422)
    assert_problem(await api.get("/data/1999"), 404)
    # who posted each value: `posted_by` (`source` is its first-release name), the sheet's 填报者 column
    everything = (await api.get("/data/2020")).json()["items"]
    assert all(i["posted_by"] == i["source"] != "" for i in everything)
    sheet = read_csv((await api.get("/data/2020", params={"format": "csv"})).content)
    assert sheet[0][5] == "posted_by"
    assert [row[5] for row in sheet[1:]] == [i["posted_by"] for i in everything]


@pytest.mark.parametrize(
    ("path", "sheets"),
    [
        (f"/scores/2020/{CHANGAN}", ["得分明细", "总分"]),
        ("/rounds/2020/summary", ["概况", "梯队", "城市平均", "A类名单", "梯队变化", "排名变化"]),
        ("/periods/2020/completeness", ["地区", "部门"]),
        (f"/scores/2020/{CHANGAN}/departments", ["部门", "指标"]),
        ("/targets/progress?year=2020", ["目标进度"]),
        ("/audit", ["审计记录"]),
        ("/data/2020", ["数据"]),
        ("/scores/2020", ["排名"]),
    ],
)
async def test_every_listed_read_exports(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]], path: str, sheets: list[str]
) -> None:
    await scored_world(api)
    sep = "&" if "?" in path else "?"
    x = await api.get(f"{path}{sep}format=xlsx")
    assert x.status_code == 200, x.text
    book = openpyxl.load_workbook(io.BytesIO(x.content))
    assert book.sheetnames == sheets
    c = await api.get(path, headers={"Accept": "text/csv"})
    assert c.status_code == 200 and c.headers["content-type"].startswith("text/csv")
    read_csv(c.content)
    j = await api.get(path)
    assert j.headers["content-type"].startswith("application/json")


async def test_breakdown_export_has_one_row_per_indicator(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    await scored_world(api)
    rows = read_csv((await api.get(f"/scores/2020/{CHANGAN}", params={"format": "csv"})).content)
    # two tables: the indicators (17 of the scheme, DESIGN.md) and the total
    assert rows[0] == ["# 得分明细"]
    indicators = rows[2 : 2 + 17]
    assert len({r[2] for r in indicators}) == 17
    hte = next(r for r in indicators if r[2] == "high_tech_enterprises")
    assert hte[4] == "40" and hte[6] == "8" and hte[7] == "10"


async def test_registry_rows_update_by_id_and_awards_import(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    lab = {
        "region": CHANGAN,
        "type": "key_lab",
        "level": "provincial",
        "name": "某实验室",
        "recognized_on": "2018-06-01",
    }
    created = await api.post("/platforms", json=lab)
    assert created.status_code == 201
    book = await template(api, world["st"])
    plat = book["平台"]
    # pre-filled with the item and its id, type and level shown by their labels
    assert [c.value for c in plat[3]][:6] == [
        created.json()["id"],
        CHANGAN,
        "重点实验室",
        "省级",
        "某实验室",
        plat["F3"].value,
    ]
    assert plat["F3"].value.date().isoformat() == "2018-06-01"
    plat["D3"] = "国家级"  # promoted
    book["奖励"].append([None, "长安区", "科技奖励", "省级", "省科技进步奖", "2020-05-20", "冀政〔2020〕9号"])
    r = await upload(api, workbook_bytes(book), world["st"])
    assert r.status_code == 200, r.text
    assert r.json()["sheets"]["平台"] == {"rows": 1, "created": 0, "updated": 1, "unchanged": 0, "deleted": 0}
    assert r.json()["sheets"]["奖励"]["created"] == 1
    item = (await api.get(f"/platforms/{created.json()['id']}")).json()
    assert item["level"] == "national"
    awards = (await api.get("/awards")).json()["items"]
    assert [(a["type"], a["level"], a["awarded_on"], a["document_number"]) for a in awards] == [
        ("st_award", "provincial", "2020-05-20", "冀政〔2020〕9号")
    ]
    # a statistics key may not write registries: 403 naming the cell of the new row
    book["奖励"].append([None, "桥西区", "科技项目", "国家级", "某项目", "2020-03-01"])
    stats = await upload(api, workbook_bytes(book), world["stats"])
    body = assert_problem(stats, 403)
    assert [(e["sheet"], e["cell"], e["column"]) for e in body["errors"]] == [("奖励", "B4", "region")]
    assert "may not write platforms or awards" in body["errors"][0]["reason"]


async def test_clear_marker_in_a_template_deletes_and_empty_cells_change_nothing(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]], engine: Engine
) -> None:
    for element, value in (("tech_smes", 7), ("high_tech_enterprises", 9)):
        assert (await api.put(f"/data/2020/{CHANGAN}/{element}", json={"value": value})).status_code == 201
    book = await template(api, world["st"])
    ws = book["数据"]
    ws.cell(row_of(ws, CHANGAN), column_of(ws, "tech_smes")).value = "清除"
    ws.cell(row_of(ws, CHANGAN), column_of(ws, "high_tech_enterprises")).value = None  # emptied: no change
    r = await upload(api, workbook_bytes(book), world["st"])
    assert r.status_code == 200, r.text
    assert r.json()["sheets"]["数据"]["deleted"] == 1
    assert stored(engine) == {(CHANGAN, "high_tech_enterprises"): 9.0}


async def test_a_published_year_refuses_imports(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    await scored_world(api)
    assert (
        await api.post(
            "/periods/2020/lock", json={"force": True, "reason": "published without the approval workflow"}
        )
    ).status_code == 200
    r = await upload(api, "region,element,value\n长安区,tech_smes,5\n".encode(), name="x.csv")
    assert_problem(r, 409)
    x = await api.get("/scores/2020", params={"format": "xlsx"})
    assert "已发布" in openpyxl.load_workbook(io.BytesIO(x.content))["排名"]["A1"].value


async def test_a_name_shared_by_two_regions_needs_the_code(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    # a second 长安区 (Xi'an has one): the name alone no longer says which
    body = {"code": "610116", "name_zh": "长安区", "name_en": "Chang'an (Xi'an)", "level": "county"}
    assert (await api.post("/regions", json=body)).status_code == 201
    r = await upload(api, "region,element,value\n长安区,tech_smes,5\n".encode(), name="x.csv")
    err = bad(assert_problem(r, 422), "CSV")["A2"]
    assert "shared by regions 130102, 610116" in err["reason"]
    # the st key covers only Shijiazhuang: within its scope the name is unique
    ok = await upload(api, "region,element,value\n长安区,tech_smes,5\n".encode(), world["st"], name="x.csv")
    assert ok.status_code == 200, ok.text


async def test_csv_that_is_neither_utf8_nor_gb18030_or_holds_nul_is_415(
    api: httpx.AsyncClient, world: dict[str, dict[str, str]]
) -> None:
    assert_problem(await upload(api, b"region,element,value\n\x00,tech_smes,1\n", name="x.csv"), 415)
    # 0xFF cannot start a GB18030 character, nor appear in UTF-8
    assert_problem(await upload(api, b"region,element,value\n\xff\xff,tech_smes,1\n", name="x.csv"), 415)
