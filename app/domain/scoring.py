"""The scoring engine: one region-year in, an exact, explained breakdown out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from app.domain.facts import Facts
from app.domain.numbers import ZERO, json_number, round_score, round_value
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


@dataclass(frozen=True)
class DimensionScore:
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
        "inputs": _jsonable(i.inputs),
        "explanation": _jsonable(i.explanation),
    }


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return json_number(obj)
    if isinstance(obj, Mapping):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    return obj


def score(scheme: Scheme, facts: Facts, region: str | None = None, *, explain: bool = True) -> Breakdown:
    """Score one region-year under `scheme`.

    Each indicator is computed exactly in Decimal, capped at its max and rounded half-up to 2
    decimals; a dimension is the sum of its rounded indicators and the total the sum of the
    dimensions, so the breakdown adds up to the cent. Missing inputs score 0 and are listed.
    `facts` must hold values already checked by `Element.parse`. With explain=False the
    indicators carry no inputs or explanation (for rankings); every number is the same.
    """
    dims: list[DimensionScore] = []
    missing: dict[str, list[str]] = {}
    total = ZERO
    for dim in scheme.dimensions:
        scored: list[IndicatorScore] = []
        subtotal = ZERO
        for ind in dim.indicators:
            out = ind.rule.evaluate(facts, scheme.registries, ind.max, explain)
            pts = round_score(min(max(out.points, ZERO), ind.max))
            subtotal += pts
            for el in out.missing:
                dept = scheme.elements[el].department
                if el not in missing.setdefault(dept, []):
                    missing[dept].append(el)
            scored.append(
                IndicatorScore(
                    ind.code,
                    ind.name_zh,
                    ind.name_en,
                    ind.unit,
                    pts,
                    ind.max,
                    out.value,
                    out.missing,
                    ind.departments,
                    out.inputs,
                    out.explanation,
                )
            )
        total += subtotal
        dims.append(DimensionScore(dim.code, dim.name_zh, dim.name_en, subtotal, dim.weight, tuple(scored)))
    ordered = {d: tuple(missing[d]) for d in scheme.departments if d in missing}
    return Breakdown(
        scheme.code,
        scheme.version,
        facts.year,
        region,
        total,
        scheme.total,
        scheme.tier_for(total),
        not ordered,
        ordered,
        tuple(dims),
    )
