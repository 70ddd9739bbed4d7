"""Integrity of what is stored and answered, on SQLite and PostgreSQL alike: values exact or
refused, a stored zero denominator never a 500, naive audit times, ASCII region codes, If-Match
after the body, PATCH nulls as the schema says, numbers as sent, reserved key names, audit years
of registry items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from app.config import Settings
from app.db.engine import session_scope, writer
from app.domain import InvalidInput
from app.main import create_app
from app.services import access, schemes
from tests.api.helpers import CHANGAN, HEBEI, QIAOXI, SJZ, XINHUA, assert_problem, seed_period, seed_regions

pytestmark = pytest.mark.reliability


@pytest.fixture
async def world(api: httpx.AsyncClient) -> httpx.AsyncClient:
    await seed_regions(api)
    await seed_period(api, 2019)
    await seed_period(api, 2020)
    return api


# ------------------------------------------------------------------------- exact values


async def test_a_tiny_value_is_refused_naming_the_field_the_value_and_the_precision(
    world: httpx.AsyncClient,
) -> None:
    r = await world.put(f"/data/2020/{CHANGAN}/public_expenditure", json={"value": 1e-11})
    body = assert_problem(r, 422)
    (err,) = body["errors"]
    assert err["field"] == "value"
    assert "1e-11" in err["reason"]
    assert "10 digits after the decimal point" in err["reason"] and "15 significant digits" in err["reason"]
    r = await world.post(
        "/data/2020", json={"values": [{"region": CHANGAN, "element": "public_expenditure", "value": 1e-11}]}
    )
    (err,) = assert_problem(r, 422)["errors"]
    assert (err["index"], err["field"]) == (0, "values[0].value") and "1e-11" in err["reason"]
    assert_problem(await world.get(f"/data/2020/{CHANGAN}/public_expenditure"), 404)


@pytest.mark.parametrize(
    ("sent", "read_back"),
    [
        ("1e-10", "1e-10"),  # the smallest step the column keeps, read back exactly
        ("123456789012.345", "123456789012.345"),  # 15 significant digits
        ("2.50", "2.5"),
        ("1e3", "1000"),  # numbers are written as people write them
        ("-0.0", "0"),  # minus zero is zero
    ],
)
async def test_a_value_within_the_precision_is_stored_and_read_back_exactly(
    world: httpx.AsyncClient, engine: Engine, sent: str, read_back: str
) -> None:
    url = f"/data/2020/{CHANGAN}/fiscal_st_expenditure"
    r = await world.put(url, content=f'{{"value": {sent}}}', headers={"content-type": "application/json"})
    assert r.status_code == 201, r.text
    got = await world.get(url)
    assert f'"value":{read_back},' in got.text  # the JSON text, so 1000 is not 1000.0, 0 not -0.0
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT value_number FROM data_value WHERE element = 'fiscal_st_expenditure'")
        ).scalar_one()
    assert Decimal(str(stored)) == Decimal(read_back) and not str(stored).startswith("-")


async def test_counts_read_back_as_json_integers(world: httpx.AsyncClient) -> None:
    r = await world.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 300})
    assert '"value":300,' in r.text
    for got in (
        await world.get(f"/data/2020/{CHANGAN}/tech_smes"),
        await world.get(f"/data/2020/{CHANGAN}"),
    ):
        assert '"value":300,' in got.text and "300.0" not in got.text
    # written the same way whatever the sender's notation: 3e2 is the count 300
    r = await world.put(
        f"/data/2020/{CHANGAN}/tech_smes",
        content='{"value": 3e2}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 200 and r.json()["status"] == "unchanged" and '"value":300,' in r.text


# ------------------------------------------------------------- a stored zero denominator


def _store_zero_denominator(engine: Engine) -> None:
    """A zero written straight into the table (as an earlier version, or a hand edit, left it)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO data_value (year, region_code, element, value_number, value_text, comment,"
                " source, updated_at) VALUES (2020, :r, 'public_expenditure', 0, NULL, NULL, 'system', :t)"
            ),
            {"r": CHANGAN, "t": datetime.now(UTC)},
        )
        conn.execute(text("UPDATE period SET data_version = data_version + 1"))


