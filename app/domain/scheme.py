"""The scheme model: dimensions, indicators, data elements, registries and tiers.

A scheme is data. Its classes are frozen and hold no behaviour beyond reading and checking one value,
so a new scheme is a new file, never a code branch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING

from app.domain.numbers import ZERO, canonical, check_precision

if TYPE_CHECKING:
    from app.domain.quality import ConsistencyRule
    from app.domain.rules import Rule

#: The value of one data element: a number, a choice code or a flag.
Value = Decimal | str | bool

#: Upper bound for numbers and counts; far above any real statistic, low enough to stay exact.
NUMBER_LIMIT = Decimal(10) ** 12


class ElementKind(StrEnum):
    NUMBER = "number"
    PERCENT = "percent"
    COUNT = "count"
    CHOICE = "choice"
    BOOLEAN = "boolean"
    ASSESSED = "assessed"


NUMERIC_KINDS = frozenset({ElementKind.NUMBER, ElementKind.PERCENT, ElementKind.COUNT, ElementKind.ASSESSED})


class RegistryCounting(StrEnum):
    #: an item counts while it is recognised at year end (platforms)
    STOCK = "stock"
    #: an item counts in the year of its date (awards)
    EVENT = "event"


@dataclass(frozen=True)
class Named:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Department(Named):
    pass


@dataclass(frozen=True)
class Level(Named):
    pass


@dataclass(frozen=True)
class Choice(Named):
    pass


@dataclass(frozen=True)
class Element(Named):
    """A raw input a department posts: one number, choice or flag per region and year."""

    unit: str
    kind: ElementKind
    department: str
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    choices: tuple[Choice, ...] = ()
    optional: bool = False
    #: set for elements that are the denominator of a ratio: zero is then invalid input
    denominator_of: tuple[str, ...] = ()

    @property
    def choice_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    def parse(self, raw: object) -> Value:
        """Check one raw value (as decoded from JSON or read back from storage) for this element.

        Returns the value in canonical form (Decimal for numbers, str for choices, bool for flags);
        raises ValueError whose message is the reason, fit to show to the sender.
        """
        if self.kind is ElementKind.BOOLEAN:
            if not isinstance(raw, bool):
                raise ValueError("must be true or false")
            return raw
        if self.kind is ElementKind.CHOICE:
            if not isinstance(raw, str):
                raise ValueError(f"must be one of {', '.join(self.choice_codes)}")
            if raw not in self.choice_codes:
                raise ValueError(f"unknown choice {raw!r}; expected one of {', '.join(self.choice_codes)}")
            return raw
        number = _to_decimal(raw)
        if number < ZERO:
            raise ValueError("must not be negative")
        if self.kind is ElementKind.PERCENT and number > 100:
            raise ValueError("is a percentage and must not exceed 100")
        if self.kind is ElementKind.COUNT and number != number.to_integral_value():
            raise ValueError("must be a whole number")
        if self.kind is ElementKind.ASSESSED:
            lo = self.minimum if self.minimum is not None else ZERO
            hi = self.maximum if self.maximum is not None else NUMBER_LIMIT
            if not lo <= number <= hi:
                raise ValueError(f"is an assessed score and must lie between {lo} and {hi}")
        if number > NUMBER_LIMIT:
            raise ValueError(f"must not exceed {NUMBER_LIMIT:.0E}")
        check_precision(number, raw)
        number = canonical(number)  # -0 is 0, 1E+3 is 1000: stored and compared in one form
        if self.denominator_of and number == ZERO:
            raise ValueError(
                f"must be greater than 0: it is the denominator of {', '.join(self.denominator_of)}"
            )
        if self.kind is ElementKind.COUNT:
            return number.quantize(Decimal(1))
        return number


def _to_decimal(raw: object) -> Decimal:
    # bool is an int in Python; a flag where a number is expected is a wrong type, not 0 or 1.
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        raise ValueError("must be a number")
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueError("must be a finite number")
        return Decimal(repr(raw))
    try:
        number = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - Decimal(int) never fails
        raise ValueError("must be a number") from exc
    if not number.is_finite():
        raise ValueError("must be a finite number")
    return number


@dataclass(frozen=True)
class RegistryType(Named):
    registry: str


@dataclass(frozen=True)
class Registry(Named):
    counting: RegistryCounting
    types: tuple[RegistryType, ...]

    @property
    def type_codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.types)


@dataclass(frozen=True)
class ElementSource:
    """The value is one element as posted."""

    element: str

    @property
    def elements(self) -> tuple[str, ...]:
        return (self.element,)

    def resolve(self, values: Mapping[str, Value]) -> tuple[Decimal | None, tuple[str, ...]]:
        v = values.get(self.element)
        if v is None:
            return None, (self.element,)
        assert isinstance(v, Decimal), f"{self.element} is not numeric"
        return v, ()

    def invalid_inputs(self, values: Mapping[str, Value]) -> dict[str, str]:
        return {}

    def describe(self) -> dict[str, object]:
        return {"element": self.element}


@dataclass(frozen=True)
class RatioSource:
    """The value is numerator / denominator x factor (e.g. x 100 for a percentage)."""

    numerator: str
    denominator: str
    factor: Decimal

    @property
    def elements(self) -> tuple[str, ...]:
        return (self.numerator, self.denominator)

    def resolve(self, values: Mapping[str, Value]) -> tuple[Decimal | None, tuple[str, ...]]:
        num, den = values.get(self.numerator), values.get(self.denominator)
        missing = tuple(e for e, v in ((self.numerator, num), (self.denominator, den)) if v is None)
        if missing:
            return None, missing
        assert isinstance(num, Decimal) and isinstance(den, Decimal)
        if den == ZERO:
            # Element.parse refuses a zero denominator, but one can be stored already (written
            # before the check, or straight into the table): the ratio is then undefined, and
            # the denominator counts as a missing input, never as a division by zero.
            return None, (self.denominator,)
        return num / den * self.factor, ()

    def invalid_inputs(self, values: Mapping[str, Value]) -> dict[str, str]:
        """Inputs present but unusable, with the reason (a zero denominator)."""
        den = values.get(self.denominator)
        if isinstance(den, Decimal) and den == ZERO:
            return {self.denominator: "is 0: the ratio is undefined, so the indicator scores 0"}
        return {}

    def describe(self) -> dict[str, object]:
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "factor": self.factor,
        }


Source = ElementSource | RatioSource


@dataclass(frozen=True)
class Indicator(Named):
    dimension: str
    unit: str
    max: Decimal
    departments: tuple[str, ...]
    rule: Rule


@dataclass(frozen=True)
class Dimension(Named):
    weight: Decimal
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Tier(Named):
    min_score: Decimal


@dataclass(frozen=True)
class Scheme(Named):
    version: str
    total: Decimal
    tiers: tuple[Tier, ...]  # highest threshold first
    departments: Mapping[str, Department]
    levels: Mapping[str, Level]
    elements: Mapping[str, Element]
    registries: Mapping[str, Registry]
    dimensions: tuple[Dimension, ...]
    #: the definition as loaded (plain data), for storage and the API
    definition: Mapping[str, object] = field(repr=False, compare=False, default_factory=dict)
    content_hash: str = ""
    #: consistency rules between elements of one region and year (see app/domain/quality.py)
    consistency: tuple[ConsistencyRule, ...] = field(default=(), compare=False)

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for d in self.dimensions for i in d.indicators)

    def indicator(self, code: str) -> Indicator:
        for i in self.indicators:
            if i.code == code:
                return i
        raise KeyError(code)

    def tier_for(self, total: Decimal) -> Tier:
        """The tier of a total: the first whose threshold the total reaches (A >= 80, B >= 60, C)."""
        for tier in self.tiers:
            if total >= tier.min_score:
                return tier
        return self.tiers[-1]

    def registry_of_type(self, type_code: str) -> Registry | None:
        for reg in self.registries.values():
            if type_code in reg.type_codes:
                return reg
        return None
