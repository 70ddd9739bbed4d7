"""What a bulk import leaves in the audit trail and the stored values, read back over HTTP and compared
with answers written out here: texts with tabs, line breaks, backslashes and Chinese, and numbers in
their one JSON form (the PostgreSQL path writes these rows with COPY, typed per column)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import CHANGAN, QIAOXI, seed_period, seed_regions

COMMENT = '统计年报\t第二版\n"复核" \\ 完'


@pytest.fixture
async def ready(api: httpx.AsyncClient) -> httpx.AsyncClient:
    await seed_regions(api)
    await seed_period(api, 2020)
    return api


def changes(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (e["action"], e["entity"], e["entity_key"], e["region"], e["year"], e["element"], e["old"], e["new"])
        for e in items
    ]


async def test_a_bulk_import_leaves_one_event_per_change_with_both_states(ready: httpx.AsyncClient) -> None:
    api = ready
    batch = [
        {"region": CHANGAN, "element": "fiscal_st_expenditure", "value": 12345.60, "comment": COMMENT},
        {"region": CHANGAN, "element": "tech_smes", "value": 300},
        {"region": QIAOXI, "element": "agri_industrialization_rate", "value": 65.05, "comment": ""},
        {"region": QIAOXI, "element": "st_admin_body", "value": "merged_office"},
        {"region": QIAOXI, "element": "st_leading_group", "value": True},
    ]
    r = await api.post("/data/2020", json={"values": batch})
    assert r.json()["created"] == 5
    fix = [{"region": CHANGAN, "element": "tech_smes", "value": 310, "comment": "更正"}]
    assert (await api.post("/data/2020", json={"values": [*batch[:1], *fix]})).json()["updated"] == 1

    everything = (await api.get("/audit", params={"year": 2020})).json()
    trail = {"items": [e for e in everything["items"] if e["entity"] == "data_value"]}
    assert everything["total"] == len(everything["items"])
    assert changes(trail["items"]) == [
        (
            "create",
            "data_value",
            f"2020/{CHANGAN}/fiscal_st_expenditure",
            CHANGAN,
            2020,
            "fiscal_st_expenditure",
            None,
            {"value": 12345.6, "comment": COMMENT},
        ),
        (
            "create",
            "data_value",
            f"2020/{CHANGAN}/tech_smes",
            CHANGAN,
            2020,
            "tech_smes",
            None,
            {"value": 300, "comment": None},
        ),
        (
            "create",
            "data_value",
            f"2020/{QIAOXI}/agri_industrialization_rate",
            QIAOXI,
            2020,
            "agri_industrialization_rate",
            None,
            {"value": 65.05, "comment": ""},
        ),
        (
            "create",
            "data_value",
            f"2020/{QIAOXI}/st_admin_body",
            QIAOXI,
            2020,
            "st_admin_body",
            None,
            {"value": "merged_office", "comment": None},
        ),
        (
            "create",
            "data_value",
            f"2020/{QIAOXI}/st_leading_group",
            QIAOXI,
            2020,
            "st_leading_group",
            None,
            {"value": "true", "comment": None},
        ),
        (
            "update",
            "data_value",
            f"2020/{CHANGAN}/tech_smes",
            CHANGAN,
            2020,
            "tech_smes",
            {"value": 300, "comment": None},
            {"value": 310, "comment": "更正"},
        ),
    ]
    assert len({e["actor"] for e in trail["items"]}) == 1
    # one time per batch: the five events of the first, the one of the second
    assert (
        len({e["at"] for e in trail["items"][:5]}) == 1 and trail["items"][5]["at"] > trail["items"][0]["at"]
    )
    # the history of one value, and the filters by region and element, answer the same events
    history = (await api.get(f"/data/2020/{CHANGAN}/tech_smes/history")).json()
    assert changes(history["items"]) == [changes(trail["items"])[1], changes(trail["items"])[5]]
    by_region = (await api.get("/audit", params={"region": QIAOXI})).json()
    assert [c for c in changes(by_region["items"]) if c[1] == "data_value"] == changes(trail["items"])[2:5]
    by_element = (await api.get("/audit", params={"element": "fiscal_st_expenditure"})).json()
    assert changes(by_element["items"]) == changes(trail["items"])[:1]
    # the stored value keeps the comment's every character
    got = (await api.get(f"/data/2020/{CHANGAN}/fiscal_st_expenditure")).json()
    assert (got["value"], got["comment"]) == (12345.6, COMMENT)
