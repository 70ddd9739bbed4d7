"""The pure quality checks: consistency rules as scheme data, unit slips, modified z-score outliers."""

from __future__ import annotations

import copy
import math
import statistics
from decimal import Decimal as D

import pytest

from app.domain import SchemeInvalid, builtin_scheme, load_scheme
from app.domain import quality as q
from app.domain.loader import parse_toml

SCHEME = "hebei-county-2019"


def test_the_hebei_scheme_ships_the_six_rules_of_the_issue() -> None:
    # the six relations named in the issue, written here independently of the scheme file
    wanted = {
        ("high_tech_enterprises", "<=", "registered_enterprises"),
        ("tech_smes", "<=", "registered_enterprises"),
        ("industrial_enterprises_with_rd_institution", "<=", "industrial_enterprises"),
        ("industrial_rd_expenditure", "<=", "industrial_revenue"),
        ("high_tech_industry_value_added", "<=", "industrial_value_added"),
        ("fiscal_st_expenditure", "<=", "public_expenditure"),
    }
    rules = builtin_scheme(SCHEME).consistency
    assert {(r.left, r.operator, r.right) for r in rules} == wanted
    assert all(r.message_zh and r.message_en and r.severity in ("error", "warning") for r in rules)
    assert {r.severity for r in rules} == {"error", "warning"}


def _definition() -> dict:
    from importlib import resources

    text = resources.files("app.schemes").joinpath(f"{SCHEME}.toml").read_text(encoding="utf-8")
    return parse_toml(text)


def test_a_scheme_with_bad_consistency_rules_is_rejected_naming_each_place() -> None:
    data = copy.deepcopy(_definition())
    data["consistency"] = [
        {**data["consistency"][0], "left": "no_such_element"},
        {**data["consistency"][1], "operator": "=<"},
        {**data["consistency"][2], "right": "st_admin_body"},  # a choice, not a quantity
        {**data["consistency"][3], "severity": "fatal"},
        {**data["consistency"][4], "code": data["consistency"][5]["code"]},
        data["consistency"][5],
        {"code": "x"},
    ]
    with pytest.raises(SchemeInvalid) as info:
        load_scheme(data)
    fields = {p.field for p in info.value.problems}
    assert {
        "consistency[0].left",
        "consistency[1].operator",
        "consistency[2].right",
        "consistency[3].severity",
        "consistency[5].code",
        "consistency[6].left",
        "consistency[6].message_en",
    } <= fields


def test_a_scheme_without_consistency_rules_still_loads() -> None:
    data = copy.deepcopy(_definition())
    del data["consistency"]
    assert load_scheme(data).consistency == ()


@pytest.mark.parametrize(
    ("left", "right", "broken"),
    [(100, 5000, False), (5000, 5000, False), (5001, 5000, True)],
)
def test_breaches_judge_both_sides_and_skip_a_missing_side(left: int, right: int, broken: bool) -> None:
    rule = next(r for r in builtin_scheme(SCHEME).consistency if r.left == "high_tech_enterprises")
    found = q.breaches([rule], {"high_tech_enterprises": D(left), "registered_enterprises": D(right)})
    assert bool(found) is broken
    assert q.breaches([rule], {"high_tech_enterprises": D(10**9)}) == []


def test_population_entered_in_wan_ren_is_named() -> None:
    # 长安区 had 600000 residents; a clerk enters 60 (万人): 60 / 600000 = 1/10000
    slip = q.unit_slip(D(60), D(600000), "人")
    assert slip is not None and slip.ratio == D("0.0001")
    text = slip.message_en("resident_population", D(60), "人")
    assert "万人" in text and "instead of persons (人)" in text and "would be 600000 人" in text
    assert "万人" in slip.message_zh("resident_population", D(60), "人")


def test_a_rate_entered_as_a_fraction_is_named() -> None:
    # 65.1 % last year, 0.651 this year: 1/100
    slip = q.unit_slip(D("0.651"), D("65.1"), "%")
    assert slip is not None
    text = slip.message_en("agri_industrialization_rate", D("0.651"), "%")
    assert "fraction instead of a percentage" in text and "would be 65.1 %" in text


@pytest.mark.parametrize(
    ("value", "previous", "unit", "flagged", "mixup"),
    [
        (D("4.9"), D(1), "家", False, None),  # below 5x: ordinary growth
        (D(5), D(1), "家", True, None),  # exactly 5x: flagged, no unit to blame
        (D(1), D(5), "家", True, None),  # exactly 1/5
        (D(32000000), D(3200), "万元", True, "元 instead of 万元"),  # 10000x
        (D("0.32"), D(3200), "万元", True, "亿元 instead of 万元"),  # 1/10000
        (D(0), D(3200), "万元", False, None),  # zero: no ratio
        (D(3200), None, "万元", False, None),  # no previous year
    ],
)
def test_unit_slip_thresholds(
    value: D, previous: D | None, unit: str, flagged: bool, mixup: str | None
) -> None:
    slip = q.unit_slip(value, previous, unit)
    assert (slip is not None) is flagged
    if slip is not None:
        assert (slip.mixup_en is not None and mixup in slip.mixup_en) if mixup else slip.mixup_en is None


def test_modified_z_score_on_logs_against_an_independent_computation() -> None:
    values = {"a": D(100), "b": D(110), "c": D(120), "d": D(130), "e": D(140), "f": D(100000)}
    # by hand: log10 = 2, 2.0414, 2.0792, 2.1139, 2.1461, 5; median 2.0966; MAD 0.05235;
    # z(f) = 0.6745 * 2.9034 / 0.05235 = 37.4, z(a) = -1.24
    logs = {
        k: math.log10(v) for k, v in {"a": 100, "b": 110, "c": 120, "d": 130, "e": 140, "f": 100000}.items()
    }
    med = statistics.median(logs.values())
    mad = statistics.median(abs(x - med) for x in logs.values())
    expected_z = 0.6745 * (logs["f"] - med) / mad
    assert expected_z == pytest.approx(37.4, abs=0.1)
    found = q.outliers(values)
    assert set(found) == {"f"}
    assert found["f"].z == pytest.approx(expected_z)
    assert found["f"].regions == 6
    assert "modified z-score" in q.OUTLIER_METHOD and "3.5" in q.OUTLIER_METHOD


def test_outliers_need_enough_regions_and_spread() -> None:
    assert q.outliers({"a": D(1), "b": D(1), "c": D(1), "d": D(10**6)}) == {}  # 4 regions
    assert q.outliers({k: D(5) for k in "abcdef"}) == {}  # all equal
    # MAD 0 (six equal values): the mean absolute deviation stands in, by hand
    # deviations 0 x 6 and log10(1e6) - log10(5) = 5.30103; meanAD = 0.757290; z = 5.30103 / (1.253314 x 0.757290) = 5.585
    found = q.outliers({k: D(5) for k in "abcdef"} | {"g": D(10**6)})
    assert set(found) == {"g"} and found["g"].z == pytest.approx(5.585, abs=0.001)
    # zeros are left out (no log), so they are neither flagged nor counted
    assert q.outliers({"a": D(0), "b": D(100), "c": D(110), "d": D(120), "e": D(130)}) == {}
