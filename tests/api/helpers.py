"""Small builders for API tests."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import Engine, text

SJZ, CHANGAN, QIAOXI, XINHUA, HEBEI = "130100", "130102", "130104", "130105", "130000"


async def seed_regions(api: httpx.AsyncClient) -> None:
    """Hebei, Shijiazhuang and three of its districts."""
    for body in (
        {"code": HEBEI, "name_zh": "河北省", "name_en": "Hebei Province", "level": "province"},
        {
            "code": SJZ,
            "name_zh": "石家庄市",
            "name_en": "Shijiazhuang City",
            "level": "city",
            "parent_code": HEBEI,
        },
        {
            "code": CHANGAN,
            "name_zh": "长安区",
            "name_en": "Chang'an District",
            "level": "county",
            "parent_code": SJZ,
        },
        {
            "code": QIAOXI,
            "name_zh": "桥西区",
            "name_en": "Qiaoxi District",
            "level": "county",
            "parent_code": SJZ,
        },
        {
            "code": XINHUA,
            "name_zh": "新华区",
            "name_en": "Xinhua District",
            "level": "county",
            "parent_code": SJZ,
        },
    ):
        r = await api.post("/regions", json=body)
        assert r.status_code == 201, r.text


async def seed_period(api: httpx.AsyncClient, year: int = 2020) -> None:
    r = await api.put(f"/periods/{year}", json={"scheme": "hebei-county-2019", "round_label": str(year + 1)})
    assert r.status_code in (200, 201), r.text


def assert_problem(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["type"].startswith("/problems/") and body["detail"]
    return body


def release_changed_scheme(engine: Engine) -> None:
    """Simulate a new release of the Hebei scheme: high_tech_enterprises gets other knots (70
    enterprises then score the max 10), under the same code, with a new content hash."""
    with engine.begin() as conn:
        row = conn.execute(
            text("SELECT definition FROM scheme WHERE code = 'hebei-county-2019'")
        ).scalar_one()
        changed = json.loads(row)
        changed["dimensions"][1]["indicators"][0]["rule"]["knots"] = [[0, 0], [5, 5], [20, 8], [50, 10]]
        conn.execute(
            text(
                "UPDATE scheme SET definition = :d, content_hash = 'changed' WHERE code = 'hebei-county-2019'"
            ),
            {"d": json.dumps(changed, ensure_ascii=False)},
        )
