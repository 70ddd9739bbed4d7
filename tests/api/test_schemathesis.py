"""Property-based run of schemathesis against the app's own OpenAPI document, in-process (ASGI).

Every documented operation gets generated requests; every response must be free of server
errors and must match what the document promises: a documented status code, a documented
content type and a body that validates against the documented schema. Two findings of the run
are pinned by plain tests below (undecodable bodies, NUL characters on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.python import asgi

from app.config import Settings
from app.main import create_app
from tests.api.helpers import CHANGAN, HEBEI, QIAOXI, SJZ
from tests.conftest import ADMIN_TOKEN

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
REGIONS = [
    {"code": HEBEI, "name_zh": "河北省", "name_en": "Hebei Province", "level": "province"},
    {"code": SJZ, "name_zh": "石家庄市", "name_en": "Shijiazhuang", "level": "city", "parent_code": HEBEI},
    {"code": CHANGAN, "name_zh": "长安区", "name_en": "Chang'an", "level": "county", "parent_code": SJZ},
    {"code": QIAOXI, "name_zh": "桥西区", "name_en": "Qiaoxi", "level": "county", "parent_code": SJZ},
]


def _seed(client: Any) -> None:
    """Regions, two periods, a few values, a platform and an award, posted as a user would, so
    that generated requests can also succeed."""
    writes: list[tuple[str, str, dict[str, Any]]] = [("POST", "/api/v1/regions", r) for r in REGIONS]
    writes += [("PUT", f"/api/v1/periods/{y}", {"scheme": "hebei-county-2019"}) for y in (2019, 2020)]
    writes += [
        ("PUT", f"/api/v1/data/2020/{CHANGAN}/tech_smes", {"value": 300}),
        ("PUT", f"/api/v1/data/2020/{CHANGAN}/st_admin_body", {"value": "merged_office"}),
        (
            "POST",
            "/api/v1/platforms",
            {
                "region": CHANGAN,
                "type": "key_lab",
                "level": "provincial",
                "name": "种子",
                "recognized_on": "2019-05-01",
            },
        ),
        (
            "POST",
            "/api/v1/awards",
            {
                "region": CHANGAN,
                "type": "st_award",
                "level": "provincial",
                "name": "种子",
                "awarded_on": "2020-06-01",
            },
        ),
    ]
    for method, path, body in writes:
        r = client.request(method, path, json=body, headers=AUTH)
        assert r.status_code == 201, f"{method} {path}: {r.status_code} {r.text}"


def _document() -> dict[str, Any]:
    """The OpenAPI document of an app built with default settings: building the document touches
    no database, and the settings do not change it."""
    return create_app(Settings(database_url="sqlite://")).openapi()


DOCUMENT = _document()
# Loaded eagerly at import: `schemathesis.pytest.from_fixture` reads `request.node._nodeid`, which
# pytest 9.2 no longer has. Requests go to the `server` fixture (`call_and_validate(app=...)`).
schema = schemathesis.openapi.from_dict(DOCUMENT)
HYPOTHESIS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)


def like_a_server(app: FastAPI) -> Callable[..., Awaitable[None]]:
    """The app as a server runs it: a response the app sent (the 500 of an unhandled error) is what
    the client gets, and the exception goes to the log. Called directly, the in-process transport
    re-raises it instead, and the 500 never reaches the checks."""

    async def serve(scope: Any, receive: Any, send: Any) -> None:
        started = False

        async def send_and_note(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, receive, send_and_note)
        except Exception:
            if not started:
                raise

    return serve


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    app = create_app(settings)
    assert app.openapi() == DOCUMENT, "the tested document is not this app's"
    return app


@pytest.fixture
def server(app: FastAPI) -> Iterator[Callable[..., Awaitable[None]]]:
    """The app on the clean test database, seeded, behind `like_a_server`. Schemathesis runs the
    lifespan of each ASGI object it calls once and keeps it until told; so the seeding goes through
    the same object, and the lifespan ends with the test."""
    server = like_a_server(app)
    try:
        with asgi.get_client(server) as client:
            _seed(client)
        yield server
    finally:
        asgi.shutdown_lifespans()


@pytest.mark.slow
@schema.parametrize()
@HYPOTHESIS
def test_api_conforms_to_its_openapi(case: schemathesis.Case, server: Callable[..., Awaitable[None]]) -> None:
    case.call_and_validate(app=server, headers=AUTH, checks=CHECKS)


WITH_JSON_BODY = [
    pytest.param(method.upper(), path, id=f"{method.upper()} {path}")
    for path, ops in DOCUMENT["paths"].items()
    for method, op in ops.items()
    if "application/json" in op.get("requestBody", {}).get("content", {})
]


def _concrete(path: str) -> str:
    return (
        path.replace("{year}", "2020")
        .replace("{region}", CHANGAN)
        .replace("{code}", CHANGAN)
        .replace("{element}", "tech_smes")
        .replace("{item_id}", "1")
    )


@pytest.mark.parametrize(("method", "path"), WITH_JSON_BODY)
def test_a_body_that_is_not_utf8_gets_a_documented_problem(server: Any, method: str, path: str) -> None:
    with asgi.get_client(server) as client:
        headers = {**AUTH, "content-type": "application/json"}
        r = client.request(method, _concrete(path), data=b"\xff", headers=headers)
    documented = DOCUMENT["paths"][path][method.lower()]["responses"]
    assert str(r.status_code) in documented, f"{r.status_code} {r.text}; documented: {sorted(documented)}"
    assert r.headers["content-type"].startswith("application/problem+json")


NUL = "a\u0000b"
NUL_REQUESTS = [
    ("POST", "/api/v1/regions", {}, {"code": "130108", "name_zh": NUL, "name_en": "x", "level": "county"}),
    ("PUT", "/api/v1/periods/2021", {}, {"scheme": NUL}),
    ("PUT", "/api/v1/periods/2022", {}, {"scheme": "hebei-county-2019", "round_label": NUL}),
    ("PUT", f"/api/v1/data/2020/{CHANGAN}/tech_smes", {}, {"value": 1, "comment": NUL}),
    ("GET", f"/api/v1/data/2020/{CHANGAN}/a%00b", {}, None),
    ("POST", "/api/v1/data/2020", {}, {"values": [{"region": NUL, "element": "tech_smes", "value": 1}]}),
    (
        "POST",
        "/api/v1/data/2020",
        {},
        {"values": [{"region": CHANGAN, "element": "tech_smes", "value": 1, "comment": NUL}]},
    ),
    ("GET", "/api/v1/schemes/a%00b", {}, None),
    (
        "POST",
        "/api/v1/platforms",
        {},
        {
            "region": CHANGAN,
            "type": "key_lab",
            "level": "provincial",
            "name": NUL,
            "recognized_on": "2020-01-01",
        },
    ),
    (
        "POST",
        "/api/v1/awards",
        {},
        {
            "region": CHANGAN,
            "type": "project",
            "level": "provincial",
            "name": NUL,
            "awarded_on": "2020-01-01",
        },
    ),
    ("GET", "/api/v1/platforms", {"type": NUL}, None),
    ("GET", "/api/v1/awards", {"level": NUL}, None),
]


def _where_nul(params: dict[str, str], body: dict[str, Any] | None) -> str:
    fields = {**params, **(body or {}), **((body or {}).get("values") or [{}])[0]}
    return next((k for k, v in fields.items() if v == NUL), "path")


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [pytest.param(m, p, q, b, id=f"{m} {p} {_where_nul(q, b)}") for m, p, q, b in NUL_REQUESTS],
)
def test_a_nul_character_is_not_a_server_error(
    server: Any, method: str, path: str, params: dict[str, str], body: dict[str, Any] | None
) -> None:
    with asgi.get_client(server) as client:
        r = client.request(method, path, params=params, json=body, headers=AUTH)
    template = next(p for p, ops in DOCUMENT["paths"].items() if method.lower() in ops and _matches(p, path))
    documented = DOCUMENT["paths"][template][method.lower()]["responses"]
    assert r.status_code < 500 and str(r.status_code) in documented, f"{r.status_code} {r.text}"


def _matches(template: str, path: str) -> bool:
    parts, want = template.split("/"), path.split("/")
    return len(parts) == len(want) and all(
        t.startswith("{") or t == w for t, w in zip(parts, want, strict=True)
    )
