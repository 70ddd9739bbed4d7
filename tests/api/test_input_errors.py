"""Errors a clerk understands: one problem type for every input error, each error naming the field
as a JSON path, what was received, and why in Chinese and in English; no pydantic or regex wording.
Each test is a finding of the issue on front-end and clerk use (the old answer in its docstring)."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.api.helpers import CHANGAN, assert_problem, seed_period, seed_regions
from tests.conftest import ADMIN_TOKEN, ROOT

JSON = {"content-type": "application/json"}
#: words of the validation library and its patterns that reached clients before
LIBRARY_WORDING = re.compile(
    r"Input should|valid dictionary|String should|should match pattern|Value error|Extra inputs|"
    r"\^\[0-9\]|\{6\}\$|unable to parse|type=|pydantic",
)
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
async def ready(api: httpx.AsyncClient) -> httpx.AsyncClient:
    await seed_regions(api)
    await seed_period(api, 2020)
    return api


def invalid(r: httpx.Response) -> dict:
    """The body of a 422 input error, with the checks every one must pass."""
    body = assert_problem(r, 422)
    assert body["type"] == "/problems/invalid-input", body
    assert not LIBRARY_WORDING.search(r.text), r.text
    for e in body["errors"]:
        assert {"field", "received", "reason", "reason_zh"} <= set(e), e
        assert CJK.search(e["reason_zh"]), e
    return body


async def test_malformed_json_names_the_body_with_line_and_column(ready: httpx.AsyncClient) -> None:
    """Before: field "25" (a character offset), reason "JSON decode error"."""
    raw = b'{"value": 1,\n "comment": x}'  # the x is on line 2, column 13 (counted by hand)
    r = await ready.put(f"/data/2020/{CHANGAN}/tech_smes", content=raw, headers=JSON)
    (err,) = invalid(r)["errors"]
    assert err["field"] == "body"
    assert err["position"] == {"line": 2, "column": 13}
    assert "line 2, column 13" in err["reason"] and "第 2 行第 13 列" in err["reason_zh"]


async def test_a_top_level_array_is_told_the_body_must_be_an_object(ready: httpx.AsyncClient) -> None:
    """Before: "Input should be a valid dictionary or object to extract fields from"."""
    (err,) = invalid(await ready.post("/regions", content=b"[1, 2]", headers=JSON))["errors"]
    assert err["field"] == "body" and err["received"] == [1, 2]
    assert err["reason"] == "the body must be a JSON object ({...})"
    assert err["reason_zh"] == "请求体必须是 JSON 对象（{...}）"


async def test_a_region_sent_as_a_number_must_be_written_as_a_string(ready: httpx.AsyncClient) -> None:
    """Before: "unknown region 130102" (bulk) and "Input should be a valid string" (regions)."""
    expected = 'must be a 6-digit GB/T 2260 division code written as a string, e.g. "130102"'
    row = {"region": 130102, "element": "tech_smes", "value": 1}
    (err,) = invalid(await ready.post("/data/2020", json={"values": [row]}))["errors"]
    assert (err["index"], err["field"], err["received"]) == (0, "values[0].region", 130102)
    assert err["reason"] == expected
    assert err["reason_zh"] == '必须是以字符串书写的 6 位 GB/T 2260 行政区划代码，例如 "130102"'
    body = {"code": 130199, "name_zh": "某区", "name_en": "X", "level": "county", "parent_code": "130100"}
    (err,) = invalid(await ready.post("/regions", json=body))["errors"]
    assert (err["field"], err["received"], err["reason"]) == ("code", 130199, expected)


async def test_a_path_region_of_chinese_characters_gets_no_regex(ready: httpx.AsyncClient) -> None:
    """Before: "String should match pattern '^[0-9]{6}$'"."""
    for url in ("/regions/长安区", "/scores/2020/长安区", "/data/2020/长安区"):
        (err,) = invalid(await ready.get(url))["errors"]
        assert err["received"] == "长安区"
        assert "6-digit GB/T 2260 division code" in err["reason"]
        assert "6 位 GB/T 2260 行政区划代码" in err["reason_zh"]


@pytest.mark.parametrize(
    ("element", "sent", "reason", "reason_zh"),
    [
        (
            "tech_smes",
            "1，000",
            "'1，000' is text with thousands separators: send the number without them, e.g. 1000",
            "'1，000' 是带千位分隔符的文本：请发送不带分隔符的数字，例如 1000",
        ),
        (
            "fiscal_st_expenditure",
            "3,000.5",
            "'3,000.5' is text with thousands separators: send the number without them, e.g. 3000.5",
            "'3,000.5' 是带千位分隔符的文本：请发送不带分隔符的数字，例如 3000.5",
        ),
        (
            "agri_industrialization_rate",
            "12%",
            "'12%' is text with a percent sign: send the number alone, e.g. 12 for 12 %",
            "'12%' 是带百分号的文本：请只发送数字，例如 12% 发送 12",
        ),
        ("tech_smes", "许多", "'许多' is not a number", "'许多' 不是数字"),
    ],
)
async def test_a_number_sent_as_text_echoes_it_and_says_why(
    ready: httpx.AsyncClient, element: str, sent: str, reason: str, reason_zh: str
) -> None:
    """Before: "must be a number", without what was received."""
    (err,) = invalid(await ready.put(f"/data/2020/{CHANGAN}/{element}", json={"value": sent}))["errors"]
    assert (err["field"], err["received"], err["reason"], err["reason_zh"]) == (
        "value",
        sent,
        reason,
        reason_zh,
    )
    row = {"region": CHANGAN, "element": element, "value": sent}
    (err,) = invalid(await ready.post("/data/2020", json={"values": [row, row][:1]}))["errors"]
    assert (err["field"], err["received"], err["reason"]) == ("values[0].value", sent, reason)


@pytest.mark.parametrize(
    ("headers", "content", "named"),
    [
        (
            {"content-type": "application/x-www-form-urlencoded"},
            b"value=1",
            "application/x-www-form-urlencoded",
        ),
        ({"content-type": "text/plain"}, b'{"value": 1}', "text/plain"),
        ({}, b'{"value": 1}', "without a Content-Type"),
    ],
)
async def test_a_body_that_is_not_declared_json_is_415_naming_the_type(
    ready: httpx.AsyncClient, headers: dict[str, str], content: bytes, named: str
) -> None:
    """Before: a form body was "Input should be a valid dictionary", with no word of Content-Type."""
    r = await ready.put(f"/data/2020/{CHANGAN}/tech_smes", content=content, headers=headers)
    body = assert_problem(r, 415)
    assert body["type"] == "/problems/unsupported-media-type"
    assert "Content-Type: application/json" in body["detail"] and named in body["detail"]
    assert (await ready.get(f"/data/2020/{CHANGAN}/tech_smes")).status_code == 404
    # the same body declared as JSON (with a charset parameter) is accepted
    ok = await ready.put(
        f"/data/2020/{CHANGAN}/tech_smes",
        content=b'{"value": 1}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert ok.status_code == 201, ok.text


async def test_every_input_error_has_one_type_and_names_its_former_one(ready: httpx.AsyncClient) -> None:
    """Before: three types (invalid-request, invalid-input, invalid-rows) for the same kind of error."""
    request_form = invalid(await ready.post("/regions", json={"code": "x"}))
    assert request_form["former_type"] == "/problems/invalid-request"
    rows = invalid(
        await ready.post(
            "/data/2020", json={"values": [{"region": CHANGAN, "element": "tech_smes", "value": -1}]}
        )
    )
    assert rows["former_type"] == "/problems/invalid-rows"
    value = invalid(await ready.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": -1}))
    assert "former_type" not in value  # it was invalid-input already
    nul = invalid(await ready.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 1, "comment": "a\x00"}))
    assert nul["former_type"] == "/problems/invalid-request"


async def test_pydantic_wording_never_reaches_a_client(ready: httpx.AsyncClient) -> None:
    """A sweep of requests that fail the request's form; `invalid` checks each answer's wording."""
    long_name = "长" * 201
    cases = [
        ("POST", "/regions", {"code": "13010x", "name_zh": "", "name_en": "b", "level": "town", "extra": 1}),
        ("POST", "/regions", {"code": "130199", "name_zh": long_name, "name_en": "b", "level": "county"}),
        ("POST", "/regions", {"name_zh": 5, "name_en": None, "level": 3}),
        ("PUT", "/periods/abc", {"scheme": "hebei-county-2019"}),
        ("PUT", "/periods/1800", {"scheme": "hebei-county-2019"}),
        ("POST", "/data/2020", {"values": "all of them"}),
        ("POST", "/data/2020", {"values": [1, 2]}),
        (
            "POST",
            "/data/2020",
            {"values": [{"region": CHANGAN, "element": "tech_smes", "value": 1}], "dry_run": [1]},
        ),
        ("POST", "/platforms", {"region": CHANGAN, "type": "key_lab", "level": "provincial", "name": "x"}),
        ("GET", "/scores/2020?limit=abc", None),
        ("GET", "/scores/2020?limit=-1", None),
        ("GET", "/regions?level=town", None),
    ]
    for method, url, body in cases:
        r = await ready.request(method, url, json=body)
        problem = invalid(r)
        assert problem["errors"], (url, r.text)
    # received text is cut to 100 characters
    r = await ready.post(
        "/regions", json={"code": "130199", "name_zh": long_name, "name_en": "b", "level": "county"}
    )
    (err,) = invalid(r)["errors"]
    assert err["field"] == "name_zh" and err["received"] == "长" * 100 + "…"
    assert err["reason"] == "must have at most 100 characters"  # RegionCreate allows 100


async def test_an_authorization_header_without_bearer_gets_its_own_message(api: httpx.AsyncClient) -> None:
    """Before: "this request needs an API key", as if no header had been sent."""
    bare = {"Authorization": ADMIN_TOKEN}
    for r in (
        await api.get("/regions", headers=bare),
        await api.post("/regions", json={"code": "130000"}, headers=bare),  # refused before the body is read
    ):
        body = assert_problem(r, 401)
        assert "must read 'Bearer <token>'" in body["detail"]
        assert ADMIN_TOKEN not in r.text  # the key is not echoed
    r = await api.get("/regions", headers={"Authorization": ""})
    assert "needs an API key" in assert_problem(r, 401)["detail"]
    r = await api.get("/regions", headers={"Authorization": "Bearer "})
    assert "no key after it" in assert_problem(r, 401)["detail"]


async def test_the_value_limit_is_written_in_plain_digits(ready: httpx.AsyncClient) -> None:
    """Before: "must not exceed 1E+12"."""
    r = await ready.put(f"/data/2020/{CHANGAN}/fiscal_st_expenditure", json={"value": 2_000_000_000_000})
    (err,) = invalid(r)["errors"]
    assert err["reason"] == "must not exceed 1000000000000" and err["reason_zh"] == "不能超过 1000000000000"
    assert err["received"] == 2_000_000_000_000


async def test_the_readme_error_example_is_what_the_service_answers(ready: httpx.AsyncClient) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## For front-end developers") :]
    block = re.search(r"```json\n(.*?)```", section, re.S)
    assert block is not None
    documented = json.loads(block.group(1))
    row = {"region": CHANGAN, "element": "tech_smes", "value": "1，000"}
    answer = invalid(await ready.post("/data/2020", json={"values": [row]}))
    assert {k: answer[k] for k in documented} == documented


async def test_a_body_not_in_utf8_or_missing_is_named(ready: httpx.AsyncClient) -> None:
    gbk = '{"value": 1, "comment": "长安"}'.encode("gb18030")
    (err,) = invalid(await ready.put(f"/data/2020/{CHANGAN}/tech_smes", content=gbk, headers=JSON))["errors"]
    assert err["field"] == "body" and err["reason"].endswith("send JSON encoded as UTF-8")
    assert err["reason_zh"] == "无法读取（请以 UTF-8 编码发送 JSON）"
    (err,) = invalid(await ready.post("/regions", content=b"", headers=JSON))["errors"]
    assert (err["field"], err["reason"]) == ("body", "the body is missing: send a JSON object ({...})")


async def test_the_domain_s_own_reasons_come_in_chinese_too(ready: httpx.AsyncClient) -> None:
    """Reasons written by the services and the domain (not the request's form) get a Chinese
    sentence as well: `invalid` checks each `reason_zh` holds Chinese."""
    cases = [
        (
            "POST",
            "/regions",
            {"code": "130108", "name_zh": "x", "name_en": "x", "level": "province", "parent_code": "130100"},
        ),
        ("PUT", "/periods/2021", {"scheme": "nope"}),
        (
            "POST",
            "/platforms",
            {
                "region": CHANGAN,
                "type": "castle",
                "level": "county",
                "name": "x",
                "recognized_on": "2020-01-01",
            },
        ),
        (
            "POST",
            "/awards",
            {
                "region": CHANGAN,
                "type": "project",
                "level": "national",
                "name": "x",
                "awarded_on": "2020-02-30",
            },
        ),
        ("PUT", f"/data/2020/{CHANGAN}/st_admin_body", {"value": "committee"}),
        ("PUT", f"/data/2020/{CHANGAN}/st_management_innovation_score", {"value": 7}),
        ("PUT", f"/data/2020/{CHANGAN}/registered_enterprises", {"value": 0}),
        ("PUT", f"/data/2020/{CHANGAN}/public_expenditure", {"value": 1e-11}),
        (
            "POST",
            "/targets",
            {
                "region": CHANGAN,
                "kind": "value",
                "subject": "nope",
                "threshold": 1,
                "by_year": 2025,
                "base_year": 2020,
            },
        ),
        ("POST", f"/scores/2020/{CHANGAN}/simulate", {"values": {"nope": 1}}),
        ("GET", "/scores/2020/robustness?draws=0", None),
    ]
    for method, url, body in cases:
        problem = invalid(await ready.request(method, url, json=body))
        assert problem["errors"], url


async def test_a_region_under_a_lower_level_is_told_so_in_chinese_by_level_names(
    ready: httpx.AsyncClient,
) -> None:
    """The levels are named as people read them (县级, 省级), not as codes inside a Chinese sentence."""
    body = {
        "code": "139900",
        "name_zh": "测试省",
        "name_en": "Test",
        "level": "province",
        "parent_code": CHANGAN,
    }
    r = await ready.post("/regions", json=body)
    assert r.status_code == 422, r.text
    [error] = [e for e in r.json()["errors"] if e["field"] == "parent_code"]
    assert error["reason"] == "a province cannot sit under a county"
    assert error["reason_zh"] == "省级地区不能隶属于县级地区"
