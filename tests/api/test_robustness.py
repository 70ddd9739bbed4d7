"""GET /scores/{year}/robustness, /sensitivity and /statistics on the synthetic demo data, and the
`innomon robustness` command: the nominal ranking against the ranking the service serves, the
zero-noise collapse, byte-identical answers for a seed, leave-one-out and statistics against
independent computations from the breakdowns, and every bad parameter as a problem."""

from __future__ import annotations

import csv
import io
import os
import re
import statistics as stats
import subprocess
import sys
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import Engine

from app.api.exports import XLSX_TYPE
from app.services.demo import load_demo
from tests.api.helpers import assert_problem, release_changed_scheme
from tests.api.test_pages import AUTH
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


ROBUSTNESS_QUERY = "assessed_noise, draws, format, knot_noise, level, parent, seed, weight_noise"
SENSITIVITY_QUERY = "assessed_noise, format, knot_noise, level, n, parent, seed, weight_noise"


@pytest.mark.parametrize(
    ("route", "params", "unknown", "accepts"),
    [
        # another route's parameter, a misspelling, and the CLI's name for the format
        ("robustness", {"n": "8", "draws": "5"}, ["n"], ROBUSTNESS_QUERY),
        ("robustness", {"weights_noise": "0.1"}, ["weights_noise"], ROBUSTNESS_QUERY),
        ("sensitivity", {"draws": "5", "n": "8"}, ["draws"], SENSITIVITY_QUERY),
        ("sensitivity", {"noise": "0", "sed": "1"}, ["noise", "sed"], SENSITIVITY_QUERY),
        ("statistics", {"seed": "1"}, ["seed"], "format, level, parent"),
        (
            "statistics",
            {"parent": SJZ, "draws": "5", "fmt": "csv"},
            ["draws", "fmt"],
            "format, level, parent",
        ),
    ],
)
async def test_an_unknown_query_parameter_is_refused_naming_the_accepted_ones(
    api: httpx.AsyncClient, route: str, params: dict[str, str], unknown: list[str], accepts: str
) -> None:
    body = assert_problem(await api.get(f"/scores/{YEAR}/{route}", params=params), 422)
    assert [e["field"] for e in body["errors"]] == unknown
    for e in body["errors"]:
        assert e["reason"].startswith(
            f"unknown query parameter '{e['field']}'; this endpoint accepts: {accepts}（"
        )


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


def sheet_rows(book: Any, name: str) -> tuple[list[Any], list[Any], list[list[Any]]]:
    """A sheet of an export: its Chinese headers (row 2), its codes (row 3) and the data rows."""
    rows = [list(r) for r in book[name].iter_rows(values_only=True)]
    return rows[1], rows[2], rows[3:]


