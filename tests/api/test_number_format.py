"""One JSON form for numbers in every answer: a whole number is a JSON integer (100, not 100.0),
and no number is written with an exponent where people read it (1000000000000, not 1E+12).
Findings of the issue: /schemes sent 100.0 where breakdowns sent 100; a value sent as 1e3 read
back as 1000.0; the limit error said 1E+12; robustness answers said 80.0 for the tier thresholds."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import Engine

from app.domain.numbers import json_number, plain, to_json
from app.services.demo import load_demo
from tests.api.helpers import CHANGAN, seed_period, seed_regions
from tests.unit.test_cli import run

#: a whole number written as a float: a fraction of zero (100.0) or a positive exponent (1e3,
#: 1E+12); tiny statistics (a p-value of 1e-06) may keep their exponent
FLOAT_FORM = re.compile(r"-?\d+\.0+|-?\d+(?:\.\d+)?[eE]\+?\d+")


def numbers_in(text: str) -> list[str]:
    """Every number token of a JSON text outside strings, as written."""
    out: list[str] = []
    json.loads(text, parse_float=lambda s: out.append(s) or 0.0, parse_int=lambda s: out.append(s) or 0)
    return out


def no_float_forms(text: str) -> None:
    bad = [n for n in numbers_in(text) if FLOAT_FORM.fullmatch(n)]
    assert bad == [], bad[:10]


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (Decimal("100.00"), "100"),
        (Decimal("1E+3"), "1000"),
        (100.0, "100"),
        (80.0, "80"),
        (62.2, "62.2"),
        (Decimal("0.1430"), "0.143"),
        (7, "7"),
    ],
)
def test_json_number_writes_whole_numbers_as_integers(x: object, expected: str) -> None:
    assert json.dumps(json_number(x)) == expected  # type: ignore[arg-type]
    assert json.dumps(to_json({"x": x})) == f'{{"x": {expected}}}'


def test_plain_digits_in_sentences() -> None:
    assert plain(Decimal(10) ** 12) == "1000000000000"
    assert plain(1e12) == "1000000000000"
    assert plain(Decimal("2.50")) == "2.5"


async def test_schemes_send_100_not_100_point_0(api: httpx.AsyncClient) -> None:
    r = await api.get("/schemes")
    assert r.status_code == 200
    assert '"total":100,' in r.text and "100.0" not in r.text
    detail = await api.get("/schemes/hebei-county-2019")
    no_float_forms(detail.text)
    # the Hebei table's maxima, written as the seed writes them (DESIGN.md: 20/25/25/15/15)
    assert [d["max"] if "max" in d else d.get("weight") for d in detail.json()["dimensions"]] == [
        20,
        25,
        25,
        15,
        15,
    ]


async def test_a_value_sent_as_1e3_reads_back_as_1000(api: httpx.AsyncClient) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    r = await api.put(
        f"/data/2020/{CHANGAN}/fiscal_st_expenditure",
        content=b'{"value": 1e3}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 201, r.text
    assert '"value":1000,' in r.text
    row = {"region": CHANGAN, "element": "public_expenditure", "value": 2.5e5}
    assert (await api.post("/data/2020", json={"values": [row]})).status_code == 200
    for url in (f"/data/2020/{CHANGAN}/fiscal_st_expenditure", f"/data/2020/{CHANGAN}"):
        got = await api.get(url)
        assert '"value":1000,' in got.text and "1000.0" not in got.text
        no_float_forms(got.text)
    breakdown = await api.get(f"/scores/2020/{CHANGAN}")
    no_float_forms(breakdown.text)
    fiscal = next(
        i
        for d in breakdown.json()["dimensions"]
        for i in d["indicators"]
        if i["code"] == "fiscal_st_expenditure"
    )
    assert fiscal["value"] == 1000 and isinstance(fiscal["value"], int)
    # the seed's band: 1000 万元 scores 3 points (DESIGN.md, 1000→3)
    assert fiscal["score"] == 3
    audit = await api.get("/audit", params={"region": CHANGAN})
    no_float_forms(audit.text)


async def test_robustness_statistics_and_sensitivity_write_whole_numbers_as_integers(
    api: httpx.AsyncClient, engine: Engine
) -> None:
    load_demo(engine, years=(2024,))
    params = {"parent": "130100"}
    r = await api.get("/scores/2024/robustness", params={**params, "draws": 20})
    assert r.status_code == 200, r.text
    assert r.json()["assumptions"]["tiers"] == {"A": 80, "B": 60, "C": 0}
    assert '"A":80,' in r.text
    for url, extra in (
        ("/scores/2024/robustness", {"draws": 20}),
        ("/scores/2024/statistics", {}),
        ("/scores/2024/sensitivity", {"n": 8}),
    ):
        got = await api.get(url, params={**params, **extra})
        assert got.status_code == 200, got.text
        no_float_forms(got.text)


def test_the_cli_breakdown_writes_values_sent_with_an_exponent_as_integers() -> None:
    doc = '{"scheme": "hebei-county-2019", "year": 2020, "values": {"fiscal_st_expenditure": 1e3, "tech_smes": 3e2}}'
    r = run("score", "-", stdin=doc)
    assert r.returncode == 0, r.stderr
    no_float_forms(r.stdout)
    breakdown = json.loads(r.stdout)
    values = {i["code"]: i["value"] for d in breakdown["dimensions"] for i in d["indicators"]}
    assert values["fiscal_st_expenditure"] == 1000 and values["tech_smes"] == 300
    assert '"value": 1000,' in r.stdout and '"value": 300,' in r.stdout
