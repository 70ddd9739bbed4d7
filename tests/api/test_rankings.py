"""Rankings that mean what they say: only regions with data are ranked, cities get aggregates,
filters and sorting, ranks in the breakdown, unknown query parameters refused.

The data set is built by hand so that every rank, count, mean and median is read off the bands
of DESIGN.md (fiscal_st_expenditure 1000 -> 3, 5000 -> 4, 10000 -> 5 points in `input`;
high_tech_enterprises 10 -> 5, 40 -> 8, 100 -> 10 points in `entities`; nothing else posted):

    2020            fiscal  high-tech  input  entities  total
    长安区 130102    10000     10        5       5       10
    桥西区 130104     1000     40        3       8       11
    新华区 130105     1000     40        3       8       11
    路南区 130202     5000      -        4       0        4
    裕华区 130108, 路北区 130203: nothing posted (not ranked)
    邯郸市 130400: a city with no county

    2019: 长安区 fiscal 1000 (3); 桥西区 high-tech 40 (8); 新华区 fiscal 10000 + high-tech 100 (15)
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.helpers import CHANGAN, HEBEI, QIAOXI, SJZ, XINHUA, assert_problem, seed_period, seed_regions

TANGSHAN, LUNAN, LUBEI, YUHUA, HANDAN = "130200", "130202", "130203", "130108", "130400"
FORCE = {"force": True, "reason": "published without the approval workflow"}


async def add_region(api: httpx.AsyncClient, code: str, zh: str, en: str, level: str, parent: str) -> None:
    body = {"code": code, "name_zh": zh, "name_en": en, "level": level, "parent_code": parent}
    r = await api.post("/regions", json=body)
    assert r.status_code == 201, r.text


async def post(api: httpx.AsyncClient, year: int, rows: list[tuple[str, str, int]]) -> None:
    values = [{"region": r, "element": e, "value": v} for r, e, v in rows]
    r = await api.post(f"/data/{year}", json={"values": values})
    assert r.status_code == 200, r.text


@pytest.fixture
async def data(api: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    await seed_regions(api)
    await add_region(api, YUHUA, "裕华区", "Yuhua District", "county", SJZ)
    await add_region(api, TANGSHAN, "唐山市", "Tangshan City", "city", HEBEI)
    await add_region(api, LUNAN, "路南区", "Lunan District", "county", TANGSHAN)
    await add_region(api, LUBEI, "路北区", "Lubei District", "county", TANGSHAN)
    await add_region(api, HANDAN, "邯郸市", "Handan City", "city", HEBEI)
    await seed_period(api, 2019)
    await seed_period(api, 2020)
    fiscal, high_tech = "fiscal_st_expenditure", "high_tech_enterprises"
    await post(
        api,
        2020,
        [
            (CHANGAN, fiscal, 10000),
            (CHANGAN, high_tech, 10),
            (QIAOXI, fiscal, 1000),
            (QIAOXI, high_tech, 40),
            (XINHUA, fiscal, 1000),
            (XINHUA, high_tech, 40),
            (LUNAN, fiscal, 5000),
        ],
    )
    await post(api, 2019, [(CHANGAN, fiscal, 1000), (QIAOXI, high_tech, 40), (XINHUA, fiscal, 10000)])
    await post(api, 2019, [(XINHUA, high_tech, 100)])
    yield api


async def ranking(api: httpx.AsyncClient, year: int = 2020, **params: object) -> dict:
    r = await api.get(f"/scores/{year}", params={"parent": HEBEI, **params})
    assert r.status_code == 200, r.text
    return r.json()


def ranks(body: dict) -> list[tuple[str, int | None]]:
    return [(i["region"], i["rank"]) for i in body["items"]]


async def test_regions_without_data_are_not_ranked(data: httpx.AsyncClient) -> None:
    body = await ranking(data)
    assert ranks(body) == [(QIAOXI, 1), (XINHUA, 1), (CHANGAN, 3), (LUNAN, 4)]
    assert body["total"] == 4
    assert [i["total"] for i in body["items"]] == [11, 11, 10, 4]
    listed = await ranking(data, include_unscored="true")
    assert ranks(listed) == [(QIAOXI, 1), (XINHUA, 1), (CHANGAN, 3), (LUNAN, 4), (YUHUA, None), (LUBEI, None)]
    assert listed["total"] == 6
    yuhua = listed["items"][4]
    assert yuhua["status"] == {"code": "no_data", "zh": "2020 年未报送数据", "en": "no data posted for 2020"}
    assert yuhua["total"] is None and yuhua["tier"] is None and yuhua["complete"] is False
    # within one city: 石家庄市 ranks three, 唐山市 one
    assert ranks(await ranking(data, parent=SJZ)) == [(QIAOXI, 1), (XINHUA, 1), (CHANGAN, 3)]
    assert ranks(await ranking(data, parent=TANGSHAN)) == [(LUNAN, 1)]


async def test_the_breakdown_carries_its_ranks(data: httpx.AsyncClient) -> None:
    async def ranks_of(code: str) -> list[dict]:
        r = await data.get(f"/scores/2020/{code}")
        assert r.status_code == 200, r.text
        return r.json()["ranks"]

    assert await ranks_of(CHANGAN) == [
        {"scope": "parent", "parent": SJZ, "rank": 3, "of": 3},
        {"scope": "province", "parent": HEBEI, "rank": 3, "of": 4},
    ]
    assert await ranks_of(XINHUA) == [
        {"scope": "parent", "parent": SJZ, "rank": 1, "of": 3},
        {"scope": "province", "parent": HEBEI, "rank": 1, "of": 4},
    ]
    assert await ranks_of(LUNAN) == [
        {"scope": "parent", "parent": TANGSHAN, "rank": 1, "of": 1},
        {"scope": "province", "parent": HEBEI, "rank": 4, "of": 4},
    ]
    assert await ranks_of(YUHUA) == []
    # a write moves the ranks at once: 长安区 reaches 100 high-tech enterprises (10 points): 15
    await post(data, 2020, [(CHANGAN, "high_tech_enterprises", 100)])
    assert await ranks_of(CHANGAN) == [
        {"scope": "parent", "parent": SJZ, "rank": 1, "of": 3},
        {"scope": "province", "parent": HEBEI, "rank": 1, "of": 4},
    ]
    # ...and data for 裕华区 ranks it: fiscal 1000 -> 3 points, last of four in its city and
    # of five in the province (路南区 has 4)
    await post(data, 2020, [(YUHUA, "fiscal_st_expenditure", 1000)])
    assert await ranks_of(YUHUA) == [
        {"scope": "parent", "parent": SJZ, "rank": 4, "of": 4},
        {"scope": "province", "parent": HEBEI, "rank": 5, "of": 5},
    ]


async def test_cities_and_the_province_get_aggregates_not_a_score(data: httpx.AsyncClient) -> None:
    levels = ((SJZ, "石家庄市", "a city", "市级"), (HEBEI, "河北省", "a province", "省级"))
    for code, name, what, level_zh in levels:
        body = assert_problem(await data.get(f"/scores/2020/{code}"), 422)
        assert (
            f"scheme hebei-county-2019 scores county-level regions; {code} {name} is {what}" in body["detail"]
        )
        # the same in Chinese, the levels by their names
        assert f"(指标体系 hebei-county-2019 评价县级地区；{code} {name} 是{level_zh}地区)" in body["detail"]
        assert body["errors"][0]["field"] == "region"
        assert_problem(await data.get(f"/scores/2020/{code}/gaps"), 422)
        assert_problem(await data.get(f"/regions/{code}/trend"), 422)
    cities = await ranking(data, level="city")
    assert cities["total"] == 2
    # 石家庄市: 10, 11, 11 -> mean 32/3 = 10.67, median 11; 唐山市: 4
    assert cities["items"] == [
        {
            "rank": 1,
            "region": SJZ,
            "name_zh": "石家庄市",
            "name_en": "Shijiazhuang City",
            "level": "city",
            "parent_code": HEBEI,
            "regions": 3,
            "mean": 10.67,
            "median": 11,
            "tiers": {"A": 0, "B": 0, "C": 3},
            "status": None,
        },
        {
            "rank": 2,
            "region": TANGSHAN,
            "name_zh": "唐山市",
            "name_en": "Tangshan City",
            "level": "city",
            "parent_code": HEBEI,
            "regions": 1,
            "mean": 4,
            "median": 4,
            "tiers": {"A": 0, "B": 0, "C": 1},
            "status": None,
        },
    ]
    listed = await ranking(data, level="city", include_unscored="true")
    assert ranks(listed) == [(SJZ, 1), (TANGSHAN, 2), (HANDAN, None)]
    assert listed["items"][2]["regions"] == 0 and listed["items"][2]["mean"] is None
    assert listed["items"][2]["status"]["en"] == "no data posted for 2020"
    # the province: the mean of all four ranked counties, (11 + 11 + 10 + 4) / 4 = 9, median 10.5
    province = (await data.get("/scores/2020", params={"level": "province"})).json()["items"]
    assert [(i["region"], i["regions"], i["mean"], i["median"]) for i in province] == [(HEBEI, 4, 9, 10.5)]
    assert_problem(await data.get("/scores/2020", params={"level": "city", "tier": "C"}), 422)


async def test_filters_sorting_and_pages(data: httpx.AsyncClient) -> None:
    assert (await ranking(data, tier="C"))["total"] == 4
    none = await ranking(data, tier="A")
    assert none["items"] == [] and none["total"] == 0
    bad = assert_problem(await data.get("/scores/2020", params={"tier": "Z"}), 422)
    assert bad["errors"][0]["field"] == "tier" and "A, B, C" in bad["errors"][0]["reason"]
    assert (await ranking(data, complete="true"))["total"] == 0  # nobody posted every input
    assert (await ranking(data, complete="false"))["total"] == 4
    assert ranks(await ranking(data, q="长安")) == [(CHANGAN, 3)]
    assert ranks(await ranking(data, q="qiao")) == [(QIAOXI, 1)]
    assert ranks(await ranking(data, q="1302")) == [(LUNAN, 4)]
    assert ranks(await ranking(data, q="1302", include_unscored="true")) == [(LUNAN, 4), (LUBEI, None)]
    # by a dimension: input points 5 (长安), 4 (路南), 3, 3; the rank stays the rank by total
    assert ranks(await ranking(data, sort="input")) == [(CHANGAN, 3), (LUNAN, 4), (QIAOXI, 1), (XINHUA, 1)]
    assert ranks(await ranking(data, sort="input", order="asc")) == [
        (QIAOXI, 1),
        (XINHUA, 1),
        (LUNAN, 4),
        (CHANGAN, 3),
    ]
    assert ranks(await ranking(data, order="asc")) == [(LUNAN, 4), (CHANGAN, 3), (QIAOXI, 1), (XINHUA, 1)]
    # change against 2019: 长安区 3 -> 10 (+7), 桥西区 8 -> 11 (+3), 新华区 15 -> 11 (-4), 路南区 none
    change = await ranking(data, sort="change")
    assert [(i["region"], i["change"]) for i in change["items"]] == [
        (CHANGAN, 7),
        (QIAOXI, 3),
        (XINHUA, -4),
        (LUNAN, None),
    ]
    asc = await ranking(data, sort="change", order="asc")
    assert [i["region"] for i in asc["items"]] == [XINHUA, QIAOXI, CHANGAN, LUNAN]
    bad = assert_problem(await data.get("/scores/2020", params={"sort": "name"}), 422)
    assert bad["errors"][0]["field"] == "sort" and "total, change, input" in bad["errors"][0]["reason"]
    assert_problem(await data.get("/scores/2020", params={"order": "up"}), 422)
    # a page of a filtered ranking: total counts the filtered regions
    page = await ranking(data, tier="C", limit=2, offset=1)
    assert ranks(page) == [(XINHUA, 1), (CHANGAN, 3)] and page["total"] == 4


async def test_exports_honour_the_filters(data: httpx.AsyncClient) -> None:
    r = await data.get("/scores/2020", params={"parent": HEBEI, "q": "长安", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [(row["region"], row["rank"]) for row in rows] == [(CHANGAN, "3")]
    r = await data.get("/scores/2020", params={"parent": HEBEI, "sort": "change", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [(row["region"], row["change"]) for row in rows] == [
        (CHANGAN, "7"),
        (QIAOXI, "3"),
        (XINHUA, "-4"),
        (LUNAN, ""),
    ]
    r = await data.get("/scores/2020", params={"level": "city", "include_unscored": "true", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [(row["region"], row["regions"], row["tiers.C"]) for row in rows] == [
        (SJZ, "3", "3"),
        (TANGSHAN, "1", "1"),
        (HANDAN, "0", "0"),
    ]


async def test_trend_and_summary_count_ranked_regions_only(data: httpx.AsyncClient) -> None:
    trend = (await data.get(f"/regions/{CHANGAN}/trend")).json()
    # 2019: 新华区 15, 桥西区 8, 长安区 3 (路南区 and the others posted nothing)
    assert [(y["year"], y["rank"], y["ranked"]) for y in trend["years"]] == [(2019, 3, 3), (2020, 3, 4)]
    summary = (await data.get("/rounds/2020/summary", params={"parent": HEBEI})).json()
    assert summary["regions"] == 4 and summary["tiers"] == {"A": 0, "B": 0, "C": 4} and summary["mean"] == 9
    sjz = next(c for c in summary["cities"] if c["region"] == SJZ)
    assert (sjz["regions"], sjz["mean"], sjz["median"], sjz["tiers"]) == (
        3,
        10.67,
        11,
        {"A": 0, "B": 0, "C": 3},
    )


async def test_a_published_year_answers_the_same_from_its_snapshot(data: httpx.AsyncClient) -> None:
    before = {
        "ranking": await ranking(data, include_unscored="true"),
        "cities": await ranking(data, level="city"),
        "breakdown": (await data.get(f"/scores/2020/{CHANGAN}")).json(),
    }
    assert (await data.post("/periods/2020/lock", json=FORCE)).status_code == 200
    after = {
        "ranking": await ranking(data, include_unscored="true"),
        "cities": await ranking(data, level="city"),
        "breakdown": (await data.get(f"/scores/2020/{CHANGAN}")).json(),
    }
    assert after["ranking"]["period_status"] == "published"
    for answer in before.values():
        answer["period_status"] = "published"
    assert after == before
    assert after["breakdown"]["ranks"][1] == {"scope": "province", "parent": HEBEI, "rank": 3, "of": 4}
    # the snapshot answers: a region added later is in no published ranking
    await add_region(data, "130109", "新设区", "New District", "county", SJZ)
    assert (await ranking(data, include_unscored="true"))["total"] == 6
    assert_problem(await data.get("/scores/2020/130100"), 422)


async def test_regions_search(data: httpx.AsyncClient) -> None:
    async def codes(**params: object) -> tuple[list[str], int]:
        r = await data.get("/regions", params=params)
        assert r.status_code == 200, r.text
        return [i["code"] for i in r.json()["items"]], r.json()["total"]

    assert await codes(q="长安区") == ([CHANGAN], 1)
    assert await codes(q="TANGSHAN") == ([TANGSHAN], 1)
    assert await codes(q="1302") == ([TANGSHAN, LUNAN, LUBEI], 3)
    assert await codes(q="1302", level="county", limit=1, offset=1) == ([LUBEI], 2)
    assert await codes(q="区", parent=TANGSHAN) == ([LUNAN, LUBEI], 2)
    assert await codes(q="%") == ([], 0)  # a LIKE wildcard is a character like any other


@pytest.mark.parametrize(
    ("path", "params", "unknown", "accepts"),
    [
        ("/regions", {"name": "长安区"}, ["name"], "level, limit, offset, parent, q"),
        ("/scores/2020", {"teir": "A", "sort": "total"}, ["teir"], "tier"),
        ("/scores/2020/130102", {"lang": "zh", "x": "1"}, ["lang", "x"], "format"),
        ("/schemes", {"code": "x"}, ["code"], "limit, offset"),
        ("/periods/2020", {"verbose": "1"}, ["verbose"], "none"),
        ("/rounds/2020/summary", {"parents": HEBEI}, ["parents"], "parent"),
    ],
)
async def test_an_unknown_query_parameter_is_refused(
    data: httpx.AsyncClient, path: str, params: dict, unknown: list[str], accepts: str
) -> None:
    body = assert_problem(await data.get(path, params=params), 422)
    assert [e["field"] for e in body["errors"]] == unknown
    for e in body["errors"]:
        assert f"unknown query parameter '{e['field']}'" in e["reason"] and accepts in e["reason"]


async def test_declared_parameters_still_pass(data: httpx.AsyncClient) -> None:
    for path, params in (
        ("/scores/2020", {"tier": "C", "sort": "total", "format": "json"}),
        ("/scores/2020/130102", {"format": "csv"}),
        ("/regions", {"q": "长安区", "level": "county"}),
    ):
        r = await data.get(path, params=params)
        assert r.status_code == 200, (path, r.text)
    # pages and health too, outside /api/v1
    base = "http://innomon.test"
    assert (await data.get(f"{base}/healthz")).status_code == 200
    assert_problem(await data.get(f"{base}/healthz", params={"probe": "1"}), 422)
    assert (await data.get(f"{base}/login", params={"next": "/"})).status_code == 200
    assert_problem(await data.get(f"{base}/docs", params={"x": "1"}), 422)
    # ...except where another party chooses the parameters: an OAuth answer to the docs' redirect
    r = await data.get(f"{base}/docs/oauth2-redirect", params={"code": "c", "state": "s"})
    assert r.status_code == 200
