"""The compiled plan: its numbers against an independent implementation of the scheme tables, and
the explained breakdown (made from the same run) against the numbers, for random facts
(hypothesis), under the shipped scheme and the test scheme with the `step` and `banded_lower` kinds."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import Facts, Scheme, load_scheme, score
from app.domain.facts import RegistryItem
from app.domain.loader import load_scheme_file, parse_toml
from app.domain.plan import compile_plan, plan_for
from tests.conftest import ROOT
from tests.unit.helpers import hebei
from tests.unit.test_properties import facts as hebei_facts

D = Decimal
HEBEI = hebei()
STEPS = load_scheme_file(ROOT / "tests" / "schemes" / "test-county-steps.toml")


# ------------------------------------------------------------- an independent implementation
# Written from DESIGN.md's scoring semantics and the scheme files' tables (the definition as data,
# not the rule objects), in exact fractions; shares no code with app/domain/rules.


def _f(x: Any) -> Fraction:
    return Fraction(str(x))


def _value(source: dict[str, Any], values: dict[str, Any]) -> Fraction | None:
    if "element" in source:
        v = values.get(source["element"])
        return None if v is None else _f(v)
    num, den = values.get(source["numerator"]), values.get(source["denominator"])
    if num is None or den is None or den == 0:
        return None
    return _f(num) / _f(den) * _f(source.get("factor", 1))


def _linear(knots: list[list[Any]], v: Fraction) -> Fraction:
    ks = [(_f(t), _f(s)) for t, s in knots]
    if v <= ks[0][0]:
        return ks[0][1]
    for (t0, s0), (t1, s1) in itertools.pairwise(ks):
        if t0 <= v < t1:
            return s0 + (v - t0) * (s1 - s0) / (t1 - t0)
    return ks[-1][1]


def _counts(item: RegistryItem, counting: str, year: int) -> bool:
    if counting == "event":
        return item.start.year == year
    end_of_year = date(year, 12, 31)
    return item.start <= end_of_year and (item.end is None or item.end > end_of_year)


def reference_points(definition: dict[str, Any], ind: dict[str, Any], f: Facts) -> Fraction:
    rule, values = ind["rule"], dict(f.values)
    kind = rule["kind"]
    if kind in ("banded", "banded_lower", "step", "assessed"):
        v = _value(ind["source"], values)
        if v is None:
            return Fraction(0)
        if kind == "assessed":
            points = v
        elif kind == "step":
            points = max(_f(p) for t, p in rule["brackets"] if _f(t) <= v)
        else:
            points = _linear(rule["knots"], v)
    elif kind == "tally":
        counting = definition["registries"][rule["registry"]]["counting"]
        points = sum(
            (
                _f(rule["points"][i.type].get(i.level, 0))
                for i in f.items
                if i.registry == rule["registry"]
                and i.type in rule["points"]
                and _counts(i, counting, f.year)
            ),
            Fraction(0),
        )
        extra = values.get(rule.get("extra_element", ""))
        points += _f(extra) if extra is not None else 0
        points = min(points, _f(rule.get("cap", ind["max"])))
    else:
        choice, flag = values.get(rule["choice"]), values.get(rule["flag"])
        points = _f(rule["choice_points"].get(choice, 0)) if choice is not None else Fraction(0)
        points += _f(rule["flag_points"]) if flag is True else 0
        points = min(points, _f(rule["cap"]))
    return min(max(points, Fraction(0)), _f(ind["max"]))


def cents(x: Fraction) -> Decimal:
    return (D(x.numerator) / D(x.denominator)).quantize(D("0.01"), rounding=ROUND_HALF_UP)


# ----------------------------------------------------------- what each explanation re-derives


def from_explanation(e: dict[str, Any], maximum: Decimal) -> Decimal:
    """The points an explanation accounts for (before rounding)."""
    kind = e["kind"]
    if kind in ("banded", "banded_lower"):
        lo, up = e["lower"], e["upper"]
        if lo is None and up is None:
            return D(0)
        if lo is None:  # below the first knot
            return D(up["score"])
        if up is None:
            return D(lo["score"])
        return D(lo["score"])  # interpolated below; the bracket is checked by the caller
    if kind == "step":
        return D(0) if e["bracket"] is None else D(e["bracket"]["points"])
    if kind == "tally":
        total = sum((D(i["points"]) for i in e["items"]), D(0)) + D(e.get("extra_points", 0))
        assert e["subtotal"] == sum((D(i["points"]) for i in e["items"]), D(0))
        assert e["capped"] == (total > e["cap"])
        return min(total, D(e["cap"]))
    if kind == "choice_flag":
        total = D(e["choice_points"]) + D(e["flag_points"])
        return min(total, D(e["cap"]))
    assert kind == "assessed"
    return D(0) if e["assessed"] is None else min(D(e["assessed"]), maximum)


def check(scheme: Scheme, f: Facts) -> None:
    definition = dict(scheme.definition)
    defs = {i["code"]: i for d in definition["dimensions"] for i in d["indicators"]}
    lean, full = score(scheme, f, explain=False), score(scheme, f)
    assert (lean.total, lean.tier, lean.complete) == (full.total, full.tier, full.complete)
    for a, b in zip(lean.indicators, full.indicators, strict=True):
        expected = cents(reference_points(definition, defs[a.code], f))
        assert a.score == b.score == expected, (a.code, a.value, a.score, expected)
        assert (a.value, a.missing_inputs) == (b.value, b.missing_inputs)
        e = dict(b.explanation)
        assert e["kind"] == scheme.indicator(a.code).rule.kind
        derived = from_explanation(e, b.max)
        if e["kind"] in ("banded", "banded_lower") and e["lower"] and e["upper"]:
            # the value lies between the two knots it names, and the line through them gives the score
            lo, up = e["lower"], e["upper"]
            assert isinstance(b.value, Decimal) and lo["threshold"] <= b.value < up["threshold"]
            line = Fraction(lo["score"]) + (Fraction(b.value) - Fraction(lo["threshold"])) * (
                Fraction(up["score"]) - Fraction(lo["score"])
            ) / (Fraction(up["threshold"]) - Fraction(lo["threshold"]))
            assert cents(line) == b.score
        elif e["kind"] == "step" and e["bracket"]:
            assert isinstance(b.value, Decimal) and e["bracket"]["from"] <= b.value
            assert e["next"] is None or b.value < e["next"]["from"]
            assert derived.quantize(D("0.01")) == b.score
        else:
            assert derived.quantize(D("0.01"), rounding=ROUND_HALF_UP) == b.score, (a.code, e)
        assert set(b.inputs) == set(scheme.indicator(a.code).rule.elements)
    assert full.total == sum((i.score for i in full.indicators), D(0))


@settings(max_examples=300, deadline=None)
@given(hebei_facts())
def test_plan_numbers_and_explained_breakdown_agree_under_the_shipped_scheme(f: Facts) -> None:
    check(HEBEI, f)


def tallied(scheme: Scheme, f: Facts) -> Facts:
    """`f` given counted, as a ranking reads it from the fact rows: per registry, (type, level,
    how many items count in the year), counted here by the reference's own rule (`_counts`)."""
    counts: dict[str, Counter[tuple[str, str]]] = {}
    for i in f.items:
        counting = scheme.definition["registries"][i.registry]["counting"]
        if _counts(i, counting, f.year):
            counts.setdefault(i.registry, Counter())[(i.type, i.level)] += 1
    return Facts.tallied(
        f.year, f.values, {r: [(t, lv, n) for (t, lv), n in c.items()] for r, c in counts.items()}
    )


