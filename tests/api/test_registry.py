"""Platforms and awards over HTTP: create, re-send, clash, refuse, read, list, change, delete, and
what registry items do to a region's score."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.api.helpers import (
    CHANGAN,
    HEBEI,
    QIAOXI,
    SJZ,
    XINHUA,
    assert_problem,
    seed_period,
    seed_regions,
)


@dataclass(frozen=True)
class Kind:
    path: str
    date_field: str
    body: dict[str, Any]
    #: a change of a non-key field: sent with the same key, it must be refused with 409
    other_fields: dict[str, Any]


PLATFORM = Kind(
    "/platforms",
    "recognized_on",
    {
        "region": CHANGAN,
        "type": "key_lab",
        "level": "provincial",
        "name": "河北省新材料重点实验室",
        "recognized_on": "2018-06-01",
    },
    {"recognized_on": "2019-06-01"},
)
AWARD = Kind(
    "/awards",
    "awarded_on",
    {
        "region": CHANGAN,
        "type": "st_award",
        "level": "provincial",
        "name": "河北省科学技术进步奖",
        "awarded_on": "2020-07-01",
    },
    {"document_number": "冀政字〔2020〕1号"},
)
KINDS = [pytest.param(PLATFORM, id="platforms"), pytest.param(AWARD, id="awards")]


@pytest.fixture
async def regions(api: httpx.AsyncClient) -> httpx.AsyncClient:
    await seed_regions(api)
    return api


async def total(api: httpx.AsyncClient, path: str, **params: Any) -> int:
    r = await api.get(path, params=params)
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


async def ids(api: httpx.AsyncClient, path: str, **params: Any) -> list[int]:
    r = await api.get(path, params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"])
    return [item["id"] for item in body["items"]]


async def create(api: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await api.post(path, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def filter_cases(cases: list[tuple[dict[str, Any], str]]) -> list[Any]:
    """(list parameters, names of the expected items), each named by its parameters."""
    return [pytest.param(p, e, id="&".join(f"{k}={v}" for k, v in p.items()) or "none") for p, e in cases]


def fields_of(problem: dict[str, Any]) -> set[str]:
    return {e["field"] for e in problem.get("errors") or []}


# ------------------------------------------------------------------------------ create


@pytest.mark.parametrize("kind", KINDS)
async def test_create_returns_the_stored_item(regions: httpx.AsyncClient, kind: Kind) -> None:
    api = regions
    r = await api.post(kind.path, json=kind.body)
    assert r.status_code == 201, r.text
    assert r.headers["content-type"].startswith("application/json")
    item = r.json()
    assert isinstance(item["id"], int)
    assert {k: item[k] for k in kind.body} == kind.body
    assert item["document_number"] is None
    if kind is PLATFORM:
        assert item["revoked_on"] is None and item["host_organisation"] is None
    got = await api.get(f"{kind.path}/{item['id']}")
    assert got.status_code == 200 and got.json() == item
    assert await ids(api, kind.path) == [item["id"]]


@pytest.mark.parametrize("kind", KINDS)
async def test_identical_resend_returns_200_and_the_same_item(regions: httpx.AsyncClient, kind: Kind) -> None:
    api = regions
    first = await create(api, kind.path, kind.body)
    again = await api.post(kind.path, json=kind.body)
    assert again.status_code == 200, again.text
    assert again.json() == first
    assert await total(api, kind.path) == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_same_key_with_other_fields_is_a_conflict(regions: httpx.AsyncClient, kind: Kind) -> None:
    api = regions
    first = await create(api, kind.path, kind.body)
    r = await api.post(kind.path, json={**kind.body, **kind.other_fields})
    assert_problem(r, 409)
    assert await total(api, kind.path) == 1
    assert (await api.get(f"{kind.path}/{first['id']}")).json() == first


async def test_an_award_of_the_same_name_on_another_date_is_another_award(
    regions: httpx.AsyncClient,
) -> None:
    api = regions
    first = await create(api, "/awards", AWARD.body)
    second = await create(api, "/awards", {**AWARD.body, "awarded_on": "2021-07-01"})
    assert second["id"] != first["id"]
    assert await total(api, "/awards") == 2


REFUSED_CREATES = [
    # (kind, change to the valid body, the field the problem must name)
    (PLATFORM, {"type": "science_park"}, "type"),
    (AWARD, {"type": "key_lab"}, "type"),
    (PLATFORM, {"level": "county"}, "level"),
    (AWARD, {"level": "international"}, "level"),
    (PLATFORM, {"region": "139999"}, "region"),
    (AWARD, {"region": "139999"}, "region"),
    (PLATFORM, {"revoked_on": "2018-05-31"}, "revoked_on"),
    (PLATFORM, {"recognized_on": "2020/01/01"}, "recognized_on"),
    (AWARD, {"awarded_on": "2020/01/01"}, "awarded_on"),
    (PLATFORM, {"recognized_on": 20200101}, "recognized_on"),
    (AWARD, {"awarded_on": 20200101}, "awarded_on"),
    (PLATFORM, {"recognized_on": "2020-02-30"}, "recognized_on"),
    (PLATFORM, {"region": "1301"}, "region"),
    (AWARD, {"name": ""}, "name"),
    (PLATFORM, {"owner": "someone"}, "owner"),
]


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        pytest.param(
            kind,
            change,
            field,
            id=f"{kind.path[1:]}-{field}={next(iter(change.values()))!r}",
        )
        for kind, change, field in REFUSED_CREATES
    ],
)
async def test_invalid_item_is_refused_naming_the_field(
    regions: httpx.AsyncClient, kind: Kind, change: dict[str, Any], field: str
) -> None:
    api = regions
    r = await api.post(kind.path, json={**kind.body, **change})
    problem = assert_problem(r, 422)
    assert fields_of(problem) == {field}, problem
    assert await total(api, kind.path) == 0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("missing", ["region", "type", "level", "name", "date"])
async def test_missing_field_is_refused(regions: httpx.AsyncClient, kind: Kind, missing: str) -> None:
    api = regions
    missing = kind.date_field if missing == "date" else missing
    body = {k: v for k, v in kind.body.items() if k != missing}
    problem = assert_problem(await api.post(kind.path, json=body), 422)
    assert missing in fields_of(problem)
    assert await total(api, kind.path) == 0


# ------------------------------------------------------------------------ read, change, delete


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_unknown_id_is_404(regions: httpx.AsyncClient, kind: Kind, method: str) -> None:
    api = regions
    body = {"name": "x"} if method == "PATCH" else None
    r = await api.request(method, f"{kind.path}/4242", json=body)
    assert_problem(r, 404)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("item_id", ["0", "-1", "abc", str(2**31)])
async def test_malformed_id_is_422(regions: httpx.AsyncClient, kind: Kind, item_id: str) -> None:
    problem = assert_problem(await regions.get(f"{kind.path}/{item_id}"), 422)
    assert fields_of(problem) == {"item_id"}


@pytest.mark.parametrize("kind", KINDS)
async def test_patch_changes_only_the_fields_sent(regions: httpx.AsyncClient, kind: Kind) -> None:
    api = regions
    item = await create(api, kind.path, kind.body)
    r = await api.patch(
        f"{kind.path}/{item['id']}", json={"name": "新名称", "document_number": "冀科〔2021〕9号"}
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["name"] == "新名称" and changed["document_number"] == "冀科〔2021〕9号"
    unchanged = {k: v for k, v in item.items() if k not in ("name", "document_number", "updated_at")}
    assert {k: changed[k] for k in unchanged} == unchanged
    assert changed["updated_at"] > item["updated_at"]
    assert (await api.get(f"{kind.path}/{item['id']}")).json() == changed


REFUSED_PATCHES = [
    # (kind, patch, status, the field a 422 must name)
    (PLATFORM, {"type": "nope"}, 422, "type"),
    (AWARD, {"level": "county"}, 422, "level"),
    (PLATFORM, {"region": "139999"}, 422, "region"),
    (AWARD, {"region": "139999"}, 422, "region"),
    (PLATFORM, {"revoked_on": "2018-05-31"}, 422, "revoked_on"),
    (PLATFORM, {"recognized_on": "2020/01/01"}, 422, "recognized_on"),
    (AWARD, {"awarded_on": 20200101}, 422, "awarded_on"),
    (PLATFORM, {"id": 99}, 422, "id"),
]


@pytest.mark.parametrize(
    ("kind", "patch", "status", "field"),
    [pytest.param(k, p, s, f, id=f"{k.path[1:]}-{next(iter(p))}") for k, p, s, f in REFUSED_PATCHES],
)
async def test_refused_patch_changes_nothing(
    regions: httpx.AsyncClient, kind: Kind, patch: dict[str, Any], status: int, field: str
) -> None:
    api = regions
    item = await create(api, kind.path, kind.body)
    problem = assert_problem(await api.patch(f"{kind.path}/{item['id']}", json=patch), status)
    assert fields_of(problem) == {field}, problem
    assert (await api.get(f"{kind.path}/{item['id']}")).json() == item


@pytest.mark.parametrize("kind", KINDS)
async def test_patch_onto_another_items_key_is_a_conflict(regions: httpx.AsyncClient, kind: Kind) -> None:
    api = regions
    first = await create(api, kind.path, kind.body)
    second = await create(api, kind.path, {**kind.body, "name": "另一项"})
    r = await api.patch(f"{kind.path}/{second['id']}", json={"name": first["name"]})
    assert_problem(r, 409)
    assert (await api.get(f"{kind.path}/{second['id']}")).json() == second


@pytest.mark.parametrize("kind", KINDS)
async def test_patch_a_required_date_to_null_is_refused(regions: httpx.AsyncClient, kind: Kind) -> None:
    api = regions
    item = await create(api, kind.path, kind.body)
    r = await api.patch(f"{kind.path}/{item['id']}", json={kind.date_field: None})
    problem = assert_problem(r, 422)
    assert fields_of(problem) == {kind.date_field}
    assert (await api.get(f"{kind.path}/{item['id']}")).json() == item


@pytest.mark.parametrize("kind", KINDS)
async def test_patch_name_to_null_is_refused(regions: httpx.AsyncClient, kind: Kind) -> None:
    api = regions
    item = await create(api, kind.path, kind.body)
    problem = assert_problem(await api.patch(f"{kind.path}/{item['id']}", json={"name": None}), 422)
    assert fields_of(problem) == {"name"}
    assert (await api.get(f"{kind.path}/{item['id']}")).json() == item


@pytest.mark.parametrize("kind", KINDS)
async def test_delete_removes_the_item(regions: httpx.AsyncClient, kind: Kind) -> None:
    api = regions
    keep = await create(api, kind.path, kind.body)
    gone = await create(api, kind.path, {**kind.body, "name": "将被删除"})
    r = await api.delete(f"{kind.path}/{gone['id']}")
    assert r.status_code == 204 and r.content == b""
    assert_problem(await api.get(f"{kind.path}/{gone['id']}"), 404)
    assert_problem(await api.delete(f"{kind.path}/{gone['id']}"), 404)
    assert await ids(api, kind.path) == [keep["id"]]


# ------------------------------------------------------------------------------------ lists


async def seed_platforms(api: httpx.AsyncClient) -> dict[str, int]:
    """Platforms across the tree with recognition and revocation dates around 2019/2020."""
    rows = {
        # name: (region, type, level, recognized_on, revoked_on)
        "changan-lab": (CHANGAN, "key_lab", "provincial", "2018-06-01", None),
        "changan-centre-dec31": (CHANGAN, "enterprise_tech_center", "national", "2020-12-31", None),
        "qiaoxi-incubator": (QIAOXI, "incubator", "municipal", "2019-03-01", "2020-12-31"),
        "qiaoxi-lab-revoked-2021": (QIAOXI, "key_lab", "national", "2019-01-01", "2021-01-01"),
        "xinhua-lab-2021": (XINHUA, "key_lab", "provincial", "2021-01-01", None),
        "city-zone": (SJZ, "high_tech_zone", "national", "2015-05-05", None),
        "province-lab": (HEBEI, "key_lab", "provincial", "2010-01-01", "2019-12-31"),
    }
    out = {}
    for name, (region, type_, level, recognized, revoked) in rows.items():
        body = {"region": region, "type": type_, "level": level, "name": name}
        body["recognized_on"] = recognized
        if revoked is not None:
            body["revoked_on"] = revoked
        out[name] = (await create(api, "/platforms", body))["id"]
    return out


@pytest.mark.parametrize(
    ("params", "expected"),
    filter_cases(
        [
            (
                {},
                "changan-lab changan-centre-dec31 qiaoxi-incubator qiaoxi-lab-revoked-2021 "
                "xinhua-lab-2021 city-zone province-lab",
            ),
            (
                {"region": HEBEI},
                "changan-lab changan-centre-dec31 qiaoxi-incubator "
                "qiaoxi-lab-revoked-2021 xinhua-lab-2021 city-zone province-lab",
            ),
            (
                {"region": SJZ},
                "changan-lab changan-centre-dec31 qiaoxi-incubator "
                "qiaoxi-lab-revoked-2021 xinhua-lab-2021 city-zone",
            ),
            ({"region": QIAOXI}, "qiaoxi-incubator qiaoxi-lab-revoked-2021"),
            ({"type": "key_lab"}, "changan-lab qiaoxi-lab-revoked-2021 xinhua-lab-2021 province-lab"),
            ({"level": "national"}, "changan-centre-dec31 qiaoxi-lab-revoked-2021 city-zone"),
            ({"level": "municipal"}, "qiaoxi-incubator"),
            ({"region": SJZ, "type": "key_lab", "level": "provincial"}, "changan-lab xinhua-lab-2021"),
            # recognised by Dec 31 and not revoked on or before Dec 31
            ({"active_in": 2019}, "changan-lab qiaoxi-incubator qiaoxi-lab-revoked-2021 city-zone"),
            ({"active_in": 2020}, "changan-lab changan-centre-dec31 qiaoxi-lab-revoked-2021 city-zone"),
            ({"active_in": 2021}, "changan-lab changan-centre-dec31 xinhua-lab-2021 city-zone"),
            ({"active_in": 2009}, ""),
            ({"active_in": 2020, "region": QIAOXI}, "qiaoxi-lab-revoked-2021"),
            ({"type": "science_park"}, ""),
        ]
    ),
)
async def test_platform_list_filters(
    regions: httpx.AsyncClient, params: dict[str, Any], expected: str
) -> None:
    api = regions
    by_name = await seed_platforms(api)
    want = sorted(by_name[n] for n in expected.split())
    assert await ids(api, "/platforms", **params) == want


@pytest.mark.parametrize(
    ("params", "expected"),
    filter_cases(
        [
            ({"active_in": 2020}, "jan1 dec31 qiaoxi-2020"),
            ({"active_in": 2019}, "dec31-2019"),
            ({"active_in": 2021}, "jan1-2021"),
            ({"region": CHANGAN}, "jan1 dec31 dec31-2019 jan1-2021"),
            ({"region": SJZ, "active_in": 2020}, "jan1 dec31 qiaoxi-2020"),
            ({"type": "commendation"}, "dec31 qiaoxi-2020"),
            ({"level": "municipal"}, "qiaoxi-2020"),
        ]
    ),
)
async def test_award_list_filters(regions: httpx.AsyncClient, params: dict[str, Any], expected: str) -> None:
    api = regions
    rows = {
        "jan1": (CHANGAN, "project", "national", "2020-01-01"),
        "dec31": (CHANGAN, "commendation", "provincial", "2020-12-31"),
        "dec31-2019": (CHANGAN, "project", "provincial", "2019-12-31"),
        "jan1-2021": (CHANGAN, "st_award", "national", "2021-01-01"),
        "qiaoxi-2020": (QIAOXI, "commendation", "municipal", "2020-06-30"),
    }
    by_name = {}
    for name, (region, type_, level, awarded) in rows.items():
        body = {"region": region, "type": type_, "level": level, "name": name, "awarded_on": awarded}
        by_name[name] = (await create(api, "/awards", body))["id"]
    want = sorted(by_name[n] for n in expected.split())
    assert await ids(api, "/awards", **params) == want


@pytest.mark.parametrize("kind", KINDS)
async def test_list_pages_with_limit_and_offset(regions: httpx.AsyncClient, kind: Kind) -> None:
    api = regions
    made = [(await create(api, kind.path, {**kind.body, "name": f"第{i}项"}))["id"] for i in range(5)]
    r = await api.get(kind.path, params={"limit": 2, "offset": 1})
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 1)
    assert [i["id"] for i in page["items"]] == made[1:3]
    r = await api.get(kind.path, params={"limit": 2, "offset": 4})
    assert [i["id"] for i in r.json()["items"]] == made[4:] and r.json()["total"] == 5
    r = await api.get(kind.path, params={"offset": 10})
    assert r.json()["items"] == [] and r.json()["total"] == 5


@pytest.mark.parametrize("kind", KINDS)
async def test_list_of_an_unknown_region_is_404(regions: httpx.AsyncClient, kind: Kind) -> None:
    assert_problem(await regions.get(kind.path, params={"region": "139999"}), 404)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("limit", 0),
        ("limit", 1001),
        ("offset", -1),
        ("active_in", 1948),
        ("active_in", "2020a"),
        ("region", "13010"),
    ],
)
async def test_bad_list_parameter_is_422(
    regions: httpx.AsyncClient, kind: Kind, param: str, value: Any
) -> None:
    problem = assert_problem(await regions.get(kind.path, params={param: value}), 422)
    assert fields_of(problem) == {param}


# ------------------------------------------------------------------------------------ scores


async def indicator(api: httpx.AsyncClient, code: str, year: int = 2020) -> tuple[float, float]:
    """(indicator score, total) of 长安区 for the year."""
    r = await api.get(f"/scores/{year}/{CHANGAN}")
    assert r.status_code == 200, r.text
    b = r.json()
    scores = {i["code"]: i["score"] for d in b["dimensions"] for i in d["indicators"]}
    return scores[code], b["total"]


async def test_a_platform_changes_the_score_until_it_is_revoked(
    regions: httpx.AsyncClient,
) -> None:
    api = regions
    await seed_period(api, 2020)
    assert await indicator(api, "innovation_platforms") == (0, 0)
    lab = await create(
        api, "/platforms", {**PLATFORM.body, "level": "provincial", "recognized_on": "2020-05-01"}
    )
    assert await indicator(api, "innovation_platforms") == (1, 1)
    r = await api.patch(f"/platforms/{lab['id']}", json={"revoked_on": "2020-12-31"})
    assert r.status_code == 200, r.text
    assert await indicator(api, "innovation_platforms") == (0, 0)
    r = await api.patch(f"/platforms/{lab['id']}", json={"revoked_on": "2021-01-01"})
    assert r.status_code == 200, r.text
    assert await indicator(api, "innovation_platforms") == (1, 1)
    r = await api.patch(f"/platforms/{lab['id']}", json={"level": "national"})
    assert r.status_code == 200, r.text
    assert await indicator(api, "innovation_platforms") == (2, 2)
    assert (await api.delete(f"/platforms/{lab['id']}")).status_code == 204
    assert await indicator(api, "innovation_platforms") == (0, 0)


async def test_items_outside_the_year_do_not_score(regions: httpx.AsyncClient) -> None:
    api = regions
    await seed_period(api, 2020)
    assert await indicator(api, "innovation_platforms") == (0, 0)
    await create(api, "/platforms", {**PLATFORM.body, "recognized_on": "2021-01-01"})
    await create(api, "/awards", {**AWARD.body, "awarded_on": "2019-12-31"})
    assert await indicator(api, "innovation_platforms") == (0, 0)
    assert await indicator(api, "higher_level_support") == (0, 0)


async def test_an_award_changes_the_score_of_its_year(regions: httpx.AsyncClient) -> None:
    api = regions
    await seed_period(api, 2020)
    await seed_period(api, 2021)
    assert await indicator(api, "higher_level_support") == (0, 0)
    award = await create(api, "/awards", AWARD.body)  # provincial S&T award, 2 points
    assert await indicator(api, "higher_level_support") == (2, 2)
    r = await api.patch(f"/awards/{award['id']}", json={"awarded_on": "2021-01-01"})
    assert r.status_code == 200, r.text
    assert await indicator(api, "higher_level_support") == (0, 0)
    assert await indicator(api, "higher_level_support", 2021) == (2, 2)


@pytest.mark.parametrize(
    ("path", "body", "code", "points"),
    [
        ("/platforms", {"type": "key_lab", "recognized_on": "2019-01-01"}, "innovation_platforms", 0),
        ("/platforms", {"type": "incubator", "recognized_on": "2019-01-01"}, "service_institutions", 0),
        ("/platforms", {"type": "high_tech_zone", "recognized_on": "2019-01-01"}, "parks_and_bases", 0),
        ("/awards", {"type": "project", "awarded_on": "2020-03-01"}, "higher_level_support", 0),
        # the one municipal item that scores (通报表彰, municipal 1)
        ("/awards", {"type": "commendation", "awarded_on": "2020-03-01"}, "higher_level_support", 1),
    ],
    ids=["key_lab", "incubator", "high_tech_zone", "project", "commendation"],
)
async def test_municipal_items_are_stored_and_score_as_the_scheme_says(
    regions: httpx.AsyncClient, path: str, body: dict[str, Any], code: str, points: int
) -> None:
    api = regions
    await seed_period(api, 2020)
    item = await create(api, path, {"region": CHANGAN, "level": "municipal", "name": "市级项目", **body})
    assert item["level"] == "municipal"
    assert await ids(api, path, level="municipal", region=CHANGAN) == [item["id"]]
    assert await indicator(api, code) == (points, points)
