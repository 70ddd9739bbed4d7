"""Build facts that give one indicator an exact value, for table-driven scoring tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.domain import Facts, RegistryItem, Scheme, builtin_scheme, score
from app.domain.scheme import RatioSource

HEBEI = "hebei-county-2019"
DENOMINATOR = Decimal(1_000_000)


def hebei() -> Scheme:
    return builtin_scheme(HEBEI)


def values_for(scheme: Scheme, indicator: str, value: Decimal) -> dict[str, Decimal]:
    """Element values that give `indicator` exactly `value` (a ratio over a 1,000,000 denominator)."""
    src = scheme.indicator(indicator).rule.sources[0]
    if isinstance(src, RatioSource):
        return {src.numerator: value * DENOMINATOR / src.factor, src.denominator: DENOMINATOR}
    return {src.element: value}


def indicator_score(indicator: str, value: Decimal | int | str, year: int = 2020) -> Decimal:
    scheme = hebei()
    facts = Facts(year, values_for(scheme, indicator, Decimal(value)))
    return next(i.score for i in score(scheme, facts).indicators if i.code == indicator)


def platform(
    type_: str, level: str, recognized: str, revoked: str | None = None, name: str | None = None
) -> RegistryItem:
    return RegistryItem(
        "platform",
        type_,
        level,
        date.fromisoformat(recognized),
        date.fromisoformat(revoked) if revoked else None,
        name,
    )


def award(type_: str, level: str, awarded: str) -> RegistryItem:
    return RegistryItem("award", type_, level, date.fromisoformat(awarded))
