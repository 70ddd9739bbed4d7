"""Periods carry a due date; completeness tells whether each department's data arrived on time."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Engine, bindparam, text

from app.db.types import UTCDateTime
from tests.api.helpers import CHANGAN, QIAOXI, SJZ, XINHUA, assert_problem
from tests.api.review_helpers import seed_province


@pytest.fixture
async def keys(api: httpx.AsyncClient, engine: Engine) -> dict[str, dict[str, str]]:
    return await seed_province(api, engine)


FINANCE = ("fiscal_st_expenditure", "public_expenditure")


async def post_finance(api: httpx.AsyncClient, region: str, elements: tuple[str, ...] = FINANCE) -> None:
    values = {"fiscal_st_expenditure": 3000, "public_expenditure": 200000}
    rows = [{"region": region, "element": e, "value": values[e]} for e in elements]
    assert (await api.post("/data/2020", json={"values": rows})).status_code == 200


def arrived(engine: Engine, region: str, at: datetime) -> None:
    """Date the arrival of the region's finance values (their `create` in the audit trail)."""
    stmt = text(
        "UPDATE audit_event SET at = :at WHERE entity = 'data_value' AND action = 'create'"
        " AND region_code = :r AND year = 2020"
    ).bindparams(bindparam("at", type_=UTCDateTime))
    with engine.begin() as conn:
        conn.execute(stmt, {"at": at, "r": region})


def finance_of(report: dict, region: str) -> dict:
    r = next(x for x in report["regions"] if x["region"] == region)
    return next(d for d in r["departments"] if d["department"] == "finance")


async def test_due_date_round_trips_and_is_checked(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]]
) -> None:
    r = await api.put("/periods/2020", json={"scheme": "hebei-county-2019", "due_on": "2021-03-31"})
    assert r.status_code == 200 and r.json()["due_on"] == "2021-03-31"
    assert (await api.get("/periods/2020")).json()["due_on"] == "2021-03-31"
    assert_problem(
        await api.put("/periods/2020", json={"scheme": "hebei-county-2019", "due_on": "31/03/2021"}), 422
    )
    assert (await api.put("/periods/2020", json={"scheme": "hebei-county-2019"})).json()["due_on"] is None


async def test_on_time_late_and_rates_per_department_and_city(
    api: httpx.AsyncClient, engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    await api.put("/periods/2020", json={"scheme": "hebei-county-2019", "due_on": "2021-03-31"})
    await post_finance(api, CHANGAN)
    await post_finance(api, QIAOXI)
    await post_finance(api, XINHUA, FINANCE[:1])
    # the due date ends at 24:00 China Standard Time = 2021-03-31 16:00:00 UTC
    arrived(engine, CHANGAN, datetime(2021, 3, 31, 15, 59, 59, tzinfo=UTC))
    arrived(engine, QIAOXI, datetime(2021, 3, 31, 16, 0, 1, tzinfo=UTC))
    # a later correction is not an arrival
    assert (
        await api.put(f"/data/2020/{CHANGAN}/public_expenditure", json={"value": 210000})
    ).status_code == 200
    report = (await api.get("/periods/2020/completeness")).json()
    assert finance_of(report, CHANGAN)["on_time"] is True
    assert finance_of(report, CHANGAN)["arrived_at"].startswith("2021-03-31T15:59:59")
    assert finance_of(report, QIAOXI)["on_time"] is False  # one second late
    assert finance_of(report, XINHUA)["on_time"] is False  # incomplete after the due date
    assert finance_of(report, XINHUA)["arrived_at"] is None
    t = report["timeliness"]
    assert t["due_on"] == "2021-03-31" and t["deadline"].startswith("2021-04-01T00:00:00+08:00")
    finance = next(d for d in t["departments"] if d["department"] == "finance")
    # 7 counties (6 of Shijiazhuang, 1 of Tangshan): only 长安区 on time
    assert (finance["on_time"], finance["late"], finance["pending"]) == (1, 6, 0)
    assert finance["on_time_rate"] == pytest.approx(1 / 7, abs=1e-4)
    sjz = next(c for c in t["cities"] if c["city"] == SJZ)
    parts = sum(
        len(d["expected"]) > 0 for r in report["regions"] if r["region"] != "130202" for d in r["departments"]
    )
    assert (sjz["on_time"], sjz["late"], sjz["name_zh"]) == (1, parts - 1, "石家庄市")


async def test_before_the_due_date_missing_data_is_pending(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]]
) -> None:
    await api.put("/periods/2020", json={"scheme": "hebei-county-2019", "due_on": "2099-12-31"})
    await post_finance(api, CHANGAN)
    await post_finance(api, QIAOXI, FINANCE[:1])
    r = await api.get("/periods/2020/completeness", params={"parent": SJZ})
    report = r.json()
    assert finance_of(report, CHANGAN)["on_time"] is True
    assert finance_of(report, QIAOXI)["on_time"] is None
    finance = next(d for d in report["timeliness"]["departments"] if d["department"] == "finance")
    assert (finance["on_time"], finance["late"], finance["pending"], finance["on_time_rate"]) == (
        1,
        0,
        5,
        1,
    )
    assert '"on_time_rate":1,' in r.text  # a whole number, written as every number is (not 1.0)


async def test_without_a_due_date_nothing_is_judged(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]]
) -> None:
    await post_finance(api, CHANGAN)
    report = (await api.get("/periods/2020/completeness")).json()
    assert finance_of(report, CHANGAN)["on_time"] is None
    assert report["timeliness"]["due_on"] is None and report["timeliness"]["departments"] == []
