"""Values are stored exactly or refused, and a zero denominator is never a division by zero.

These pin domain behaviour: the precision a value may carry (10 decimal places, 15 significant
digits: the NUMERIC(30, 10) column and the JSON number it is read back as), -0 as 0, and a ratio
whose stored denominator is 0 scoring 0 with the denominator reported, in the breakdown, the
gaps, the path to the next tier and the what-if alike.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain import Facts, InvalidInput, score
from app.domain.analysis import Changes, gaps, path_to_next_tier, simulate
from app.domain.targets import parse_threshold
from tests.unit.helpers import hebei

pytestmark = pytest.mark.reliability

D = Decimal


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (1e-10, "1E-10"),  # ten decimal places: the most the column keeps
        (0.0000000001, "1E-10"),
        (123456789012.345, "123456789012.345"),  # 15 significant digits
        (1e3, "1000"),  # written as a whole number, whatever the sender's notation
        (D("2.50"), "2.5"),
        (-0.0, "0"),  # minus zero is zero
        (D("-0"), "0"),
        (0, "0"),
    ],
)
def test_a_value_within_the_precision_is_kept_exactly(raw: object, stored: str) -> None:
    el = hebei().elements["fiscal_st_expenditure"]
    value = el.parse(raw)
    assert str(value) == stored


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (1e-11, "1e-11"),  # 11 decimal places: PostgreSQL would have kept 0
        (D("0.00000000001"), "Decimal('1E-11')"),
        (0.1 + 0.2, "0.30000000000000004"),  # 17 significant digits
        (D("1234567890.1234567"), "Decimal('1234567890.1234567')"),  # 17 significant digits
    ],
)
def test_a_value_beyond_the_precision_is_refused_naming_it_and_the_rule(raw: object, shown: str) -> None:
    el = hebei().elements["public_expenditure"]
    with pytest.raises(ValueError) as exc:
        el.parse(raw)
    message = str(exc.value)
    assert shown in message
    assert "10 digits after the decimal point" in message and "15 significant digits" in message


def test_a_count_sent_in_exponent_notation_is_a_whole_number() -> None:
    value = hebei().elements["tech_smes"].parse(1e3)
    assert value == 1000 and value.as_tuple().exponent == 0


def test_a_target_threshold_obeys_the_same_precision() -> None:
    with pytest.raises(ValueError, match="10 digits after the decimal point"):
        parse_threshold(1e-11)
    assert str(parse_threshold(-0.0)) == "0"
    assert str(parse_threshold(1e3)) == "1000"


# ---------------------------------------------------------------------- zero denominators

#: a stored zero denominator (written before the check, or straight into the table); the
#: numerators are positive so that a division would be attempted
ZERO_DENOMINATOR = {
    "fiscal_st_expenditure": D(1200),
    "public_expenditure": D(0),
    "high_tech_enterprises": D(30),
    "registered_enterprises": D(0),
    "tech_smes": D(300),
}


def _indicator(facts: Facts, code: str):  # type: ignore[no-untyped-def]
    return next(i for i in score(hebei(), facts).indicators if i.code == code)


def test_a_zero_denominator_scores_zero_and_is_reported_as_a_missing_input() -> None:
    facts = Facts(2020, dict(ZERO_DENOMINATOR))
    b = score(hebei(), facts)
    share = _indicator(facts, "fiscal_st_share")
    assert share.score == 0 and share.value is None
    assert share.missing_inputs == ("public_expenditure",)
    assert "public_expenditure" in share.explanation["invalid_inputs"]
    assert "is 0" in share.explanation["invalid_inputs"]["public_expenditure"]
    # both ratios over registered_enterprises fail the same way
    for code in ("high_tech_per_thousand", "tech_smes_per_thousand"):
        ind = _indicator(facts, code)
        assert ind.score == 0 and ind.missing_inputs == ("registered_enterprises",)
    # the element sources still score: 1200 万元 lies between the knots 1000->3 and 5000->4,
    # 3 + 200/4000 = 3.05 (the table of DESIGN.md)
    assert _indicator(facts, "fiscal_st_expenditure").score == D("3.05")
    assert not b.complete
    assert "public_expenditure" in b.missing_by_department["finance"]
    assert "registered_enterprises" in b.missing_by_department["approval"]
    # the JSON breakdown carries the reason
    as_json = b.to_dict()
    share_json = next(
        i for d in as_json["dimensions"] for i in d["indicators"] if i["code"] == "fiscal_st_share"
    )
    assert share_json["missing_inputs"] == ["public_expenditure"]
    assert "public_expenditure" in share_json["explanation"]["invalid_inputs"]


def test_a_missing_denominator_is_missing_without_an_invalid_reason() -> None:
    facts = Facts(2020, {"fiscal_st_expenditure": D(1200)})
    share = _indicator(facts, "fiscal_st_share")
    assert share.score == 0 and share.missing_inputs == ("public_expenditure",)
    assert "invalid_inputs" not in share.explanation


def test_analysis_with_a_zero_denominator_gives_no_division_by_zero() -> None:
    scheme, facts = hebei(), Facts(2020, dict(ZERO_DENOMINATOR))
    g = gaps(scheme, facts, "130102")
    share = next(i for i in g.indicators if i.code == "fiscal_st_share")
    # nothing can be suggested for the numerator while the ratio is undefined
    assert share.to_dict()["options"] == []
    path_to_next_tier(scheme, facts, "130102")
    # the what-if that posts a real denominator scores the ratio again: 1200 / 60000 x 100 = 2 %,
    # the top knot (2 -> 8 points)
    after = simulate(scheme, facts, Changes(values={"public_expenditure": 60000}))
    assert next(i.score for i in after.indicators if i.code == "fiscal_st_share") == 8


def test_the_what_if_refuses_a_zero_denominator_as_a_write_would() -> None:
    with pytest.raises(InvalidInput):
        simulate(hebei(), Facts(2020, {}), Changes(values={"public_expenditure": 0}))


@pytest.mark.parametrize("raw", [1e300, D("1E+999999999"), D("12345678901234567890123456789012345")])
def test_a_huge_value_is_refused_for_its_size_not_a_crash(raw: object) -> None:
    with pytest.raises(ValueError, match="must not exceed"):
        hebei().elements["fiscal_st_expenditure"].parse(raw)
    with pytest.raises(ValueError, match="must not exceed"):
        parse_threshold(raw)
