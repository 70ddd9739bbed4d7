"""Scores over HTTP: the breakdown (same as the CLI's), rankings with ties, cache freshness."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import httpx

from app.config import Settings
from app.main import create_app
from tests.api.helpers import CHANGAN, QIAOXI, SJZ, XINHUA, assert_problem, seed_period, seed_regions
from tests.conftest import ROOT


def without_ids(breakdown: dict[str, Any]) -> dict[str, Any]:
    """Registry item ids are list positions in a document and row ids in the database."""
    for d in breakdown["dimensions"]:
        for i in d["indicators"]:
            for item in i["explanation"].get("items", []):
                item.pop("id")
    return breakdown


async def post_document(api: httpx.AsyncClient, doc: dict[str, Any], region: str) -> None:
    rows = [{"region": region, "element": e, "value": v} for e, v in doc["values"].items()]
    r = await api.post(f"/data/{doc['year']}", json={"values": rows})
    assert r.status_code == 200, r.text
    for p in doc["platforms"]:
        r = await api.post("/platforms", json={"region": region, **p})
        assert r.status_code == 201, r.text
    for a in doc["awards"]:
        r = await api.post("/awards", json={"region": region, **a})
        assert r.status_code == 201, r.text


async def test_http_breakdown_equals_the_cli_breakdown(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    doc = json.loads((ROOT / "example.json").read_text(encoding="utf-8"))
    await post_document(api, doc, CHANGAN)
    cli = subprocess.run(
        [sys.executable, "-m", "app.cli", "score", str(ROOT / "example.json")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    r = await api.get(f"/scores/2020/{CHANGAN}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    http = r.json()
    assert http.pop("period_status") == "open"  # the API adds the period's status
    cli_body = json.loads(cli.stdout)
    # ...and the region's names, level and parent from its table (a document names only a code)
    region_fields = ["region_name_zh", "region_name_en", "region_level", "region_level_name_zh"]
    region_fields += ["region_level_name_en", "region_parent"]
    assert [http.pop(k) for k in region_fields] == [
        "长安区",
        "Chang'an District",
        "county",
        "县级",
        "County",
        {"code": "130100", "name_zh": "石家庄市", "name_en": "Shijiazhuang City"},
    ]
    assert [cli_body.pop(k) for k in region_fields] == [None] * len(region_fields)
    # ...and its ranks: the only region with data, first of one in its city and its province
    assert http.pop("ranks") == [
        {"scope": "parent", "parent": "130100", "rank": 1, "of": 1},
        {"scope": "province", "parent": "130000", "rank": 1, "of": 1},
    ]
    assert without_ids(http) == without_ids(cli_body)
    assert r.json()["total"] == 62.2 and r.json()["tier"] == "B"


async def test_missing_data_is_reported_by_department(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    await api.put(f"/data/2020/{CHANGAN}/high_tech_enterprises", json={"value": 70})
    b = (await api.get(f"/scores/2020/{CHANGAN}")).json()
    assert b["complete"] is False and b["total"] == 9
    assert b["missing_by_department"]["approval"] == ["registered_enterprises"]
    ind = b["dimensions"][1]["indicators"][1]
    assert ind["code"] == "high_tech_per_thousand" and ind["missing_inputs"] == ["registered_enterprises"]


async def test_score_changes_at_once_after_a_write(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    await api.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 100})
    assert (await api.get(f"/scores/2020/{CHANGAN}")).json()["total"] == 2.5
    assert (await api.get(f"/scores/2020/{CHANGAN}")).json()["total"] == 2.5  # served from the cache
    await api.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 500})
    assert (await api.get(f"/scores/2020/{CHANGAN}")).json()["total"] == 5
    await api.delete(f"/data/2020/{CHANGAN}/tech_smes")
    assert (await api.get(f"/scores/2020/{CHANGAN}")).json()["total"] == 0


async def test_a_second_app_on_the_same_database_never_serves_a_stale_score(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    other = create_app(settings)
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://other/api/v1", headers=api.headers
        ) as reader:
            assert (await reader.get(f"/scores/2020/{CHANGAN}")).json()["total"] == 0
            await api.put(f"/data/2020/{CHANGAN}/high_tech_enterprises", json={"value": 100})
            assert (await reader.get(f"/scores/2020/{CHANGAN}")).json()["total"] == 10
            assert (await reader.get("/scores/2020", params={"parent": SJZ})).json()["items"][0][
                "total"
            ] == 10
            await api.post(
                "/platforms",
                json={
                    "region": CHANGAN,
                    "type": "key_lab",
                    "level": "national",
                    "name": "实验室",
                    "recognized_on": "2015-01-01",
                },
            )
            assert (await reader.get(f"/scores/2020/{CHANGAN}")).json()["total"] == 12


async def test_ranking_with_ties_shares_ranks(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    r = await api.post(
        "/regions",
        json={
            "code": "130107",
            "name_zh": "井陉矿区",
            "name_en": "Jingxing Mining District",
            "level": "county",
            "parent_code": SJZ,
        },
    )
    assert r.status_code == 201
    await seed_period(api, 2020)
    rows = [
        {"region": QIAOXI, "element": "high_tech_enterprises", "value": 100},  # 10
        {"region": CHANGAN, "element": "high_tech_enterprises", "value": 40},  # 8
        {"region": XINHUA, "element": "high_tech_enterprises", "value": 40},  # 8
        {"region": "130107", "element": "high_tech_enterprises", "value": 10},  # 5
    ]
    assert (await api.post("/data/2020", json={"values": rows})).status_code == 200
    ranking = (await api.get("/scores/2020", params={"parent": SJZ})).json()
    got = [(i["rank"], i["region"], i["total"]) for i in ranking["items"]]
    assert got == [(1, QIAOXI, 10), (2, CHANGAN, 8), (2, XINHUA, 8), (4, "130107", 5)]
    assert ranking["total"] == 4 and ranking["level"] == "county"
    first = ranking["items"][0]
    assert first["name_zh"] == "桥西区" and first["tier"] == "C" and first["dimensions"]["entities"] == 10
    page = (await api.get("/scores/2020", params={"parent": SJZ, "limit": 2, "offset": 2})).json()
    assert [i["rank"] for i in page["items"]] == [2, 4] and page["total"] == 4
    cities = (await api.get("/scores/2020", params={"level": "city"})).json()
    assert [i["region"] for i in cities["items"]] == [SJZ]


async def test_score_errors(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    assert "period 2020" in assert_problem(await api.get(f"/scores/2020/{CHANGAN}"), 404)["detail"]
    await seed_period(api, 2020)
    assert "region 130199" in assert_problem(await api.get("/scores/2020/130199"), 404)["detail"]
    assert_problem(await api.get("/scores/2020/1301"), 422)
    assert_problem(await api.get("/scores/2020", params={"parent": "130199"}), 404)
    assert_problem(await api.get("/scores/2031"), 404)
