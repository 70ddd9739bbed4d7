"""Checks on the raw request: authentication before the body, rows counted before decoding,
header cap, NUL and lone surrogates found in the decoded strings, and Allow on 405."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import Engine, text

from app.config import Settings
from app.main import create_app
from tests.api.helpers import CHANGAN, assert_problem, seed_period, seed_regions
from tests.conftest import ADMIN_TOKEN, ROOT


def stored_comments(engine: Engine) -> list[str | None]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT comment FROM data_value ORDER BY id"))]


@pytest.fixture
async def ready(api: httpx.AsyncClient) -> httpx.AsyncClient:
    await seed_regions(api)
    await seed_period(api, 2020)
    return api


async def split(*parts: bytes) -> AsyncIterator[bytes]:
    for p in parts:
        yield p


async def test_a_nul_escape_split_across_two_chunks_is_refused(
    ready: httpx.AsyncClient, engine: Engine
) -> None:
    body = json.dumps({"value": 1, "comment": "a\u0000b"}).encode()  # ... "a\\u0000b" ...
    cut = body.index(b"\\u0000") + 3  # between "\\u0" and "000"
    r = await ready.put(
        f"/data/2020/{CHANGAN}/tech_smes",
        content=split(body[:cut], body[cut:]),
        headers={"content-type": "application/json"},
    )
    problem = assert_problem(r, 422)
    assert "NUL" in problem["detail"]
    assert problem["errors"] == [
        {
            "index": None,
            "field": "comment",
            "received": None,
            "reason": "contains a NUL character (U+0000), which no text field may hold",
            "reason_zh": "含有 NUL 字符（U+0000），任何文本字段都不能包含",
        }
    ]
    assert stored_comments(engine) == []


async def test_an_escaped_backslash_before_u0000_is_text_not_nul(
    ready: httpx.AsyncClient, engine: Engine
) -> None:
    # the JSON text "C:\\u0000dir" is the 11 characters C : \ u 0 0 0 0 d i r
    raw = b'{"value": 1, "comment": "C:\\\\u0000dir"}'
    r = await ready.put(
        f"/data/2020/{CHANGAN}/tech_smes", content=raw, headers={"content-type": "application/json"}
    )
    assert r.status_code == 201, r.text
    assert stored_comments(engine) == ["C:\\u0000dir"]
    assert len(stored_comments(engine)[0] or "") == 11


@pytest.mark.parametrize(
    ("path", "raw", "index", "field"),
    [
        (f"/data/2020/{CHANGAN}/tech_smes", b'{"value": 1, "comment": "x\\ud800"}', None, "comment"),
        (
            "/data/2020",
            b'{"values": [{"region": "130102", "element": "tech_smes", "value": 1},'
            b' {"region": "130102", "element": "tech_smes", "value": 2, "comment": "\\udfff"}]}',
            1,
            "values[1].comment",
        ),
        (
            "/regions",
            b'{"code": "130108", "name_zh": "\\ud800\\u0041", "name_en": "x", "level": "county"}',
            None,
            "name_zh",
        ),
    ],
)
async def test_a_lone_surrogate_is_422_naming_the_field(
    ready: httpx.AsyncClient, engine: Engine, path: str, raw: bytes, index: int | None, field: str
) -> None:
    method = "PUT" if path.count("/") == 3 else "POST"
    r = await ready.request(method, path, content=raw, headers={"content-type": "application/json"})
    problem = assert_problem(r, 422)
    assert problem["errors"][0]["index"] == index and problem["errors"][0]["field"] == field
    assert "surrogate" in problem["errors"][0]["reason"]
    assert stored_comments(engine) == []


async def test_a_surrogate_pair_is_one_character_and_accepted(
    ready: httpx.AsyncClient, engine: Engine
) -> None:
    raw = b'{"value": 1, "comment": "\\ud83d\\ude00"}'  # U+1F600, written as a UTF-16 pair
    r = await ready.put(
        f"/data/2020/{CHANGAN}/tech_smes", content=raw, headers={"content-type": "application/json"}
    )
    assert r.status_code == 201, r.text
    assert stored_comments(engine) == ["\U0001f600"]


async def test_rows_are_counted_before_decoding_and_braces_in_text_do_not_count(
    ready: httpx.AsyncClient, engine: Engine
) -> None:
    # the test settings allow 500 rows; 10 rows whose comments hold 100 braces each are 10 rows
    elements = [
        "tech_smes",
        "high_tech_enterprises",
        "registered_enterprises",
        "fiscal_st_expenditure",
        "public_expenditure",
        "industrial_rd_expenditure",
        "industrial_revenue",
        "industrial_enterprises",
        "valid_invention_patents",
        "resident_population",
    ]
    rows = [{"region": CHANGAN, "element": e, "value": 100, "comment": "{" * 100} for e in elements]
    r = await ready.post("/data/2020", json={"values": rows, "dry_run": True})
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 10
    # 501 rows: refused before any row is decoded, with the row limit named
    body = b'{"values": [' + b",".join([b'{"region": "x", "element": "y", "value": 1}'] * 501) + b"]}"
    r = await ready.post("/data/2020", content=body, headers={"content-type": "application/json"})
    assert "at most 500 rows" in assert_problem(r, 413)["detail"]


async def test_a_body_request_without_a_valid_key_is_refused_before_its_body_is_read(
    settings: Settings,
) -> None:
    app = create_app(settings)

    async def body(consumed: list[bytes]) -> AsyncIterator[bytes]:
        for chunk in (b'{"values": [', b"not json", b"]}"):
            consumed.append(chunk)
            yield chunk

    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        for headers in ({}, {"Authorization": "Bearer not-a-key"}):
            consumed: list[bytes] = []
            r = await c.post(
                "/api/v1/data/2020",
                content=body(consumed),
                headers={**headers, "content-type": "application/json"},
            )
            problem = assert_problem(r, 401)
            assert problem["type"] == "/problems/unauthenticated"
            assert r.headers["www-authenticate"].startswith("Bearer")
            assert len(consumed) < 3, "the body was read before the key was checked"


async def test_headers_above_the_limit_are_431(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_header_bytes": 8192}))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        r = await c.get("/api/v1/regions", headers={"Authorization": "Bearer " + "a" * 9000})
        problem = assert_problem(r, 431)
        assert problem["type"] == "/problems/headers-too-large"
        ok = await c.get("/api/v1/regions", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert ok.status_code == 200


async def test_405_lists_every_method_of_the_path(ready: httpx.AsyncClient) -> None:
    # the methods each path serves, from the committed contract (not from the app's routes)
    document = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    for template, concrete, wrong in (
        ("/api/v1/data/{year}/{region}/{element}", f"/data/2020/{CHANGAN}/tech_smes", "POST"),
        ("/api/v1/regions/{code}", f"/regions/{CHANGAN}", "PUT"),
        ("/api/v1/platforms/{item_id}", "/platforms/1", "PUT"),
    ):
        expected = {m.upper() for m in document["paths"][template]}
        r = await ready.request(wrong, concrete, json={})
        assert_problem(r, 405)
        allowed = {m.strip() for m in r.headers["allow"].split(",")}
        assert allowed - {"HEAD"} == expected, (template, r.headers["allow"])
        assert len(expected) >= 2
