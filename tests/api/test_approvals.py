"""The approval workflow over HTTP: draft -> submitted -> approved -> accepted, returns, the writes a
submitted region refuses, publication, and the permission matrix of the new roles."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.api.helpers import CHANGAN, QIAOXI, SJZ, XINHUA, assert_problem
from tests.api.review_helpers import LUNAN, SJZ_COUNTIES, seed_province

PLATFORM = {"type": "key_lab", "level": "provincial", "name": "某重点实验室"}


@pytest.fixture
async def keys(api: httpx.AsyncClient, engine: Engine) -> dict[str, dict[str, str]]:
    return await seed_province(api, engine)


async def act(
    api: httpx.AsyncClient, action: str, region: str = CHANGAN, headers: dict | None = None, **body
) -> httpx.Response:
    return await api.post(f"/approvals/2020/{region}/{action}", json=body or None, headers=headers)


async def bring_to(api: httpx.AsyncClient, state: str, region: str = CHANGAN) -> None:
    """Move a draft region to `state` with the admin key."""
    for action, reached in (("submit", "submitted"), ("approve", "approved"), ("accept", "accepted")):
        if state == "draft":
            return
        r = await act(api, action, region)
        assert r.status_code == 200 and r.json()["state"] == reached, r.text
        if reached == state:
            return


async def test_the_whole_way_and_back_with_writes_refused_while_submitted(
    api: httpx.AsyncClient, engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    science = keys["science-sjz"]
    assert (
        await api.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 300}, headers=science)
    ).status_code == 201
    r = await act(api, "submit", headers=keys["coordinator-changan"])
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["submitted_by"]) == ("submitted", "coordinator-changan")
    # the region's values of 2020 refuse writes, from any key, until returned
    for headers in (science, keys["admin"]):
        body = assert_problem(
            await api.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 301}, headers=headers), 409
        )
        assert body["type"] == "/problems/region-submitted" and CHANGAN in body["detail"]
    rows = [
        {"region": QIAOXI, "element": "tech_smes", "value": 5},
        {"region": CHANGAN, "element": "tech_smes", "value": 5},
    ]
    assert_problem(await api.post("/data/2020", json={"values": rows}), 409)
    assert (await api.get(f"/data/2020/{QIAOXI}/tech_smes")).status_code == 404  # the batch wrote nothing
    assert_problem(await api.delete(f"/data/2020/{CHANGAN}/tech_smes"), 409)
    # registry items counting in 2020 refuse changes; one recognised in 2021 does not count in 2020
    body = {"region": CHANGAN, **PLATFORM, "recognized_on": "2019-05-01"}
    assert (
        assert_problem(await api.post("/platforms", json=body), 409)["type"] == "/problems/region-submitted"
    )
    later = await api.post("/platforms", json={**body, "recognized_on": "2021-05-01"})
    assert later.status_code == 201
    assert_problem(
        await api.patch(f"/platforms/{later.json()['id']}", json={"recognized_on": "2020-05-01"}), 409
    )
    award = {
        "region": CHANGAN,
        "type": "project",
        "level": "national",
        "name": "项目",
        "awarded_on": "2020-05-01",
    }
    assert_problem(await api.post("/awards", json=award), 409)
    assert (await api.post("/awards", json={**award, "awarded_on": "2021-05-01"})).status_code == 201
    # other regions and other years write as before
    assert (await api.put(f"/data/2020/{QIAOXI}/tech_smes", json={"value": 7})).status_code == 201
    assert (await api.put(f"/data/2019/{CHANGAN}/tech_smes", json={"value": 250})).status_code == 201

    r = await act(api, "approve", headers=keys["approver-sjz"])
    assert (r.json()["state"], r.json()["approved_by"]) == ("approved", "approver-sjz")
    # the coordinator may no longer return it: the city has acted
    assert_problem(await act(api, "return", headers=keys["coordinator-changan"], reason="oops"), 403)
    r = await act(api, "return", headers=keys["approver-sjz"], reason="科技型中小企业数量与备案不符")
    assert (r.json()["state"], r.json()["returned_by"]) == ("draft", "approver-sjz")
    assert r.json()["return_reason"] == "科技型中小企业数量与备案不符"
    assert (
        await api.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 310}, headers=science)
    ).status_code == 200

    await bring_to(api, "accepted")
    listed = (await api.get("/approvals/2020", params={"parent": SJZ})).json()
    states = {i["region"]: i["state"] for i in listed["items"]}
    assert states == {c: "accepted" if c == CHANGAN else "draft" for c in SJZ_COUNTIES}
    assert listed["counts"] == {"draft": 5, "submitted": 0, "approved": 0, "accepted": 1}
    mine = next(i for i in listed["items"] if i["region"] == CHANGAN)
    assert mine["accepted_by"] == "bootstrap-admin" and mine["accepted_at"] is not None
    assert LUNAN in {i["region"] for i in (await api.get("/approvals/2020")).json()["items"]}
    # every transition is audited, the return with its reason
    with engine.connect() as conn:
        events = conn.execute(
            text("SELECT action, actor, reason FROM audit_event WHERE entity = 'approval' ORDER BY id")
        ).all()
    assert [(e[0], e[1]) for e in events] == [
        ("submit", "coordinator-changan"),
        ("approve", "approver-sjz"),
        ("return", "approver-sjz"),
        ("submit", "bootstrap-admin"),
        ("approve", "bootstrap-admin"),
        ("accept", "bootstrap-admin"),
    ]
    assert events[2][2] == "科技型中小企业数量与备案不符"


async def test_a_region_with_open_flags_cannot_be_submitted_until_confirmed(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]]
) -> None:
    stats = keys["statistics-sjz"]
    await api.put(f"/data/2019/{CHANGAN}/agri_industrialization_rate", json={"value": 65.1}, headers=stats)
    r = await api.put(
        f"/data/2020/{CHANGAN}/agri_industrialization_rate", json={"value": 0.651}, headers=stats
    )
    flag = r.json()["warnings"][0]
    body = assert_problem(await act(api, "submit", headers=keys["coordinator-changan"]), 409)
    assert body["type"] == "/problems/region-not-ready"
    assert (
        body["errors"][0]["field"] == "agri_industrialization_rate"
        and str(flag["id"]) in body["errors"][0]["reason"]
    )
    confirm = await api.post(
        f"/periods/2020/quality/{flag['id']}/confirm",
        json={"comment": "按口径调整后确为0.651%"},
        headers=stats,
    )
    assert confirm.status_code == 200
    assert (await act(api, "submit", headers=keys["coordinator-changan"])).status_code == 200


async def test_a_stored_value_breaking_an_error_rule_blocks_submission(
    api: httpx.AsyncClient, engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    await api.put(f"/data/2020/{CHANGAN}/fiscal_st_expenditure", json={"value": 3000})
    # stored before the rule could refuse it (e.g. loaded under an earlier scheme release)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO data_value (year, region_code, element, value_number, source, updated_at)"
                " VALUES (2020, :r, 'public_expenditure', 1000, 'import', '2020-01-01 00:00:00')"
            ),
            {"r": CHANGAN},
        )
    body = assert_problem(await act(api, "submit"), 409)
    assert "fiscal_st_within_public" in body["errors"][0]["reason"]


async def test_publication_needs_every_county_accepted_or_force_with_a_reason(
    api: httpx.AsyncClient, engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    await bring_to(api, "accepted", CHANGAN)
    await bring_to(api, "approved", QIAOXI)
    body = assert_problem(await api.post("/periods/2020/lock"), 409)
    assert body["type"] == "/problems/regions-not-accepted"
    reasons = {e["reason"] for e in body["errors"]}
    assert f"{QIAOXI} is approved" in reasons and f"{XINHUA} is draft" in reasons and len(reasons) == 6
    assert assert_problem(await api.post("/periods/2020/lock", json={"force": True}), 422)
    assert_problem(await api.post("/periods/2020/lock", json={"force": True, "reason": "   "}), 422)
    assert (await api.get("/periods/2020")).json()["status"] == "open"
    r = await api.post("/periods/2020/lock", json={"force": True, "reason": "省厅要求按期发布"})
    assert r.status_code == 200 and r.json()["status"] == "published"
    with engine.connect() as conn:
        new, reason = conn.execute(
            text("SELECT new, reason FROM audit_event WHERE entity = 'period' AND action = 'force'")
        ).one()
    assert reason == "省厅要求按期发布" and QIAOXI in new and CHANGAN not in new
    # a published year's approvals do not move
    assert_problem(await act(api, "return", reason="late fix"), 409)
    assert_problem(await act(api, "accept", QIAOXI), 409)


async def test_with_every_county_accepted_the_year_publishes_without_force(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]]
) -> None:
    for county in (*SJZ_COUNTIES, LUNAN):
        await bring_to(api, "accepted", county)
    r = await api.post("/periods/2020/lock")
    assert r.status_code == 200 and r.json()["status"] == "published"


async def test_approvals_are_per_county_and_need_a_period(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]]
) -> None:
    assert_problem(await act(api, "submit", SJZ), 422)
    assert_problem(await api.post(f"/approvals/2031/{CHANGAN}/submit"), 404)
    assert_problem(await api.post("/approvals/2020/139999/submit"), 404)
    assert_problem(await api.get("/approvals/2031"), 404)
    assert_problem(await act(api, "return"), 422)  # no reason
    assert_problem(await act(api, "return", reason="nothing to return"), 409)


# ---------------------------------------------------------------------- the permission matrix

# (key, action, the state the region is brought to first, expected status)
MATRIX: list[tuple[str, str, str, int]] = [
    ("coordinator-changan", "submit", "draft", 200),
    ("coordinator-sjz", "submit", "draft", 200),  # a city coordinator covers its counties
    ("admin", "submit", "draft", 200),
    ("coordinator-qiaoxi", "submit", "draft", 403),
    ("approver-sjz", "submit", "draft", 403),
    ("statistics-sjz", "submit", "draft", 403),
    ("reader", "submit", "draft", 403),
    ("coordinator-changan", "submit", "submitted", 409),
    ("approver-sjz", "approve", "submitted", 200),
    ("approver-hebei", "approve", "submitted", 200),
    ("admin", "approve", "submitted", 200),
    ("approver-tangshan", "approve", "submitted", 403),
    ("coordinator-changan", "approve", "submitted", 403),
    ("statistics-sjz", "approve", "submitted", 403),
    ("admin", "approve", "draft", 409),
    ("admin", "accept", "approved", 200),
    ("approver-hebei", "accept", "approved", 403),
    ("approver-sjz", "accept", "approved", 403),
    ("coordinator-changan", "accept", "approved", 403),
    ("admin", "accept", "submitted", 409),
    ("coordinator-changan", "return", "submitted", 200),
    ("approver-sjz", "return", "submitted", 200),
    ("admin", "return", "submitted", 200),
    ("coordinator-qiaoxi", "return", "submitted", 403),
    ("reader", "return", "submitted", 403),
    ("coordinator-changan", "return", "approved", 403),
    ("approver-sjz", "return", "approved", 200),
    ("approver-tangshan", "return", "approved", 403),
    ("admin", "return", "approved", 200),
    ("approver-sjz", "return", "accepted", 403),
    ("approver-hebei", "return", "accepted", 403),
    ("admin", "return", "accepted", 200),
]


@pytest.mark.parametrize(
    ("key", "action", "state", "status"), MATRIX, ids=[f"{m[0]}-{m[1]}-{m[2]}-{m[3]}" for m in MATRIX]
)
async def test_permission_matrix(
    api: httpx.AsyncClient, keys: dict[str, dict[str, str]], key: str, action: str, state: str, status: int
) -> None:
    await bring_to(api, state)
    body = {"reason": "数据需复核"} if action == "return" else {}
    r = await act(api, action, headers=keys[key], **body)
    assert r.status_code == status, r.text
    after = {i["region"]: i["state"] for i in (await api.get("/approvals/2020")).json()["items"]}[CHANGAN]
    if status == 200:
        assert (
            after
            == {"submit": "submitted", "approve": "approved", "accept": "accepted", "return": "draft"}[action]
        )
    else:
        assert_problem(r, status)
        assert after == state  # a refused transition changes nothing


async def test_a_submission_racing_writes_never_lets_a_write_in_after_it(
    api: httpx.AsyncClient, engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    """Writes and the submission run at once (the threadpool, on the test database). Each write must
    either land before the submission, or be refused with 409: none may commit after it."""
    import asyncio

    science = keys["science-sjz"]
    writes = [
        api.put(f"/data/2020/{CHANGAN}/tech_smes", json={"value": 100 + i}, headers=science)
        for i in range(12)
    ]
    submit = act(api, "submit", headers=keys["coordinator-changan"])
    results = await asyncio.gather(*writes[:6], submit, *writes[6:])
    statuses = [r.status_code for r in results]
    assert statuses[6] == 200, results[6].text
    assert set(statuses[:6] + statuses[7:]) <= {200, 201, 409}
    with engine.connect() as conn:
        submitted = conn.execute(
            text("SELECT id FROM audit_event WHERE entity = 'approval' AND action = 'submit'")
        ).scalar_one()
        written = conn.execute(
            text("SELECT max(id) FROM audit_event WHERE entity = 'data_value' AND region_code = :r"),
            {"r": CHANGAN},
        ).scalar_one()
        stored = conn.execute(
            text("SELECT value_number FROM data_value WHERE region_code = :r AND element = 'tech_smes'"),
            {"r": CHANGAN},
        ).scalar_one_or_none()
    assert written is None or written < submitted
    # what was submitted is what is stored: the last write that got through
    landed = [
        r.json()["value"]["value"] for r in results if r.status_code in (200, 201) and "value" in r.json()
    ]
    if landed:
        assert stored is not None and int(stored) in landed


async def test_a_submission_racing_registry_writes_never_lets_one_in_after_it(
    api: httpx.AsyncClient, engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    """As for values: each platform counting in 2020 lands before the submission or gets 409."""
    import asyncio

    science = keys["science-sjz"]
    posts = [
        api.post(
            "/platforms",
            json={"region": CHANGAN, **PLATFORM, "name": f"实验室{i}", "recognized_on": "2019-05-01"},
            headers=science,
        )
        for i in range(12)
    ]
    results = await asyncio.gather(
        *posts[:6], act(api, "submit", headers=keys["coordinator-changan"]), *posts[6:]
    )
    assert results[6].status_code == 200, results[6].text
    assert {r.status_code for r in results[:6] + results[7:]} <= {201, 409}
    with engine.connect() as conn:
        submitted = conn.execute(
            text("SELECT id FROM audit_event WHERE entity = 'approval' AND action = 'submit'")
        ).scalar_one()
        written = conn.execute(text("SELECT max(id) FROM audit_event WHERE entity = 'platform'")).scalar_one()
    assert written is None or written < submitted