async def test_a_stored_zero_denominator_is_never_a_server_error(
    world: httpx.AsyncClient, engine: Engine
) -> None:
    for region, value in ((CHANGAN, 1200), (QIAOXI, 800), (XINHUA, 500)):
        r = await world.put(f"/data/2020/{region}/fiscal_st_expenditure", json={"value": value})
        assert r.status_code == 201, r.text
    for region in (QIAOXI, XINHUA):
        assert (
            await world.put(f"/data/2020/{region}/public_expenditure", json={"value": 100000})
        ).status_code == 201
    _store_zero_denominator(engine)

    b = await world.get(f"/scores/2020/{CHANGAN}")
    assert b.status_code == 200, b.text
    share = next(i for d in b.json()["dimensions"] for i in d["indicators"] if i["code"] == "fiscal_st_share")
    assert share["score"] == 0 and share["value"] is None
    assert share["missing_inputs"] == ["public_expenditure"]
    assert "is 0" in share["explanation"]["invalid_inputs"]["public_expenditure"]
    assert "public_expenditure" in b.json()["missing_by_department"]["finance"]
    # QIAOXI's share is 800 / 100000 x 100 = 0.8 %: between the knots 0.5 -> 4 and 1 -> 6,
    # 4 + 0.3 / 0.5 x 2 = 5.2 points; its breakdown is untouched by CHANGAN's zero
    q = (await world.get(f"/scores/2020/{QIAOXI}")).json()
    assert (
        next(i["score"] for d in q["dimensions"] for i in d["indicators"] if i["code"] == "fiscal_st_share")
        == 5.2
    )

    for url in (
        f"/scores/2020?parent={SJZ}",
        f"/scores/2020?parent={HEBEI}",
        "/scores/2020",
        "/rounds/2020/summary",
        f"/scores/2020/{CHANGAN}/gaps",
        f"/scores/2020/{CHANGAN}/departments",
        f"/regions/{CHANGAN}/trend",
        f"/regions/{QIAOXI}/trend",
        "/periods/2020/completeness",
    ):
        r = await world.get(url)
        assert r.status_code == 200, f"{url}: {r.status_code} {r.text[:300]}"
    r = await world.post(f"/scores/2020/{CHANGAN}/simulate", json={"values": {"tech_smes": 10}})
    assert r.status_code == 200, r.text
    # and the year can be published
    assert (await world.post("/periods/2020/lock", json={"force": True, "reason": "test"})).status_code == 200


# ---------------------------------------------------------------------------- audit times


async def test_audit_since_reads_a_naive_time_or_a_bare_date_as_china_standard_time(
    world: httpx.AsyncClient,
) -> None:
    events = (await world.get("/audit", params={"limit": 1000})).json()["items"]
    last = max(datetime.fromisoformat(e["at"]) for e in events)
    cst = last + timedelta(hours=8)  # the same instant on a clock in Hebei

    def naive(t: datetime) -> str:
        return t.replace(tzinfo=None).isoformat(timespec="seconds")

    before = await world.get("/audit", params={"since": naive(cst - timedelta(minutes=1))})
    assert before.status_code == 200, before.text
    assert before.json()["total"] >= 1  # read as UTC it would be 8 hours later, after every event
    after = await world.get("/audit", params={"since": naive(cst + timedelta(minutes=1))})
    assert after.status_code == 200 and after.json()["total"] == 0
    # a bare date is its midnight in Hebei
    today = await world.get("/audit", params={"since": cst.date().isoformat()})
    assert today.status_code == 200 and today.json()["total"] >= 1
    tomorrow = await world.get("/audit", params={"since": (cst.date() + timedelta(days=1)).isoformat()})
    assert tomorrow.status_code == 200 and tomorrow.json()["total"] == 0
    for since in ("2020-01-01T00:00:00", "2020-01-01", "0001-01-01T00:00:00", "9999-12-31T23:59:59-05:00"):
        assert (await world.get("/audit", params={"since": since})).status_code == 200, since
    for since in ("0.5", "1700000000", "2020-13-01", "yesterday"):
        body = assert_problem(await world.get("/audit", params={"since": since}), 422)
        assert body["errors"][0]["field"] == "since"


# -------------------------------------------------------------------------- region codes

NOT_ASCII = ["１３０１９８", "١٣٠١٩٨", "130１98"]


@pytest.mark.parametrize("code", NOT_ASCII)
async def test_region_codes_are_ascii_digits_everywhere(world: httpx.AsyncClient, code: str) -> None:
    body = {"code": code, "name_zh": "测试", "name_en": "Test", "level": "county", "parent_code": SJZ}
    assert assert_problem(await world.post("/regions", json=body), 422)["errors"][0]["field"] == "code"
    body = {**body, "code": "130198", "parent_code": code}
    assert_problem(await world.post("/regions", json=body), 422)
    for url in (f"/regions/{code}", f"/scores/2020/{code}", f"/data/2020/{code}"):
        assert_problem(await world.get(url), 422)
    for params in ({"region": code}, {"parent": code}):
        url = "/audit" if "region" in params else "/regions"
        assert_problem(await world.get(url, params=params), 422)
    assert_problem(await world.get("/platforms", params={"region": code}), 422)
    item = {
        "region": code,
        "type": "key_lab",
        "level": "provincial",
        "name": "x",
        "recognized_on": "2020-01-01",
    }
    assert_problem(await world.post("/platforms", json=item), 422)
    row = {"region": code, "element": "tech_smes", "value": 1}
    (err,) = assert_problem(await world.post("/data/2020", json={"values": [row]}), 422)["errors"]
    assert err["field"] == "values[0].region"


