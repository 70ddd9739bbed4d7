"""Publishing a year while writes to it are in flight, against a served app (a real uvicorn
subprocess on loopback, on the test database: SQLite by default, PostgreSQL when configured).

After each race every write either answered 409 (refused, nothing written) or is inside the
snapshot: unlocking the year and scoring it again gives exactly the published breakdowns. A write
that committed after the snapshot, or a write that deadlocked with the publisher (500), fails it.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.integration.server import serving

pytestmark = pytest.mark.reliability

TOKEN = "inm_race-test-admin-token-0123456789abcdefghijkl"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PROVINCE, CITY = "130000", "130100"
COUNTIES = [f"1301{i:02d}" for i in range(2, 82)]  # 80 counties: the bulk below has 1,040 rows
#: numeric elements (kind number or count) the bulk writes, 13 per county
WHOLES = {
    "public_expenditure",
    "industrial_revenue",
    "registered_enterprises",
    "industrial_enterprises",
    "industrial_value_added",
}
ELEMENTS = (
    "fiscal_st_expenditure",
    "public_expenditure",
    "industrial_rd_expenditure",
    "industrial_revenue",
    "high_tech_enterprises",
    "tech_smes",
    "registered_enterprises",
    "industrial_enterprises",
    "industrial_enterprises_with_rd_institution",
    "valid_invention_patents",
    "resident_population",
    "high_tech_industry_value_added",
    "industrial_value_added",
)
#: rounds per run; raise INNOMON_RACE_ROUNDS for a longer soak (each round takes about 2 s)
ROUNDS = int(os.environ.get("INNOMON_RACE_ROUNDS", "6"))
#: what a write in the race may answer: done, or refused because the year is published
ALLOWED = {200, 201, 204, 409}


@contextmanager
def served(cwd: Path, database_url: str) -> Iterator[httpx.Client]:
    """`innomon serve` on the test database; yields a client with the bootstrap admin's key."""
    env = {"INNOMON_BOOTSTRAP_ADMIN_TOKEN": TOKEN, "INNOMON_LOG_LEVEL": "warning"}
    with (
        serving(cwd, database_url, **env) as server,
        httpx.Client(base_url=server.api, headers=AUTH, timeout=60) as client,
    ):
        yield client


def ok(r: httpx.Response, *statuses: int) -> httpx.Response:
    assert r.status_code in (statuses or (200, 201)), r.text
    return r


def seed(api: httpx.Client) -> None:
    ok(
        api.post(
            "/regions", json={"code": PROVINCE, "name_zh": "河北省", "name_en": "Hebei", "level": "province"}
        )
    )
    ok(
        api.post(
            "/regions",
            json={
                "code": CITY,
                "name_zh": "石家庄市",
                "name_en": "Shijiazhuang",
                "level": "city",
                "parent_code": PROVINCE,
            },
        )
    )
    for code in COUNTIES:
        body = {
            "code": code,
            "name_zh": f"县{code}",
            "name_en": f"County {code}",
            "level": "county",
            "parent_code": CITY,
        }
        ok(api.post("/regions", json=body))


#: what a breakdown says of the region itself: a published year names it as it was published, an
#: open year as it is now, and a rename after publishing is allowed (it changes no score)
REGION_NAMING = ("region_name_zh", "region_name_en", "region_level_name_zh", "region_level_name_en")


def breakdowns(api: httpx.Client, year: int) -> dict[str, Any]:
    """Every county's breakdown of `year`, without `period_status` (published vs open) and without
    the region's names."""
    out = {}
    for code in COUNTIES:
        body = ok(api.get(f"/scores/{year}/{code}"), 200).json()
        body.pop("period_status")
        for key in REGION_NAMING:
            body.pop(key)
        out[code] = body
    return out


