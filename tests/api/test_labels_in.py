"""Chinese in: choices, levels and registry types accepted as their labels (names and the
aliases the scheme declares) on every write path, stored as codes, read back as codes with names.
An unknown label is refused, listing the codes with their labels."""

from __future__ import annotations

import io

import httpx
import openpyxl
from sqlalchemy import Engine, text

from tests.api.helpers import CHANGAN, QIAOXI, SJZ, assert_problem, seed_period, seed_regions
from tests.api.test_spreadsheets import column_of, row_of

XLSX_TEMPLATE = "/templates/2020.xlsx"


def stored_text(engine: Engine, element: str) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT region_code, value_text FROM data_value WHERE element = :e"), {"e": element}
        )
        return {r[0]: r[1] for r in rows}


async def test_a_choice_put_as_its_chinese_name_is_stored_as_its_code(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    await seed_regions(api)
    await seed_period(api)
    r = await api.put(f"/data/2020/{CHANGAN}/st_admin_body", json={"value": "合署办公"})
    assert r.status_code == 201, r.text
    value = r.json()["value"]
    assert (value["value"], value["value_label_zh"], value["value_label_en"]) == (
        "merged_office",
        "合署办公",
        "Merged office",
    )
    # the seed's own wording (合署办公的) is an alias the scheme declares
    r = await api.put(f"/data/2020/{QIAOXI}/st_admin_body", json={"value": "合署办公的"})
    assert r.status_code == 201, r.text
    assert stored_text(engine, "st_admin_body") == {CHANGAN: "merged_office", QIAOXI: "merged_office"}
    # re-sent as its code: the same value, unchanged
    again = await api.put(f"/data/2020/{CHANGAN}/st_admin_body", json={"value": "merged_office"})
    assert again.json()["status"] == "unchanged"
    read = (await api.get(f"/data/2020/{CHANGAN}")).json()["values"]
    assert [(v["element"], v["value"], v["value_label_zh"]) for v in read] == [
        ("st_admin_body", "merged_office", "合署办公")
    ]


async def test_an_unknown_choice_label_lists_the_codes_and_labels(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    await seed_period(api)
    body = assert_problem(await api.put(f"/data/2020/{CHANGAN}/st_admin_body", json={"value": "合署"}), 422)
    reason = body["errors"][0]["reason"]
    assert reason == (
        "unknown choice '合署'; expected one of independent (独立行政科技管理部门、独立设置), "
        "merged_office (合署办公、合署办公的), nameplate (加挂科技局牌子、加挂牌子), none (无)"
    )


async def test_bulk_rows_take_labels(api: httpx.AsyncClient, engine: Engine) -> None:
    await seed_regions(api)
    await seed_period(api)
    rows = [
        {"region": CHANGAN, "element": "st_admin_body", "value": "加挂科技局牌子"},
        {"region": QIAOXI, "element": "st_admin_body", "value": "Independent S&T administration"},
    ]
    r = await api.post("/data/2020", json={"values": rows})
    assert r.status_code == 200 and r.json()["created"] == 2, r.text
    assert stored_text(engine, "st_admin_body") == {CHANGAN: "nameplate", QIAOXI: "independent"}
    bad = [{"region": CHANGAN, "element": "st_admin_body", "value": "独立"}]
    body = assert_problem(await api.post("/data/2020", json={"values": bad}), 422)
    assert (
        body["errors"][0]["index"] == 0
        and "independent (独立行政科技管理部门、独立设置)" in body["errors"][0]["reason"]
    )


async def test_platforms_and_awards_take_chinese_types_and_levels(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    platform = {
        "region": CHANGAN,
        "type": "重点实验室",
        "level": "省",
        "name": "某重点实验室",
        "recognized_on": "2019-05-01",
    }
    r = await api.post("/platforms", json=platform)
    assert r.status_code == 201, r.text
    item = r.json()
    assert (item["type"], item["type_name_zh"], item["level"], item["level_name_zh"]) == (
        "key_lab",
        "重点实验室",
        "provincial",
        "省级",
    )
    # the same item sent with codes is the same item
    same = await api.post("/platforms", json={**platform, "type": "key_lab", "level": "provincial"})
    assert same.status_code == 200 and same.json()["id"] == item["id"]
    patched = await api.patch(f"/platforms/{item['id']}", json={"level": "国家级", "type": "孵化器"})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["type"], patched.json()["level"]) == ("incubator", "national")
    listed = (await api.get("/platforms")).json()["items"]
    assert [(i["type_name_en"], i["level_name_en"]) for i in listed] == [
        ("Technology business incubator", "National")
    ]
    award = {
        "region": CHANGAN,
        "type": "通报表彰",
        "level": "省部级",
        "name": "某表彰",
        "awarded_on": "2020-03-01",
    }
    r = await api.post("/awards", json=award)
    assert r.status_code == 201, r.text
    assert (r.json()["type"], r.json()["level"], r.json()["level_name_zh"]) == (
        "commendation",
        "provincial",
        "省级",
    )
    got = (await api.get(f"/awards/{r.json()['id']}")).json()
    assert (got["type_name_zh"], got["level_name_en"]) == ("通报表彰", "Provincial")


async def test_an_unknown_item_level_lists_the_codes_and_labels(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    body = {"region": CHANGAN, "type": "key_lab", "level": "区级", "name": "x", "recognized_on": "2019-05-01"}
    problem = assert_problem(await api.post("/platforms", json=body), 422)
    errors = {e["field"]: e["reason"] for e in problem["errors"]}
    assert errors["level"] == (
        "unknown level '区级'; expected one of national (国家级、国家), provincial (省级、省、省部级), municipal (市级、市)"
    )
    item = (await api.post("/platforms", json={**body, "level": "provincial"})).json()
    problem = assert_problem(await api.patch(f"/platforms/{item['id']}", json={"type": "实验室"}), 422)
    assert {e["field"] for e in problem["errors"]} == {"type"}
    assert "key_lab (重点实验室)" in problem["errors"][0]["reason"]


async def test_regions_take_chinese_levels(api: httpx.AsyncClient) -> None:
    r = await api.post(
        "/regions", json={"code": "130000", "name_zh": "河北省", "name_en": "Hebei", "level": "省"}
    )
    assert r.status_code == 201, r.text
    assert (r.json()["level"], r.json()["level_name_zh"], r.json()["level_name_en"]) == (
        "province",
        "省级",
        "Province",
    )
    city = {
        "code": SJZ,
        "name_zh": "石家庄市",
        "name_en": "Shijiazhuang",
        "level": "市级",
        "parent_code": "130000",
    }
    assert (await api.post("/regions", json=city)).json()["level"] == "city"
    county = {"code": CHANGAN, "name_zh": "长安区", "name_en": "Chang'an", "level": "区", "parent_code": SJZ}
    assert (await api.post("/regions", json=county)).json()["level"] == "county"
    # PATCH: 县级市 is a county-level unit; the same level, so nothing changes
    r = await api.patch(f"/regions/{CHANGAN}", json={"level": "县级市"})
    assert r.status_code == 200 and r.json()["level"] == "county"
    problem = assert_problem(await api.patch(f"/regions/{CHANGAN}", json={"level": "乡镇"}), 422)
    assert problem["errors"][0]["field"] == "level"
    assert problem["errors"][0]["reason"] == (
        "unknown level '乡镇'; expected one of province (省级、省), city (市级、市、地级市), "
        "county (县级、县、区、县（市、区）、县级市)"
    )
    got = (await api.get(f"/regions/{CHANGAN}")).json()
    assert (got["level"], got["level_name_zh"]) == ("county", "县级")


async def test_spreadsheet_cells_take_names_and_aliases(api: httpx.AsyncClient, engine: Engine) -> None:
    """The template's data sheet and platform sheet typed as a clerk types them: an alias of a
    choice (合署办公的), a type's alias (孵化器), a level's alias (国家), a level's English name."""
    await seed_regions(api)
    await seed_period(api)
    r = await api.get(XLSX_TEMPLATE, params={"department": "science_tech", "parent": SJZ})
    assert r.status_code == 200, r.text
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = book["数据"]
    ws.cell(row_of(ws, CHANGAN), column_of(ws, "st_admin_body")).value = "合署办公的"
    plat = book["平台"]
    plat.append([None, "长安区", "孵化器", "国家", "某孵化器", "2018-06-01", None, None, None])
    plat.append([None, "长安区", "Key laboratory", "Provincial", "某实验室", "2018-06-01", None, None, None])
    buf = io.BytesIO()
    book.save(buf)
    r = await api.post(
        "/imports/2020", files={"file": ("data.xlsx", buf.getvalue(), "application/octet-stream")}
    )
    assert r.status_code == 200, r.text
    assert stored_text(engine, "st_admin_body") == {CHANGAN: "merged_office"}
    items = (await api.get("/platforms")).json()["items"]
    assert sorted((i["type"], i["level"]) for i in items) == [
        ("incubator", "national"),
        ("key_lab", "provincial"),
    ]
    # a CSV long form too; an unknown label is a cell problem listing the codes and labels
    csv = "region,element,value\n桥西区,st_admin_body,加挂牌子\n长安区,st_admin_body,合署\n"
    bad = assert_problem(
        await api.post("/imports/2020", files={"file": ("x.csv", csv.encode(), "application/octet-stream")}),
        422,
    )
    cells = {e["cell"]: e for e in bad["errors"]}
    assert set(cells) == {"C3"} and "merged_office (合署办公、合署办公的)" in cells["C3"]["reason"]
    good = csv.replace("合署\n", "合署办公\n")
    r = await api.post("/imports/2020", files={"file": ("x.csv", good.encode(), "application/octet-stream")})
    assert r.status_code == 200, r.text
    assert stored_text(engine, "st_admin_body") == {CHANGAN: "merged_office", QIAOXI: "nameplate"}
