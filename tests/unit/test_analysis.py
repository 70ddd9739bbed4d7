"""The analytics domain (app/domain/analysis.py), without a database."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import Facts, InvalidInput, builtin_scheme, load_scheme, parse_document, score
from app.domain.analysis import (
    Changes,
    Place,
    Standing,
    apply_changes,
    attribute,
    breakdown_from_dict,
    carry_facts,
    competition_ranks,
    completeness,
    departments,
    gaps,
    path_to_next_tier,
    round_summary,
    split_cents,
)
from app.domain.loader import parse_json, plain
from tests.conftest import ROOT
from tests.unit.helpers import award, hebei, platform
from tests.unit.test_properties import facts as random_facts

D = Decimal
SCHEME = hebei()


def example() -> tuple[Facts, str | None]:
    doc = json.loads((ROOT / "example.json").read_text(encoding="utf-8"))
    _, f, region = parse_document(doc, builtin_scheme)
    return f, region


def rescored(f: Facts, changes_json: dict) -> Decimal:
    """What the simulate endpoint computes for changes posted as JSON."""
    return score(SCHEME, apply_changes(SCHEME, f, Changes.from_dict(changes_json))).total


# ------------------------------------------------------------------------------ breakdown JSON


def test_a_breakdown_comes_back_from_its_json_exactly() -> None:
    f, region = example()
    b = score(SCHEME, f, region)
    back = breakdown_from_dict(json.loads(json.dumps(b.to_dict())), SCHEME)
    assert back.to_dict() == b.to_dict()
    assert back.total == D("62.2") and back.tier == SCHEME.tier_for(back.total)
    assert [i.score for i in back.indicators] == [i.score for i in b.indicators]


# ----------------------------------------------------------------------------- round summary


def test_competition_ranks_share_ties_and_skip() -> None:
    assert competition_ranks({"a": D(50), "b": D(70), "c": D(50), "d": D(10)}) == {
        "b": 1,
        "a": 2,
        "c": 2,
        "d": 4,
    }


def test_round_summary_in_the_provinces_form() -> None:
    places = {
        c: Place(c, f"名{c}", f"name {c}", city)
        for c, city in {
            "r1": "c1",
            "r2": "c1",
            "r3": "c2",
            "r4": "c2",
            "r5": "c2",
        }.items()
    }
    before = {
        "r1": Standing(D("81"), "A"),
        "r2": Standing(D("62"), "B"),
        "r3": Standing(D("59.99"), "C"),
        "r4": Standing(D("70"), "B"),
        "r5": Standing(D("10"), "C"),
    }
    now = {
        "r1": Standing(D("79.5"), "B"),  # down a tier, rank 1 -> 2
        "r2": Standing(D("62"), "B"),  # unchanged, rank 3 -> 3
        "r3": Standing(D("85"), "A"),  # two tiers up, rank 4 -> 1
        "r4": Standing(D("61"), "B"),  # rank 2 -> 4
        "r5": Standing(D("10"), "C"),
    }
    s = round_summary(2021, now, before, places, ["A", "B", "C"], previous_year=2020)
    assert s.tiers == {"A": 1, "B": 3, "C": 1}
    assert s.mean == D("59.50") and s.previous_mean == D("56.60") and s.mean_change == D("2.90")
    assert [(c.city, c.regions, c.mean, c.previous_mean, c.change) for c in s.cities] == [
        ("c1", 2, D("70.75"), D("71.50"), D("-0.75")),
        ("c2", 3, D("52.00"), D("46.66"), D("5.34")),
    ]
    assert s.a_list == (("r3", D("85"), 1),)
    assert [(t.region, t.from_tier, t.to_tier) for t in s.tiers_up] == [("r3", "C", "A")]
    assert [(t.region, t.from_tier, t.to_tier) for t in s.tiers_down] == [("r1", "A", "B")]
    assert (s.compared, s.rose, s.fell, s.unchanged) == (5, 1, 2, 2)
    buckets = {k: [(r.region, r.previous_rank, r.rank) for r in v] for k, v in s.rank_changes.items()}
    assert buckets["up_1_4"] == [("r3", 4, 1)]
    assert buckets["down_1_4"] == [("r4", 2, 4), ("r1", 1, 2)]
    assert buckets["unchanged"] == [("r2", 3, 3), ("r5", 5, 5)]
    assert buckets["up_10_plus"] == buckets["down_5_9"] == []
    body = s.to_dict(places)
    assert body["tier_changes"]["up"] == [
        {"region": "r3", "name_zh": "名r3", "name_en": "name r3", "from": "C", "to": "A"}
    ]
    assert body["rank_changes"]["down_1_4"]["count"] == 2 and body["mean_change"] == 2.9


def test_rank_change_buckets_have_their_edges() -> None:
    # 20 regions reversed: region k moves from rank k to 21 - k
    codes = [f"r{k:02d}" for k in range(1, 21)]
    before = {c: Standing(D(100 - k), "C") for k, c in enumerate(codes, 1)}
    now = {c: Standing(D(k), "C") for k, c in enumerate(codes, 1)}
    s = round_summary(2021, now, before, {}, ["A", "B", "C"])
    counts = {k: len(v) for k, v in s.rank_changes.items()}
    # changes: 19, 17, ..., 1 up and 1, 3, ..., 19 down
    assert counts == {
        "up_10_plus": 5,
        "up_5_9": 3,
        "up_1_4": 2,
        "unchanged": 0,
        "down_1_4": 2,
        "down_5_9": 3,
        "down_10_plus": 5,
    }
    assert s.previous_year is None and s.mean_change is not None


def test_a_round_without_a_previous_year_says_so() -> None:
    s = round_summary(2019, {"r1": Standing(D(60), "B")}, None, {}, ["A", "B", "C"], previous_year=2018)
    assert s.previous_year is None and s.previous_mean is None and s.mean_change is None
    assert s.compared == 0 and s.tiers == {"A": 0, "B": 1, "C": 0}


# -------------------------------------------------------------------------------- attribution


def changed_scheme():
    """The Hebei scheme as version 2 with other knots for tech_smes and a lower A threshold."""
    data = parse_json(json.dumps(plain(SCHEME.definition)))
    data["version"] = "2"
    for dim in data["dimensions"]:
        for ind in dim["indicators"]:
            if ind["code"] == "tech_smes":
                ind["rule"]["knots"] = [[D(0), D(0)], [D(50), D(3)], [D(300), D(6)], [D(800), D(7)]]
    return load_scheme(data)


SCHEME2 = changed_scheme()


@settings(max_examples=150, deadline=None)
@given(random_facts(), random_facts())
def test_attribution_parts_add_up_to_the_total_change(a: Facts, b: Facts) -> None:
    before = score(SCHEME, Facts(2019, a.values, a.items))
    after = score(SCHEME, b)
    att = attribute(before, after)
    assert att.total_change == after.total - before.total
    assert sum(att.by_indicator.values()) == att.total_change
    assert not att.scheme_changed and att.scheme_effect is None


@settings(max_examples=150, deadline=None)
@given(random_facts(), random_facts())
def test_scheme_and_data_effects_add_up_exactly(a: Facts, b: Facts) -> None:
    last_year = Facts(2019, a.values, a.items)
    before = score(SCHEME, last_year)
    after = score(SCHEME2, b)
    counterfactual = score(SCHEME2, carry_facts(last_year, SCHEME2))
    att = attribute(before, after, counterfactual)
    assert att.scheme_changed and att.scheme_effect is not None and att.data_effect is not None
    assert att.scheme_effect.total + att.data_effect.total == att.total_change
    assert sum(att.scheme_effect.by_indicator.values()) == att.scheme_effect.total
    assert sum(att.data_effect.by_indicator.values()) == att.data_effect.total
    # only tech_smes is scored differently: the scheme effect lives there alone
    assert {k for k, v in att.scheme_effect.by_indicator.items() if v} <= {"tech_smes"}


def test_scheme_effect_of_a_known_case() -> None:
    f = Facts(2019, {"tech_smes": D(300)})
    before, after = score(SCHEME, f), score(SCHEME2, Facts(2020, {"tech_smes": D(500)}))
    att = attribute(before, after, score(SCHEME2, carry_facts(f, SCHEME2)))
    # 300 scored 3.75 under v1 and 6 under v2; 500 scores 6 + 200/500 = 6.4 under v2
    assert (att.total_change, att.scheme_effect.total, att.data_effect.total) == (  # type: ignore[union-attr]
        D("2.65"),
        D("2.25"),
        D("0.40"),
    )


# ------------------------------------------------------------------------------------ what-if


def test_apply_changes_sets_removes_and_adds() -> None:
    f = Facts(
        2020,
        {"tech_smes": D(300), "high_tech_enterprises": D(70)},
        (
            platform("key_lab", "provincial", "2018-06-01")._replace(id=7),
            award("project", "national", "2020-07-01")._replace(id=9),
        ),
    )
    changes = Changes(
        values={"tech_smes": 500, "high_tech_enterprises": None, "st_leading_group": True},
        add_platforms=[{"type": "incubator", "level": "national", "recognized_on": "2020-12-31"}],
        remove_platforms=[7],
        remove_awards=[9],
        add_awards=[{"type": "st_award", "level": "provincial", "awarded_on": "2020-03-01", "name": "x"}],
    )
    g = apply_changes(SCHEME, f, changes)
    assert g.values == {"tech_smes": D(500), "st_leading_group": True}
    assert sorted((i.type, i.level) for i in g.items) == [
        ("incubator", "national"),
        ("st_award", "provincial"),
    ]
    assert f.values["high_tech_enterprises"] == D(70)  # the facts themselves are untouched


def test_apply_changes_lists_every_problem_like_a_write() -> None:
    f = Facts(2020, {}, (platform("key_lab", "provincial", "2018-06-01")._replace(id=7),))
    bad = Changes(
        values={"tech_smes": -1, "nope": 1, "resident_population": 0, "st_admin_body": "palace"},
        add_platforms=[
            {"type": "castle", "level": "provincial", "recognized_on": "2020-01-01"},
            {"type": "key_lab", "level": "national", "recognized_on": "2020-02-30"},
            {
                "type": "key_lab",
                "level": "national",
                "recognized_on": "2020-02-01",
                "revoked_on": "2019-01-01",
            },
        ],
        remove_platforms=[8],
        add_awards=[{"type": "project", "level": "national", "awarded_on": "2020-01-01", "colour": "red"}],
    )
    with pytest.raises(InvalidInput) as exc:
        apply_changes(SCHEME, f, bad)
    fields = [p.field for p in exc.value.problems]
    assert fields == [
        "values.tech_smes",
        "values.nope",
        "values.resident_population",
        "values.st_admin_body",
        "remove_platforms[0]",
        "add_platforms[0].type",
        "add_platforms[1].recognized_on",
        "add_platforms[2].revoked_on",
        "add_awards[0].colour",
    ]
    reasons = {p.field: p.reason for p in exc.value.problems}
    assert reasons["values.tech_smes"] == "must not be negative"  # the same message as a write
    assert "denominator" in reasons["values.resident_population"]


# --------------------------------------------------------------------------------------- gaps


def test_gaps_of_the_worked_example() -> None:
    f, region = example()
    g = gaps(SCHEME, f, region)
    assert g.total == D("62.2") and g.tier == "B"
    by = {i.code: i for i in g.indicators}
    assert "st_admin_body" in by and "fiscal_st_share" in by
    assert all(i.score < i.max for i in g.indicators)
    assert len(g.indicators) == 17  # the example maxes out no indicator
    share = {o.target: o for o in by["fiscal_st_share"].options}
    # 1.5 % -> 2 %: fiscal_st_expenditure 3000 -> 4000 with public_expenditure held at 200000;
    # the same input also lifts fiscal_st_expenditure from 3.5 to 3.75
    assert share["next_knot"].changes.values == {"fiscal_st_expenditure": D(4000)}
    assert (share["next_knot"].indicator_gain, share["next_knot"].gain) == (D(1), D("1.25"))
    assert by["fiscal_st_share"].points_missing == D(1)
    tally = by["parks_and_bases"]
    assert tally.detail["room_under_cap"] == D(6)
    assert {(p["type"], p["level"]): p["items_to_cap"] for p in tally.detail["per_item"]}[
        ("innovative_township", "provincial")
    ] == 20
    choice = by["st_admin_body"]
    assert [b["choice"] for b in choice.detail["better_choices"]] == ["independent"]
    assert [o.gain for o in choice.options] == [D(2)]  # the leading group flag is already set
    assert by["st_management_innovation"].options[0].changes.values == {
        "st_management_innovation_score": D(5)
    }
    gains = [i.best_gain for i in g.indicators]
    assert gains == sorted(gains, reverse=True)
    # every option re-scores to its claim, posted as JSON
    for i in g.indicators:
        for o in i.options:
            assert rescored(f, json.loads(json.dumps(o.changes.to_dict()))) == o.total
            assert o.total - g.total == o.gain
    path = g.to_next_tier
    assert (path.current_tier, path.tier, path.points_needed, path.reachable) == ("B", "A", D("17.8"), True)
    assert path.total >= 80 and path.reached_tier == "A"
    assert rescored(f, path.changes.to_dict()) == path.total
    assert sum(s.gain for s in path.steps) == path.total - g.total
    assert path.total < 81  # the last step was lowered to just enough


def test_a_missing_denominator_is_named_not_guessed() -> None:
    g = gaps(SCHEME, Facts(2020, {"fiscal_st_expenditure": D(3000)}))
    share = next(i for i in g.indicators if i.code == "fiscal_st_share")
    assert share.options == () and share.note is not None and share.note_text is not None
    # the denominator named by its names in the scheme (elements.public_expenditure), not its code
    assert "general public budget expenditure" in share.note and "地方公共财政支出" in share.note_text.zh
    # a missing plain element can be suggested: post it at the knot
    smes = next(i for i in g.indicators if i.code == "tech_smes")
    assert smes.options[-1].changes.values == {"tech_smes": D(100)}


def test_the_path_says_when_the_next_tier_is_out_of_reach() -> None:
    # with no denominators, the ratio indicators cannot be scored: at most 60 points remain
    empty = Facts(2020)
    to_b = path_to_next_tier(SCHEME, empty)
    assert to_b.reachable and to_b.tier == "B" and to_b.total == 60
    at_b = apply_changes(SCHEME, empty, Changes.from_dict(to_b.changes.to_dict()))
    to_a = path_to_next_tier(SCHEME, at_b)
    assert to_a.tier == "A" and not to_a.reachable and to_a.total == 60
    assert "out of reach" in to_a.note
    one = path_to_next_tier(SCHEME, apply_changes(SCHEME, at_b, Changes(values={"public_expenditure": 1})))
    assert not one.reachable and one.total == 68  # fiscal_st_share's 8 points come into reach
    denominators = {e: 1_000_000 for e, el in SCHEME.elements.items() if el.denominator_of}
    all_of_them = apply_changes(SCHEME, at_b, Changes(values=denominators))
    to_a = path_to_next_tier(SCHEME, all_of_them)
    assert to_a.reachable and to_a.reached_tier == "A" and 80 <= to_a.total < 81


def test_the_top_tier_has_no_next_tier() -> None:
    f, region = example()
    best = gaps(SCHEME, f, region).to_next_tier
    at_a = apply_changes(SCHEME, f, best.changes)
    p = path_to_next_tier(SCHEME, at_a)
    assert p.tier is None and not p.reachable and p.note == "already in the top tier"


@settings(max_examples=40, deadline=None)
@given(random_facts())
def test_every_gap_claim_reproduces(f: Facts) -> None:
    g = gaps(SCHEME, f)
    base = score(SCHEME, f).total
    for i in g.indicators:
        assert i.points_missing == i.max - i.score > 0
        for o in i.options:
            assert o.gain > 0 and rescored(f, o.changes.to_dict()) == o.total == base + o.gain
    p = g.to_next_tier
    assert rescored(f, p.changes.to_dict()) == p.total
    if p.tier is not None:
        assert p.reachable == (p.total >= p.threshold)  # type: ignore[operator]
        assert p.points_needed == p.threshold - base  # type: ignore[operator]


# -------------------------------------------------------------------------------- departments


def test_split_cents_is_exact_and_deterministic() -> None:
    assert split_cents(D("1.00"), 3) == [D("0.34"), D("0.33"), D("0.33")]
    assert split_cents(D("5"), 3) == [D("1.67"), D("1.67"), D("1.66")]
    assert split_cents(D("0.01"), 2) == [D("0.01"), D("0.00")]


@given(st.integers(0, 100_000), st.integers(1, 7))
def test_split_cents_adds_up(cents: int, parts: int) -> None:
    shares = split_cents(D(cents) / 100, parts)
    assert sum(shares) == D(cents) / 100 and max(shares) - min(shares) <= D("0.01")


@settings(max_examples=200, deadline=None)
@given(random_facts())
def test_department_parts_add_up_to_the_total(f: Facts) -> None:
    b = score(SCHEME, f)
    parts = departments(b, list(SCHEME.departments))
    assert [p.code for p in parts] == list(SCHEME.departments)
    assert sum(p.earned for p in parts) == b.total
    assert sum(p.available for p in parts) == b.max
    assert sum(p.lost for p in parts) == b.max - b.total
    for ind in b.indicators:
        shares = [s for p in parts for s in p.shares if s.indicator == ind.code]
        assert len(shares) == len(ind.departments)
        assert sum(s.earned for s in shares) == ind.score and sum(s.available for s in shares) == ind.max
        assert all(ZERO <= s.earned <= s.available for s in shares)
    missing = {p.code: p.missing_inputs for p in parts if p.missing_inputs}
    assert missing == dict(b.missing_by_department)


ZERO = D(0)


def test_a_shared_indicator_is_split_equally_first_owner_first() -> None:
    b = score(SCHEME, Facts(2020, {"st_management_innovation_score": D(1)}))
    parts = {p.code: p for p in departments(b, list(SCHEME.departments))}
    shares = {
        code: next(s for s in parts[code].shares if s.indicator == "st_management_innovation")
        for code in ("science_tech", "market_regulation", "development_reform")
    }
    assert [(s.earned, s.available) for s in shares.values()] == [
        (D("0.34"), D("1.67")),
        (D("0.33"), D("1.67")),
        (D("0.33"), D("1.66")),
    ]


# ------------------------------------------------------------------------------- completeness


def test_completeness_by_department() -> None:
    report = completeness(SCHEME, {"r1": {"fiscal_st_expenditure", "tech_smes"}, "r2": set()})
    r1 = {d.department: d for d in report["r1"]}
    assert r1["finance"].expected == ("fiscal_st_expenditure", "public_expenditure")
    assert r1["finance"].received == ("fiscal_st_expenditure",)
    assert r1["finance"].missing == ("public_expenditure",)
    assert "other_award_points" not in r1["science_tech"].expected  # optional: never chased
    assert sum(len(d.expected) for d in report["r2"]) == sum(len(d.missing) for d in report["r2"]) == 17
