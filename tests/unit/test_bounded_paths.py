"""Gap options and the path to the next tier keep within the plausible yearly change the scheme
declares ([bounds] in app/schemes/hebei-county-2019.toml), and say so in zh and en.

The expected numbers are computed by hand from the scheme's bands (DESIGN.md's table), for a small
county whose every indicator is at its max except six banded ones:

    element                      value     indicator                     score (hand)
    fiscal_st_expenditure        1000      fiscal_st_expenditure         3        (knot 1000 -> 3)
    public_expenditure           500000    fiscal_st_share  0.2 %        1.6      (0.2 / 0.5 x 4)
    industrial_rd / revenue      100 / 1e5 rd_intensity     0.1 %        0.8      (0.1 / 0.5 x 4)
    high_tech_enterprises        20        high_tech_enterprises         6        (5 + 10/30 x 3)
    registered_enterprises       20000     high_tech_per_thousand  1     1.25     (1 / 2 x 2.5)
    tech_smes                    100       tech_smes                     2.5      (knot 100 -> 2.5)
                                           tech_smes_per_thousand  5     0.42     (5 / 30 x 2.5 = 0.4167)
    the other 11 indicators at their max: 8 + 6 + 6 + 5 + 6 + 6 + 3 + 5 + 5 + 5 = 55

    total = 3 + 1.6 + 0.8 + 6 + 1.25 + 2.5 + 0.42 + 55 = 70.57 (tier B; A needs 9.43 more)

Within one year (+100 % for fiscal S&T expenditure as the scheme declares, +50 % otherwise):
fiscal 2000 -> 3.25 and share 0.4 % -> 3.2; R&D 150 -> 0.15 % -> 1.2; high-tech 30 -> 7 and 1.5 per
thousand -> 1.875 -> 1.88; tech SMEs 150 -> 2.8125 -> 2.81 and 7.5 per thousand -> 0.625 -> 0.63.
Gain 0.25 + 1.6 + 0.4 + 1 + 0.63 + 0.31 + 0.21 = 4.4: at most 74.97, tier A out of reach.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app.domain import Facts, SchemeInvalid, load_scheme, score
from app.domain.analysis import gaps, path_to_next_tier
from app.domain.analysis.next_tier import gap_context, indicator_ref
from app.domain.loader import parse_toml
from tests.conftest import ROOT
from tests.unit.helpers import award, hebei, platform

D = Decimal
SCHEME = hebei()
CODE = re.compile(r"[a-z]+_[a-z_]+")

SMALL = {
    "fiscal_st_expenditure": D(1000),
    "public_expenditure": D(500000),
    "industrial_rd_expenditure": D(100),
    "industrial_revenue": D(100000),
    "high_tech_enterprises": D(20),
    "registered_enterprises": D(20000),
    "tech_smes": D(100),
    "industrial_enterprises": D(100),
    "industrial_enterprises_with_rd_institution": D(80),
    "valid_invention_patents": D(120),
    "resident_population": D(100000),
    "high_tech_industry_value_added": D(400),
    "industrial_value_added": D(1000),
    "agri_industrialization_rate": D(70),
    "st_admin_body": "independent",
    "st_leading_group": True,
    "st_management_innovation_score": D(5),
}
ITEMS = (
    *[platform("key_lab", "national", "2015-01-01") for _ in range(4)],  # 4 x 2 = 8
    *[platform("high_tech_zone", "national", "2015-01-01") for _ in range(2)],  # 2 x 3 = 6
    *[platform("incubator", "national", "2015-01-01") for _ in range(3)],  # 3 x 2 = 6
    award("st_award", "national", "2020-05-01"),
    award("st_award", "national", "2020-06-01"),  # 3 + 3, capped at 5
)


def small(**changes: object) -> Facts:
    return Facts(2020, {**SMALL, **changes}, ITEMS)  # type: ignore[arg-type]


def test_the_small_county_scores_as_computed_by_hand() -> None:
    b = score(SCHEME, small())
    assert (b.total, b.tier.code) == (D("70.57"), "B")


def test_a_tier_out_of_reach_within_the_bounds_says_how_far_the_bounds_go() -> None:
    p = path_to_next_tier(SCHEME, small())
    assert (p.tier, p.points_needed, p.reachable) == ("A", D("9.43"), False)
    assert p.total == D("74.97")  # 70.57 + 4.4, every input at its bound
    assert p.changes.values == {
        "fiscal_st_expenditure": D(2000),
        "industrial_rd_expenditure": D(150),
        "high_tech_enterprises": D(30),
        "tech_smes": D(150),
    }
    bounds = {b.element: (b.current, b.limit, b.max_yearly_change, b.binding) for b in p.bounds}
    assert bounds == {
        "fiscal_st_expenditure": (D(1000), D(2000), D(1), True),
        "industrial_rd_expenditure": (D(100), D(150), D("0.5"), True),
        "high_tech_enterprises": (D(20), D(30), D("0.5"), True),
        "tech_smes": (D(100), D(150), D("0.5"), True),
    }
    assert p.note_text is not None
    assert "4.4 分" in p.note_text.zh and "9.43 分" in p.note_text.zh and "74.97" in p.note_text.zh
    assert "at most 4.4 points" in p.note_text.en and "9.43 points are needed" in p.note_text.en
    d = p.to_dict()
    assert d["reachable"] is False and d["note_zh"] == p.note_text.zh
    assert {b["element"] for b in d["bounds"]} == set(bounds)
    high_tech = next(b for b in d["bounds"] if b["element"] == "high_tech_enterprises")
    assert high_tech["zh"] == "高新技术企业数量一年内至多提高 50%：由 20 家至 30 家"
    assert high_tech["en"] == "high-tech enterprises may rise by at most 50% in a year: from 20 to 30"


def test_a_tier_within_reach_is_reached_by_moves_within_the_bounds() -> None:
    # R&D at 1.5 % (7 points, +6.2): 76.77, 3.23 short of A; the bounds allow 4.0 (4.4 - 0.4)
    p = path_to_next_tier(SCHEME, small(industrial_rd_expenditure=D(1500)))
    assert (p.points_needed, p.reachable, p.reached_tier) == (D("3.23"), True, "A")
    assert D(80) <= p.total < D(81)
    limits = {"fiscal_st_expenditure": 2000, "high_tech_enterprises": 30, "tech_smes": 150}
    for element, value in p.changes.values.items():
        assert SMALL[element] < value <= limits[element], element  # type: ignore[operator]
    for step in p.steps:
        assert step.text is not None and not CODE.search(step.text.zh + step.text.en), step.text


def test_gap_options_beyond_the_bounds_are_kept_and_flagged() -> None:
    g = gaps(SCHEME, small())
    ind = next(i for i in g.indicators if i.code == "high_tech_enterprises")
    nxt = next(o for o in ind.options if o.target == "next_knot")
    # 20 -> 40: the indicator 6 -> 8 (+2) and high_tech_per_thousand 1 -> 2 per thousand, 1.25 -> 2.5
    assert nxt.changes.values == {"high_tech_enterprises": D(40)}
    assert (nxt.indicator_gain, nxt.gain, nxt.total) == (D(2), D("3.25"), D("73.82"))
    assert nxt.within_bounds is False
    (bound,) = nxt.bounds
    assert (bound.element, bound.current, bound.limit, bound.binding) == (
        "high_tech_enterprises",
        20,
        30,
        True,
    )
    assert nxt.text is not None
    assert nxt.text.zh == "将高新技术企业数量由 20 家提高到 40 家：高新技术企业数量达到 40 家（下一档）"
    assert (
        nxt.text.en
        == "raise high-tech enterprises from 20 to 40: high-tech enterprises reaches 40 (the next band)"
    )
    assert nxt.to_dict()["description"] == nxt.text.en and nxt.to_dict()["within_bounds"] is False
    # a ratio raises its numerator holding its denominator, bounded by the numerator's bound
    share = next(i for i in g.indicators if i.code == "tech_smes_per_thousand")
    to_30 = next(o for o in share.options if o.target == "next_knot")
    assert to_30.changes.values == {"tech_smes": D(600)}  # 30 per thousand of 20000
    assert not to_30.within_bounds and to_30.bounds[0].limit == 150
    assert to_30.text is not None and "工商注册企业数量保持 20000 家" in to_30.text.zh


def test_tally_options_and_moves_keep_to_the_new_items_a_type_may_gain_in_a_year() -> None:
    no_incubators = Facts(2020, SMALL, tuple(i for i in ITEMS if i.type != "incubator"))  # type: ignore[arg-type]
    g = gaps(SCHEME, no_incubators)
    service = next(i for i in g.indicators if i.code == "service_institutions")
    # room 6 under the cap; a national incubator (2) is the best item: 3 of them, the limit is 2
    fill = next(o for o in service.options if o.target == "max")
    assert fill.detail["count"] == 3 and fill.within_bounds is False
    assert fill.bounds[0].limit == 2 and fill.bounds[0].type == "incubator"
    one = next(o for o in service.options if o.target == "one_item" and o.detail["type"] == "incubator")
    assert one.within_bounds is True
    # the path never adds a third item of one type
    p = path_to_next_tier(SCHEME, no_incubators)
    added: dict[str, int] = {}
    for item in p.changes.add_platforms:
        added[str(item["type"])] = added.get(str(item["type"]), 0) + 1
    assert added and max(added.values()) <= 2, added


def test_the_bounds_table_is_checked_when_the_scheme_loads() -> None:
    text = (ROOT / "app" / "schemes" / "hebei-county-2019.toml").read_text(encoding="utf-8")
    base = text[: text.index("[bounds]")]
    bad = (
        base
        + "[bounds]\nmax_yearly_change = 0\nmax_new_per_year = 1.5\ncolour = 1\n"
        + "[bounds.elements]\nst_admin_body = 1\nno_such_element = 1\ntech_smes = -1\n"
        + "[bounds.types]\nno_such_type = 1\nkey_lab = -2\n"
    )
    with pytest.raises(SchemeInvalid) as err:
        load_scheme(parse_toml(bad))
    fields = {p.field for p in err.value.problems}
    assert fields == {
        "bounds.max_yearly_change",
        "bounds.max_new_per_year",
        "bounds.colour",
        "bounds.elements.st_admin_body",
        "bounds.elements.no_such_element",
        "bounds.elements.tech_smes",
        "bounds.types.no_such_type",
        "bounds.types.key_lab",
    }
    # without a [bounds] table the defaults hold: +50 % a year, 2 new items of a type
    plain = load_scheme(parse_toml(base))
    assert plain.elements["fiscal_st_expenditure"].max_yearly_change == D("0.5")
    assert plain.elements["st_admin_body"].max_yearly_change is None
    assert {t.max_new_per_year for t in plain.registries["platform"].types} == {2}
    # as shipped: the declared exceptions
    assert SCHEME.elements["fiscal_st_expenditure"].max_yearly_change == 1
    assert SCHEME.elements["agri_industrialization_rate"].max_yearly_change == D("0.2")
    hz = next(t for t in SCHEME.registries["platform"].types if t.code == "high_tech_zone")
    assert hz.max_new_per_year == 1


def test_a_tally_move_says_what_the_item_adds_under_the_cap_not_its_full_points() -> None:
    """服务机构 (cap 6): two national incubators (2 + 2) and a national maker space (1) make 5, so a
    third national incubator, worth 2, adds 1 point: 6 - 5 (DESIGN.md's points table)."""
    items = (
        platform("incubator", "national", "2015-01-01"),
        platform("incubator", "national", "2016-01-01"),
        platform("maker_space", "national", "2017-01-01"),
    )
    facts = Facts(2020, SMALL, items)  # type: ignore[arg-type]
    ind = next(i for i in SCHEME.indicators if i.code == "service_institutions")
    moves = ind.rule.moves(indicator_ref(ind), facts, gap_context(SCHEME, facts))
    national = next(m for m in moves if m.items[0].level == "national")
    assert national.items[0].type == "incubator"
    assert national.text is not None
    assert national.text.zh.endswith("加 1 分")
    assert national.text.en.endswith("+1 point")
