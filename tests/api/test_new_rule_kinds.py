"""The two rule kinds added as one file each (`step`, `banded_lower`), scored end to end through
the API under a second scheme that lives in tests/schemes (not shipped with the package).

Every expected number is computed by hand in the comments from the scheme file's tables.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import Engine, text

from app.domain.loader import load_scheme_file
from tests.api.helpers import CHANGAN, QIAOXI, SJZ, XINHUA, seed_regions
from tests.conftest import ROOT

D = Decimal
SCHEME_FILE = ROOT / "tests" / "schemes" / "test-county-steps.toml"
CODE = "test-county-steps"


def register_test_scheme(engine: Engine) -> None:
    """Store the test scheme as the app stores its own (a row of the scheme table)."""
    scheme = load_scheme_file(SCHEME_FILE)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO scheme (code, version, name_zh, name_en, definition, content_hash, loaded_at) "
                "SELECT :code, :version, :zh, :en, :d, :h, loaded_at FROM scheme "
                "WHERE code = 'hebei-county-2019'"
            ),
            {
                "code": scheme.code,
                "version": scheme.version,
                "zh": scheme.name_zh,
                "en": scheme.name_en,
                "d": json.dumps(scheme.definition, ensure_ascii=False, sort_keys=True),
                "h": scheme.content_hash,
            },
        )


def indicators(breakdown: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["code"]: i for d in breakdown["dimensions"] for i in d["indicators"]}


async def seed(api: httpx.AsyncClient, engine: Engine) -> None:
    await seed_regions(api)
    register_test_scheme(engine)
    r = await api.put("/periods/2020", json={"scheme": CODE})
    assert r.status_code in (200, 201), r.text
    rows = {
        CHANGAN: {
            "rd_staff": 60,
            "energy_use": 3500,
            "industrial_output": 10000,
            "valid_patents": 30,
            "st_admin_body": "merged_office",
            "st_leading_group": True,
            "management_score": 3.5,
        },
        QIAOXI: {
            "rd_staff": 100,
            "energy_use": 1500,
            "industrial_output": 10000,
            "valid_patents": 5,
            "st_admin_body": "independent",
            "st_leading_group": True,
            "management_score": 5,
        },
    }
    values = [{"region": reg, "element": e, "value": v} for reg, vs in rows.items() for e, v in vs.items()]
    r = await api.post("/data/2020", json={"values": values})
    assert r.status_code == 200, r.text
    for body in (
        {"type": "key_lab", "level": "national", "recognized_on": "2018-05-01"},
        {"type": "enterprise_tech_center", "level": "provincial", "recognized_on": "2019-03-01"},
        # revoked on Dec 31 of the year: gone at year end, does not count for 2020
        {"type": "key_lab", "level": "provincial", "recognized_on": "2017-01-01", "revoked_on": "2020-12-31"},
    ):
        r = await api.post("/platforms", json={"region": CHANGAN, "name": body["type"], **body})
        assert r.status_code == 201, r.text


async def test_a_scheme_with_step_and_lower_is_better_indicators_scores_by_hand(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    await seed(api, engine)
    r = await api.get(f"/scores/2020/{CHANGAN}")
    assert r.status_code == 200, r.text
    b = r.json()
    got = indicators(b)
    # step [[0,0],[10,2],[50,4],[100,6]]: 60 staff fall in the bracket from 50 -> 4 (no interpolation)
    assert got["rd_staff"]["score"] == 4 and got["rd_staff"]["value"] == 60
    assert got["rd_staff"]["explanation"] == {
        "kind": "step",
        "bracket": {"from": 50, "points": 4},
        "next": {"from": 100, "points": 6},
    }
    # banded_lower [[0.2,4],[0.5,2],[1,0]]: 3500 / 10000 = 0.35 -> 4 + (0.35 - 0.2) x (2 - 4) / 0.3 = 3
    assert got["energy_intensity"]["score"] == 3 and got["energy_intensity"]["value"] == 0.35
    assert got["energy_intensity"]["explanation"] == {
        "kind": "banded_lower",
        "lower": {"threshold": 0.2, "score": 4},
        "upper": {"threshold": 0.5, "score": 2},
    }
    # tally: national key lab 2 + provincial enterprise centre 0.5; the revoked lab does not count
    assert got["platforms"]["score"] == 2.5
    # banded [[0,0],[10,3],[50,6]]: 30 -> 3 + 20 x 3 / 40 = 4.5
    assert got["patents"]["score"] == 4.5
    # choice_flag: merged_office 2 + leading group 1 = 3; assessed 3.5
    assert got["admin"]["score"] == 3 and got["management"]["score"] == 3.5
    dims = {d["code"]: d["score"] for d in b["dimensions"]}
    assert dims == {"input": 7, "conditions": 7, "management": 6.5}
    assert (b["scheme"], b["total"], b["max"], b["tier"], b["complete"]) == (CODE, 20.5, 30, "B", True)

    # QIAOXI: step 100 -> 6; 1500 / 10000 = 0.15 is below the first knot -> 4; no platforms 0;
    # 5 patents -> 5 x 3 / 10 = 1.5; independent 4 + 1 = 5; assessed 5: total 21.5
    r = await api.get("/scores/2020", params={"parent": SJZ})
    assert r.status_code == 200, r.text
    ranked = [(i["rank"], i["region"], i["total"], i["tier"]) for i in r.json()["items"]]
    assert ranked[:2] == [(1, QIAOXI, 21.5, "B"), (2, CHANGAN, 20.5, "B")]
    assert all(row[1] == XINHUA and row[2] == 0 for row in ranked[2:])

    # the scheme endpoint describes each indicator's explanation, from the kind
    detail = (await api.get(f"/schemes/{CODE}")).json()
    shapes = {i["code"]: i["explanation_shape"] for d in detail["dimensions"] for i in d["indicators"]}
    assert set(shapes["rd_staff"]) == {"kind", "bracket", "next"} and shapes["rd_staff"]["kind"] == "step"
    assert shapes["energy_intensity"]["kind"] == "banded_lower"


async def test_gaps_of_the_new_kinds_come_in_the_generic_shape_and_simulate_to_their_claims(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    await seed(api, engine)
    r = await api.get(f"/scores/2020/{CHANGAN}/gaps")
    assert r.status_code == 200, r.text
    g = r.json()
    assert g["total"] == 20.5 and g["tier"] == "B"
    by = {i["indicator"]: i for i in g["indicators"]}
    step = by["rd_staff"]
    assert step["kind"] == "step" and step["points_missing"] == 2
    assert step["reading"]["next_bracket"] == {"from": 100, "points": 6}
    # one option: 100 staff reach the top bracket (6 points): +2, total 22.5
    (o,) = step["options"]
    assert o["inputs"] == [{"element": "rd_staff", "from": 60, "to": 100}]
    assert (o["points_gained"], o["gain"], o["total"]) == (2, 2, 22.5)
    lower = by["energy_intensity"]
    assert lower["kind"] == "banded_lower" and lower["points_missing"] == 1
    # lower energy use to 0.2 x 10000 = 2000 (output held): the first knot, 4 points; +1, total 21.5
    (o,) = lower["options"]
    assert o["inputs"] == [{"element": "energy_use", "from": 3500, "to": 2000}]
    assert (o["points_gained"], o["total"]) == (1, 21.5)
    assert o["changes"]["values"] == {"energy_use": 2000}
    # the tally's options in the same shape: one national key lab more, +2 capped at 4 -> +1.5
    best = by["platforms"]["options"][0]
    assert best["inputs"] == [
        {"registry": "platform", "type": "key_lab", "level": "national", "from": 1, "to": 2}
    ]
    assert (best["points_gained"], best["total"]) == (1.5, 22)
    # every claim is what the what-if gives for its changes
    for ind in g["indicators"]:
        for opt in ind["options"]:
            sim = await api.post(f"/scores/2020/{CHANGAN}/simulate", json=opt["changes"])
            assert sim.status_code == 200, sim.text
            assert sim.json()["total"] == opt["total"], (ind["indicator"], opt["description"])
    path = g["to_next_tier"]
    assert path["tier"] == "A" and path["points_needed"] == 3.5
    assert path["reachable"] and path["total"] >= 24
    sim = await api.post(f"/scores/2020/{CHANGAN}/simulate", json=path["changes"])
    assert sim.json()["total"] == path["total"] and sim.json()["tier"] == "A"
