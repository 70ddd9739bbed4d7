"""Registry tallies: points per (type, level), stock and event counting, caps, extras."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain import Facts, score
from tests.unit.helpers import award, hebei, platform

D = Decimal


def scored(year: int, items: list, **values: object) -> dict[str, object]:
    facts = Facts(year, {k: D(str(v)) for k, v in values.items()}, tuple(items))
    return {i.code: i for i in score(hebei(), facts).indicators}


def test_platform_points_by_type_and_level() -> None:
    items = [
        platform("key_lab", "national", "2015-01-01"),  # 2
        platform("enterprise_tech_center", "provincial", "2015-01-01"),  # 1
        platform("new_rd_institution", "provincial", "2015-01-01"),  # 1
        platform("high_tech_zone", "provincial", "2015-01-01"),  # 2 (parks)
        platform("innovative_township", "provincial", "2015-01-01"),  # 0.3 (parks)
        platform("maker_space", "provincial", "2015-01-01"),  # 0.5 (services)
        platform("academician_workstation", "national", "2015-01-01"),  # 0.5 (services)
    ]
    out = scored(2020, items)
    assert out["innovation_platforms"].score == D("4")
    assert out["parks_and_bases"].score == D("2.3")
    assert out["service_institutions"].score == D("1")
    assert out["innovation_platforms"].value == 3
    assert [i["points"] for i in out["innovation_platforms"].explanation["items"]] == [2, 1, 1]


def test_municipal_items_are_listed_but_score_nothing() -> None:
    items = [
        platform("incubator", "municipal", "2015-01-01"),
        platform("key_lab", "municipal", "2015-01-01"),
    ]
    out = scored(2020, items)
    assert out["service_institutions"].score == 0
    assert out["innovation_platforms"].score == 0
    assert out["service_institutions"].value == 0
    assert out["service_institutions"].explanation["items"][0]["level"] == "municipal"
    assert out["service_institutions"].explanation["items"][0]["points"] == 0


def test_cap_applies_and_is_reported() -> None:
    items = [platform("key_lab", "national", f"201{i}-01-01", name=f"lab {i}") for i in range(5)]  # 10 points
    ind = scored(2020, items)["innovation_platforms"]
    assert ind.score == D(8)
    assert ind.explanation["subtotal"] == 10
    assert ind.explanation["capped"] is True
    below = scored(2020, items[:3])["innovation_platforms"]
    assert below.score == 6 and below.explanation["capped"] is False


@pytest.mark.parametrize(
    ("recognized", "revoked", "counts_in_2020"),
    [
        ("2020-12-31", None, True),  # recognised on the last day
        ("2021-01-01", None, False),  # recognised after the year
        ("2015-01-01", "2020-12-31", False),  # revoked exactly on Dec 31: gone at year end
        ("2015-01-01", "2021-01-01", True),  # revoked on Jan 1 of the next year: counts
        ("2015-01-01", "2020-06-30", False),
        ("2015-01-01", "2019-12-31", False),
    ],
)
def test_stock_items_count_by_validity_at_year_end(
    recognized: str, revoked: str | None, counts_in_2020: bool
) -> None:
    ind = scored(2020, [platform("incubator", "national", recognized, revoked)])["service_institutions"]
    assert ind.score == (D(2) if counts_in_2020 else 0)


def test_awards_count_only_in_their_year() -> None:
    items = [
        award("project", "national", "2020-01-01"),  # 1
        award("project", "provincial", "2020-12-31"),  # 0.5
        award("st_award", "national", "2019-12-31"),  # other year
        award("commendation", "national", "2021-01-01"),  # other year
        award("commendation", "municipal", "2020-05-05"),  # 1
    ]
    ind = scored(2020, items)["higher_level_support"]
    assert ind.score == D("2.5")
    assert ind.value == 3
    assert ind.missing_inputs == ()  # other_award_points is optional


def test_award_extra_points_add_before_the_cap() -> None:
    items = [award("st_award", "provincial", "2020-03-01")]  # 2
    assert scored(2020, items, other_award_points="1.5")["higher_level_support"].score == D("3.5")
    capped = scored(2020, [*items, award("commendation", "national", "2020-04-01")], other_award_points=2)
    assert capped["higher_level_support"].score == 5
    assert capped["higher_level_support"].explanation["capped"] is True
    assert capped["higher_level_support"].explanation["extra_points"] == 2


@pytest.mark.parametrize(
    ("body", "group", "points"),
    [
        ("independent", True, 5),
        ("independent", False, 4),
        ("merged_office", True, 3),
        ("merged_office", False, 2),
        ("nameplate", True, 2),
        ("nameplate", False, 1),
        ("none", True, 1),
        ("none", False, 0),
    ],
)
def test_st_admin_body_choice_plus_leading_group(body: str, group: bool, points: int) -> None:
    facts = Facts(2020, {"st_admin_body": body, "st_leading_group": group})
    ind = next(i for i in score(hebei(), facts).indicators if i.code == "st_admin_body")
    assert ind.score == points
    assert ind.value == body
    assert ind.missing_inputs == ()


def test_st_admin_body_with_one_input_missing() -> None:
    facts = Facts(2020, {"st_leading_group": True})
    ind = next(i for i in score(hebei(), facts).indicators if i.code == "st_admin_body")
    assert ind.score == 1
    assert ind.missing_inputs == ("st_admin_body",)
