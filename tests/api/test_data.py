"""Data values over HTTP: single writes, bulk all-or-nothing imports, idempotent re-sends."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.api.helpers import CHANGAN, QIAOXI, assert_problem, seed_period, seed_regions


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM data_value")).scalar_one())


@pytest.fixture
async def ready(api: httpx.AsyncClient) -> httpx.AsyncClient:
    await seed_regions(api)
    await seed_period(api, 2020)
    return api


async def test_put_get_update_delete_one_value(ready: httpx.AsyncClient) -> None:
    api = ready
    r = await api.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 300, "comment": "统计年报"})
    assert r.status_code == 201 and r.json()["status"] == "created"
    assert r.json()["value"]["value"] == 300 and r.json()["value"]["comment"] == "统计年报"
    same = await api.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 300, "comment": "统计年报"})
    assert same.status_code == 200 and same.json()["status"] == "unchanged"
    upd = await api.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 320})
    assert upd.json()["status"] == "updated" and upd.json()["value"]["comment"] is None
    got = await api.get(f"/data/2020/{CHANGAN}/tech_smes")
    assert got.json()["value"] == 320
    assert (await api.delete(f"/data/2020/{CHANGAN}/tech_smes")).status_code == 204
    assert_problem(await api.get(f"/data/2020/{CHANGAN}/tech_smes"), 404)
    assert_problem(await api.delete(f"/data/2020/{CHANGAN}/tech_smes"), 404)


async def test_values_keep_their_kind_and_exact_digits(ready: httpx.AsyncClient) -> None:
    api = ready
    for element, value in [
        ("fiscal_st_expenditure", 12345.67),
        ("agri_industrialization_rate", 65.05),
        ("st_admin_body", "merged_office"),
        ("st_leading_group", True),
        ("st_management_innovation_score", 4.5),
    ]:
        assert (await api.put(f"/data/2020/{CHANGAN}/{element}", json={"value": value})).status_code == 201
    values = {v["element"]: v["value"] for v in (await api.get(f"/data/2020/{CHANGAN}")).json()["values"]}
    assert values == {
        "fiscal_st_expenditure": 12345.67,
        "agri_industrialization_rate": 65.05,
        "st_admin_body": "merged_office",
        "st_leading_group": True,
        "st_management_innovation_score": 4.5,
    }


@pytest.mark.parametrize(
    ("element", "value", "reason"),
    [
        ("tech_smes", -1, "must not be negative"),
        ("tech_smes", 1.5, "must be a whole number"),
        ("tech_smes", "300", "'300' is text: send the number without quotes, e.g. 300"),
        ("tech_smes", True, "must be a number"),
        ("agri_industrialization_rate", 100.5, "is a percentage and must not exceed 100"),
        ("registered_enterprises", 0, "must be greater than 0: it is the denominator of"),
        ("st_management_innovation_score", 5.5, "is an assessed score and must lie between 0 and 5"),
        ("st_admin_body", "committee", "unknown choice 'committee'"),
        ("st_leading_group", "yes", "must be true or false"),
        ("tech_smes", None, "must not be null"),
    ],
)
async def test_single_value_is_checked_like_the_cli(
    ready: httpx.AsyncClient, element: str, value: object, reason: str
) -> None:
    problem = assert_problem(await ready.put(f"/data/2020/{CHANGAN}/{element}", json={"value": value}), 422)
    assert problem["errors"][0]["field"] == "value" and reason in problem["errors"][0]["reason"]
    assert_problem(await ready.get(f"/data/2020/{CHANGAN}/{element}"), 404)


async def test_single_value_unknown_things_are_404(ready: httpx.AsyncClient) -> None:
    assert_problem(await ready.put(f"/data/2020/{CHANGAN}/rd_budget", json={"value": 1}), 404)
    assert_problem(await ready.put("/data/2020/130199/tech_smes", json={"value": 1}), 404)
    assert_problem(await ready.put(f"/data/2031/{CHANGAN}/tech_smes", json={"value": 1}), 404)
    assert_problem(await ready.get(f"/data/2031/{CHANGAN}"), 404)


BATCH = [
    {"region": CHANGAN, "element": "tech_smes", "value": 300},
    {"region": CHANGAN, "element": "registered_enterprises", "value": 20000},
    {"region": QIAOXI, "element": "tech_smes", "value": 120, "comment": "季报"},
    {"region": QIAOXI, "element": "st_admin_body", "value": "independent"},
]


async def test_bulk_import_counts_and_resend_changes_nothing(
    ready: httpx.AsyncClient, engine: Engine
) -> None:
    api = ready
    r = await api.post("/data/2020", json={"values": BATCH})
    assert r.status_code == 200 and r.json() == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "dry_run": False,
        "warnings": [],
    }
    version = (await api.get("/periods/2020")).json()["data_version"]
    again = await api.post("/data/2020", json={"values": BATCH})
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 4, "dry_run": False, "warnings": []}
    assert (await api.get("/periods/2020")).json()[
        "data_version"
    ] == version  # nothing changed, no cache lost
    changed = [
        dict(BATCH[0], value=310),
        *BATCH[1:],
        {"region": QIAOXI, "element": "tech_smes_x", "value": 1},
    ][:4]
    r = await api.post(
        "/data/2020",
        json={"values": [*changed, {"region": CHANGAN, "element": "high_tech_enterprises", "value": 70}]},
    )
    assert r.json() == {"created": 1, "updated": 1, "unchanged": 3, "dry_run": False, "warnings": []}
    assert stored(engine) == 5


async def test_bulk_with_bad_rows_lists_every_one_and_writes_nothing(
    ready: httpx.AsyncClient, engine: Engine
) -> None:
    api = ready
    bad = [
        *BATCH,
        {"region": "130199", "element": "tech_smes", "value": 5},
        {"region": CHANGAN, "element": "rd_budget", "value": 5},
        {"region": CHANGAN, "element": "high_tech_enterprises", "value": -2},
        {"region": CHANGAN, "element": "tech_smes", "value": 301},
        {"region": 130102, "element": "tech_smes", "value": 1},
    ]
    problem = assert_problem(await api.post("/data/2020", json={"values": bad}), 422)
    errors = {(e["index"], e["field"]) for e in problem["errors"]}
    assert errors == {
        (4, "values[4].region"),
        (5, "values[5].element"),
        (6, "values[6].value"),
        (7, "values[7].element"),
        (8, "values[8].region"),
    }
    assert "nothing was written" in problem["detail"]
    assert stored(engine) == 0
    reasons = {e["index"]: e["reason"] for e in problem["errors"]}
    assert reasons[6] == "must not be negative" and "row 0" in reasons[7]


async def test_bulk_dry_run_counts_without_writing(ready: httpx.AsyncClient, engine: Engine) -> None:
    r = await ready.post("/data/2020", json={"values": BATCH, "dry_run": True})
    assert r.json() == {"created": 4, "updated": 0, "unchanged": 0, "dry_run": True, "warnings": []}
    assert stored(engine) == 0


async def test_bulk_for_a_year_without_period_names_each_row(
    ready: httpx.AsyncClient, engine: Engine
) -> None:
    problem = assert_problem(await ready.post("/data/2022", json={"values": BATCH[:2]}), 422)
    assert [(e["index"], e["field"]) for e in problem["errors"]] == [
        (0, "values[0].year"),
        (1, "values[1].year"),
    ]
    assert stored(engine) == 0


async def test_bulk_row_limit_and_shape(ready: httpx.AsyncClient, engine: Engine) -> None:
    too_many = [{"region": CHANGAN, "element": "tech_smes", "value": i} for i in range(501)]
    assert (
        "at most 500 rows"
        in assert_problem(await ready.post("/data/2020", json={"values": too_many}), 413)["detail"]
    )
    shape = assert_problem(
        await ready.post("/data/2020", json={"values": [{"region": CHANGAN, "value": 1}]}), 422
    )
    assert shape["errors"][0]["index"] == 0 and shape["errors"][0]["field"] == "values[0].element"
    assert stored(engine) == 0


async def test_request_body_above_the_limit_is_413(settings, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app
    from tests.conftest import ADMIN_TOKEN

    app = create_app(settings.model_copy(update={"max_body_bytes": 2048}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://t/api/v1",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        ) as api:
            await seed_regions(api)
            await seed_period(api, 2020)
            rows = [{"region": CHANGAN, "element": "tech_smes", "value": 1, "comment": "x" * 100}] * 30
            r = await api.post("/data/2020", json={"values": rows})
            assert "exceeds 2048 bytes" in assert_problem(r, 413)["detail"]

            async def chunks():  # type: ignore[no-untyped-def]
                for _ in range(10):
                    yield b" " * 500

            streamed = await api.post(
                "/data/2020", content=chunks(), headers={"content-type": "application/json"}
            )
            assert_problem(streamed, 413)
    assert stored(engine) == 0


@pytest.mark.parametrize(
    ("method", "path", "params", "body"),
    [
        ("PUT", f"/data/2020/{CHANGAN}/tech_smes", None, {"value": 1, "comment": "a\u0000b"}),
        (
            "POST",
            "/data/2020",
            None,
            {"values": [{"region": CHANGAN, "element": "tech_smes", "value": 1, "comment": "\u0000"}]},
        ),
        ("GET", "/regions", {"parent": "13\u00000"}, None),
    ],
)
async def test_nul_characters_are_refused_on_every_database(
    ready: httpx.AsyncClient, engine: Engine, method: str, path: str, params: dict | None, body: dict | None
) -> None:
    r = await ready.request(method, path, params=params, json=body)
    assert "NUL" in assert_problem(r, 422)["detail"]
    assert stored(engine) == 0
