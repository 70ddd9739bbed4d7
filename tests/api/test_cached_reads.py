"""The cached breakdown read answered before routing (app/api/cached_reads.py): the same answer
as the route's, byte for byte, and only when the caches may answer."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from app.db.engine import session_scope, writer
from app.services import access
from tests.api.helpers import CHANGAN, seed_period, seed_regions


def computations(api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """Every breakdown read that reached the route (the fast path never calls breakdown_json)."""
    scores = api._transport.app.state.scores  # type: ignore[attr-defined]
    calls: list[tuple[int, str]] = []
    real = scores.breakdown_json

    def counted(year: int, region: str) -> Any:
        calls.append((year, region))
        return real(year, region)

    monkeypatch.setattr(scores, "breakdown_json", counted)
    return calls


async def test_the_cached_answer_is_the_routes_answer(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    await api.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 100})
    calls = computations(api, monkeypatch)
    routed = await api.get(f"/scores/2020/{CHANGAN}")
    # on PostgreSQL the write's notification may arrive after the first read, which then reads
    # the version once more: soon a read no longer reaches the route
    for _ in range(50):
        before = len(calls)
        cached = await api.get(f"/scores/2020/{CHANGAN}")
        if len(calls) == before:
            break
        await asyncio.sleep(0.02)
    assert len(calls) == before  # this read never reached the route
    assert routed.status_code == cached.status_code == 200
    assert routed.content == cached.content and cached.json()["total"] == 2.5  # tests/api/test_scores.py
    same = {k: v for k, v in routed.headers.items() if k != "x-request-id"}
    assert {k: v for k, v in cached.headers.items() if k != "x-request-id"} == same
    assert len(cached.headers["x-request-id"]) == 32
    assert cached.headers["x-request-id"] != routed.headers["x-request-id"]
    # JSON asked for in so many words, or anything: still the cache
    for accept in ("application/json", "*/*", "text/html, application/json;q=0.9"):
        assert (
            await api.get(f"/scores/2020/{CHANGAN}", headers={"Accept": accept})
        ).content == cached.content
    assert len(calls) == 1


async def test_exports_misses_and_bad_keys_go_to_the_route(
    api: httpx.AsyncClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    await api.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 500})
    assert (await api.get(f"/scores/2020/{CHANGAN}")).json()["total"] == 5
    r = await api.get(f"/scores/2020/{CHANGAN}", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    r = await api.get(f"/scores/2020/{CHANGAN}", headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    # no key, an unknown key, a malformed header: refused by the route as before
    for headers in (
        {"Authorization": ""},
        {"Authorization": "Bearer inm_nope"},
        {"Authorization": "Basic x"},
    ):
        r = await api.get(f"/scores/2020/{CHANGAN}", headers=headers)
        assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    # a year the route refuses is refused as before, not answered from memory
    assert (await api.get(f"/scores/1948/{CHANGAN}")).status_code == 422
    # a key revoked by another connection: refused at once, though its answer was cached
    r = await api.post("/keys", json={"name": "reader-1", "role": "reader"})
    reader = {"Authorization": f"Bearer {r.json()['token']}"}
    for _ in range(2):
        assert (await api.get(f"/scores/2020/{CHANGAN}", headers=reader)).status_code == 200
    with session_scope(writer(engine)) as session:
        access.revoke_key(session, "reader-1")
    assert (await api.get(f"/scores/2020/{CHANGAN}", headers=reader)).status_code == 401
