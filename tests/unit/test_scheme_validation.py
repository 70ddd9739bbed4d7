"""The loader refuses broken schemes, naming the place at fault."""

from __future__ import annotations

import copy
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from app.domain import SchemeInvalid, load_scheme
from app.domain.loader import parse_toml


def definition() -> dict[str, Any]:
    text = resources.files("app.schemes").joinpath("hebei-county-2019.toml").read_text(encoding="utf-8")
    return parse_toml(text)


def indicator(d: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for dim in d["dimensions"] for i in dim["indicators"] if i["code"] == code)


def refuse(d: dict[str, Any]) -> list[str]:
    with pytest.raises(SchemeInvalid) as info:
        load_scheme(d)
    return [str(p) for p in info.value.problems]


def test_the_shipped_scheme_loads() -> None:
    s = load_scheme(definition())
    assert len(s.indicators) == 17 and s.total == 100
    assert [d.weight for d in s.dimensions] == [20, 25, 25, 15, 15]


def test_knots_must_start_at_zero() -> None:
    d = definition()
    indicator(d, "fiscal_st_expenditure")["rule"]["knots"][0] = [0, 1]
    assert "dimensions[0].indicators[0].rule.knots[0]: the first knot must be [0, 0]" in refuse(d)


def test_knots_must_strictly_increase() -> None:
    d = definition()
    indicator(d, "rd_intensity")["rule"]["knots"][2] = [Decimal("0.5"), 6]
    problems = refuse(d)
    assert any(
        p.startswith("dimensions[0].indicators[2].rule.knots[2]: threshold 0.5 does not increase")
        for p in problems
    )


def test_last_knot_must_equal_the_max() -> None:
    d = definition()
    indicator(d, "tech_smes")["rule"]["knots"][-1] = [1000, Decimal("6.5")]
    assert any("must equal the indicator's max 7" in p for p in refuse(d))


def test_maxima_must_add_up_to_the_dimension_weight_and_weights_to_the_total() -> None:
    d = definition()
    d["dimensions"][1]["weight"] = 24
    problems = refuse(d)
    assert "dimensions[1].weight: is 24 but its indicators' maxima add up to 25" in problems
    assert "total: is 100 but the dimension weights add up to 99" in problems


def test_unknown_references_are_named() -> None:
    d = definition()
    indicator(d, "fiscal_st_share")["source"]["denominator"] = "public_spending"
    indicator(d, "innovation_platforms")["rule"]["points"]["quantum_lab"] = {"national": 2}
    indicator(d, "parks_and_bases")["rule"]["points"]["high_tech_zone"]["county"] = 1
    indicator(d, "tech_smes")["departments"] = ["science_tech", "police"]
    problems = refuse(d)
    assert "dimensions[0].indicators[1].source.denominator: unknown element 'public_spending'" in problems
    assert (
        "dimensions[2].indicators[0].rule.points.quantum_lab: unknown platform type 'quantum_lab'" in problems
    )
    assert "dimensions[2].indicators[1].rule.points.high_tech_zone.county: unknown level 'county'" in problems
    assert "dimensions[1].indicators[2].departments: unknown department 'police'" in problems


def test_codes_must_be_unique() -> None:
    d = definition()
    dup = copy.deepcopy(indicator(d, "tech_smes"))
    d["dimensions"][1]["indicators"][2] = dup
    d["dimensions"][1]["indicators"][0]["code"] = "tech_smes"
    assert any("duplicate indicator code 'tech_smes'" in p for p in refuse(d))


def test_unknown_rule_kind_and_several_problems_at_once() -> None:
    d = definition()
    indicator(d, "agri_industrialization_rate")["rule"]["kind"] = "lookup"
    d["tiers"][1]["min_score"] = 90
    problems = refuse(d)
    assert any(
        p.startswith("dimensions[3].indicators[2].rule.kind: unknown rule kind 'lookup'") for p in problems
    )
    assert "tiers[1].min_score: tiers must be listed from the highest threshold down" in problems


def test_choice_points_must_cover_every_choice() -> None:
    d = definition()
    del indicator(d, "st_admin_body")["rule"]["choice_points"]["nameplate"]
    assert "dimensions[4].indicators[0].rule.choice_points: gives no points for choice 'nameplate'" in refuse(
        d
    )


def test_content_hash_follows_the_content() -> None:
    a, b = load_scheme(definition()), definition()
    b["name_en"] = "changed"
    assert a.content_hash == load_scheme(definition()).content_hash != load_scheme(b).content_hash


def test_labels_and_aliases_must_name_one_code() -> None:
    """A label read on input (省, 合署办公) must resolve to one code: an alias that is another
    level's name, a choice named like another, a type alias equal to another type's code."""
    d = definition()
    d["levels"]["municipal"]["aliases"] = ["省级"]
    d["elements"]["st_admin_body"]["choices"]["none"]["name_zh"] = "合署办公"
    d["registries"]["platform"]["types"]["incubator"]["aliases"] = ["key_lab"]
    problems = refuse(d)
    assert (
        "levels.municipal: the label '省级' also names 'provincial': labels and aliases must be unique"
        in problems
    )
    assert (
        "elements.st_admin_body.choices.none: the label '合署办公' also names 'merged_office': "
        "labels and aliases must be unique"
    ) in problems
    assert (
        "registries.platform.types.incubator: the label 'key_lab' also names 'key_lab': "
        "labels and aliases must be unique"
    ) in problems


def test_aliases_must_be_a_list_of_strings() -> None:
    d = definition()
    d["levels"]["national"]["aliases"] = "国家"
    assert "levels.national.aliases: must be a list of non-empty strings" in refuse(d)


def test_the_shipped_scheme_declares_english_units() -> None:
    """Every unit has its English form: sentences in English never show 万元."""
    s = load_scheme(definition())
    for code, el in s.elements.items():
        assert bool(el.unit) == bool(el.unit_en), code
    for ind in s.indicators:
        assert bool(ind.unit) == bool(ind.unit_en), ind.code


def test_a_scheme_declares_the_region_level_it_scores() -> None:
    assert load_scheme(definition()).region_level == "county"
    d = definition()
    d["region_level"] = "district"
    assert refuse(d) == ["region_level: must be one of province, city, county; got 'district'"]
    # a definition stored before the level was declared scores counties, as it always did
    d = definition()
    del d["region_level"]
    assert load_scheme(d).region_level == "county"
