"""The scoring engine: one region-year in, an exact, explained breakdown out.

The numbers come from the scheme's compiled plan (app/domain/plan.py) and from nothing else; the
explanation of each indicator is asked of its rule kind afterwards, from the same run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from app.domain.facts import Facts
from app.domain.numbers import json_number, round_value, to_json
from app.domain.plan import plan_for
from app.domain.rules.base import EMPTY, RuleKind
from app.domain.scheme import Scheme, Tier, Value


class IndicatorScore(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    unit: str
    score: Decimal
    max: Decimal
    value: Decimal | str | None
    missing_inputs: tuple[str, ...]
    departments: tuple[str, ...]
    inputs: Mapping[str, Value | None]
    explanation: Mapping[str, Any]


class DimensionScore(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    score: Decimal
    max: Decimal
    indicators: tuple[IndicatorScore, ...]


@dataclass(frozen=True)
class Breakdown:
    scheme: str
    scheme_version: str
    year: int
    region: str | None
    total: Decimal
    max: Decimal
    tier: Tier
    complete: bool
    missing_by_department: Mapping[str, tuple[str, ...]]
    dimensions: tuple[DimensionScore, ...]

    @property
    def indicators(self) -> tuple[IndicatorScore, ...]:
        return tuple(i for d in self.dimensions for i in d.indicators)

    def to_dict(self) -> dict[str, Any]:
        """The breakdown as JSON-ready data; every number is a JSON number."""
        return {
            "scheme": self.scheme,
            "scheme_version": self.scheme_version,
            "year": self.year,
            "region": self.region,
            "total": json_number(self.total),
            "max": json_number(self.max),
            "tier": self.tier.code,
            "tier_name_zh": self.tier.name_zh,
            "tier_name_en": self.tier.name_en,
            "complete": self.complete,
            "missing_by_department": {k: list(v) for k, v in self.missing_by_department.items()},
            "dimensions": [
                {
                    "code": d.code,
                    "name_zh": d.name_zh,
                    "name_en": d.name_en,
                    "score": json_number(d.score),
                    "max": json_number(d.max),
                    "indicators": [_indicator_dict(i) for i in d.indicators],
                }
                for d in self.dimensions
            ],
        }


def _indicator_dict(i: IndicatorScore) -> dict[str, Any]:
    value: Any = i.value
    if isinstance(value, Decimal):
        value = json_number(round_value(value))
    return {
        "code": i.code,
        "name_zh": i.name_zh,
        "name_en": i.name_en,
        "unit": i.unit,
        "value": value,
        "score": json_number(i.score),
        "max": json_number(i.max),
        "missing_inputs": list(i.missing_inputs),
        "departments": list(i.departments),
        "inputs": to_json(i.inputs),
        "explanation": to_json(i.explanation),
    }


def _explanation(rule: RuleKind, facts: Facts, value: Decimal | str | None, note: object) -> dict[str, Any]:
    """The rule's explanation, plus the inputs present but unusable (a stored zero denominator)
    when the value could not be derived: the reason an indicator scores 0 is never hidden."""
    explanation = rule.explain(facts, value, note)
    if value is None:
        invalid: dict[str, str] = {}
        for source in rule.sources:
            invalid.update(source.invalid_inputs(facts.values))
        if invalid:
            explanation = {**explanation, "invalid_inputs": invalid}
    return explanation


def score(scheme: Scheme, facts: Facts, region: str | None = None, *, explain: bool = True) -> Breakdown:
    """Score one region-year under `scheme`.

    Each indicator is computed exactly in Decimal, capped at its max and rounded half-up to 2
    decimals; a dimension is the sum of its rounded indicators and the total the sum of the
    dimensions, so the breakdown adds up to the cent. Missing inputs score 0 and are listed.
    `facts` must hold values already checked by `Element.parse`. With explain=False the
    indicators carry no inputs or explanation (for rankings); every number is the same.
    """
    plan = plan_for(scheme)
    run = plan.run(facts)
    new = tuple.__new__  # a NamedTuple made without its keyword-parsing __new__: rankings make many
    if explain:
        values = facts.values
        rows = [
            new(
                IndicatorScore,
                (
                    ind.code,
                    ind.name_zh,
                    ind.name_en,
                    ind.unit,
                    points,
                    ind.max,
                    value,
                    missing,
                    ind.departments,
                    {c: values.get(c) for c in ind.rule.elements},
                    _explanation(ind.rule, facts, value, note),
                ),
            )
            for ind, points, value, missing, note in zip(
                plan.indicators, run.scores, run.values, run.missing, run.notes, strict=True
            )
        ]
    else:
        rows = [
            new(
                IndicatorScore,
                (
                    ind.code,
                    ind.name_zh,
                    ind.name_en,
                    ind.unit,
                    points,
                    ind.max,
                    value,
                    missing,
                    ind.departments,
                    EMPTY,
                    EMPTY,
                ),
            )
            for ind, points, value, missing in zip(
                plan.indicators, run.scores, run.values, run.missing, strict=True
            )
        ]
    dims = tuple(
        [
            new(DimensionScore, (dim.code, dim.name_zh, dim.name_en, points, dim.weight, tuple(rows[a:b])))
            for dim, points, (a, b) in zip(scheme.dimensions, run.dimensions, plan.bounds, strict=True)
        ]
    )
    return Breakdown(
        scheme.code,
        scheme.version,
        facts.year,
        region,
        run.total,
        scheme.total,
        run.tier,
        run.complete,
        run.missing_by_department,
        dims,
    )