@settings(max_examples=300, deadline=None)
@given(hebei_facts())
def test_facts_given_counted_score_as_their_items_do(f: Facts) -> None:
    """The tally evaluators read counts when the facts are given counted (a ranking from the fact
    rows): the same numbers as walking the items, and the reference's, explained or not."""
    counted = tallied(HEBEI, f)
    assert counted.tallies_of("platform") is not None and f.tallies_of("platform") is None
    plan = plan_for(HEBEI)
    assert plan.summary(counted) == plan.summary(f)
    assert score(HEBEI, counted, explain=False).total == score(HEBEI, f, explain=False).total
    check(HEBEI, counted)


amounts = st.decimals(min_value=0, max_value=10**5, places=2)


@st.composite
def steps_facts(draw: st.DrawFn) -> Facts:
    values: dict[str, Any] = {}
    maybe = lambda: draw(st.integers(0, 3)) > 0  # noqa: E731 - about a quarter missing
    if maybe():
        values["rd_staff"] = D(draw(st.integers(0, 200)))
    if maybe():
        values["energy_use"] = draw(amounts)
    if maybe():
        values["industrial_output"] = draw(amounts.filter(bool))
    if maybe():
        values["valid_patents"] = D(draw(st.integers(0, 80)))
    if maybe():
        values["st_admin_body"] = draw(st.sampled_from(["independent", "merged_office", "none"]))
    if maybe():
        values["st_leading_group"] = draw(st.booleans())
    if maybe():
        values["management_score"] = draw(st.decimals(min_value=0, max_value=5, places=2))
    items = tuple(
        RegistryItem(
            "platform",
            draw(st.sampled_from(["key_lab", "enterprise_tech_center"])),
            draw(st.sampled_from(["national", "provincial", "municipal"])),
            date(draw(st.integers(2015, 2021)), 6, 1),
            draw(st.one_of(st.none(), st.dates(date(2019, 1, 1), date(2022, 12, 31)))),
        )
        for _ in range(draw(st.integers(0, 6)))
    )
    return Facts(2020, values, items)


