"""Every analytics text reads in Chinese and in English and names elements by their names, never by
their codes: gaps, the path to the next tier, target progress, the round summary and department
summaries, over the whole demo dataset of one year."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import Engine

from app.services.demo import load_demo
from tests.api.helpers import CHANGAN, SJZ, XINHUA

YEAR = 2024
#: an element, indicator or registry code: lower-case words joined by underscores
CODE = re.compile(r"[a-z]+_[a-z_]+")
#: the keys whose values are sentences for people
TEXT_KEYS = re.compile(r"^(description|note|reason|summary|statement)(_zh|_en)?$|^(zh|en)$")
HAN = re.compile(r"[\u4e00-\u9fff]")


def texts(obj: Any, where: str = "") -> list[tuple[str, str]]:
    """(path, text) of every sentence in an answer."""
    out: list[tuple[str, str]] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, str) and TEXT_KEYS.match(k):
                out.append((f"{where}.{k}", v))
            else:
                out += texts(v, f"{where}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += texts(v, f"{where}[{i}]")
    return out


def check(answer: Any, label: str) -> int:
    found = texts(answer)
    coded = [(w, t) for w, t in found if CODE.search(t)]
    assert coded == [], (label, coded[:5])
    for w, t in found:
        if w.endswith("_zh") or w.endswith(".zh"):
            assert HAN.search(t), (label, w, t)
    return len(found)


async def test_no_analytics_text_names_a_code(api: httpx.AsyncClient, engine: Engine) -> None:
    load_demo(engine, years=(YEAR - 1, YEAR))
    regions = (await api.get("/regions", params={"parent": SJZ, "limit": 100})).json()["items"]
    assert len(regions) == 22
    checked = 0
    for r in regions:
        g = await api.get(f"/scores/{YEAR}/{r['code']}/gaps")
        assert g.status_code == 200, g.text
        body = g.json()
        checked += check(body, r["code"])
        path = body["to_next_tier"]
        assert path["note_zh"] and path["note_en"] and isinstance(path["bounds"], list)
        for ind in body["indicators"]:
            for o in ind["options"]:
                assert o["description"] == o["description_en"] and o["description_zh"]
                assert o["within_bounds"] == (not any(b["binding"] for b in o["bounds"]))
        d = await api.get(f"/scores/{YEAR}/{r['code']}/departments")
        checked += check(d.json(), r["code"])
    summary = (await api.get(f"/rounds/{YEAR}/summary", params={"parent": SJZ})).json()
    checked += check(summary, "summary")
    # 22 regions, 6 tiers A, 8 B, 8 C in the demo's 2024 (docs/analytics.md, round summary)
    assert summary["summary_zh"].startswith(f"{YEAR} 年共 22 个地区参评：A 类 6 个、B 类 8 个、C 类 8 个")
    assert summary["summary_en"].startswith(f"22 regions scored for {YEAR}: 6 in tier A, 8 in tier B")

    targets = [
        {"region": CHANGAN, "kind": "value", "subject": "high_tech_enterprises", "threshold": 90},
        {"region": CHANGAN, "kind": "value", "subject": "rd_intensity", "threshold": 1.5},
        {"region": CHANGAN, "kind": "count", "subject": "maker_space", "level": "national", "threshold": 2},
        {"region": CHANGAN, "kind": "increase", "subject": "fiscal_st_share"},
        {"region": XINHUA, "kind": "tier", "subject": "A"},
    ]
    for t in targets:
        r = await api.post("/targets", json={**t, "by_year": 2025, "base_year": YEAR - 1})
        assert r.status_code == 201, r.text
    progress = (await api.get("/targets/progress", params={"year": YEAR})).json()
    assert len(progress["items"]) == 5
    checked += check(progress, "targets")
    hte = next(p for p in progress["items"] if p["target"]["subject"] == "high_tech_enterprises")
    assert hte["statement_zh"] == "到 2025 年高新技术企业数量达到 90 家"
    assert hte["statement_en"] == "high-tech enterprises at least 90 by 2025"
    assert "高新技术企业数量为" in hte["reason_zh"] and "high-tech enterprises is" in hte["reason_en"]
    maker = next(p for p in progress["items"] if p["target"]["subject"] == "maker_space")
    assert maker["statement_zh"] == "到 2025 年国家级及以上众创空间达到 2 个"
    assert checked > 1000


async def test_the_scheme_shows_its_yearly_bounds(api: httpx.AsyncClient) -> None:
    # as declared in app/schemes/hebei-county-2019.toml's [bounds]: defaults 0.5 and 2, exceptions
    bounds = (await api.get("/schemes/hebei-county-2019")).json()["bounds"]
    elements, types = bounds["elements"], bounds["types"]
    assert (elements["fiscal_st_expenditure"], elements["agri_industrialization_rate"]) == (1, 0.2)
    assert elements["tech_smes"] == 0.5 and "st_admin_body" not in elements
    assert "st_management_innovation_score" not in elements  # assessed: not a growth
    assert (types["high_tech_zone"], types["innovative_county"], types["key_lab"]) == (1, 1, 2)
