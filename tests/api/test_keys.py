"""Keys over HTTP: admins manage every key, coordinators department keys in their own subtree."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import Engine, text

from app.db import watch
from tests.api.helpers import CHANGAN, QIAOXI, SJZ, assert_problem
from tests.api.review_helpers import LUNAN, seed_province


@pytest.fixture
async def keys(api: httpx.AsyncClient, engine: Engine) -> dict[str, dict[str, str]]:
    return await seed_province(api, engine)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_admin_creates_lists_and_revokes_keys(
    api: httpx.AsyncClient, engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    body = {"name": "finance-changan", "role": "department", "departments": ["finance"], "region": CHANGAN}
    r = await api.post("/keys", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    token = created.pop("token")
    assert token.startswith("inm_") and len(token) > 40
    assert {k: created[k] for k in ("name", "role", "departments", "region", "revoked_at")} == {
        **body,
        "revoked_at": None,
    }
    # the token works, within its department and region
    w = await api.put(
        f"/data/2020/{CHANGAN}/fiscal_st_expenditure", json={"value": 3000}, headers=bearer(token)
    )
    assert w.status_code == 201 and w.json()["value"]["posted_by"] == "finance-changan"
    assert_problem(
        await api.put(f"/data/2020/{QIAOXI}/fiscal_st_expenditure", json={"value": 1}, headers=bearer(token)),
        403,
    )
    listed = (await api.get("/keys")).json()
    assert "finance-changan" in {k["name"] for k in listed["items"]} and listed["total"] == len(
        listed["items"]
    )
    assert all("token" not in k for k in listed["items"])
    with engine.connect() as conn:  # stored only as a hash
        assert (
            conn.execute(
                text("SELECT count(*) FROM api_key WHERE token_hash = :t"), {"t": token}
            ).scalar_one()
            == 0
        )
    assert (await api.delete("/keys/finance-changan")).status_code == 204
    assert_problem(await api.get("/regions", headers=bearer(token)), 401)
    assert_problem(await api.delete("/keys/no-such-key"), 404)
    with engine.connect() as conn:
        actions = conn.execute(
            text(
                "SELECT action, actor FROM audit_event WHERE entity = 'api_key' AND entity_key = 'finance-changan'"
            )
        ).all()
    assert [tuple(a) for a in actions] == [("create", "bootstrap-admin"), ("revoke", "bootstrap-admin")]


@pytest.mark.parametrize("same_host_counter", [True, False])
async def test_a_key_revoked_over_http_is_refused_at_once_by_the_same_process(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]], same_host_counter: bool
) -> None:
    """The revoking route clears no cache: the commit moves the change token, so the key this
    process remembers is looked up again and refused by the next request. On PostgreSQL also with
    no same-host counter file (the process counts its own commits)."""
    auth = api._transport.app.state.auth  # type: ignore[attr-defined]
    if not same_host_counter:
        if not isinstance(auth.watch, watch.PostgresWatch):
            pytest.skip("the same-host counter is PostgreSQL's")
        auth.watch.shared = None
    r = await api.post("/keys", json={"name": "reader-x", "role": "reader"})
    token = r.json()["token"]
    deadline = time.monotonic() + 10  # PostgreSQL's listener connects in its own thread
    while not auth.cached(token)[0]:
        assert time.monotonic() < deadline, "the key was never remembered"
        assert (await api.get("/regions", headers=bearer(token))).status_code == 200
    assert auth.cached(token)[1].name == "reader-x"  # remembered: no lookup would refuse it
    assert (await api.delete("/keys/reader-x")).status_code == 204
    assert auth.cached(token) == (False, None)
    assert_problem(await api.get("/regions", headers=bearer(token)), 401)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "system", "role": "reader"}, "name"),
        ({"name": "bootstrap-admin", "role": "admin"}, "name"),
        ({"name": "Demo", "role": "reader"}, "name"),
        ({"name": "coordinator-x", "role": "coordinator"}, "region"),
        ({"name": "approver-x", "role": "approver"}, "region"),
        ({"name": "approver-x", "role": "approver", "region": CHANGAN}, "region"),  # a county has none below
        ({"name": "dept-x", "role": "department"}, "department"),
        ({"name": "dept-x", "role": "department", "departments": ["police"]}, "department"),
        ({"name": "reader-x", "role": "reader", "region": "139999"}, "region"),
        ({"name": "has space", "role": "reader"}, "name"),
        ({"name": "x", "role": "owner"}, "role"),
    ],
)
async def test_bad_keys_are_refused_naming_the_field(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]], body: dict, field: str
) -> None:
    problem = assert_problem(await api.post("/keys", json=body), 422)
    assert field in {e["field"] for e in problem["errors"]}, problem


async def test_a_duplicate_name_is_a_conflict(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]]
) -> None:
    assert_problem(await api.post("/keys", json={"name": "reader", "role": "reader"}), 409)


async def test_a_coordinator_manages_department_keys_in_its_subtree_only(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]]
) -> None:
    coord = keys["coordinator-sjz"]
    mine = {
        "name": "science-changan",
        "role": "department",
        "departments": ["science_tech"],
        "region": CHANGAN,
    }
    r = await api.post("/keys", json=mine, headers=coord)
    assert r.status_code == 201, r.text
    for body in (
        {**mine, "name": "science-lunan", "region": LUNAN},  # another city's county
        {**mine, "name": "science-all", "region": None},  # every region
        {"name": "coord-2", "role": "coordinator", "region": CHANGAN},
        {"name": "admin-2", "role": "admin"},
        {"name": "approver-2", "role": "approver", "region": SJZ},
    ):
        assert_problem(await api.post("/keys", json=body, headers=coord), 403)
    # a county coordinator: its own county only
    assert_problem(
        await api.post(
            "/keys",
            json={**mine, "name": "science-qiaoxi", "region": QIAOXI},
            headers=keys["coordinator-changan"],
        ),
        403,
    )
    listed = {k["name"] for k in (await api.get("/keys", headers=coord)).json()["items"]}
    assert "science-changan" in listed and "statistics-sjz" in listed
    assert "approver-tangshan" not in listed and "reader" not in listed and "bootstrap-admin" not in listed
    assert (await api.delete("/keys/science-changan", headers=coord)).status_code == 204
    assert_problem(await api.delete("/keys/approver-sjz", headers=coord), 403)
    assert_problem(await api.delete("/keys/reader", headers=coord), 403)


@pytest.mark.parametrize("key", ["reader", "statistics-sjz", "approver-sjz"])
async def test_other_roles_may_not_manage_keys(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]], key: str
) -> None:
    body = {"name": "x-1", "role": "department", "departments": ["finance"], "region": CHANGAN}
    assert_problem(await api.post("/keys", json=body, headers=keys[key]), 403)
    assert_problem(await api.get("/keys", headers=keys[key]), 403)
    assert_problem(await api.delete("/keys/reader", headers=keys[key]), 403)