# ---------------------------------------------------------------------- If-Match and 412


async def test_a_delete_with_the_tag_of_a_value_that_is_gone_is_412(world: httpx.AsyncClient) -> None:
    url = f"/data/2020/{CHANGAN}/tech_smes"
    tag = (await world.put(url, json={"value": 10})).headers["etag"]
    assert (await world.delete(url, headers={"If-Match": tag})).status_code == 204
    assert_problem(await world.delete(url, headers={"If-Match": tag}), 412)
    assert_problem(await world.delete(url), 404)  # without a tag: plainly not found


@pytest.mark.parametrize("path", ["/platforms", "/awards"])
async def test_a_delete_or_patch_with_the_tag_of_an_item_that_is_gone_is_412(
    world: httpx.AsyncClient, path: str
) -> None:
    date_field = "recognized_on" if path == "/platforms" else "awarded_on"
    item = {
        "region": CHANGAN,
        "type": "key_lab" if path == "/platforms" else "project",
        "level": "provincial",
    }
    r = await world.post(path, json={**item, "name": "甲", date_field: "2020-05-01"})
    url, tag = f"{path}/{r.json()['id']}", r.headers["etag"]
    assert (await world.delete(url, headers={"If-Match": tag})).status_code == 204
    assert_problem(await world.delete(url, headers={"If-Match": tag}), 412)
    assert_problem(await world.patch(url, json={"name": "乙"}, headers={"If-Match": tag}), 412)
    assert_problem(await world.delete(url), 404)


async def test_the_body_is_checked_before_if_match(world: httpx.AsyncClient) -> None:
    stale = {"If-Match": '"stale"'}
    url = f"/data/2020/{CHANGAN}/tech_smes"
    await world.put(url, json={"value": 10})
    body = assert_problem(await world.put(url, json={"value": -1}, headers=stale), 422)
    assert body["errors"][0]["field"] == "value"
    assert_problem(await world.put(url, json={"value": 11}, headers=stale), 412)  # a valid body: 412

    r = await world.post(
        "/platforms",
        json={
            "region": CHANGAN,
            "type": "key_lab",
            "level": "provincial",
            "name": "甲",
            "recognized_on": "2019-01-01",
        },
    )
    item = f"/platforms/{r.json()['id']}"
    body = assert_problem(await world.patch(item, json={"type": "no_such_type"}, headers=stale), 422)
    assert body["errors"][0]["field"] == "type"
    assert_problem(await world.patch(item, json={"name": "乙"}, headers=stale), 412)

    body = assert_problem(
        await world.patch(f"/regions/{CHANGAN}", json={"parent_code": CHANGAN}, headers=stale), 422
    )
    assert body["errors"][0]["field"] == "parent_code"
    assert_problem(await world.patch(f"/regions/{CHANGAN}", json={"name_en": "X"}, headers=stale), 412)


# ------------------------------------------------------------------------ PATCH and null


def _allows_null(prop: dict[str, Any]) -> bool:
    return (
        prop.get("type") == "null"
        or any(alt.get("type") == "null" for alt in prop.get("anyOf", []))
        or "null" in (prop.get("type") if isinstance(prop.get("type"), list) else [])
    )


