"""Plan targets over HTTP: CRUD with ETags and audit, validation, permissions, progress; the CLI import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from app import cli
from app.config import get_settings
from app.db.engine import session_scope, writer
from app.services import access, schemes
from tests.api.helpers import CHANGAN, QIAOXI, SJZ, assert_problem, seed_period, seed_regions

HTE = {
    "region": CHANGAN,
    "kind": "value",
    "subject": "high_tech_enterprises",
    "threshold": 90,
    "by_year": 2023,
    "base_year": 2019,
    "comment": "高新技术企业总量达到90家以上",
}


def target_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM target")).scalar_one())


async def test_crud_with_etags_and_an_audit_row_per_change(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    r = await api.post("/targets", json=HTE)
    assert r.status_code == 201, r.text
    made = r.json()
    tid, tag = made["id"], r.headers["ETag"]
    assert {k: made[k] for k in HTE} == HTE and made["level"] is None
    # an identical re-send answers 200 with the stored target; the same key with another goal 409
    again = await api.post("/targets", json=HTE)
    assert again.status_code == 200 and again.json()["id"] == tid
    assert_problem(await api.post("/targets", json={**HTE, "threshold": 95}), 409)

    got = await api.get(f"/targets/{tid}")
    assert got.status_code == 200 and got.headers["ETag"] == tag
    # list: region filters the region and everything below it; kind filters the kind
    assert (await api.get("/targets", params={"region": SJZ})).json()["total"] == 1
    assert (await api.get("/targets", params={"region": QIAOXI})).json()["total"] == 0
    assert (await api.get("/targets", params={"kind": "count"})).json()["total"] == 0
    page = (await api.get("/targets", params={"limit": 1})).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (1, 1, 0, 1)
    assert_problem(await api.get("/targets", params={"region": "139999"}), 404)

    assert_problem(
        await api.patch(f"/targets/{tid}", json={"threshold": 100}, headers={"If-Match": '"x"'}), 412
    )
    r = await api.patch(f"/targets/{tid}", json={"threshold": 100.5}, headers={"If-Match": tag})
    assert r.status_code == 200 and r.json()["threshold"] == 100.5 and r.headers["ETag"] != tag
    assert_problem(await api.patch(f"/targets/{tid}", json={"by_year": None}), 422)
    assert_problem(await api.delete(f"/targets/{tid}", headers={"If-Match": tag}), 412)
    assert (await api.delete(f"/targets/{tid}", headers={"If-Match": r.headers["ETag"]})).status_code == 204
    assert_problem(await api.get(f"/targets/{tid}"), 404)

    events = (await api.get("/audit", params={"region": CHANGAN})).json()["items"]
    trail = [
        (e["action"], e["entity"], e["entity_key"], e["actor"]) for e in events if e["entity"] == "target"
    ]
    assert trail == [(a, "target", str(tid), "bootstrap-admin") for a in ("create", "update", "delete")]
    create, update, delete = (e for e in events if e["entity"] == "target")
    assert create["old"] is None and create["new"]["threshold"] == 90
    assert (update["old"]["threshold"], update["new"]["threshold"]) == (90, 100.5)
    assert delete["old"]["subject"] == "high_tech_enterprises" and delete["new"] is None


async def test_patch_to_an_existing_key_is_409_and_an_unchanged_patch_adds_no_audit(
    api: httpx.AsyncClient,
) -> None:
    await seed_regions(api)
    a = (await api.post("/targets", json=HTE)).json()
    b = (await api.post("/targets", json={**HTE, "by_year": 2025})).json()
    assert_problem(await api.patch(f"/targets/{b['id']}", json={"by_year": 2023}), 409)
    assert (await api.patch(f"/targets/{a['id']}", json={"threshold": 90})).status_code == 200
    events = (await api.get("/audit", params={"region": CHANGAN})).json()["items"]
    assert [e["action"] for e in events if e["entity"] == "target"] == ["create", "create"]


BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"subject": "high_tech_enterprisez"}, "subject", "unknown subject"),
    ({"subject": "st_admin_body"}, "subject", "has no numeric value"),
    ({"subject": "public_expenditure", "kind": "increase", "threshold": None}, "subject", "indicator code"),
    ({"threshold": None}, "threshold", "needs a threshold"),
    ({"threshold": -1}, "threshold", "must not be negative"),
    ({"threshold": "many"}, "threshold", "must be a number"),
    ({"threshold": True}, "threshold", "must be a number"),
    ({"level": "provincial"}, "level", "only count targets"),
    ({"base_year": 2023}, "base_year", "before by_year"),
    ({"region": "139999"}, "region", "unknown region"),
    ({"kind": "count", "subject": "key_lab,moon_base", "level": "provincial"}, "subject", "moon_base"),
    ({"kind": "count", "subject": "key_lab", "level": "galactic"}, "level", "unknown level"),
    ({"kind": "count", "subject": "key_lab", "threshold": 1.5}, "threshold", "whole number"),
    ({"kind": "tier", "subject": "D", "threshold": None}, "subject", "unknown tier"),
    ({"kind": "tier", "subject": "A"}, "threshold", "has no threshold"),
    ({"kind": "ladder"}, "kind", "must be one of value, count, increase, tier"),
    ({"by_year": 2200}, "by_year", "must be at most 2100"),
]


@pytest.mark.parametrize(("change", "field", "reason"), BAD)
async def test_invalid_targets_are_422_naming_the_field(
    api: httpx.AsyncClient, engine: Engine, change: dict[str, Any], field: str, reason: str
) -> None:
    await seed_regions(api)
    body = assert_problem(await api.post("/targets", json={**HTE, **change}), 422)
    assert [e["field"] for e in body["errors"]] == [field], body
    assert reason in body["errors"][0]["reason"]
    assert target_rows(engine) == 0


async def test_only_admin_keys_write_targets_and_every_key_reads(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    tid = (await api.post("/targets", json=HTE)).json()["id"]
    with session_scope(writer(engine)) as session:
        scheme = schemes.get_scheme(session, "hebei-county-2019")
        _, st = access.create_key(session, scheme, "st-changan", "department", ["science_tech"], CHANGAN)
        _, reader = access.create_key(session, scheme, "reader", "reader")
    for token in (st, reader):
        h = {"Authorization": f"Bearer {token}"}
        body = assert_problem(await api.post("/targets", json={**HTE, "by_year": 2025}, headers=h), 403)
        assert "only an admin key" in body["detail"]
        assert_problem(await api.patch(f"/targets/{tid}", json={"threshold": 1}, headers=h), 403)
        assert_problem(await api.delete(f"/targets/{tid}", headers=h), 403)
        assert (await api.get(f"/targets/{tid}", headers=h)).status_code == 200
        assert (await api.get("/targets/progress", params={"year": 2020}, headers=h)).status_code == 200
    assert_problem(await api.get("/targets", headers={"Authorization": "Bearer nope"}), 401)
    assert target_rows(engine) == 1


# --------------------------------------------------------------------------------- progress

VALUES = {
    # year: element values of 长安区
    2019: {"high_tech_enterprises": 50, "tech_smes": 300, "fiscal_st_expenditure": 1000},
    2020: {"high_tech_enterprises": 60, "tech_smes": 320, "fiscal_st_expenditure": 1500},
    2021: {"high_tech_enterprises": 75, "tech_smes": 350, "fiscal_st_expenditure": 1400},
}
PLATFORMS = [
    ("key_lab", "provincial", "省级重点实验室甲", "2018-06-01", None),
    ("key_lab", "provincial", "省级重点实验室乙", "2017-01-01", "2020-06-01"),  # counts in 2019 only
    ("key_lab", "national", "国家重点实验室", "2021-03-01", None),
    ("key_lab", "municipal", "市级重点实验室", "2020-05-01", None),
    ("maker_space", "national", "国家级众创空间", "2019-05-01", None),
]


async def seed_progress(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    for year, values in VALUES.items():
        await seed_period(api, year)
        rows = [{"region": CHANGAN, "element": k, "value": v} for k, v in values.items()]
        rows.append({"region": CHANGAN, "element": "public_expenditure", "value": 100000})
        r = await api.post(f"/data/{year}", json={"values": rows})
        assert r.status_code == 200, r.text
    for type_, level, name, start, end in PLATFORMS:
        body = {"region": CHANGAN, "type": type_, "level": level, "name": name, "recognized_on": start}
        if end:
            body["revoked_on"] = end
        assert (await api.post("/platforms", json=body)).status_code == 201


TARGETS: list[dict[str, Any]] = [
    # 50 -> 90 over 2019-2023: the path is 70 in 2021; 75 is above it
    {**HTE, "comment": "on track"},
    # 300 -> 700: the path is 500 in 2021; 350 is below it
    {**HTE, "subject": "tech_smes", "threshold": 700, "comment": "at risk"},
    {**HTE, "threshold": 70, "by_year": 2021, "comment": "met"},
    # judged as of 2020, its target year: 320 < 400
    {**HTE, "subject": "tech_smes", "threshold": 400, "by_year": 2020, "comment": "missed"},
    # provincial or above in 2021: 甲 and the national one (乙 revoked, the municipal one too low)
    {
        **HTE,
        "kind": "count",
        "subject": "key_lab",
        "level": "provincial",
        "threshold": 2,
        "comment": "count met",
    },
    {**HTE, "kind": "count", "subject": "key_lab", "threshold": 4, "comment": "count any level"},
    # 1 % -> 1.5 % -> 1.4 %: fell in 2021
    {**HTE, "kind": "increase", "subject": "fiscal_st_share", "threshold": None, "comment": "increase"},
    {**HTE, "kind": "tier", "subject": "A", "threshold": None, "by_year": 2021, "comment": "tier missed"},
    {**HTE, "kind": "tier", "subject": "C", "threshold": None, "comment": "tier met"},
]


def by_comment(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["target"]["comment"]: i for i in items}


async def test_progress_statuses_with_concrete_numbers(api: httpx.AsyncClient) -> None:
    await seed_progress(api)
    for body in TARGETS:
        assert (await api.post("/targets", json=body)).status_code == 201, body
    r = await api.get("/targets/progress", params={"region": CHANGAN, "year": 2021})
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["year"], page["region"], page["total"]) == (2021, CHANGAN, len(TARGETS))
    got = by_comment(page["items"])

    def row(name: str, *keys: str) -> tuple[Any, ...]:
        return tuple(got[name][k] for k in keys)

    keys = ("as_of", "current", "goal", "base", "expected", "progress_pct", "status")
    assert row("on track", *keys) == (2021, 75, 90, 50, 70, 83.3, "on_track")
    assert got["on track"]["reason"] == "75 >= 70 on the path to 2023"
    assert row("at risk", *keys) == (2021, 350, 700, 300, 500, 50, "at_risk")
    assert row("met", *keys) == (2021, 75, 70, 50, None, 107.1, "met")
    assert row("missed", *keys) == (2020, 320, 400, 300, None, 80, "missed")
    assert got["missed"]["reason"] == "2020 passed: 320 < 400"
    assert row("count met", *keys) == (2021, 2, 2, 2, None, 100, "met")
    assert row("count any level", *keys) == (2021, 3, 4, 2, 3, 75, "on_track")
    inc = got["increase"]
    assert (inc["status"], inc["current"], inc["goal"], inc["progress_pct"]) == ("missed", 1.4, 1.5, 25)
    assert inc["years"] == [
        {"year": 2019, "value": 1, "increased": None},
        {"year": 2020, "value": 1.5, "increased": True},
        {"year": 2021, "value": 1.4, "increased": False},
    ]
    assert inc["reason"] == "no increase in 2021"
    tier_a, tier_c = got["tier missed"], got["tier met"]
    assert (tier_a["status"], tier_a["goal"], tier_a["current_tier"]) == ("missed", 80, "C")
    assert (tier_c["status"], tier_c["goal"], tier_c["current_tier"]) == ("met", 0, "C")
    assert tier_a["current"] == tier_c["current"] > 0

    # as of 2020 the increase target was on track, and the value one too (60 vs a path of 60)
    earlier = by_comment((await api.get("/targets/progress", params={"year": 2020})).json()["items"])
    assert (earlier["increase"]["status"], earlier["increase"]["reason"]) == (
        "on_track",
        "rose every year 2020-2020",
    )
    assert (earlier["on track"]["expected"], earlier["on track"]["status"]) == (60, "on_track")
    # 2019, the base year itself: no year to compare yet
    base = by_comment((await api.get("/targets/progress", params={"year": 2019})).json()["items"])
    assert (base["increase"]["status"], base["increase"]["reason"]) == ("on_track", "no year to compare yet")


async def test_progress_unknown_values_filters_and_missing_periods(api: httpx.AsyncClient) -> None:
    await seed_progress(api)
    hvs = {**HTE, "kind": "increase", "subject": "high_tech_value_added_share", "threshold": None}
    for body in (hvs, {**HTE, "subject": "invention_patents_per_10k", "threshold": 8}):
        assert (await api.post("/targets", json=body)).status_code == 201
    items = (await api.get("/targets/progress", params={"year": 2021, "region": SJZ})).json()["items"]
    assert [(i["target"]["subject"], i["status"], i["current"]) for i in items] == [
        ("high_tech_value_added_share", "at_risk", None),
        ("invention_patents_per_10k", "at_risk", None),
    ]
    assert items[1]["reason"] == "no value for 2021"
    only = (await api.get("/targets/progress", params={"year": 2021, "kind": "increase"})).json()
    assert only["total"] == 1 and only["items"][0]["target"]["kind"] == "increase"
    assert (await api.get("/targets/progress", params={"year": 2021, "region": QIAOXI})).json()["total"] == 0
    assert (
        "period 2030"
        in assert_problem(await api.get("/targets/progress", params={"year": 2030}), 404)["detail"]
    )
    assert_problem(await api.get("/targets/progress", params={"year": 2021, "region": "139999"}), 404)
    assert_problem(await api.get("/targets/progress"), 422)


async def test_progress_reads_a_published_year_from_its_snapshot(api: httpx.AsyncClient) -> None:
    await seed_progress(api)
    tid = (await api.post("/targets", json=HTE)).json()["id"]
    before = (await api.get("/targets/progress", params={"year": 2021})).json()["items"][0]
    assert (await api.post("/periods/2021/lock", json={"force": True, "reason": "test"})).status_code == 200
    after = (await api.get("/targets/progress", params={"year": 2021})).json()["items"][0]
    assert after == before and after["target"]["id"] == tid and after["current"] == 75


# ------------------------------------------------------------------------------- CLI import


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("INNOMON_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_cli_imports_the_shipped_changan_targets_idempotently(
    api: httpx.AsyncClient, engine: Engine, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_regions(api)
    assert cli.main(["targets", "import", "changan"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "targets: 18 created, 0 updated, 0 unchanged"
    assert (
        "[1/18] created" in err
        and "[18/18] created   130102 到 2025 年达到A类（第一梯队）或更好 / Tier A (first echelon) or better by 2025"
        in err
    )
    assert cli.main(["targets", "import", "changan"]) == 0
    assert capsys.readouterr().out.strip() == "targets: 0 created, 0 updated, 18 unchanged"
    listed = (await api.get("/targets", params={"region": CHANGAN})).json()
    assert listed["total"] == 18
    summary = {(t["kind"], t["subject"], t["level"], t["threshold"], t["by_year"]) for t in listed["items"]}
    assert {
        ("value", "high_tech_enterprises", None, 90, 2025),
        ("value", "rd_intensity", None, 1.5, 2025),
        ("count", "maker_space", "national", 2, 2025),
        ("count", "maker_space", "provincial", 5, 2025),
        ("count", "academician_workstation", None, 6, 2025),
        ("increase", "fiscal_st_share", None, None, 2025),
        ("tier", "B", None, None, 2020),
        ("tier", "A", None, None, 2025),
    } <= summary
    events = (await api.get("/audit", params={"actor": "system"})).json()["items"]
    assert sum(1 for e in events if e["entity"] == "target") == 18


async def test_cli_import_toml_updates_and_refuses_a_bad_file_whole(
    api: httpx.AsyncClient, engine: Engine, cli_env: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    await seed_regions(api)
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'region = "130102"\nbase_year = 2019\n'
        '[[targets]]\nkind = "value"\nsubject = "rd_intensity"\nthreshold = 1.5\nby_year = 2025\n'
        '[[targets]]\nkind = "tier"\nsubject = "B"\nby_year = 2020\n',
        encoding="utf-8",
    )
    assert cli.main(["targets", "import", str(plan)]) == 0
    assert capsys.readouterr().out.strip() == "targets: 2 created, 0 updated, 0 unchanged"
    plan.write_text(plan.read_text(encoding="utf-8").replace("1.5", "1.8"), encoding="utf-8")
    assert cli.main(["targets", "import", str(plan)]) == 0
    assert capsys.readouterr().out.strip() == "targets: 0 created, 1 updated, 1 unchanged"
    rd = (await api.get("/targets", params={"kind": "value"})).json()["items"][0]
    assert rd["threshold"] == 1.8

    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "region": CHANGAN,
                "base_year": 2019,
                "targets": [
                    {"kind": "value", "subject": "tech_smes", "threshold": 700, "by_year": 2025},
                    {"kind": "value", "subject": "nonsense", "threshold": 1, "by_year": 2025},
                    {
                        "kind": "count",
                        "subject": "key_lab",
                        "level": "cosmic",
                        "threshold": 2,
                        "by_year": "soon",
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    assert cli.main(["targets", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "targets[1].subject: unknown subject 'nonsense'" in err
    assert "targets[2].by_year: must be a whole number" in err
    assert target_rows(engine) == 2  # nothing of the bad file was written
    assert cli.main(["targets", "import", str(tmp_path / "absent.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
