"""A change of total between two years split exactly over the indicators, and, when the two
years use different schemes, into a scheme effect and a data effect."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.domain.facts import Facts
from app.domain.numbers import ZERO, json_object
from app.domain.scheme import Scheme, Value
from app.domain.scoring import Breakdown


def indicator_changes(before: Breakdown, after: Breakdown) -> dict[str, Decimal]:
    """Change of every indicator's score; an indicator only one of them has counts as 0 in the
    other. The changes add up exactly to the change of the total (both totals are sums of their
    rounded indicator scores)."""
    b = {i.code: i.score for i in before.indicators}
    a = {i.code: i.score for i in after.indicators}
    codes = [*a, *(c for c in b if c not in a)]
    return {c: a.get(c, ZERO) - b.get(c, ZERO) for c in codes}


@dataclass(frozen=True)
class Effect:
    total: Decimal
    by_indicator: dict[str, Decimal]

    def to_dict(self) -> dict[str, Any]:
        return json_object({"total": self.total, "by_indicator": self.by_indicator})


@dataclass(frozen=True)
class Attribution:
    from_year: int
    to_year: int
    total_change: Decimal
    by_indicator: dict[str, Decimal]
    scheme_changed: bool
    scheme_effect: Effect | None = None
    data_effect: Effect | None = None

    def to_dict(self) -> dict[str, Any]:
        return json_object(
            {
                "from": self.from_year,
                "to": self.to_year,
                "total_change": self.total_change,
                "by_indicator": self.by_indicator,
                "scheme_changed": self.scheme_changed,
                "scheme_effect": self.scheme_effect.to_dict() if self.scheme_effect else None,
                "data_effect": self.data_effect.to_dict() if self.data_effect else None,
            }
        )


def same_scheme(a: Breakdown, b: Breakdown) -> bool:
    return (a.scheme, a.scheme_version) == (b.scheme, b.scheme_version)


def attribute(before: Breakdown, after: Breakdown, counterfactual: Breakdown | None = None) -> Attribution:
    """The change of total from `before` to `after`, by indicator, adding up exactly.

    When the two use different schemes (code or version), `counterfactual` is the earlier year's
    facts scored under the later year's scheme: the scheme effect is counterfactual - before and
    the data effect after - counterfactual, each by indicator; both add up to their totals and
    together to the total change.
    """
    total = after.total - before.total
    changed = not same_scheme(before, after)
    scheme_effect = data_effect = None
    if changed and counterfactual is not None:
        scheme_effect = Effect(counterfactual.total - before.total, indicator_changes(before, counterfactual))
        data_effect = Effect(after.total - counterfactual.total, indicator_changes(counterfactual, after))
    return Attribution(
        before.year,
        after.year,
        total,
        indicator_changes(before, after),
        changed,
        scheme_effect,
        data_effect,
    )


def carry_facts(facts: Facts, scheme: Scheme) -> Facts:
    """`facts` as far as `scheme` can read them: values its elements accept, every registry item.

    For the scheme effect: last year's data under this year's scheme. A value the scheme does not
    know, or would refuse, is left out (so it scores as missing)."""
    values: dict[str, Value] = {}
    for code, v in facts.values.items():
        el = scheme.elements.get(code)
        if el is None:
            continue
        try:
            values[code] = el.parse(v)
        except ValueError:
            continue
    return Facts(facts.year, values, facts.items)
