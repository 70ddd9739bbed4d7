"""Regions and periods over HTTP."""

from __future__ import annotations

import httpx

from app.services.regions import reference_regions
from tests.api.helpers import CHANGAN, HEBEI, QIAOXI, SJZ, XINHUA, assert_problem, seed_period, seed_regions


async def test_create_get_and_duplicate_region(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    r = await api.get(f"/regions/{CHANGAN}")
    assert r.status_code == 200
    assert (
        r.json()["name_zh"] == "长安区" and r.json()["parent_code"] == SJZ and r.json()["level"] == "county"
    )
    dup = await api.post(
        "/regions",
        json={"code": CHANGAN, "name_zh": "x", "name_en": "x", "level": "county", "parent_code": SJZ},
    )
    assert "already exists" in assert_problem(dup, 409)["detail"]
    assert (await api.get(f"/regions/{CHANGAN}")).json()["name_zh"] == "长安区"


async def test_region_validation(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    cases = [
        ({"code": "1301", "name_zh": "a", "name_en": "a", "level": "county"}, "code"),
        ({"code": "130199", "name_zh": "a", "name_en": "a", "level": "town"}, "level"),
        (
            {"code": "130199", "name_zh": "a", "name_en": "a", "level": "county", "parent_code": "990000"},
            "parent_code",
        ),
        (
            {"code": "130199", "name_zh": "a", "name_en": "a", "level": "city", "parent_code": CHANGAN},
            "parent_code",
        ),
        ({"code": "130199", "name_zh": "", "name_en": "a", "level": "county"}, "name_zh"),
    ]
    for body, field in cases:
        problem = assert_problem(await api.post("/regions", json=body), 422)
        assert field in [e["field"] for e in problem["errors"]], problem
    assert (await api.get("/regions")).json()["total"] == 5


async def test_list_regions_by_parent_level_and_pages(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    below_province = (await api.get("/regions", params={"parent": HEBEI})).json()
    assert [r["code"] for r in below_province["items"]] == [SJZ, CHANGAN, QIAOXI, XINHUA]
    counties = (
        await api.get("/regions", params={"parent": HEBEI, "level": "county", "limit": 2, "offset": 1})
    ).json()
    assert counties["total"] == 3 and [r["code"] for r in counties["items"]] == [QIAOXI, XINHUA]
    assert counties["limit"] == 2 and counties["offset"] == 1
    assert_problem(await api.get("/regions", params={"parent": "990000"}), 404)


async def test_update_region(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    r = await api.patch(f"/regions/{XINHUA}", json={"name_en": "Xinhua Qu"})
    assert r.status_code == 200 and r.json()["name_en"] == "Xinhua Qu" and r.json()["name_zh"] == "新华区"
    cycle = await api.patch(f"/regions/{SJZ}", json={"parent_code": CHANGAN})
    assert_problem(cycle, 422)
    assert_problem(await api.patch("/regions/131199", json={"name_en": "x"}), 404)
    assert_problem(await api.patch(f"/regions/{XINHUA}", json={"code": "130106"}), 422)


async def test_reference_import_is_idempotent(api: httpx.AsyncClient, engine) -> None:  # type: ignore[no-untyped-def]
    from app.services.demo import import_reference

    first = import_reference(engine, "hebei")
    rows = reference_regions("hebei")
    assert first.created == len(rows) == 179
    again = import_reference(engine, "hebei")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 179)
    counties = (await api.get("/regions", params={"parent": SJZ, "level": "county", "limit": 1000})).json()
    assert counties["total"] == 22
    assert (await api.get(f"/regions/{CHANGAN}")).json()["name_en"] == "Chang'an District"


async def test_periods(api: httpx.AsyncClient) -> None:
    r = await api.put("/periods/2020", json={"scheme": "hebei-county-2019", "round_label": "2021"})
    assert r.status_code == 201 and r.json()["scheme"] == "hebei-county-2019" and r.json()["status"] == "open"
    again = await api.put("/periods/2020", json={"scheme": "hebei-county-2019", "round_label": "2021"})
    assert again.status_code == 200 and again.json()["data_version"] == r.json()["data_version"]
    bad = assert_problem(await api.put("/periods/2021", json={"scheme": "nowhere-2030"}), 422)
    assert bad["errors"][0]["field"] == "scheme"
    assert_problem(await api.put("/periods/1800", json={"scheme": "hebei-county-2019"}), 422)
    await seed_period(api, 2019)
    listed = (await api.get("/periods")).json()
    assert [p["year"] for p in listed["items"]] == [2019, 2020] and listed["total"] == 2
    assert (await api.get("/periods/2020")).json()["round_label"] == "2021"
    assert_problem(await api.get("/periods/2022"), 404)


async def test_schemes(api: httpx.AsyncClient) -> None:
    listed = (await api.get("/schemes")).json()
    assert [s["code"] for s in listed["items"]] == ["hebei-county-2019"]
    s = (await api.get("/schemes/hebei-county-2019")).json()
    assert [d["code"] for d in s["dimensions"]] == ["input", "entities", "conditions", "output", "management"]
    assert sum(len(d["indicators"]) for d in s["dimensions"]) == 17
    share = s["dimensions"][0]["indicators"][1]
    assert share["rule"]["knots"] == [[0, 0], [0.5, 4], [1, 6], [2, 8]]
    assert share["rule"]["source"] == {
        "numerator": "fiscal_st_expenditure",
        "denominator": "public_expenditure",
        "factor": 100,
    }
    assert {d["code"] for d in s["departments"]} == {
        "finance",
        "statistics",
        "science_tech",
        "approval",
        "development_reform",
        "market_regulation",
    }
    assert_problem(await api.get("/schemes/unknown"), 404)


async def test_unknown_route_and_method_are_problems(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/nowhere"), 404)
    assert_problem(await api.delete("/schemes"), 405)
    malformed = await api.post("/regions", content=b"{not json", headers={"content-type": "application/json"})
    assert_problem(malformed, 422)


async def test_date_errors_read_like_the_cli(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    body = {
        "region": CHANGAN,
        "type": "key_lab",
        "level": "provincial",
        "name": "x",
        "recognized_on": "2020/01/01",
    }
    problem = assert_problem(await api.post("/platforms", json=body), 422)
    assert problem["errors"] == [
        {
            "index": None,
            "field": "recognized_on",
            "received": "2020/01/01",
            "reason": "must be a date written YYYY-MM-DD",
            "reason_zh": "必须是 YYYY-MM-DD 格式的日期",
        }
    ]
