"""A breakdown that reads on its own over HTTP: the region's names and parent, names beside every
code, a sentence per indicator; in an open year from the live tables, in a published year from
what was published (the snapshot and the region states stored with it)."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import Engine, text

from tests.api.helpers import CHANGAN, SJZ, seed_period, seed_regions
from tests.api.test_scores import ROOT, post_document

FORCE = {"force": True, "reason": "published without the approval workflow"}
#: the fields a breakdown gained with its names and sentences (stored snapshots made before lack them)
ADDED_TOP = (
    "region_name_zh",
    "region_name_en",
    "region_level",
    "region_level_name_zh",
    "region_level_name_en",
    "region_parent",
    "scheme_name_zh",
    "scheme_name_en",
    "missing_by_department_named",
)
ADDED_INDICATOR = (
    "unit_zh",
    "unit_en",
    "value_label_zh",
    "value_label_en",
    "department_names",
    "missing_input_names",
    "input_details",
    "sentence_zh",
    "sentence_en",
)


async def example(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    await post_document(api, json.loads((ROOT / "example.json").read_text(encoding="utf-8")), CHANGAN)


def indicators(b: dict) -> dict[str, dict]:
    return {i["code"]: i for d in b["dimensions"] for i in d["indicators"]}


async def test_an_open_years_breakdown_names_the_region_and_explains_each_indicator(
    api: httpx.AsyncClient,
) -> None:
    await example(api)
    b = (await api.get(f"/scores/2020/{CHANGAN}")).json()
    assert (b["region"], b["region_name_zh"], b["region_name_en"]) == (CHANGAN, "长安区", "Chang'an District")
    assert b["region_parent"] == {"code": SJZ, "name_zh": "石家庄市", "name_en": "Shijiazhuang City"}
    rows = indicators(b)
    # example.json: 地方财政科技支出 3000 万元 -> 3 + (3000 - 1000) / 4000 = 3.5 (DESIGN's bands)
    assert rows["fiscal_st_expenditure"]["sentence_zh"] == (
        "地方财政科技支出 3000 万元，介于 1000 与 5000 万元之间（3 至 4 分），按线性插值得 3.5 分（满分 5 分）"
    )
    admin = rows["st_admin_body"]
    assert (admin["value"], admin["value_label_zh"], admin["unit"], admin["unit_zh"]) == (
        "merged_office",
        "合署办公",
        "",
        None,
    )
    assert all(i["sentence_zh"] and i["sentence_en"] for i in rows.values())
    # a rename shows at once in an open year
    assert (await api.patch(f"/regions/{CHANGAN}", json={"name_zh": "长安新区"})).status_code == 200
    assert (await api.get(f"/scores/2020/{CHANGAN}")).json()["region_name_zh"] == "长安新区"


async def test_a_published_year_names_the_region_as_published(api: httpx.AsyncClient, engine: Engine) -> None:
    await example(api)
    assert (await api.post("/periods/2020/lock", json=FORCE)).status_code == 200
    published = await api.get(f"/scores/2020/{CHANGAN}")
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT breakdown FROM period_snapshot WHERE year = 2020 AND region_code = :r"),
            {"r": CHANGAN},
        ).scalar_one()
    # served as stored, with the year's ranks (from the published ranking) added as the last field
    ranks = b', "ranks": [{"scope": "parent", "parent": "130100", "rank": 1, "of": 1}, '
    ranks += b'{"scope": "province", "parent": "130000", "rank": 1, "of": 1}]}'
    assert published.content == stored.encode()[:-1] + ranks
    assert (await api.patch(f"/regions/{CHANGAN}", json={"name_zh": "长安新区"})).status_code == 200
    again = await api.get(f"/scores/2020/{CHANGAN}")
    assert again.content == published.content and again.json()["region_name_zh"] == "长安区"


async def test_a_snapshot_stored_before_names_gets_them_from_what_was_published(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    """A snapshot stored without the names (as before they existed) keeps every stored field as
    stored and gains the names: the region's from the state stored with the snapshot, never from
    the regions as they are now."""
    await example(api)
    assert (await api.post("/periods/2020/lock", json=FORCE)).status_code == 200
    full = (await api.get(f"/scores/2020/{CHANGAN}")).json()
    old = json.loads(json.dumps(full))
    for k in ADDED_TOP:
        old.pop(k)
    for d in old["dimensions"]:
        for i in d["indicators"]:
            for k in ADDED_INDICATOR:
                i.pop(k)
            for item in i["explanation"].get("items", []):
                for k in ("type_name_zh", "type_name_en", "level_name_zh", "level_name_en"):
                    item.pop(k)
            i["explanation"].pop("choice_name_zh", None)
            i["explanation"].pop("choice_name_en", None)
    old_text = json.dumps(old, ensure_ascii=False)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE period_snapshot SET breakdown = :b WHERE year = 2020 AND region_code = :r"),
            {"b": old_text, "r": CHANGAN},
        )
    renamed = {"name_zh": "长安新区", "name_en": "Chang'an New District"}
    assert (await api.patch(f"/regions/{CHANGAN}", json=renamed)).status_code == 200
    assert (await api.patch(f"/regions/{SJZ}", json={"name_zh": "石家庄新市"})).status_code == 200
    served = (await api.get(f"/scores/2020/{CHANGAN}")).json()
    assert served == full  # every stored field as stored, the names as published
    assert served["region_name_zh"] == "长安区" and served["region_parent"]["name_zh"] == "石家庄市"
    with engine.connect() as conn:
        kept = conn.execute(
            text("SELECT breakdown FROM period_snapshot WHERE year = 2020 AND region_code = :r"),
            {"r": CHANGAN},
        ).scalar_one()
    assert kept == old_text  # the stored snapshot is not rewritten


async def test_a_snapshot_without_region_states_names_no_region(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    """Stored before names and before region states: the names of the scheme's codes and the
    sentences are added, the region's names are not taken from the live tables."""
    await example(api)
    assert (await api.post("/periods/2020/lock", json=FORCE)).status_code == 200
    with engine.connect() as conn:  # read from the table: a GET would fill the cache first
        full = json.loads(
            conn.execute(
                text("SELECT breakdown FROM period_snapshot WHERE year = 2020 AND region_code = :r"),
                {"r": CHANGAN},
            ).scalar_one()
        )
    old = {k: v for k, v in full.items() if k not in ADDED_TOP}
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE period_snapshot SET breakdown = :b, region_state = NULL WHERE year = 2020"),
            {"b": json.dumps(old, ensure_ascii=False)},
        )
    served = (await api.get(f"/scores/2020/{CHANGAN}")).json()
    assert [served[k] for k in ADDED_TOP[:6]] == [None] * 6
    assert served["scheme_name_zh"] == "河北省县域科技创新能力监测评价指标体系"
    assert indicators(served)["fiscal_st_expenditure"]["sentence_zh"].startswith("地方财政科技支出 3000 万元")
