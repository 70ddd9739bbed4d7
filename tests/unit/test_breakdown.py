"""The breakdown as a whole: sums, tiers, missing inputs by department, JSON numbers."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from app.domain import Facts, builtin_scheme, parse_document, score
from tests.unit.helpers import hebei

D = Decimal
ROOT = Path(__file__).resolve().parents[2]


def example_breakdown() -> dict:
    doc = json.loads((ROOT / "example.json").read_text(encoding="utf-8"), parse_float=D)
    scheme, facts, region = parse_document(doc, builtin_scheme)
    return score(scheme, facts, region).to_dict()


def test_readme_example_scores_as_worked_by_hand() -> None:
    b = example_breakdown()
    by_code = {i["code"]: i["score"] for d in b["dimensions"] for i in d["indicators"]}
    assert by_code == {
        "fiscal_st_expenditure": 3.5,
        "fiscal_st_share": 7,
        "rd_intensity": 5,
        "high_tech_enterprises": 9,
        "high_tech_per_thousand": 3,
        "tech_smes": 3.75,
        "tech_smes_per_thousand": 1.25,
        "innovation_platforms": 3,
        "parks_and_bases": 0,
        "service_institutions": 1.5,
        "enterprise_rd_institution_ratio": 4,
        "invention_patents_per_10k": 4.94,
        "high_tech_value_added_share": 3.5,
        "agri_industrialization_rate": 2.76,
        "st_admin_body": 3,
        "higher_level_support": 3,
        "st_management_innovation": 4,
    }
    assert [d["score"] for d in b["dimensions"]] == [15.5, 17, 8.5, 11.2, 10]
    assert b["total"] == 62.2
    assert b["tier"] == "B"
    assert b["complete"] is True
    assert b["missing_by_department"] == {}


def test_breakdown_is_plain_json_with_numbers() -> None:
    text = json.dumps(example_breakdown())
    again = json.loads(text)
    assert isinstance(again["total"], float | int)
    ind = again["dimensions"][0]["indicators"][1]
    assert ind["value"] == 1.5 and ind["explanation"]["lower"] == {"threshold": 1, "score": 6}
    assert set(ind) >= {
        "code",
        "name_zh",
        "name_en",
        "unit",
        "value",
        "score",
        "max",
        "missing_inputs",
        "departments",
    }


@pytest.mark.parametrize(
    ("total", "tier"),
    [("100", "A"), ("80", "A"), ("79.99", "B"), ("60", "B"), ("59.99", "C"), ("0", "C")],
)
def test_tier_thresholds(total: str, tier: str) -> None:
    assert hebei().tier_for(D(total)).code == tier


def test_missing_inputs_score_zero_and_are_grouped_by_department() -> None:
    facts = Facts(2020, {"high_tech_enterprises": D(50), "fiscal_st_expenditure": D(12000)})
    b = score(hebei(), facts)
    inds = {i.code: i for i in b.indicators}
    assert inds["high_tech_enterprises"].score == D("8.33")
    assert inds["high_tech_per_thousand"].score == 0
    assert inds["high_tech_per_thousand"].missing_inputs == ("registered_enterprises",)
    assert inds["fiscal_st_share"].missing_inputs == ("public_expenditure",)
    assert inds["fiscal_st_share"].value is None
    assert b.complete is False
    assert b.missing_by_department["approval"] == ("registered_enterprises",)
    assert b.missing_by_department["finance"] == ("public_expenditure",)
    assert "other_award_points" not in {e for v in b.missing_by_department.values() for e in v}
    assert b.total == D("13.33")


def test_empty_facts_score_zero_with_everything_missing() -> None:
    b = score(hebei(), Facts(2020))
    assert b.total == 0 and b.tier.code == "C" and not b.complete
    required = {c for c, e in hebei().elements.items() if not e.optional}
    assert {e for v in b.missing_by_department.values() for e in v} == required
