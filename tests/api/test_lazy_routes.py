"""Routers imported on first use (app.api.lazy): a fresh app still answers every route, names
every route in its OpenAPI document and /docs, and starts without importing the routers."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import httpx
import pytest

from app.api.lazy import LazyRouter
from app.config import Settings
from app.main import create_app
from tests.api.helpers import CHANGAN, seed_period, seed_regions
from tests.conftest import ADMIN_TOKEN, ROOT

#: the committed contract, read as a file: the operations a fresh app must answer
CONTRACT = json.loads((ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8"))
OPERATIONS = [
    (method.upper(), path)
    for path, ops in CONTRACT["paths"].items()
    for method in ops
    if method in ("get", "post", "put", "patch", "delete")
]
#: a value for each path parameter of the contract; the database is empty, so a route may answer
#: that what it names does not exist, but never that there is no such route
PARAMETERS = {
    "year": "2020",
    "region": "130102",
    "code": "130102",
    "element": "tech_smes",
    "item_id": "1",
    "target_id": "1",
    "flag_id": "1",
    "name": "nobody",
}


def concrete(path: str) -> str:
    def value(m: re.Match[str]) -> str:
        if m[1] == "code" and path.startswith("/api/v1/schemes"):
            return "hebei-county-2019"
        return PARAMETERS[m[1]]

    return re.sub(r"\{([a-z_]+)\}", value, path)


def routed(r: httpx.Response) -> bool:
    """False for the answer of a request no route took (what /api/v1/no-such-route gets)."""
    if r.status_code == 405:
        return False
    if r.status_code != 404:
        return True
    return r.json().get("detail") != "Not Found"


async def first_request(settings: Settings, method: str, path: str) -> httpx.Response:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://innomon.test",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        ) as client:
            body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
            return await client.request(method, concrete(path), json=body)


def test_the_contract_has_operations_of_every_family() -> None:
    families = {p.split("/")[3] for _, p in OPERATIONS if p.startswith("/api/v1/")}
    assert len(OPERATIONS) >= 60
    assert {"schemes", "regions", "periods", "data", "scores", "keys", "approvals", "rounds"} <= families


@pytest.mark.anyio
async def test_a_path_no_route_serves_is_told_apart(settings: Settings) -> None:
    # the control of routed(): what the checks below would see if a route were lost
    r = await first_request(settings, "GET", "/api/v1/no-such-route")
    assert r.status_code == 404 and not routed(r)


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
async def test_every_operation_is_answered_by_its_route_as_the_first_request(
    settings: Settings, method: str, path: str
) -> None:
    """Each operation of the committed contract, as the first request of a fresh app."""
    r = await first_request(settings, method, path)
    assert r.status_code < 500, r.text
    assert routed(r), f"{method} {path}: {r.status_code} {r.text}"


@pytest.mark.anyio
async def test_openapi_json_and_docs_of_a_fresh_app_name_every_route(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://innomon.test") as client:
            docs = await client.get("/docs")
            served = (await client.get("/openapi.json")).json()
    assert docs.status_code == 200 and "/openapi.json" in docs.text
    assert served == CONTRACT


def test_every_route_of_a_router_lies_under_its_stand_ins_prefixes() -> None:
    app = create_app(Settings(database_url="sqlite://"))
    stand_ins: list[LazyRouter] = app.state.lazy_routers
    assert len(stand_ins) == 17  # the sixteen API routers and the pages
    for stand_in in stand_ins:
        assert not stand_in.loaded
        stand_in.load()
        module, _, attribute = stand_in.target.partition(":")
        real = getattr(sys.modules[module], attribute)
        prefix = "" if "pages" in module else "/api/v1"
        paths = [prefix + route.path for route in real.routes]
        assert paths, stand_in.target
        for path in paths:
            # a path parameter stands for any segment: the stand-in must claim the literal part
            assert stand_in.serves(re.sub(r"\{[^}]+\}", "x", path)), (stand_in.target, path)


def test_creating_the_app_imports_no_router_schema_nor_alembic() -> None:
    code = (
        "import sys\n"
        "from app.config import Settings\n"
        "from app.main import create_app\n"
        "create_app(Settings(database_url='sqlite://'))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('app.api.routers.', 'app.api.schemas', "
        "'alembic', 'jinja2')) and m != 'app.api.routers.health'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.anyio
async def test_a_fresh_app_answers_a_breakdown_as_the_app_that_served_before(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    await seed_regions(api)
    await seed_period(api)
    r = await api.put(f"/data/2020/{CHANGAN}/high_tech_enterprises", json={"value": 40})
    assert r.status_code in (200, 201), r.text
    before = await api.get(f"/scores/2020/{CHANGAN}")
    assert before.status_code == 200 and before.json()["region"] == CHANGAN
    for path in (f"/api/v1/scores/2020/{CHANGAN}", f"/api/v1/regions/{CHANGAN}"):
        first = await first_request(settings, "GET", path)
        assert first.status_code == 200, first.text
    fresh = await first_request(settings, "GET", f"/api/v1/scores/2020/{CHANGAN}")
    assert fresh.content == before.content


def test_a_router_loaded_after_start_up_is_set_aside_with_the_start_up_heap() -> None:
    code = (
        "import gc\n"
        "from app.api import lazy\n"
        "from app.config import Settings\n"
        "from app.heap import settle_heap\n"
        "from app.main import create_app\n"
        "app = create_app(Settings(database_url='sqlite://'))\n"
        "settle_heap()\n"
        "before = gc.get_freeze_count()\n"
        "lazy.load_all(app)\n"
        "print(before, gc.get_freeze_count())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    before, after = map(int, out.stdout.split())
    # the routers' modules, models and routes (some 30,000 objects) joined the frozen heap
    assert after > before + 20_000
