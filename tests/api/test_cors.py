"""CORS: INNOMON_CORS_ORIGINS lets a front-end on another origin call the API (issue: a preflight
got 405 and no setting existed)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.api.helpers import assert_problem, seed_regions
from tests.conftest import ADMIN_TOKEN

FRONT = "http://localhost:5173"
OTHER = "https://evil.example"


async def client_for(settings: Settings, origins: str | None) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"cors_origins": origins}))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://innomon.test/api/v1"
        ) as client,
    ):
        yield client


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async for c in client_for(settings, f"{FRONT}, https://admin.example/"):
        yield c


def preflight(method: str = "GET", headers: str = "authorization", origin: str = FRONT) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


async def test_a_preflight_from_an_allowed_origin_is_answered_without_a_key(web: httpx.AsyncClient) -> None:
    r = await web.options("/regions/130102", headers=preflight("PUT", "authorization,content-type,if-match"))
    assert r.status_code == 204, r.text
    assert r.headers["access-control-allow-origin"] == FRONT
    assert r.headers["access-control-allow-credentials"] == "true"
    methods = {m.strip() for m in r.headers["access-control-allow-methods"].split(",")}
    assert {"GET", "POST", "PUT", "PATCH", "DELETE"} <= methods
    allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "if-match", "x-request-id"} <= allowed
    assert int(r.headers["access-control-max-age"]) > 0
    assert "origin" in r.headers["vary"].lower()


async def test_a_preflight_of_a_bulk_post_passes_the_request_limits(web: httpx.AsyncClient) -> None:
    # the limits middleware authenticates bodies to /api/ before reading them; a preflight has no key
    r = await web.options("/data/2020", headers=preflight("POST", "authorization,content-type"))
    assert r.status_code == 204
    # a configured origin written with a trailing slash matches what browsers send
    r = await web.options("/data/2020", headers=preflight("POST", origin="https://admin.example"))
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "https://admin.example"


async def test_a_preflight_from_another_origin_gets_no_cors_headers(web: httpx.AsyncClient) -> None:
    r = await web.options("/regions", headers=preflight(origin=OTHER))
    assert r.status_code == 403
    assert not [h for h in r.headers if h.startswith("access-control-")]


async def test_an_allowed_origin_reads_responses_and_their_headers(
    web: httpx.AsyncClient, settings: Settings
) -> None:
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    r = await web.post(
        "/regions",
        json={"code": "130000", "name_zh": "河北省", "name_en": "Hebei Province", "level": "province"},
        headers={**auth, "Origin": FRONT},
    )
    assert r.status_code == 201, r.text
    assert r.headers["access-control-allow-origin"] == FRONT
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "location", "x-request-id"} <= exposed
    assert r.headers["etag"]
    assert "origin" in r.headers["vary"].lower()


async def test_problems_carry_cors_headers_so_the_page_can_read_them(web: httpx.AsyncClient) -> None:
    # refused by the request limits (no key on a body), and by the application (no key on a GET)
    r = await web.post("/regions", json={}, headers={"Origin": FRONT})
    assert_problem(r, 401)
    assert r.headers["access-control-allow-origin"] == FRONT
    r = await web.get("/regions", headers={"Origin": FRONT})
    assert_problem(r, 401)
    assert r.headers["access-control-allow-origin"] == FRONT


async def test_another_origin_gets_the_answer_without_cors_headers(web: httpx.AsyncClient) -> None:
    r = await web.get("/regions", headers={"Origin": OTHER, "Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers


async def test_without_the_setting_no_cors_headers_and_a_preflight_is_not_answered(
    settings: Settings,
) -> None:
    async for c in client_for(settings, None):
        r = await c.options("/regions", headers=preflight())
        assert r.status_code in (401, 405)
        assert not [h for h in r.headers if h.startswith("access-control-")]
        r = await c.get("/regions", headers={"Origin": FRONT, "Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


async def test_a_wildcard_never_comes_with_credentials(settings: Settings) -> None:
    async for c in client_for(settings, "*"):
        r = await c.options("/regions", headers=preflight(origin=OTHER))
        assert r.status_code == 204
        assert r.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in r.headers
        await seed_regions(
            httpx.AsyncClient(
                transport=c._transport,
                base_url=c.base_url,
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            )
        )
        r = await c.get("/regions", headers={"Origin": OTHER, "Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert r.status_code == 200 and len(r.json()["items"]) == 5
        assert r.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in r.headers


async def test_a_preflight_is_logged_with_a_request_id(web: httpx.AsyncClient) -> None:
    r = await web.options("/regions", headers={**preflight(), "X-Request-Id": "front-end-42"})
    assert r.status_code == 204
    assert r.headers["x-request-id"] == "front-end-42"
