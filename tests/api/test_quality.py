"""Quality on value writes, over HTTP: consistency errors refuse, doubts are flagged and answered as
warnings, listed per period, confirmed by the owning department or closed by a fix."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.api.helpers import CHANGAN, QIAOXI, SJZ, assert_problem
from tests.api.review_helpers import LUNAN, SJZ_COUNTIES, seed_province


@pytest.fixture
async def keys(api: httpx.AsyncClient, engine: Engine) -> dict[str, dict[str, str]]:
    return await seed_province(api, engine)


def flag_count(engine: Engine, status: str = "open") -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM quality_flag WHERE status = :s"), {"s": status}
            ).scalar_one()
        )


async def test_an_error_rule_refuses_the_write_naming_the_rule_both_values_and_the_other_poster(
    api: httpx.AsyncClient, engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    r = await api.put(
        f"/data/2020/{CHANGAN}/registered_enterprises", json={"value": 100}, headers=keys["approval-sjz"]
    )
    assert r.status_code == 201, r.text
    r = await api.put(
        f"/data/2020/{CHANGAN}/high_tech_enterprises", json={"value": 120}, headers=keys["science-sjz"]
    )
    body = assert_problem(r, 422)
    assert body["type"] == "/problems/consistency-error"
    (v,) = body["violations"]
    assert v["rule"] == "high_tech_within_registered" and v["region"] == CHANGAN
    assert v["left"] == {"element": "high_tech_enterprises", "value": 120, "posted_by": "science-sjz"}
    assert v["right"] == {"element": "registered_enterprises", "value": 100, "posted_by": "approval-sjz"}
    assert v["message_zh"] == "高新技术企业数量不应超过工商注册企业数量"
    assert (
        "'approval-sjz'" in body["errors"][0]["reason"]
        and body["errors"][0]["field"] == "high_tech_enterprises"
    )
    assert_problem(await api.get(f"/data/2020/{CHANGAN}/high_tech_enterprises"), 404)  # nothing written
    # the other side lowered below the stored high-tech count is refused the same way, naming its poster
    ok = await api.put(
        f"/data/2020/{CHANGAN}/high_tech_enterprises", json={"value": 80}, headers=keys["science-sjz"]
    )
    assert ok.status_code == 201 and ok.json()["warnings"] == []
    r = await api.put(
        f"/data/2020/{CHANGAN}/registered_enterprises", json={"value": 50}, headers=keys["approval-sjz"]
    )
    v = assert_problem(r, 422)["violations"][0]
    assert v["left"]["posted_by"] == "science-sjz" and v["left"]["value"] == 80 and v["right"]["value"] == 50
    # a batch holding both sides: judged on the incoming values, the whole batch refused, row named
    rows = [
        {"region": QIAOXI, "element": "fiscal_st_expenditure", "value": 3000},
        {"region": QIAOXI, "element": "public_expenditure", "value": 2000},
        {"region": QIAOXI, "element": "tech_smes", "value": 5},
    ]
    body = assert_problem(await api.post("/data/2020", json={"values": rows}), 422)
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(0, "fiscal_st_expenditure")]
    assert body["violations"][0]["right"]["posted_by"] == "bootstrap-admin"
    assert_problem(await api.get(f"/data/2020/{QIAOXI}/tech_smes"), 404)
    # equal sides satisfy <=
    rows[1]["value"] = 3000
    assert (await api.post("/data/2020", json={"values": rows})).status_code == 200


async def test_a_warning_rule_is_accepted_reported_listed_and_closed_by_a_fix(
    api: httpx.AsyncClient, engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    stats = keys["statistics-sjz"]
    rows = [
        {"region": CHANGAN, "element": "industrial_revenue", "value": 4000},
        {"region": CHANGAN, "element": "industrial_rd_expenditure", "value": 5000},
    ]
    r = await api.post("/data/2020", json={"values": rows}, headers=stats)
    assert r.status_code == 200 and r.json()["created"] == 2
    (w,) = r.json()["warnings"]
    assert (w["kind"], w["rule"], w["severity"], w["status"]) == (
        "consistency",
        "rd_expenditure_within_revenue",
        "warning",
        "open",
    )
    assert w["details"]["left"]["value"] == 5000 and w["details"]["right"]["value"] == 4000
    listed = (await api.get("/periods/2020/quality")).json()
    assert [i["id"] for i in listed["items"]] == [w["id"]] and listed["total"] == 1
    # a re-send changes nothing and still reports the doubt
    again = await api.post("/data/2020", json={"values": rows}, headers=stats)
    assert again.json()["unchanged"] == 2 and [x["id"] for x in again.json()["warnings"]] == [w["id"]]
    # the fix closes it
    fixed = await api.put(f"/data/2020/{CHANGAN}/industrial_revenue", json={"value": 400000}, headers=stats)
    assert fixed.status_code == 200 and fixed.json()["warnings"] == []
    assert (await api.get("/periods/2020/quality")).json()["items"] == []
    closed = (await api.get("/periods/2020/quality", params={"status": "closed"})).json()["items"]
    assert [c["id"] for c in closed] == [w["id"]] and closed[0]["closed_at"] is not None


async def test_the_two_slips_of_the_issue_are_flagged_with_the_right_explanation(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]]
) -> None:
    stats = keys["statistics-sjz"]
    last_year = [
        {"region": CHANGAN, "element": "resident_population", "value": 600000},
        {"region": CHANGAN, "element": "agri_industrialization_rate", "value": 65.1},
    ]
    r = await api.post("/data/2019", json={"values": last_year}, headers=stats)
    assert r.status_code == 200 and r.json()["warnings"] == []
    # a careless clerk: population in 万人, the rate as a fraction
    r = await api.put(f"/data/2020/{CHANGAN}/resident_population", json={"value": 60}, headers=stats)
    assert r.status_code == 201  # accepted: a warning, not an error
    (w,) = r.json()["warnings"]
    assert (w["kind"], w["element"]) == ("unit_slip", "resident_population")
    assert "entered in 万人 (ten thousands) instead of persons (人)" in w["message_en"]
    assert "疑按万人填报" in w["message_zh"]
    assert w["details"]["previous_value"] == 600000 and w["details"]["corrected_value"] == 600000
    r = await api.post(
        "/data/2020",
        json={"values": [{"region": CHANGAN, "element": "agri_industrialization_rate", "value": 0.651}]},
        headers=stats,
    )
    (w,) = r.json()["warnings"]
    assert w["kind"] == "unit_slip" and "entered as a fraction instead of a percentage" in w["message_en"]
    assert w["details"]["corrected_value"] == 65.1 and "1/100" in w["message_en"]
    assert {i["element"] for i in (await api.get("/periods/2020/quality")).json()["items"]} == {
        "resident_population",
        "agri_industrialization_rate",
    }


async def test_an_outlier_among_the_citys_counties_is_flagged_with_its_method(
    api: httpx.AsyncClient, engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    # five counties near 500000 residents; the sixth entered 50 (万人) with no previous year to compare
    people = dict(zip(SJZ_COUNTIES, (520000, 480000, 610000, 450000, 700000, 50), strict=True))
    rows = [{"region": c, "element": "resident_population", "value": v} for c, v in people.items()]
    r = await api.post("/data/2020", json={"values": rows}, headers=keys["statistics-sjz"])
    (w,) = r.json()["warnings"]
    assert (w["kind"], w["region"], w["rule"]) == ("outlier", SJZ_COUNTIES[-1], "modified_z")
    assert w["details"]["z"] < -3.5 and w["details"]["regions"] == 6 and w["details"]["level"] == "county"
    assert "modified z-score" in w["details"]["method"] and "log10" in w["details"]["method"]
    assert "modified z-score" in (await api.get("/periods/2020/quality")).json()["methods"]["outlier"]
    # another county's write re-checks the cross-section from the stored values: the same flag stays
    r = await api.put(
        f"/data/2020/{SJZ_COUNTIES[0]}/resident_population",
        json={"value": 530000},
        headers=keys["statistics-sjz"],
    )
    assert r.json()["warnings"] == []
    (still,) = (await api.get("/periods/2020/quality")).json()["items"]
    assert still["id"] == w["id"] and flag_count(engine, "closed") == 0
    # the fix closes the flag of that county
    r = await api.put(
        f"/data/2020/{SJZ_COUNTIES[-1]}/resident_population",
        json={"value": 500000},
        headers=keys["statistics-sjz"],
    )
    assert r.json()["warnings"] == [] and flag_count(engine) == 0


async def test_the_owning_department_confirms_a_flag_with_a_comment(
    api: httpx.AsyncClient, engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    stats = keys["statistics-sjz"]
    await api.put(f"/data/2019/{CHANGAN}/resident_population", json={"value": 100000}, headers=stats)
    r = await api.put(f"/data/2020/{CHANGAN}/resident_population", json={"value": 600000}, headers=stats)
    (w,) = r.json()["warnings"]
    assert w["details"]["likely_mixup"] is None  # 6x: a slip, but no unit factor fits
    url = f"/periods/2020/quality/{w['id']}/confirm"
    for key in ("finance-sjz", "reader", "approver-sjz", "coordinator-changan"):
        assert_problem(await api.post(url, json={"comment": "ok"}, headers=keys[key]), 403)
    assert_problem(await api.post(url, json={"comment": ""}, headers=stats), 422)
    assert_problem(await api.post("/periods/2020/quality/999999/confirm", json={"comment": "x"}), 404)
    done = await api.post(url, json={"comment": "两区合并，人口确有增加"}, headers=stats)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["confirmed_by"]) == ("confirmed", "statistics-sjz")
    assert (await api.get("/periods/2020/quality")).json()["items"] == []
    confirmed = (await api.get("/periods/2020/quality", params={"status": "confirmed"})).json()["items"]
    assert confirmed[0]["comment"] == "两区合并，人口确有增加"
    # the department filter: statistics owns it, finance does not
    assert (
        await api.get("/periods/2020/quality", params={"status": "live", "department": "statistics"})
    ).json()["total"] == 1
    assert (
        await api.get("/periods/2020/quality", params={"status": "live", "department": "finance"})
    ).json()["total"] == 0
    assert_problem(await api.get("/periods/2020/quality", params={"department": "police"}), 422)
    # a re-send of the same value keeps the confirmation; a new doubtful value opens a new flag
    again = await api.put(f"/data/2020/{CHANGAN}/resident_population", json={"value": 600000}, headers=stats)
    assert again.json()["warnings"][0]["status"] == "confirmed"
    new = await api.put(f"/data/2020/{CHANGAN}/resident_population", json={"value": 700000}, headers=stats)
    assert new.json()["warnings"][0]["status"] == "open" and new.json()["warnings"][0]["id"] != w["id"]
    assert_problem(await api.post(url, json={"comment": "too late"}, headers=stats), 422)  # closed
    with engine.connect() as conn:
        actions = conn.execute(
            text("SELECT actor, reason FROM audit_event WHERE entity = 'quality_flag'")
        ).all()
    assert [tuple(a) for a in actions] == [("statistics-sjz", "两区合并，人口确有增加")]


async def test_a_dry_run_reports_warnings_and_stores_no_flag(
    api: httpx.AsyncClient, engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    await api.put(f"/data/2019/{CHANGAN}/agri_industrialization_rate", json={"value": 65.1})
    flags_before = flag_count(engine)
    rows = [{"region": CHANGAN, "element": "agri_industrialization_rate", "value": 0.651}]
    r = await api.post("/data/2020", json={"values": rows, "dry_run": True})
    (w,) = r.json()["warnings"]
    assert w["id"] is None and w["kind"] == "unit_slip"
    assert flag_count(engine) == flags_before == 0
    # a dry run breaking an error rule is refused like the real write
    rows = [
        {"region": CHANGAN, "element": "tech_smes", "value": 10},
        {"region": CHANGAN, "element": "registered_enterprises", "value": 9},
    ]
    assert assert_problem(await api.post("/data/2020", json={"values": rows, "dry_run": True}), 422)[
        "violations"
    ]


async def test_deleting_a_flagged_value_closes_its_flag(
    api: httpx.AsyncClient, engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    await api.put(f"/data/2019/{LUNAN}/resident_population", json={"value": 300000})
    r = await api.put(f"/data/2020/{LUNAN}/resident_population", json={"value": 30})
    assert r.json()["warnings"] and flag_count(engine) == 1
    assert (await api.delete(f"/data/2020/{LUNAN}/resident_population")).status_code == 204
    assert flag_count(engine) == 0 and flag_count(engine, "closed") == 1


async def test_quality_listing_filters_by_parent(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]]
) -> None:
    for region in (CHANGAN, LUNAN):
        await api.put(f"/data/2019/{region}/resident_population", json={"value": 300000})
        await api.put(f"/data/2020/{region}/resident_population", json={"value": 30})
    every = (await api.get("/periods/2020/quality")).json()
    assert {i["region"] for i in every["items"]} == {CHANGAN, LUNAN}
    sjz = (await api.get("/periods/2020/quality", params={"parent": SJZ})).json()
    assert [i["region"] for i in sjz["items"]] == [CHANGAN]
    assert_problem(await api.get("/periods/2031/quality"), 404)
    assert_problem(await api.get("/periods/2020/quality", params={"parent": "139999"}), 404)


async def test_the_scheme_shows_its_consistency_rules(api: httpx.AsyncClient) -> None:
    rules = (await api.get("/schemes/hebei-county-2019")).json()["consistency"]
    assert len(rules) == 6
    fiscal = next(r for r in rules if r["code"] == "fiscal_st_within_public")
    assert fiscal == {
        "code": "fiscal_st_within_public",
        "left": "fiscal_st_expenditure",
        "operator": "<=",
        "right": "public_expenditure",
        "severity": "error",
        "message_zh": "地方财政科技支出不应超过地方公共财政支出",
        "message_en": "Fiscal S&T expenditure cannot exceed public budget expenditure",
    }
