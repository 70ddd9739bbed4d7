"""`innomon score` through a subprocess, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "example.json"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_score_file_prints_the_json_breakdown() -> None:
    r = run("score", str(EXAMPLE))
    assert r.returncode == 0, r.stderr
    b = json.loads(r.stdout)
    assert b["total"] == 62.2 and b["tier"] == "B" and b["region"] == "130102"
    assert [d["code"] for d in b["dimensions"]] == [
        "input",
        "entities",
        "conditions",
        "output",
        "management",
    ]


def test_score_reads_standard_input() -> None:
    r = run("score", "-", stdin=EXAMPLE.read_text(encoding="utf-8"))
    assert r.returncode == 0 and json.loads(r.stdout)["total"] == 62.2


def test_table_format() -> None:
    r = run("score", str(EXAMPLE), "--format", "table")
    assert r.returncode == 0
    assert "地方财政科技支出" in r.stdout
    assert "总分 total 62.2 / 100" in r.stdout
    assert "创新产出 (Innovation output)" in r.stdout and "11.2 / 15" in r.stdout


def doc(**changes: object) -> dict:
    d = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    for path, value in changes.items():
        target = d
        *parents, last = path.split("__")
        for p in parents:
            target = target[int(p)] if isinstance(target, list) else target[p]
        target[last] = value
    return d


BAD = [
    ("unknown scheme", doc(scheme="hebei-2030"), "scheme: unknown scheme 'hebei-2030'"),
    ("unknown element", doc(values__rd_budget=5), "values.rd_budget: unknown element"),
    ("wrong type", doc(values__tech_smes="many"), "values.tech_smes: 'many' is not a number"),
    ("wrong type bool", doc(values__tech_smes=True), "values.tech_smes: must be a number"),
    (
        "negative",
        doc(values__fiscal_st_expenditure=-1),
        "values.fiscal_st_expenditure: must not be negative",
    ),
    (
        "percent above 100",
        doc(values__agri_industrialization_rate=100.5),
        "values.agri_industrialization_rate: is a percentage and must not exceed 100",
    ),
    (
        "zero denominator",
        doc(values__resident_population=0),
        "values.resident_population: must be greater than 0: it is the denominator of invention_patents_per_10k",
    ),
    (
        "assessed out of bounds",
        doc(values__st_management_innovation_score=5.5),
        "values.st_management_innovation_score: is an assessed score and must lie between 0 and 5",
    ),
    (
        "unknown choice",
        doc(values__st_admin_body="committee"),
        "values.st_admin_body: unknown choice 'committee'",
    ),
    (
        "flag not boolean",
        doc(values__st_leading_group="yes"),
        "values.st_leading_group: must be true or false",
    ),
    (
        "unknown platform type",
        doc(platforms__0__type="lab"),
        "platforms[0].type: unknown platform type 'lab'",
    ),
    ("unknown level", doc(awards__0__level="county"), "awards[0].level: unknown level 'county'"),
    (
        "malformed date",
        doc(awards__1__awarded_on="2020/12/20"),
        "awards[1].awarded_on: must be a date written YYYY-MM-DD",
    ),
    (
        "impossible date",
        doc(platforms__1__recognized_on="2019-02-30"),
        "platforms[1].recognized_on: '2019-02-30' is not a calendar date",
    ),
    (
        "revoked before recognized",
        doc(platforms__0__revoked_on="2017-01-01"),
        "platforms[0].revoked_on: 2017-01-01 is before recognized_on 2018-06-01",
    ),
    ("bad year", doc(year="2020"), "year: must be a whole number"),
]


@pytest.mark.parametrize(("case", "document", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_2_names_the_field_and_prints_no_breakdown(
    case: str, document: dict, message: str
) -> None:
    r = run("score", "-", stdin=json.dumps(document, ensure_ascii=False))
    assert r.returncode == 2
    assert r.stdout == ""
    assert message in r.stderr


def test_all_problems_are_reported_together() -> None:
    d = doc(values__tech_smes=-3, values__st_admin_body="x", platforms__2__level="district")
    d["values"]["nonsense"] = 1
    r = run("score", "-", stdin=json.dumps(d, ensure_ascii=False))
    assert r.returncode == 2 and r.stdout == ""
    assert "4 problem(s)" in r.stderr
    for field in (
        "values.tech_smes",
        "values.st_admin_body",
        "platforms[2].level",
        "values.nonsense",
    ):
        assert field in r.stderr


def test_invalid_json_and_missing_file() -> None:
    r = run("score", "-", stdin="{not json")
    assert r.returncode == 2 and "not valid JSON" in r.stderr and r.stdout == ""
    r = run("score", str(ROOT / "no-such-file.json"))
    assert r.returncode == 2 and "cannot read" in r.stderr
