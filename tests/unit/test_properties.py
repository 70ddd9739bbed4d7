"""Properties of the engine over random region-years (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import Facts, score
from app.domain.scheme import RatioSource
from tests.unit.helpers import award, hebei, platform

D = Decimal
SCHEME = hebei()
BANDED = [i for i in SCHEME.indicators if i.rule.kind == "banded"]

amounts = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
counts = st.integers(min_value=0, max_value=100_000).map(D)
positive_counts = st.integers(min_value=1, max_value=2_000_000).map(D)
percents = st.decimals(min_value=0, max_value=100, places=2)
assessed = st.decimals(min_value=0, max_value=5, places=2)


@st.composite
def facts(draw: st.DrawFn) -> Facts:
    values: dict[str, object] = {}
    for code, el in SCHEME.elements.items():
        if draw(st.booleans()) and draw(st.booleans()):  # about a quarter of inputs missing
            continue
        if el.kind == "choice":
            values[code] = draw(st.sampled_from(el.choice_codes))
        elif el.kind == "boolean":
            values[code] = draw(st.booleans())
        elif el.kind == "percent":
            values[code] = draw(percents)
        elif el.kind == "assessed":
            values[code] = draw(assessed)
        elif el.denominator_of:
            values[code] = draw(positive_counts) if el.kind == "count" else draw(amounts.filter(bool))
        else:
            values[code] = draw(counts) if el.kind == "count" else draw(amounts)
    types = [(r.code, t) for r in SCHEME.registries.values() for t in r.type_codes]
    items = []
    for _ in range(draw(st.integers(0, 12))):
        reg, t = draw(st.sampled_from(types))
        level = draw(st.sampled_from(list(SCHEME.levels)))
        year = draw(st.integers(2015, 2022))
        items.append(
            platform(t, level, f"{year}-06-01") if reg == "platform" else award(t, level, f"{year}-06-01")
        )
    return Facts(2020, values, tuple(items))  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(facts())
def test_every_score_is_within_bounds_and_adds_up(f: Facts) -> None:
    b = score(SCHEME, f)
    for d in b.dimensions:
        for i in d.indicators:
            assert 0 <= i.score <= i.max
            assert i.score == i.score.quantize(D("0.01"))
        assert d.score == sum(i.score for i in d.indicators)
        assert d.score <= d.max
    assert b.total == sum(d.score for d in b.dimensions)
    assert 0 <= b.total <= 100
    assert b.tier == SCHEME.tier_for(b.total)
    # the JSON form adds up too, to the cent
    j = b.to_dict()
    cents = sum(round(i["score"] * 100) for d in j["dimensions"] for i in d["indicators"])
    assert cents == round(j["total"] * 100)


@settings(max_examples=300, deadline=None)
@given(facts(), st.sampled_from(BANDED), st.decimals(min_value=0, max_value=10**6, places=2))
def test_banded_scores_never_fall_when_the_numerator_rises(f: Facts, ind, extra: Decimal) -> None:  # type: ignore[no-untyped-def]
    src = ind.rule.sources[0]
    element = src.numerator if isinstance(src, RatioSource) else src.element
    el = SCHEME.elements[element]
    base = f.values.get(element)
    if not isinstance(base, Decimal):
        base = D(0)
    higher = base + (extra.to_integral_value() if el.kind == "count" else extra)
    if el.kind == "percent":
        higher = min(higher, D(100))
    lo = next(
        i for i in score(SCHEME, Facts(2020, {**f.values, element: base})).indicators if i.code == ind.code
    )
    hi = next(
        i for i in score(SCHEME, Facts(2020, {**f.values, element: higher})).indicators if i.code == ind.code
    )
    assert hi.score >= lo.score


@settings(max_examples=200, deadline=None)
@given(
    facts(),
    st.sampled_from(list(SCHEME.registries["platform"].type_codes)),
    st.sampled_from(["national", "provincial"]),
)
def test_adding_a_registry_item_never_lowers_a_score(f: Facts, type_: str, level: str) -> None:
    before = score(SCHEME, f)
    after = score(SCHEME, Facts(f.year, f.values, (*f.items, platform(type_, level, "2019-01-01"))))
    assert after.total >= before.total


@settings(max_examples=200, deadline=None)
@given(facts())
def test_scoring_without_explanations_gives_the_same_numbers(f: Facts) -> None:
    full, lean = score(SCHEME, f), score(SCHEME, f, explain=False)
    assert lean.total == full.total and lean.tier == full.tier and lean.complete == full.complete
    assert [(i.code, i.score, i.value, i.missing_inputs) for i in lean.indicators] == [
        (i.code, i.score, i.value, i.missing_inputs) for i in full.indicators
    ]
    assert all(not i.explanation and not i.inputs for i in lean.indicators)
