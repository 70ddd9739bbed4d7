"""A published year answers what was published, whatever happens to the regions afterwards.

Renaming a region, moving it under another parent, changing its level or adding a region must
not change a published year's rankings, round summary, completeness, breakdown reads or the
published ranks in a trend. The expected answers are the responses captured before the change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import Engine, text

from app.services.demo import load_demo
from tests.api.helpers import CHANGAN, HEBEI, QIAOXI, SJZ, XINHUA

TANGSHAN = "130200"
NEW_COUNTY = "130197"  # not a code of the reference divisions
#: these tests publish without the approval workflow
FORCE = {"force": True, "reason": "published without the approval workflow"}
#: every read of a published year that depends on the regions' names, levels or tree
PUBLISHED_READS = (
    ("/scores/2024", {"parent": SJZ}),
    ("/scores/2024", {"parent": HEBEI}),
    ("/scores/2024", {"parent": TANGSHAN}),
    ("/scores/2024", {}),
    ("/scores/2024", {"parent": HEBEI, "level": "city"}),
    ("/rounds/2024/summary", {"parent": SJZ}),
    ("/rounds/2024/summary", {"parent": HEBEI}),
    ("/periods/2024/completeness", {"parent": SJZ}),
    ("/periods/2024/completeness", {"parent": HEBEI, "level": "county"}),
    (f"/scores/2024/{CHANGAN}", {}),
    (f"/scores/2024/{QIAOXI}/departments", {}),
    (f"/scores/2024/{XINHUA}/gaps", {}),
)


@pytest.fixture
async def demo(api: httpx.AsyncClient, engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    """The demo dataset (Hebei's divisions, 22 county-level units of 石家庄市, 2019-2024) with
    2023 and 2024 published."""
    load_demo(engine)
    for year in (2023, 2024):
        assert (await api.post(f"/periods/{year}/lock", json=FORCE)).status_code == 200
    yield api


async def capture(api: httpx.AsyncClient) -> dict[str, bytes]:
    out = {}
    for path, params in PUBLISHED_READS:
        r = await api.get(path, params=params)
        assert r.status_code == 200, (path, params, r.text)
        out[f"{path}?{params}"] = r.content
    return out


async def published_years_of_trend(api: httpx.AsyncClient, code: str) -> list[dict]:
    r = await api.get(f"/regions/{code}/trend")
    assert r.status_code == 200, r.text
    return [y for y in r.json()["years"] if y["year"] in (2023, 2024)]


async def change_regions(api: httpx.AsyncClient) -> None:
    renamed = {"name_zh": "长安新区", "name_en": "Chang'an New District"}
    assert (await api.patch(f"/regions/{CHANGAN}", json=renamed)).status_code == 200
    assert (await api.patch(f"/regions/{QIAOXI}", json={"parent_code": TANGSHAN})).status_code == 200
    moved_up = {"level": "city", "parent_code": HEBEI}
    assert (await api.patch(f"/regions/{XINHUA}", json=moved_up)).status_code == 200
    new = {
        "code": NEW_COUNTY,
        "name_zh": "新设县",
        "name_en": "New County",
        "level": "county",
        "parent_code": SJZ,
    }
    assert (await api.post("/regions", json=new)).status_code == 201


async def test_published_rankings_summary_and_completeness_do_not_move(demo: httpx.AsyncClient) -> None:
    before = await capture(demo)
    trend_before = {c: await published_years_of_trend(demo, c) for c in (CHANGAN, QIAOXI, XINHUA)}
    # the captured ranking is what the reference divisions say: 22 units of 石家庄市, 长安区 by name
    city = (await demo.get("/scores/2024", params={"parent": SJZ})).json()
    assert city["total"] == 22
    assert {i["region"]: i["name_zh"] for i in city["items"]}[CHANGAN] == "长安区"

    await change_regions(demo)

    # the changes took effect where the year is open (2022): 22 - 桥西区 (moved to 唐山市)
    # - 新华区 (now a city) + the new county = 21 units under 石家庄市, 长安区 renamed; the new
    # county has no data for 2022, so 20 are ranked and it is listed only when asked for
    open_year = (await demo.get("/scores/2022", params={"parent": SJZ})).json()
    assert open_year["total"] == 20
    listed = (await demo.get("/scores/2022", params={"parent": SJZ, "include_unscored": "true"})).json()
    assert listed["total"] == 21
    assert [(i["region"], i["rank"]) for i in listed["items"] if i["rank"] is None] == [(NEW_COUNTY, None)]
    names = {i["region"]: i["name_zh"] for i in open_year["items"]}
    assert names[CHANGAN] == "长安新区" and QIAOXI not in names and XINHUA not in names
    # ...and none in the published year
    after = await capture(demo)
    moved = [k for k in before if before[k] != after[k]]
    assert not moved, f"published reads changed: {moved}"
    for code, years in trend_before.items():
        assert await published_years_of_trend(demo, code) == years, code


async def test_a_snapshot_stored_before_region_states_falls_back_to_the_current_regions(
    demo: httpx.AsyncClient, engine: Engine
) -> None:
    """Snapshots stored before the region's state was recorded are served as before: with the
    regions' current names and tree."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE period_snapshot SET region_state = NULL WHERE year = 2024"))
    r = await demo.get("/scores/2024", params={"parent": SJZ})
    assert r.status_code == 200 and r.json()["total"] == 22, r.text
    assert (await demo.patch(f"/regions/{CHANGAN}", json={"name_zh": "长安新区"})).status_code == 200
    items = {i["region"]: i for i in (await demo.get("/scores/2024", params={"parent": SJZ})).json()["items"]}
    assert len(items) == 22 and items[CHANGAN]["name_zh"] == "长安新区"