@settings(max_examples=300, deadline=None)
@given(steps_facts())
def test_plan_numbers_and_explained_breakdown_agree_under_the_step_scheme(f: Facts) -> None:
    check(STEPS, f)


def test_the_plan_is_compiled_once_at_load_and_kept_on_the_scheme() -> None:
    text = (ROOT / "app" / "schemes" / "hebei-county-2019.toml").read_text(encoding="utf-8")
    scheme = load_scheme(parse_toml(text))
    assert "_plan" in scheme.__dict__  # the loader compiled it
    plan = plan_for(scheme)
    assert plan_for(scheme) is plan and plan.scheme is scheme
    assert len(plan.evaluators) == len(scheme.indicators) == 17
    # a fresh compile runs the same numbers
    f = Facts(2020, {"tech_smes": D(300), "public_expenditure": D(1000), "fiscal_st_expenditure": D(15)})
    assert compile_plan(scheme).run(f) == plan.run(f)
    run = plan.run(f)
    # tech_smes 300 -> 2.5 + 200 x 2.5 / 400 = 3.75; fiscal 15 -> 15 x 3 / 1000 = 0.045 -> 0.05;
    # share 1.5 % -> 6 + 0.5 x 2 / 1 = 7
    by_code = dict(zip((i.code for i in scheme.indicators), run.scores, strict=True))
    assert (by_code["tech_smes"], by_code["fiscal_st_expenditure"], by_code["fiscal_st_share"]) == (
        D("3.75"),
        D("0.05"),
        D("7.00"),
    )
    assert run.total == D("10.80") and run.tier.code == "C"


def _summary_of_run(scheme: Scheme, f: Facts) -> tuple[tuple[str, ...], str, str, bool]:
    """`Plan.run`'s dimensions, total, tier and completeness, the numbers as text (exponents too)."""
    run = plan_for(scheme).run(f)
    return (
        tuple(str(d) for d in run.dimensions),
        str(run.total),
        run.tier.code,
        not run.missing_by_department,
    )


def _summary(scheme: Scheme, f: Facts) -> tuple[tuple[str, ...], str, str, bool]:
    dims, total, tier, complete = plan_for(scheme).summary(f)
    return tuple(str(d) for d in dims), str(total), tier.code, complete


@settings(max_examples=200, deadline=None)
@given(hebei_facts())
def test_summary_is_the_run_to_the_exponent_under_the_shipped_scheme(f: Facts) -> None:
    """A ranking's one-pass summary gives the very Decimals of the full run (the same text, so the
    same exponent as well as value), for facts with items and for the same facts given counted."""
    expected = _summary_of_run(HEBEI, f)
    assert _summary(HEBEI, f) == expected
    assert _summary(HEBEI, tallied(HEBEI, f)) == expected
    assert _summary_of_run(HEBEI, tallied(HEBEI, f)) == expected


@settings(max_examples=200, deadline=None)
@given(steps_facts())
def test_summary_is_the_run_to_the_exponent_under_the_step_scheme(f: Facts) -> None:
    assert _summary(STEPS, f) == _summary_of_run(STEPS, f)


def test_many_items_of_one_type_given_counted_score_as_the_items() -> None:
    """Counts past the tally's table of small numbers (256) and of one (n == 1) score as that many
    items: the points 300 x 1 capped at 8 by hand, and 1 x 2 + 299 x 0.5 capped at 6."""
    year = 2020
    items = [RegistryItem("platform", "key_lab", "provincial", date(2015, 1, 1))] * 300
    items += [RegistryItem("platform", "maker_space", "national", date(2015, 1, 1))]
    items += [RegistryItem("platform", "maker_space", "provincial", date(2015, 1, 1))] * 299
    f = Facts(year, {}, tuple(items))
    counted = Facts.tallied(
        year,
        {},
        {
            "platform": (
                ("key_lab", "provincial", 300),
                ("maker_space", "national", 1),
                ("maker_space", "provincial", 299),
            )
        },
    )
    for facts in (f, counted):
        run = plan_for(HEBEI).run(facts)
        scores = dict(zip((i.code for i in HEBEI.indicators), run.scores, strict=True))
        values = dict(zip((i.code for i in HEBEI.indicators), run.values, strict=True))
        assert scores["innovation_platforms"] == D("8.00") and values["innovation_platforms"] == 300
        assert scores["service_institutions"] == D("6.00") and values["service_institutions"] == 300
    assert _summary(HEBEI, counted) == _summary_of_run(HEBEI, f)
