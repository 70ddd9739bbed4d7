"""Analytics over HTTP: round summary, trend, gaps (every claim through the what-if), simulate,
departments and completeness; on SQLite and PostgreSQL alike."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from app.db.engine import session_scope, writer
from app.services import access, schemes
from app.services.demo import load_demo
from tests.api.helpers import (
    CHANGAN,
    QIAOXI,
    SJZ,
    XINHUA,
    assert_problem,
    release_changed_scheme,
    seed_period,
    seed_regions,
)
from tests.api.test_scores import post_document
from tests.conftest import ROOT

D = Decimal
HEBEI = "130000"


@pytest.fixture
async def demo(api: httpx.AsyncClient, engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    """The demo dataset: Hebei's divisions, 22 county-level units of 石家庄市, 2019-2024."""
    load_demo(engine)
    yield api


async def ranking(api: httpx.AsyncClient, year: int, parent: str) -> dict[str, dict[str, Any]]:
    r = await api.get(f"/scores/{year}", params={"parent": parent})
    assert r.status_code == 200, r.text
    return {i["region"]: i for i in r.json()["items"]}


def dec(x: float | int) -> Decimal:
    return D(str(x))


# ------------------------------------------------------------------------------ round summary


async def test_round_summary_agrees_with_the_rankings(demo: httpx.AsyncClient) -> None:
    r = await demo.get("/rounds/2024/summary", params={"parent": SJZ})
    assert r.status_code == 200, r.text
    s = r.json()
    now, before = await ranking(demo, 2024, SJZ), await ranking(demo, 2023, SJZ)
    assert (s["year"], s["previous_year"], s["round_label"], s["regions"]) == (2024, 2023, "2025", 22)
    tiers = {t: sum(i["tier"] == t for i in now.values()) for t in "ABC"}
    assert s["tiers"] == tiers and sum(tiers.values()) == 22
    mean = (sum(dec(i["total"]) for i in now.values()) / 22).quantize(D("0.01"), ROUND_HALF_UP)
    prev = (sum(dec(i["total"]) for i in before.values()) / 22).quantize(D("0.01"), ROUND_HALF_UP)
    assert (dec(s["mean"]), dec(s["previous_mean"]), dec(s["mean_change"])) == (mean, prev, mean - prev)
    assert [(c["region"], c["regions"], dec(c["mean"])) for c in s["cities"]] == [(SJZ, 22, mean)]
    a_list = sorted((i for i in now.values() if i["tier"] == "A"), key=lambda i: (i["rank"], i["region"]))
    assert [(a["region"], a["total"], a["rank"]) for a in s["a_list"]] == [
        (i["region"], i["total"], i["rank"]) for i in a_list
    ]
    order = "ABC"
    up = {c for c in now if order.index(now[c]["tier"]) < order.index(before[c]["tier"])}
    down = {c for c in now if order.index(now[c]["tier"]) > order.index(before[c]["tier"])}
    assert {t["region"] for t in s["tier_changes"]["up"]} == up
    assert {t["region"] for t in s["tier_changes"]["down"]} == down
    for t in s["tier_changes"]["up"] + s["tier_changes"]["down"]:
        assert (t["from"], t["to"]) == (before[t["region"]]["tier"], now[t["region"]]["tier"])
    assert s["rose"] == sum(now[c]["total"] > before[c]["total"] for c in now)
    assert s["rose"] + s["fell"] + s["unchanged"] == s["compared"] == 22
    moved = {c: before[c]["rank"] - now[c]["rank"] for c in now}
    bounds = {
        "up_10_plus": (10, 99),
        "up_5_9": (5, 9),
        "up_1_4": (1, 4),
        "unchanged": (0, 0),
        "down_1_4": (-4, -1),
        "down_5_9": (-9, -5),
        "down_10_plus": (-99, -10),
    }
    for bucket, (lo, hi) in bounds.items():
        got = s["rank_changes"][bucket]
        assert {x["region"] for x in got["regions"]} == {c for c, m in moved.items() if lo <= m <= hi}
        assert got["count"] == len(got["regions"])
    first = (await demo.get("/rounds/2019/summary", params={"parent": SJZ})).json()
    assert first["previous_year"] is None and first["mean_change"] is None and first["compared"] == 0