async def test_patch_null_does_what_the_schema_says(world: httpx.AsyncClient) -> None:
    schemas = create_app(Settings(database_url="sqlite://")).openapi()["components"]["schemas"]
    platform = (
        await world.post(
            "/platforms",
            json={
                "region": CHANGAN,
                "type": "key_lab",
                "level": "provincial",
                "name": "甲",
                "recognized_on": "2019-01-01",
                "revoked_on": "2024-01-01",
                "host_organisation": "某大学",
            },
        )
    ).json()
    award = (
        await world.post(
            "/awards",
            json={
                "region": CHANGAN,
                "type": "project",
                "level": "provincial",
                "name": "乙",
                "awarded_on": "2020-01-01",
            },
        )
    ).json()
    target = await world.post(
        "/targets",
        json={
            "region": CHANGAN,
            "kind": "value",
            "subject": "tech_smes",
            "threshold": 700,
            "by_year": 2025,
            "base_year": 2020,
            "comment": "plan",
        },
    )
    assert target.status_code == 201, target.text
    cases = {
        "RegionUpdate": f"/regions/{QIAOXI}",
        "PlatformPatch": f"/platforms/{platform['id']}",
        "AwardPatch": f"/awards/{award['id']}",
        "TargetPatch": f"/targets/{target.json()['id']}",
    }
    for schema, url in cases.items():
        for field, prop in schemas[schema]["properties"].items():
            r = await world.patch(url, json={field: None})
            if _allows_null(prop):
                # refused, if at all, for what null means there, not for being null
                assert r.status_code < 500 and "must not be null" not in r.text, f"{schema}.{field}: {r.text}"
            else:
                body = assert_problem(r, 422)
                assert body["errors"][0]["field"] == field, f"{schema}.{field}: {r.text}"
    # null clears what may be cleared
    got = (await world.get(f"/platforms/{platform['id']}")).json()
    assert got["revoked_on"] is None and got["host_organisation"] is None
    # and the schema says which: names and dates may not be null, a revocation may
    assert not _allows_null(schemas["PlatformPatch"]["properties"]["name"])
    assert not _allows_null(schemas["RegionUpdate"]["properties"]["name_zh"])
    assert _allows_null(schemas["PlatformPatch"]["properties"]["revoked_on"])


# ----------------------------------------------------------------------- reserved names


@pytest.mark.parametrize("name", ["system", "System", "demo", "bootstrap-admin"])
def test_a_key_cannot_take_a_name_the_service_uses_for_itself(engine: Engine, name: str) -> None:
    with session_scope(writer(engine)) as session:
        schemes.sync_builtin_schemes(session)
        scheme = schemes.get_scheme(session, "hebei-county-2019")
        with pytest.raises(InvalidInput) as exc:
            access.create_key(session, scheme, name, "admin")
        assert exc.value.problems[0].field == "name" and "reserved" in exc.value.problems[0].reason


# ---------------------------------------------------------------- audit years of registries


async def _events(api: httpx.AsyncClient, year: int, entity: str) -> list[dict[str, Any]]:
    r = await api.get("/audit", params={"year": year, "limit": 1000})
    assert r.status_code == 200, r.text
    return [e for e in r.json()["items"] if e["entity"] == entity]


async def test_audit_by_year_finds_platform_and_award_events_in_the_years_they_count(
    world: httpx.AsyncClient,
) -> None:
    # a platform recognised 2018-05-01, revoked 2021-03-01: it stands at the end of 2018, 2019
    # and 2020 (DESIGN.md: counted while revoked_on > Dec 31 of the year), not 2017 nor 2021
    p = await world.post(
        "/platforms",
        json={
            "region": CHANGAN,
            "type": "key_lab",
            "level": "provincial",
            "name": "甲",
            "recognized_on": "2018-05-01",
            "revoked_on": "2021-03-01",
        },
    )
    assert p.status_code == 201, p.text
    for year, expected in ((2017, 0), (2018, 1), (2020, 1), (2021, 0)):
        assert len(await _events(world, year, "platform")) == expected, year
    (event,) = await _events(world, 2019, "platform")
    assert (event["year_from"], event["year_to"]) == (2018, 2020)
    # an open-ended platform counts in every year from its recognition on
    await world.post(
        "/platforms",
        json={
            "region": CHANGAN,
            "type": "key_lab",
            "level": "national",
            "name": "乙",
            "recognized_on": "2019-12-31",
        },
    )
    assert len(await _events(world, 2100, "platform")) == 1
    # an award counts in its year; moving it to another year is an event of both
    a = await world.post(
        "/awards",
        json={
            "region": CHANGAN,
            "type": "project",
            "level": "provincial",
            "name": "丙",
            "awarded_on": "2019-06-01",
        },
    )
    assert [e["year"] for e in await _events(world, 2019, "award")] == [2019]
    assert await _events(world, 2020, "award") == []
    r = await world.patch(f"/awards/{a.json()['id']}", json={"awarded_on": "2020-06-01"})
    assert r.status_code == 200, r.text
    assert [e["action"] for e in await _events(world, 2020, "award")] == ["update"]
    assert [e["action"] for e in await _events(world, 2019, "award")] == ["create", "update"]


async def test_scheme_numbers_are_written_as_whole_numbers_when_whole(world: httpx.AsyncClient) -> None:
    listed = await world.get("/schemes")
    assert '"total":100,' in listed.text  # the Hebei scheme is out of 100 points (DESIGN.md)
    detail = await world.get("/schemes/hebei-county-2019")
    assert '"min_score":80}' in detail.text and '"weight":20,' in detail.text and ".0," not in detail.text
