"""A served process imports the routers no request has used yet when it has nothing to do
(app.api.lazy.warm, INNOMON_WARM_UP_AFTER): after the delay, one at a time, never while a request
is being served; with 0 it never does."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator

import httpx
import pytest

from app.api import lazy
from app.api.lazy import LazyRouter
from app.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_TOKEN

pytestmark = pytest.mark.anyio


def stand_ins(app: object) -> list[LazyRouter]:
    found: list[LazyRouter] = app.state.lazy_routers  # type: ignore[attr-defined]
    assert len(found) == 17  # the sixteen API routers and the pages
    return found


async def until(condition: object, seconds: float = 30.0) -> bool:
    """Whether `condition()` became true within `seconds` (the loop keeps running meanwhile)."""
    for _ in range(int(seconds / 0.02)):
        if condition():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.02)
    return False


async def test_nothing_loads_while_busy_and_everything_once_idle() -> None:
    app = create_app(Settings(database_url="sqlite://"))
    busy = [True]
    task = asyncio.create_task(lazy.warm(app, after=0, busy=lambda: busy[0]))
    await asyncio.sleep(0.3)
    assert not any(s.loaded for s in stand_ins(app)), "loaded while a request was being served"
    busy[0] = False
    assert await until(lambda: all(s.loaded for s in stand_ins(app)))
    await task  # it ends once every stand-in is loaded
    # each stand-in now holds its module's router
    for stand_in in stand_ins(app):
        assert stand_in.target.partition(":")[0] in sys.modules and stand_in.routes, stand_in.target


async def test_the_delay_comes_first() -> None:
    app = create_app(Settings(database_url="sqlite://"))
    task = asyncio.create_task(lazy.warm(app, after=0.5, busy=lambda: False))
    await asyncio.sleep(0.2)
    assert not any(s.loaded for s in stand_ins(app))
    await asyncio.wait_for(task, 30)
    assert all(s.loaded for s in stand_ins(app))


@pytest.fixture
async def held_body() -> AsyncIterator[asyncio.Event]:
    release = asyncio.Event()
    yield release
    release.set()


async def test_a_served_app_warms_up_after_start_and_waits_for_a_request_in_flight(
    settings: Settings, held_body: asyncio.Event
) -> None:
    """A request whose body is still arriving holds the warm-up back: at most its own router is
    loaded meanwhile; once it is answered, the rest load."""
    app = create_app(settings.model_copy(update={"warm_up_after": 0.2}))
    async with app.router.lifespan_context(app):

        async def body() -> AsyncIterator[bytes]:
            yield b'{"rows": ['
            await held_body.wait()
            yield b"]}"

        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://innomon.test",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
        ) as client:
            request = asyncio.create_task(client.post("/api/v1/data/2020", content=body()))
            await asyncio.sleep(1.0)  # well past the delay
            loaded = {s.target for s in stand_ins(app) if s.loaded}
            assert loaded <= {"app.api.routers.data:router"}, loaded
            held_body.set()
            answer = await asyncio.wait_for(request, 30)
            assert answer.status_code in (404, 422), answer.text  # no period 2020: refused, not crashed
            assert await until(lambda: all(s.loaded for s in stand_ins(app)))


async def test_with_no_delay_set_nothing_loads_by_itself(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"warm_up_after": 0}))
    async with app.router.lifespan_context(app):
        await asyncio.sleep(0.5)
        assert not any(s.loaded for s in stand_ins(app))


async def test_a_router_that_fails_to_load_is_logged_and_the_rest_still_load(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(Settings(database_url="sqlite://"))
    broken = lazy.include(app, "app.api.routers.no_such_module:router", ["/api/v1/no-such"])
    with caplog.at_level(logging.ERROR, logger="innomon.api"):
        await asyncio.wait_for(lazy.warm(app, after=0, busy=lambda: False), 30)
    assert not broken.loaded
    others = [s for s in app.state.lazy_routers if s is not broken]
    assert len(others) == 17 and all(s.loaded for s in others)
    assert any("app.api.routers.no_such_module" in r.getMessage() for r in caplog.records)