async def test_round_summary_problems(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    assert_problem(await api.get("/rounds/2020/summary"), 404)
    await seed_period(api, 2020)
    assert_problem(await api.get("/rounds/2020/summary", params={"parent": "139999"}), 404)
    assert_problem(await api.get("/rounds/2020/summary", params={"parent": "13"}), 422)
    empty = (await api.get("/rounds/2020/summary", params={"parent": SJZ})).json()
    # no region has data for 2020: none is ranked, so none is counted (not three tier-C zeros)
    assert empty["regions"] == 0 and empty["tiers"] == {"A": 0, "B": 0, "C": 0} and empty["mean"] is None
    assert_problem(await api.get("/rounds/2020/summary", headers={"Authorization": "Bearer nope"}), 401)


# -------------------------------------------------------------------------------------- trend


async def test_trend_attributes_every_change_exactly(demo: httpx.AsyncClient) -> None:
    r = await demo.get(f"/regions/{CHANGAN}/trend")
    assert r.status_code == 200, r.text
    t = r.json()
    assert [y["year"] for y in t["years"]] == list(range(2019, 2025)) and t["rank_scope"] == HEBEI
    for y in t["years"]:
        b = (await demo.get(f"/scores/{y['year']}/{CHANGAN}")).json()
        assert (y["total"], y["tier"]) == (b["total"], b["tier"])
        assert y["dimensions"] == {d["code"]: d["score"] for d in b["dimensions"]}
        province = await ranking(demo, y["year"], HEBEI)
        assert (y["rank"], y["ranked"]) == (province[CHANGAN]["rank"], len(province))
    assert len(t["changes"]) == 5
    for c, (y0, y1) in zip(t["changes"], zip(t["years"], t["years"][1:], strict=False), strict=True):
        assert (c["from"], c["to"]) == (y0["year"], y1["year"])
        assert dec(c["total_change"]) == dec(y1["total"]) - dec(y0["total"])
        assert sum(dec(v) for v in c["by_indicator"].values()) == dec(c["total_change"])
        assert len(c["by_indicator"]) == 17 and not c["scheme_changed"] and c["scheme_effect"] is None
    window = (await demo.get(f"/regions/{CHANGAN}/trend", params={"from": 2022, "to": 2023})).json()
    assert [y["year"] for y in window["years"]] == [2022, 2023] and len(window["changes"]) == 1
    assert_problem(await demo.get(f"/regions/{CHANGAN}/trend", params={"from": 2023, "to": 2022}), 422)
    assert_problem(await demo.get("/regions/139999/trend"), 404)


async def test_trend_across_a_scheme_change_splits_scheme_and_data_effects(
    demo: httpx.AsyncClient, engine: Engine
) -> None:
    # a second release: other knots for tech_smes; 2024 is scored under it
    with engine.begin() as conn:
        row = conn.execute(
            text("SELECT definition FROM scheme WHERE code = 'hebei-county-2019'")
        ).scalar_one()
        changed = json.loads(row)
        changed["code"], changed["version"] = "hebei-v2", "2"
        for dim in changed["dimensions"]:
            for ind in dim["indicators"]:
                if ind["code"] == "tech_smes":
                    ind["rule"]["knots"] = [[0, 0], [50, 3], [300, 6], [800, 7]]
        conn.execute(
            text(
                "INSERT INTO scheme (code, version, name_zh, name_en, definition, content_hash, loaded_at) "
                "SELECT 'hebei-v2', '2', name_zh, name_en, :d, 'v2', loaded_at FROM scheme "
                "WHERE code = 'hebei-county-2019'"
            ),
            {"d": json.dumps(changed, ensure_ascii=False)},
        )
    assert (await demo.put("/periods/2024", json={"scheme": "hebei-v2"})).status_code == 200
    t = (await demo.get(f"/regions/{CHANGAN}/trend", params={"from": 2023, "to": 2024})).json()
    (c,) = t["changes"]
    assert c["scheme_changed"] and t["years"][1]["scheme"] == "hebei-v2"
    scheme_effect, data_effect = c["scheme_effect"], c["data_effect"]
    assert dec(scheme_effect["total"]) + dec(data_effect["total"]) == dec(c["total_change"])
    for part in (scheme_effect, data_effect):
        assert sum(dec(v) for v in part["by_indicator"].values()) == dec(part["total"])
    assert {k for k, v in scheme_effect["by_indicator"].items() if v} == {"tech_smes"}
    # the scheme effect is 2023's tech_smes scored under both releases
    smes = D((await demo.get(f"/data/2023/{CHANGAN}/tech_smes")).json()["value"])
    old = next(
        i["score"]
        for d in (await demo.get(f"/scores/2023/{CHANGAN}")).json()["dimensions"]
        for i in d["indicators"]
        if i["code"] == "tech_smes"
    )
    knots = [(D(0), D(0)), (D(50), D(3)), (D(300), D(6)), (D(800), D(7))]
    new = knots[-1][1]
    for (t0, s0), (t1, s1) in itertools.pairwise(knots):
        if t0 <= smes < t1:
            new = s0 + (smes - t0) * (s1 - s0) / (t1 - t0)
    new = new.quantize(D("0.01"), ROUND_HALF_UP)
    assert dec(scheme_effect["total"]) == new - dec(old)


# ---------------------------------------------------------------------- gaps through what-if


async def simulate(api: httpx.AsyncClient, year: int, region: str, changes: dict[str, Any]) -> dict[str, Any]:
    r = await api.post(f"/scores/{year}/{region}/simulate", json=changes)
    assert r.status_code == 200, r.text
    return r.json()


async def check_every_claim(api: httpx.AsyncClient, year: int, region: str) -> dict[str, Any]:
    """Post every option's changes and the path's to simulate: each gives exactly its claim."""
    r = await api.get(f"/scores/{year}/{region}/gaps")
    assert r.status_code == 200, r.text
    g = r.json()
    stored = (await api.get(f"/scores/{year}/{region}")).json()
    assert g["stored_total"] == g["total"] == stored["total"] and g["tier"] == stored["tier"]
    claims = 0
    for ind in g["indicators"]:
        assert dec(ind["points_missing"]) == dec(ind["max"]) - dec(ind["score"]) > 0
        for o in ind["options"]:
            sim = await simulate(api, year, region, o["changes"])
            assert (sim["total"], sim["tier"]) == (o["total"], o["tier"]), o["description"]
            assert dec(sim["delta"]) == dec(o["gain"]) > 0
            assert dec(sim["by_indicator"][ind["indicator"]]) == dec(o["indicator_gain"])
            claims += 1
    path = g["to_next_tier"]
    sim = await simulate(api, year, region, path["changes"])
    assert (sim["total"], sim["tier"]) == (path["total"], path["reached_tier"])
    if path["reachable"]:
        assert path["total"] >= path["threshold"] and path["reached_tier"] == path["tier"]
    assert claims > 0
    after = (await api.get(f"/scores/{year}/{region}")).json()
    assert after == stored  # simulating wrote nothing
    return g


async def test_every_gap_claim_reproduces_through_simulate(demo: httpx.AsyncClient) -> None:
    totals = await ranking(demo, 2024, SJZ)
    lowest = min(totals.values(), key=lambda i: i["total"])["region"]
    for region in (lowest, XINHUA):
        g = await check_every_claim(demo, 2024, region)
        assert g["to_next_tier"]["verified"] and g["to_next_tier"]["method"].startswith("greedy")
    best = (
        await demo.get(f"/scores/2024/{max(totals.values(), key=lambda i: i['total'])['region']}/gaps")
    ).json()
    assert best["tier"] == "A" and best["to_next_tier"]["tier"] is None
    assert best["to_next_tier"]["note"] == "already in the top tier"


async def test_gaps_of_the_worked_example(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    doc = json.loads((ROOT / "example.json").read_text(encoding="utf-8"))
    await post_document(api, doc, CHANGAN)
    g = await check_every_claim(api, 2020, CHANGAN)
    share = next(i for i in g["indicators"] if i["indicator"] == "fiscal_st_share")
    (option,) = share["options"]
    assert option["changes"]["values"] == {"fiscal_st_expenditure": 4000}
    assert (option["indicator_gain"], option["gain"], option["total"]) == (1, 1.25, 63.45)
    assert share["next_knot"] == {"threshold": 2, "score": 8} and "per_item" not in share
    tally = next(i for i in g["indicators"] if i["indicator"] == "parks_and_bases")
    assert tally["room_under_cap"] == 6 and tally["cap"] == 6 and "next_knot" not in tally
    assert g["to_next_tier"]["points_needed"] == 17.8 and g["to_next_tier"]["reachable"]
    # an empty region: ratios without their denominators are named, not guessed
    empty = (await api.get(f"/scores/2020/{QIAOXI}/gaps")).json()
    rd = next(i for i in empty["indicators"] if i["indicator"] == "rd_intensity")
    assert (
        rd["options"] == []
        and "main business revenue" in rd["note"]
        and "规上工业企业主营业务收入" in rd["note_zh"]
    )
    assert_problem(await api.get("/scores/2021/130102/gaps"), 404)
    assert_problem(await api.get("/scores/2020/139999/gaps"), 404)


# ------------------------------------------------------------------------------------ what-if


async def test_simulate_checks_like_a_write_and_writes_nothing(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    await api.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 300})
    lab = (
        await api.post(
            "/platforms",
            json={
                "region": CHANGAN,
                "type": "key_lab",
                "level": "provincial",
                "name": "某实验室",
                "recognized_on": "2018-06-01",
            },
        )
    ).json()
    sim = await simulate(
        api,
        2020,
        CHANGAN,
        {
            "values": {"tech_smes": 500, "st_admin_body": "independent", "st_leading_group": True},
            "add_platforms": [{"type": "incubator", "level": "national", "recognized_on": "2020-12-31"}],
            "remove_platforms": [lab["id"]],
            "add_awards": [{"type": "st_award", "level": "provincial", "awarded_on": "2020-05-01"}],
        },
    )
    # tech_smes 3.75 -> 5, st_admin_body 0 -> 4 + 1, the key lab goes (-1), +2 incubator, +2 award
    assert (sim["stored_total"], sim["total"], sim["delta"]) == (4.75, 14, 9.25)
    assert sim["by_indicator"] == {
        "tech_smes": 1.25,
        "innovation_platforms": -1,
        "service_institutions": 2,
        "st_admin_body": 5,
        "higher_level_support": 2,
    }
    assert sim["breakdown"]["total"] == 14 and "period_status" not in sim["breakdown"]
    removed = await simulate(api, 2020, CHANGAN, {"values": {"tech_smes": None}})
    assert removed["delta"] == -3.75 and removed["total"] == 1
    assert "tech_smes" in removed["breakdown"]["missing_by_department"]["science_tech"]
    bad = assert_problem(
        await api.post(
            f"/scores/2020/{CHANGAN}/simulate",
            json={
                "values": {"tech_smes": -1, "nope": 2},
                "add_platforms": [{"type": "castle", "level": "provincial", "recognized_on": "2020-01-01"}],
                "remove_awards": [12345],
            },
        ),
        422,
    )
    assert [e["field"] for e in bad["errors"]] == [
        "values.tech_smes",
        "values.nope",
        "remove_awards[0]",
        "add_platforms[0].type",
    ]
    assert bad["errors"][0]["reason"] == "must not be negative"
    shape = assert_problem(
        await api.post(
            f"/scores/2020/{CHANGAN}/simulate",
            json={"add_awards": [{"type": "project", "level": "national", "awarded_on": "2020-13-01"}]},
        ),
        422,
    )
    assert shape["errors"][0]["field"] == "add_awards[0].awarded_on"  # a JSON path, as the domain writes it
    assert_problem(await api.post(f"/scores/2020/{CHANGAN}/simulate", json={"colour": 1}), 422)
    assert_problem(await api.post("/scores/2020/139999/simulate", json={}), 404)
    assert_problem(await api.post(f"/scores/2021/{CHANGAN}/simulate", json={}), 404)
    # any valid key may simulate; nothing was written, nothing audited
    with session_scope(writer(engine)) as session:
        scheme = schemes.get_scheme(session, "hebei-county-2019")
        _, token = access.create_key(session, scheme, "dashboard", "reader")
    as_reader = await api.post(
        f"/scores/2020/{CHANGAN}/simulate",
        json={"values": {"tech_smes": 1000}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert as_reader.status_code == 200 and as_reader.json()["total"] == 8
    assert (await api.get(f"/data/2020/{CHANGAN}/tech_smes")).json()["value"] == 300
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM data_value")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM platform")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM award")).scalar_one() == 0


# -------------------------------------------------------------------------------- departments


async def test_departments_add_up_to_the_total(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    doc = json.loads((ROOT / "example.json").read_text(encoding="utf-8"))
    await post_document(api, doc, CHANGAN)
    r = await api.get(f"/scores/2020/{CHANGAN}/departments")
    assert r.status_code == 200, r.text
    d = r.json()
    parts = {p["department"]: p for p in d["departments"]}
    assert list(parts) == [
        "finance",
        "statistics",
        "science_tech",
        "approval",
        "development_reform",
        "market_regulation",
    ]
    assert sum(dec(p["earned"]) for p in parts.values()) == dec(d["total"]) == D("62.2")
    assert sum(dec(p["available"]) for p in parts.values()) == 100
    assert sum(dec(p["lost"]) for p in parts.values()) == D("37.8")
    # st_management_innovation (4 / 5) is owned by three departments: 1.34 + 1.33 + 1.33
    shares = {
        p: next(i for i in parts[p]["indicators"] if i["indicator"] == "st_management_innovation")
        for p in ("science_tech", "market_regulation", "development_reform")
    }
    assert [(s["earned"], s["available"], s["share"]) for s in shares.values()] == [
        (1.34, 1.67, "1/3"),
        (1.33, 1.67, "1/3"),
        (1.33, 1.66, "1/3"),
    ]
    assert parts["finance"]["earned"] == 10.5 and parts["finance"]["lost"] == 2.5
    assert "equally" in d["rule"]
    partial = (await api.get(f"/scores/2020/{QIAOXI}/departments")).json()
    assert sum(dec(p["earned"]) for p in partial["departments"]) == 0
    st = next(p for p in partial["departments"] if p["department"] == "approval")
    assert st["missing_inputs"] == ["registered_enterprises"]
    assert_problem(await api.get("/scores/2020/139999/departments"), 404)


# ------------------------------------------------------------------------------- completeness


async def test_completeness_shows_what_to_chase(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    rows = [
        {"region": CHANGAN, "element": "fiscal_st_expenditure", "value": 3000},
        {"region": CHANGAN, "element": "public_expenditure", "value": 200000},
        {"region": CHANGAN, "element": "tech_smes", "value": 300},
        {"region": CHANGAN, "element": "other_award_points", "value": 1},
        {"region": QIAOXI, "element": "registered_enterprises", "value": 15000},
    ]
    assert (await api.post("/data/2020", json={"values": rows})).status_code == 200
    r = await api.get("/periods/2020/completeness", params={"parent": SJZ})
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["totals"] == {"regions": 3, "complete_regions": 0, "expected": 51, "received": 4, "missing": 47}
    by_region = {x["region"]: x for x in c["regions"]}
    assert (by_region[CHANGAN]["expected"], by_region[CHANGAN]["received"]) == (17, 3)
    finance = next(d for d in by_region[CHANGAN]["departments"] if d["department"] == "finance")
    assert finance == {
        "department": "finance",
        "expected": ["fiscal_st_expenditure", "public_expenditure"],
        "received": ["fiscal_st_expenditure", "public_expenditure"],
        "missing": [],
        "on_time": None,  # the period has no due date
        "arrived_at": finance["arrived_at"],
    }
    assert finance["arrived_at"] is not None
    approval = {d["department"]: d for d in c["departments"]}["approval"]
    assert (approval["expected"], approval["received"], approval["regions_missing"]) == (3, 1, 2)
    assert by_region[XINHUA]["received"] == 0 and by_region[XINHUA]["missing"] == 17
    assert_problem(await api.get("/periods/2021/completeness"), 404)
    assert_problem(await api.get("/periods/2020/completeness", params={"parent": "139999"}), 404)


# ------------------------------------------------------------------------- a published period


async def test_a_published_period_answers_from_its_snapshot(api: httpx.AsyncClient, engine: Engine) -> None:
    await seed_regions(api)
    for year in (2019, 2020):
        await seed_period(api, year)
    doc = json.loads((ROOT / "example.json").read_text(encoding="utf-8"))
    await post_document(api, doc, CHANGAN)
    await api.put(f"/data/2019/{CHANGAN}/tech_smes", json={"value": 100})
    assert (await api.post("/periods/2020/lock", json={"force": True, "reason": "test"})).status_code == 200
    # a new release of the scheme changes how high_tech_enterprises scores; 2020 keeps its snapshot
    release_changed_scheme(engine)
    depts = (await api.get(f"/scores/2020/{CHANGAN}/departments")).json()
    assert depts["period_status"] == "published" and depts["total"] == 62.2
    assert sum(dec(p["earned"]) for p in depts["departments"]) == D("62.2")
    t = (await api.get(f"/regions/{CHANGAN}/trend")).json()
    y2019 = (await api.get(f"/scores/2019/{CHANGAN}")).json()["total"]  # today's scoring: open
    assert [(y["year"], y["total"], y["period_status"]) for y in t["years"]] == [
        (2019, y2019, "open"),
        (2020, 62.2, "published"),
    ]
    assert dec(t["changes"][0]["total_change"]) == D("62.2") - dec(y2019)
    s = (await api.get("/rounds/2020/summary", params={"parent": SJZ})).json()
    assert s["period_status"] == "published" and s["a_list"] == [] and s["tiers"]["B"] == 1
    # the what-if's delta is against the published total; its total is today's scoring
    sim = await simulate(api, 2020, CHANGAN, {})
    assert sim["stored_total"] == 62.2 and sim["period_status"] == "published"
    assert sim["total"] == 63.2 and sim["delta"] == 1  # 70 enterprises now score 10, not 9
    g = (await api.get(f"/scores/2020/{CHANGAN}/gaps")).json()
    assert (g["stored_total"], g["total"]) == (62.2, 63.2)
