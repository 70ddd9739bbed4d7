"""GET /scores/{year}/robustness, /sensitivity and /statistics on the synthetic demo data, and the
`innomon robustness` command: the nominal ranking against the ranking the service serves, the
zero-noise collapse, byte-identical answers for a seed, leave-one-out and statistics against
independent computations from the breakdowns, and every bad parameter as a problem."""

from __future__ import annotations

import os
import statistics as stats
import subprocess
import sys
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from app.services.demo import load_demo
from tests.api.helpers import assert_problem, release_changed_scheme
from tests.conftest import ROOT

SJZ = "130100"
YEAR = 2024


@pytest.fixture
async def demo(api: httpx.AsyncClient, engine: Engine) -> httpx.AsyncClient:
    load_demo(engine, years=(YEAR,))
    return api


async def ranking(api: httpx.AsyncClient, year: int = YEAR) -> list[dict[str, Any]]:
    r = await api.get(f"/scores/{year}", params={"parent": SJZ})
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def robustness(api: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    r = await api.get(f"/scores/{YEAR}/robustness", params={"parent": SJZ, **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_nominal_ranks_totals_and_tiers_are_the_served_ranking(demo: httpx.AsyncClient) -> None:
    served = await ranking(demo)
    body = await robustness(demo, draws=200)
    assert len(served) == 22 and body["regions"] == 22
    assert [
        (i["region"], i["nominal_rank"], i["nominal_total"], i["nominal_tier"]) for i in body["items"]
    ] == [(s["region"], s["rank"], s["total"], s["tier"]) for s in served]
    for i in body["items"]:
        assert i["p5_rank"] <= i["nominal_rank"] <= i["p95_rank"]
        assert i["p5_rank"] <= i["median_rank"] <= i["p95_rank"]
        assert sum(i["p_tier"].values()) == pytest.approx(1, abs=1e-9)
        assert set(i["p_tier"]) == {"A", "B", "C"}
        assert i["p_tier_change"] == pytest.approx(1 - i["p_tier"][i["nominal_tier"]], abs=1e-9)
    a = body["assumptions"]
    assert (a["weight_noise"], a["knot_noise"], a["assessed_noise"], a["seed"]) == (0.25, 0.1, 1.0, 0)
    assert [g["group"] for g in a["sampled"] if g["active"]] == ["weights", "band_edges", "assessed"]
    assert "stored facts" in body["computed_from"]
    s = body["summary"]
    assert s["mean_abs_rank_shift"] > 0
    assert s["unstable_regions"] == [i["region"] for i in body["items"] if i["p_tier_change"] > 0.2]


async def test_zero_noise_collapses_every_interval(demo: httpx.AsyncClient) -> None:
    body = await robustness(demo, draws=30, weight_noise=0, knot_noise=0, assessed_noise=0)
    for i in body["items"]:
        assert i["p5_rank"] == i["median_rank"] == i["p95_rank"] == i["nominal_rank"]
        assert i["p_tier"][i["nominal_tier"]] == 1 and i["p_tier_change"] == 0
    assert body["summary"]["mean_abs_rank_shift"] == 0 and body["summary"]["unstable_regions"] == []
    assert not any(g["active"] for g in body["assumptions"]["sampled"])


async def test_a_seed_gives_the_same_bytes(demo: httpx.AsyncClient) -> None:
    params = {"parent": SJZ, "draws": 300, "seed": 11}
    one = await demo.get(f"/scores/{YEAR}/robustness", params=params)
    two = await demo.get(f"/scores/{YEAR}/robustness", params=params)
    other = await demo.get(f"/scores/{YEAR}/robustness", params={**params, "seed": 12})
    assert one.status_code == two.status_code == other.status_code == 200
    assert one.content == two.content
    assert one.content != other.content


async def test_a_published_year_ranks_from_its_snapshot_and_draws_from_stored_facts(
    demo: httpx.AsyncClient, engine: Engine
) -> None:
    before = await ranking(demo)
    assert (
        await demo.post(
            f"/periods/{YEAR}/lock", json={"force": True, "reason": "published without the approval workflow"}
        )
    ).status_code == 200
    release_changed_scheme(engine)  # the stored facts would now score differently
    served = await ranking(demo)
    assert served == before
    body = await robustness(demo, draws=50)
    assert body["period_status"] == "published"
    assert [(i["region"], i["nominal_rank"], i["nominal_total"]) for i in body["items"]] == [
        (s["region"], s["rank"], s["total"]) for s in served
    ]


async def test_leave_one_out_matches_an_independent_computation(demo: httpx.AsyncClient) -> None:
    served = await ranking(demo)
    scores: dict[str, dict[str, float]] = {}
    maxima: dict[str, float] = {}
    for s in served:
        b = (await demo.get(f"/scores/{YEAR}/{s['region']}")).json()
        scores[s["region"]] = {i["code"]: i["score"] for d in b["dimensions"] for i in d["indicators"]}
        maxima.update({i["code"]: i["max"] for d in b["dimensions"] for i in d["indicators"]})
    r = await demo.get(f"/scores/{YEAR}/sensitivity", params={"parent": SJZ, "n": 16})
    assert r.status_code == 200, r.text
    body = r.json()
    loo = {x["indicator"]: x for x in body["leave_one_out"]}
    nominal = {s["region"]: s["rank"] for s in served}
    for code, mx in maxima.items():
        # exact decimals: the rest of the total times 100 / (100 - max)
        totals = {
            reg: (sum(Decimal(str(x)) for x in v.values()) - Decimal(str(v[code])))
            * 100
            / (100 - Decimal(str(mx)))
            for reg, v in scores.items()
        }
        ranks = {reg: 1 + sum(t > x for t in totals.values()) for reg, x in totals.items()}
        changes = [abs(ranks[reg] - nominal[reg]) for reg in scores]
        assert loo[code]["mean_abs_rank_change"] == pytest.approx(sum(changes) / len(changes), abs=1e-4), code
        assert loo[code]["max_abs_rank_change"] == max(changes), code
    groups = {g["group"]: g for g in body["groups"]}
    assert set(groups) == {"weights", "band_edges", "assessed"}
    for g in groups.values():
        assert g["first_order"] is not None and g["total"] is not None
        assert g["total_p5"] <= g["total_p95"]
    assert body["assumptions"]["evaluations"] == 16 * 5


async def test_sensitivity_without_noise_has_nothing_to_apportion(demo: httpx.AsyncClient) -> None:
    r = await demo.get(
        f"/scores/{YEAR}/sensitivity",
        params={"parent": SJZ, "n": 8, "weight_noise": 0, "knot_noise": 0, "assessed_noise": 0},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["note"] and all(g["first_order"] is None and not g["active"] for g in body["groups"])


async def test_statistics_match_an_independent_computation(demo: httpx.AsyncClient) -> None:
    served = await ranking(demo)
    per: dict[str, list[float]] = {}
    missing: dict[str, int] = {}
    for s in served:
        b = (await demo.get(f"/scores/{YEAR}/{s['region']}")).json()
        for d in b["dimensions"]:
            for i in d["indicators"]:
                per.setdefault(i["code"], []).append(i["score"])
                missing[i["code"]] = missing.get(i["code"], 0) + bool(i["missing_inputs"])
    r = await demo.get(f"/scores/{YEAR}/statistics", params={"parent": SJZ})
    assert r.status_code == 200, r.text
    body = r.json()
    n = len(served)
    for row in body["indicators"]:
        xs = per[row["indicator"]]
        assert row["mean"] == pytest.approx(round(stats.mean(xs), 4), abs=1e-4)
        assert row["median"] == pytest.approx(stats.median(xs), abs=1e-4)
        if len(set(xs)) > 1:
            assert row["sd"] == pytest.approx(stats.stdev(xs), abs=1e-4)
        assert row["availability"] == pytest.approx(1 - missing[row["indicator"]] / n, abs=1e-4)
    # Spearman of two indicators, by hand: Pearson correlation of the average ranks
    codes = body["correlations"]["indicators"]
    a, b = "high_tech_enterprises", "tech_smes"
    rank = lambda xs: [sum(y < x for y in xs) + (sum(y == x for y in xs) + 1) / 2 for x in xs]  # noqa: E731
    rho = stats.correlation(rank(per[a]), rank(per[b]))
    assert body["correlations"]["matrix"][codes.index(a)][codes.index(b)] == pytest.approx(rho, abs=1e-4)
    # effective weight: the indicator's covariance with the total over the total's variance
    totals = [sum(per[c][k] for c in per) for k in range(n)]
    w = {e["indicator"]: e["effective_weight"] for e in body["effective_weights"]}
    assert w[a] == pytest.approx(stats.covariance(per[a], totals) / stats.variance(totals), abs=1e-4)
    assert {d["dimension"] for d in body["dimensions"]} == {
        "input",
        "entities",
        "conditions",
        "output",
        "management",
    }


@pytest.mark.parametrize(
    ("route", "name", "value", "allowed"),
    [
        ("robustness", "draws", "0", "from 1 to 10000"),
        ("robustness", "draws", "10001", "from 1 to 10000"),
        ("robustness", "draws", "many", "from 1 to 10000"),
        ("robustness", "seed", "-3", "from 0 to 4294967295"),
        ("robustness", "weight_noise", "0.95", "from 0 to 0.9"),
        ("robustness", "knot_noise", "-0.1", "from 0 to 0.9"),
        ("robustness", "knot_noise", "NaN", "from 0 to 0.9"),
        ("robustness", "assessed_noise", "6", "from 0 to 5"),
        ("sensitivity", "n", "4", "from 8 to 1024"),
        ("sensitivity", "n", "5000", "from 8 to 1024"),
    ],
)
async def test_a_bad_parameter_is_a_problem_naming_it_the_value_and_the_range(
    api: httpx.AsyncClient, route: str, name: str, value: str, allowed: str
) -> None:
    r = await api.get(f"/scores/{YEAR}/{route}", params={name: value})
    body = assert_problem(r, 422)
    (err,) = body["errors"]
    assert err["field"] == name
    assert allowed in err["reason"] and repr(value) in err["reason"]


async def test_unknown_year_or_parent_is_404_and_an_empty_scope_is_empty(demo: httpx.AsyncClient) -> None:
    for route in ("robustness", "sensitivity", "statistics"):
        assert_problem(await demo.get(f"/scores/2031/{route}"), 404)
        body = assert_problem(await demo.get(f"/scores/{YEAR}/{route}", params={"parent": "139999"}), 404)
        assert "139999" in body["detail"]
    # 长安区 has no regions below it: an empty scope answers with no items, never an error
    r = await demo.get(f"/scores/{YEAR}/robustness", params={"parent": "130102"})
    assert r.status_code == 200 and r.json()["regions"] == 0 and r.json()["items"] == []
    r = await demo.get(f"/scores/{YEAR}/sensitivity", params={"parent": "130102", "n": 8})
    assert r.status_code == 200 and r.json()["note"]
    r = await demo.get(f"/scores/{YEAR}/statistics", params={"parent": "130102"})
    assert r.status_code == 200 and r.json()["regions"] == 0


async def test_the_command_prints_the_summary_with_progress(
    demo: httpx.AsyncClient, database_url: str
) -> None:
    served = await ranking(demo)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "robustness",
            "--year",
            str(YEAR),
            "--parent",
            SJZ,
            "--draws",
            "400",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "INNOMON_DATABASE_URL": database_url},
    )
    assert run.returncode == 0, run.stderr
    assert "400/400 draws (100 %)" in run.stderr
    assert "22 regions under 130100" in run.stdout and "mean absolute rank shift:" in run.stdout
    lines = run.stdout.splitlines()
    table = lines[lines.index(next(x for x in lines if x.startswith("rank"))) + 1 :]
    assert [(int(x.split()[0]), x.split()[1]) for x in table] == [(s["rank"], s["region"]) for s in served]
    bad = subprocess.run(
        [sys.executable, "-m", "app.cli", "robustness", "--year", str(YEAR), "--knot-noise", "2"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert bad.returncode == 2 and "must be a number from 0 to 0.9; received '2'" in bad.stderr