async def test_robustness_as_xlsx_holds_the_answer_and_the_served_ranks(demo: httpx.AsyncClient) -> None:
    served = await ranking(demo)
    params = {"parent": SJZ, "draws": 200, "seed": 5}
    body = await robustness(demo, draws=200, seed=5)
    r = await demo.get(f"/scores/{YEAR}/robustness", params={**params, "format": "xlsx"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX_TYPE
    assert f'filename="robustness-{YEAR}.xlsx"' in r.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["地区", "概要", "假设"]
    zh, codes, rows = sheet_rows(book, "地区")
    assert zh[:3] == ["名义排名", "地区代码", "地区名称"]
    assert codes == [
        "nominal_rank",
        "region",
        "name_zh",
        "name_en",
        "nominal_total",
        "nominal_tier",
        "median_rank",
        "p5_rank",
        "p95_rank",
        "mean_abs_rank_shift",
        "p_tier.A",
        "p_tier.B",
        "p_tier.C",
        "p_tier_change",
    ]
    col = {c: k for k, c in enumerate(codes)}
    # the nominal columns against the ranking endpoint, the rest against the JSON answer
    assert [(x[0], x[1], x[4], x[5]) for x in rows] == [
        (s["rank"], s["region"], s["total"], s["tier"]) for s in served
    ]
    for x, i in zip(rows, body["items"], strict=True):
        assert (x[col["median_rank"]], x[col["p5_rank"]], x[col["p95_rank"]]) == (
            i["median_rank"],
            i["p5_rank"],
            i["p95_rank"],
        )
        assert [x[col[f"p_tier.{t}"]] for t in "ABC"] == [i["p_tier"][t] for t in "ABC"]
        assert x[col["p_tier_change"]] == i["p_tier_change"]
        assert x[col["p5_rank"]] <= x[col["nominal_rank"]] <= x[col["p95_rank"]]
    _, _, summary = sheet_rows(book, "概要")
    about = {x[0]: x[2] for x in summary}
    assert about["mean_abs_rank_shift"] == body["summary"]["mean_abs_rank_shift"]
    assert about["draws"] == 200 and about["regions"] == 22
    _, _, assumed = sheet_rows(book, "假设")
    stated = {x[0]: (x[2], x[3]) for x in assumed}
    assert stated["seed"][0] == 5 and stated["weight_noise"][0] == 0.25
    assert stated["sampled.band_edges"] == (body["assumptions"]["sampled"][1]["what"], "true")

    csv_text = (await demo.get(f"/scores/{YEAR}/robustness", params={**params, "format": "csv"})).text
    sections = csv_text.lstrip("\ufeff").split("\r\n\r\n")
    lines = list(csv.reader(sections[0].splitlines()))
    assert lines[0] == ["# 地区"] and lines[1] == codes
    assert [(int(x[0]), x[1]) for x in lines[2:]] == [(s["rank"], s["region"]) for s in served]


async def test_statistics_as_xlsx_holds_the_matrix_and_a_hand_computed_rho(demo: httpx.AsyncClient) -> None:
    body = (await demo.get(f"/scores/{YEAR}/statistics", params={"parent": SJZ})).json()
    r = await demo.get(f"/scores/{YEAR}/statistics", params={"parent": SJZ, "format": "xlsx"})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX_TYPE
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == [
        "指标统计",
        "相关系数",
        "P值",
        "相关性标记",
        "克隆巴赫系数",
        "指标一致性",
        "有效权重",
        "说明",
    ]
    codes = body["correlations"]["indicators"]
    zh, head, rows = sheet_rows(book, "相关系数")
    assert head == ["indicator", "name_zh", *codes]
    assert zh[2 + codes.index("high_tech_enterprises")] == "高新技术企业数量"  # the seed table's name
    assert [x[0] for x in rows] == codes
    assert [x[2:] for x in rows] == body["correlations"]["matrix"]
    assert [x[2:] for x in sheet_rows(book, "P值")[2]] == body["correlations"]["p_values"]
    # one cell against Spearman by hand: Pearson correlation of the average ranks of the scores
    per: dict[str, list[float]] = {}
    for s in await ranking(demo):
        b = (await demo.get(f"/scores/{YEAR}/{s['region']}")).json()
        for d in b["dimensions"]:
            for i in d["indicators"]:
                per.setdefault(i["code"], []).append(i["score"])
    a, c = "high_tech_enterprises", "tech_smes"
    rank = lambda xs: [sum(y < x for y in xs) + (sum(y == x for y in xs) + 1) / 2 for x in xs]  # noqa: E731
    assert rows[codes.index(a)][2 + codes.index(c)] == pytest.approx(
        stats.correlation(rank(per[a]), rank(per[c])), abs=1e-4
    )
    _, head, rows = sheet_rows(book, "指标统计")
    means = {x[0]: x[head.index("mean")] for x in rows}
    assert means[a] == pytest.approx(stats.mean(per[a]), abs=1e-4)
    _, _, alphas = sheet_rows(book, "克隆巴赫系数")
    assert [(x[0], x[2]) for x in alphas] == [
        (d["dimension"], d["cronbach_alpha"]) for d in body["dimensions"]
    ]
    _, _, weights = sheet_rows(book, "有效权重")
    assert [(x[0], x[3]) for x in weights] == [
        (w["indicator"], w["effective_weight"]) for w in body["effective_weights"]
    ]


async def test_sensitivity_as_xlsx_holds_the_indices_and_leave_one_out(demo: httpx.AsyncClient) -> None:
    params = {"parent": SJZ, "n": 8}
    body = (await demo.get(f"/scores/{YEAR}/sensitivity", params=params)).json()
    r = await demo.get(f"/scores/{YEAR}/sensitivity", params={**params, "format": "xlsx"})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX_TYPE
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["敏感性指数", "逐一剔除指标", "说明", "假设"]
    _, head, groups = sheet_rows(book, "敏感性指数")
    assert [x[0] for x in groups] == ["weights", "band_edges", "assessed"]
    for x, g in zip(groups, body["groups"], strict=True):
        assert [x[head.index(k)] for k in ("first_order", "total", "total_p5", "total_p95")] == [
            g["first_order"],
            g["total"],
            g["total_p5"],
            g["total_p95"],
        ]
    _, head, loo = sheet_rows(book, "逐一剔除指标")
    assert [(x[0], x[4], x[5]) for x in loo] == [
        (x["indicator"], x["mean_abs_rank_change"], x["max_abs_rank_change"]) for x in body["leave_one_out"]
    ]
    stated = {x[0]: x[2] for x in sheet_rows(book, "假设")[2]}
    assert stated["n"] == 8 and stated["evaluations"] == 40


async def test_the_bulletin_charts_the_rank_intervals_and_the_correlations(demo: httpx.AsyncClient) -> None:
    served = await ranking(demo)
    # the bulletin draws 200 times with seed 0 under the default noises: the same as this answer
    body = await robustness(demo, draws=200, seed=0)
    stats_body = (await demo.get(f"/scores/{YEAR}/statistics", params={"parent": SJZ})).json()
    async with httpx.AsyncClient(transport=demo._transport, base_url="http://innomon.test") as web:
        page = (await web.get(f"/reports/{YEAR}?parent={SJZ}", headers=AUTH)).text
    (intervals,) = re.findall(r'<svg[^>]*aria-labelledby="intervals-1-title.*?</svg>', page, re.S)
    written = re.findall(r">(\d+) \((\d+)–(\d+)\)</text>", intervals)
    # one line per county in rank order: the dot at the served rank, the whisker the answer's p5-p95
    assert [int(n) for n, _, _ in written] == [s["rank"] for s in served]
    assert [(int(a), int(b)) for _, a, b in written] == [(i["p5_rank"], i["p95_rank"]) for i in body["items"]]
    names = re.findall(r'text-anchor="end">([^<]+)</text>', intervals)
    assert names == [s["name_zh"] for s in served]
    # every county's dot a marker of its tier's shape (tier A: circles of radius 3.2)
    assert intervals.count("a3.2 3.2 0 1 0 6.4 0") == sum(s["tier"] == "A" for s in served)
    (heat,) = re.findall(r'<svg[^>]*aria-labelledby="correlations-title.*?</svg>', page, re.S)
    cells = re.findall(r'<text x="([\d.]+)" y="([\d.]+)">(-?[\d.]+|–)</text>', heat)
    written = [v for _, _, v in sorted(cells, key=lambda c: (float(c[1]), float(c[0])))]
    matrix = [v for row in stats_body["correlations"]["matrix"] for v in row]
    k = len(stats_body["correlations"]["indicators"])
    assert len(written) == len(matrix) == k * k
    for w, v in zip(written, matrix, strict=True):
        assert (w == "–") if v is None else float(w) == pytest.approx(v, abs=0.0051), (w, v)  # two decimals
    text = re.sub(r"<[^>]+>", " ", page)
    assert "200 次抽样，随机种子 0" in text and "U[0.75, 1.25]" in text and "U[0.9, 1.1]" in text
    unstable = len(body["summary"]["unstable_regions"])
    assert f"{unstable} 个地区的类别在超过 20% 的抽样中改变" in text
