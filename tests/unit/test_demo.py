"""The synthetic demo dataset: labelled, deterministic, valid for the scheme and spread over the tiers."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from app.demo.dataset import DEMO_LABEL, DemoDataset, generate
from app.demo.items import DEMO_MARK
from app.demo.regions import SYNTHETIC_PARENT_CODE, demo_regions, synthetic_parent_rows, synthetic_regions
from app.domain import builtin_scheme, score
from app.domain.scheme import ElementKind, RatioSource

SCHEME = builtin_scheme("hebei-county-2019")
SHIJIAZHUANG = [str(r["code"]) for r in demo_regions("130100")]


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return generate(SHIJIAZHUANG)


def tiers(ds: DemoDataset, year: int) -> Counter[str]:
    return Counter(score(SCHEME, ds.facts(r, year), r).tier.code for r in ds.regions)


# ---------------------------------------------------------------- regions


def test_demo_regions_are_the_22_units_of_shijiazhuang() -> None:
    rows = demo_regions()
    assert len(rows) == 22
    codes = [str(r["code"]) for r in rows]
    assert codes == sorted(codes)
    assert {r["level"] for r in rows} == {"county"}
    assert {r["parent_code"] for r in rows} == {"130100"}
    assert {"code": "130102", "name_zh": "长安区"}.items() <= rows[0].items()
    assert demo_regions("139900") == []
    # another city's units, e.g. 唐山市
    assert demo_regions("130200") and all(str(r["code"]).startswith("1302") for r in demo_regions("130200"))


def test_synthetic_regions_shape() -> None:
    rows = synthetic_regions(3)
    assert rows == [
        {
            "code": "900001",
            "name_zh": "演示县0001",
            "name_en": "Demo County 0001",
            "level": "county",
            "parent_code": "990000",
        },
        {
            "code": "900002",
            "name_zh": "演示县0002",
            "name_en": "Demo County 0002",
            "level": "county",
            "parent_code": "990000",
        },
        {
            "code": "900003",
            "name_zh": "演示县0003",
            "name_en": "Demo County 0003",
            "level": "county",
            "parent_code": "990000",
        },
    ]
    assert synthetic_parent_rows() == [
        {
            "code": SYNTHETIC_PARENT_CODE,
            "name_zh": "演示省",
            "name_en": "Demo Province",
            "level": "province",
            "parent_code": None,
        }
    ]
    assert synthetic_regions(0) == []
    with pytest.raises(ValueError):
        synthetic_regions(90_000)


def test_synthetic_codes_are_unique_and_never_real_divisions() -> None:
    rows = synthetic_regions(3000)
    codes = [str(r["code"]) for r in rows]
    assert len(set(codes)) == 3000
    assert all(len(c) == 6 and c.isdigit() and c.startswith("9") for c in codes)
    assert SYNTHETIC_PARENT_CODE not in codes
    real = {str(r["code"]) for r in demo_regions("130100")} | {"130000", "130100"}
    assert not real & set(codes)
    assert {r["parent_code"] for r in rows} == {SYNTHETIC_PARENT_CODE}
    assert synthetic_regions(3000, seed=7) == rows  # rows depend on n only


# ---------------------------------------------------------------- determinism


def test_same_seed_same_dataset_other_seed_other_dataset(dataset: DemoDataset) -> None:
    again = generate(list(reversed(SHIJIAZHUANG)))  # order of the input does not matter
    assert again == dataset
    other = generate(SHIJIAZHUANG, seed=2020)
    assert other.regions == dataset.regions and other.years == dataset.years
    assert other.values != dataset.values
    assert other.items != dataset.items


def test_a_year_does_not_depend_on_the_other_years_asked_for(dataset: DemoDataset) -> None:
    only = generate(SHIJIAZHUANG, years=[2021])
    assert only.years == [2021]
    assert only.values == [v for v in dataset.values if v.year == 2021]
    up_to_2021 = [
        i
        for i in dataset.items
        if (i.registry == "platform" and i.start.year <= 2021) or i.start.year == 2021
    ]
    assert sorted(only.items, key=repr) == sorted(up_to_2021, key=repr)


def test_dataset_is_labelled_and_lists_every_region_year(dataset: DemoDataset) -> None:
    assert dataset.label == DEMO_LABEL == "synthetic demo data — not official statistics"
    assert dataset.regions == sorted(SHIJIAZHUANG)
    assert dataset.years == [2019, 2020, 2021, 2022, 2023, 2024]
    assert [(v.region, v.year) for v in dataset.values] == [
        (r, y) for r in dataset.regions for y in dataset.years
    ]
    assert all(i.name.endswith(DEMO_MARK) for i in dataset.items)
    assert "长安区" in next(i.name for i in dataset.items if i.region == "130102")


# ---------------------------------------------------------------- values


def test_every_value_parses_unchanged(dataset: DemoDataset) -> None:
    required = {code for code, el in SCHEME.elements.items() if not el.optional}
    with_other = 0
    for ry in dataset.values:
        assert required <= ry.values.keys() <= SCHEME.elements.keys()
        with_other += "other_award_points" in ry.values
        for code, value in ry.values.items():
            parsed = SCHEME.elements[code].parse(value)
            assert parsed == value and type(parsed) is type(value), (ry.region, ry.year, code)
    assert 0 < with_other < len(dataset.values)  # some regions only


def test_value_formats(dataset: DemoDataset) -> None:
    choices = set(SCHEME.elements["st_admin_body"].choice_codes)
    for ry in dataset.values:
        for code, value in ry.values.items():
            el = SCHEME.elements[code]
            if el.kind is ElementKind.COUNT:
                assert isinstance(value, Decimal) and value.as_tuple().exponent == 0, code
            elif el.kind in (ElementKind.NUMBER, ElementKind.PERCENT):
                assert isinstance(value, Decimal) and value.as_tuple().exponent == -2, code
            elif el.kind is ElementKind.ASSESSED:
                assert isinstance(value, Decimal) and value.as_tuple().exponent == -1, code
                assert Decimal(0) <= value <= Decimal(5)
        assert ry.values["st_admin_body"] in choices
        assert isinstance(ry.values["st_leading_group"], bool)


def test_values_are_in_realistic_ranges(dataset: DemoDataset) -> None:
    for ry in dataset.values:
        v = ry.values
        assert isinstance(v["resident_population"], Decimal)
        assert 150_000 <= v["resident_population"] <= 1_200_000
        assert isinstance(v["public_expenditure"], Decimal)
        assert 50_000 <= v["public_expenditure"] <= 2_000_000  # 5-200 亿元, in 万元
        assert isinstance(v["agri_industrialization_rate"], Decimal)
        assert 20 <= v["agri_industrialization_rate"] <= 85
        assert isinstance(v["high_tech_enterprises"], Decimal)
        assert 0 <= v["high_tech_enterprises"] <= 1000


def test_no_numerator_exceeds_its_denominator(dataset: DemoDataset) -> None:
    ratios = {
        (i.rule.sources[0].numerator, i.rule.sources[0].denominator)
        for i in SCHEME.indicators
        if i.rule.sources and isinstance(i.rule.sources[0], RatioSource)
    }
    assert {
        ("industrial_enterprises_with_rd_institution", "industrial_enterprises"),
        ("high_tech_industry_value_added", "industrial_value_added"),
        ("high_tech_enterprises", "registered_enterprises"),
        ("tech_smes", "registered_enterprises"),
        ("fiscal_st_expenditure", "public_expenditure"),
        ("industrial_rd_expenditure", "industrial_revenue"),
    } <= ratios
    for ry in dataset.values:
        for num, den in ratios:
            n, d = ry.values[num], ry.values[den]
            assert isinstance(n, Decimal) and isinstance(d, Decimal)
            assert 0 <= n <= d, (ry.region, ry.year, num, den)
            assert d > 0


def test_values_grow_over_the_years(dataset: DemoDataset) -> None:
    def total(element: str, year: int) -> Decimal:
        out = Decimal(0)
        for v in dataset.values:
            if v.year == year:
                value = v.values[element]
                assert isinstance(value, Decimal)
                out += value
        return out

    for element in ("high_tech_enterprises", "tech_smes", "fiscal_st_expenditure"):
        assert total(element, 2024) > total(element, 2019) * Decimal("1.15"), element


# ---------------------------------------------------------------- registry items


def test_items_use_the_scheme_types_and_levels(dataset: DemoDataset) -> None:
    for item in dataset.items:
        assert item.registry in ("platform", "award")
        assert item.type in SCHEME.registries[item.registry].type_codes
        assert item.level in SCHEME.levels
    kinds = {(i.registry, i.type) for i in dataset.items}
    assert len({t for r, t in kinds if r == "platform"}) >= 15  # various types
    assert {i.level for i in dataset.items} == set(SCHEME.levels)


def test_items_are_unique(dataset: DemoDataset) -> None:
    platforms = [(i.region, i.type, i.level, i.name) for i in dataset.items if i.registry == "platform"]
    awards = [(i.region, i.type, i.level, i.name, i.start) for i in dataset.items if i.registry == "award"]
    assert platforms and awards
    assert len(set(platforms)) == len(platforms)
    assert len(set(awards)) == len(awards)


def test_platform_and_award_dates(dataset: DemoDataset) -> None:
    platforms = [i for i in dataset.items if i.registry == "platform"]
    assert all(date(2005, 1, 1) <= i.start <= date(2024, 12, 31) for i in platforms)
    assert min(i.start.year for i in platforms) <= 2008
    revoked = [i for i in platforms if i.end is not None]
    assert 0 < len(revoked) < len(platforms) / 10  # a few
    assert all(i.end > i.start for i in revoked if i.end is not None)
    awards = [i for i in dataset.items if i.registry == "award"]
    assert all(i.end is None for i in awards)
    assert {i.start.year for i in awards} == set(dataset.years)  # awards in each year


# ---------------------------------------------------------------- scores


def test_shijiazhuang_spans_the_tiers_in_2024(dataset: DemoDataset) -> None:
    counts = tiers(dataset, 2024)
    assert counts["A"] >= 1
    assert counts["B"] >= 3
    assert counts["C"] >= 3
    assert all(score(SCHEME, dataset.facts(r, 2024)).complete for r in dataset.regions)


def test_scores_rise_and_rankings_are_stable(dataset: DemoDataset) -> None:
    def totals(year: int) -> dict[str, Decimal]:
        return {r: score(SCHEME, dataset.facts(r, year)).total for r in dataset.regions}

    first, last = totals(2019), totals(2024)
    assert sum(last.values()) > sum(first.values())
    assert tiers(dataset, 2024)["A"] >= tiers(dataset, 2019)["A"]
    # Spearman rank correlation between the 2019 and 2024 rankings
    rank1 = {r: k for k, r in enumerate(sorted(first, key=first.__getitem__))}
    rank2 = {r: k for k, r in enumerate(sorted(last, key=last.__getitem__))}
    n = len(rank1)
    d2 = sum((rank1[r] - rank2[r]) ** 2 for r in rank1)
    assert 1 - 6 * d2 / (n * (n * n - 1)) > 0.7


def test_synthetic_regions_get_data_too() -> None:
    codes = [str(r["code"]) for r in synthetic_regions(30)]
    ds = generate(codes, years=[2024], seed=5)
    assert ds.regions == codes
    assert any(i.name.startswith("演示县0001") for i in ds.items if i.region == "900001")
    counts = tiers(ds, 2024)
    assert set(counts) == {"A", "B", "C"}


def test_generating_3000_regions_for_2_years_gives_one_value_set_per_region_year() -> None:
    # its speed is measured by bench/ranking.py (which generates these regions), not by a timed test
    codes = [str(r["code"]) for r in synthetic_regions(3000)]
    ds = generate(codes, years=[2023, 2024])
    assert len(ds.values) == 6000


def test_a_single_string_is_refused() -> None:
    with pytest.raises(TypeError):
        generate("130102")