def race(api: httpx.Client, year: int, rng: random.Random) -> dict[str, int]:
    """One round: the year's lock sent together with writes of every kind that change its scores.
    Returns the status each write answered."""
    ok(api.put(f"/periods/{year}", json={"scheme": "hebei-county-2019"}))
    # before the race: a value to delete, a platform to revoke and one to delete, an award to change
    ok(api.put(f"/data/{year}/{COUNTIES[1]}/tech_smes", json={"value": 120}))
    base = {"type": "key_lab", "level": "provincial", "recognized_on": f"{year - 1}-03-01"}
    platform_a = ok(
        api.post("/platforms", json={**base, "region": COUNTIES[2], "name": f"实验室A{year}"})
    ).json()
    platform_b = ok(
        api.post("/platforms", json={**base, "region": COUNTIES[3], "name": f"实验室B{year}"})
    ).json()
    award = ok(
        api.post(
            "/awards",
            json={
                "region": COUNTIES[4],
                "type": "project",
                "level": "provincial",
                "name": f"项目{year}",
                "awarded_on": f"{year}-05-01",
            },
        )
    ).json()
    bulk = [
        # a whole (the right side of a consistency rule) at least as large as its parts: the bulk
        # must be valid, so that only the publisher can refuse it
        {"region": code, "element": el, "value": rng.randint(1, 5000) + (5000 if el in WHOLES else 0)}
        for code in COUNTIES
        for el in ELEMENTS
    ]
    writes: dict[str, Callable[[], httpx.Response]] = {
        "bulk": lambda: api.post(f"/data/{year}", json={"values": bulk}),
        "put": lambda: api.put(f"/data/{year}/{COUNTIES[0]}/other_award_points", json={"value": 3}),
        "delete": lambda: api.delete(f"/data/{year}/{COUNTIES[1]}/tech_smes"),
        "platform_create": lambda: api.post(
            "/platforms",
            json={
                "type": "incubator",
                "level": "national",
                "region": COUNTIES[5],
                "name": f"孵化器{year}",
                "recognized_on": f"{year}-02-01",
            },
        ),
        "platform_revoke": lambda: api.patch(
            f"/platforms/{platform_a['id']}", json={"revoked_on": f"{year}-06-30"}
        ),
        "platform_delete": lambda: api.delete(f"/platforms/{platform_b['id']}"),
        "award_patch": lambda: api.patch(f"/awards/{award['id']}", json={"level": "national"}),
        "award_create": lambda: api.post(
            "/awards",
            json={
                "region": COUNTIES[6],
                "type": "st_award",
                "level": "national",
                "name": f"奖{year}",
                "awarded_on": f"{year}-09-09",
            },
        ),
        "region_rename": lambda: api.patch(
            f"/regions/{COUNTIES[7]}", json={"name_en": f"County renamed {year}"}
        ),
    }
    statuses: dict[str, int] = {}
    start = threading.Barrier(len(writes) + 1)
    lock_delay = rng.uniform(0, 0.25)  # the bulk spends about that long being checked

    def run(name: str, call: Callable[[], httpx.Response], delay: float) -> None:
        start.wait()
        time.sleep(delay)
        statuses[name] = call().status_code

    threads = [
        threading.Thread(target=run, args=(name, call, rng.uniform(0, 0.3))) for name, call in writes.items()
    ]
    for t in threads:
        t.start()
    start.wait()
    time.sleep(lock_delay)
    ok(api.post(f"/periods/{year}/lock", json={"force": True, "reason": "race test"}), 200)
    for t in threads:
        t.join(timeout=60)
    bad = {k: v for k, v in statuses.items() if v not in ALLOWED}
    assert not bad and len(statuses) == len(writes), f"round {year}: {statuses}"
    assert statuses["region_rename"] == 200  # a region change never changes a published year
    return statuses


def test_a_write_racing_the_publisher_is_refused_or_inside_the_snapshot(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    rng = random.Random(9)
    refused = accepted = 0
    with served(tmp_path, database_url) as api:
        seed(api)
        for year in range(2001, 2001 + ROUNDS):
            statuses = race(api, year, rng)
            refused += sum(s == 409 for s in statuses.values())
            accepted += sum(s != 409 for s in statuses.values())
            published = breakdowns(api, year)
            ranking = ok(api.get(f"/scores/{year}", params={"parent": CITY}), 200).json()
            ok(api.post(f"/periods/{year}/unlock", json={"reason": "race test: re-score"}), 200)
            rescored = breakdowns(api, year)
            changed = [c for c in COUNTIES if published[c] != rescored[c]]
            assert not changed, (
                f"round {year} {statuses}: writes landed after the snapshot in {changed[:3]}: "
                f"{json.dumps(published[changed[0]])[:400]} vs {json.dumps(rescored[changed[0]])[:400]}"
            )
            again = ok(api.get(f"/scores/{year}", params={"parent": CITY}), 200).json()
            totals = [(i["region"], i["rank"], i["total"]) for i in ranking["items"]]
            assert totals == [(i["region"], i["rank"], i["total"]) for i in again["items"]]
    # the race must really have been run both ways at least once over the rounds
    print(f"{ROUNDS} rounds: {accepted} writes done, {refused} refused with 409")
    assert accepted > 0
