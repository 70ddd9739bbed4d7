"""How an indicator's value is derived from data elements: one element, or a ratio of two.

Shared by the rule kinds that score a number (banded, step, assessed, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from app.domain.elements import Value
from app.domain.numbers import ZERO

#: a compiled source: element values -> (the value or None, the inputs missing or invalid)
Resolver = Callable[[Mapping[str, Value]], tuple[Decimal | None, tuple[str, ...]]]


@dataclass(frozen=True)
class ElementSource:
    """The value is one element as posted."""

    element: str

    @property
    def elements(self) -> tuple[str, ...]:
        return (self.element,)

    @property
    def input_element(self) -> str:
        """The element a change of the value goes through."""
        return self.element

    @property
    def held(self) -> str | None:
        """The element held when the value changes (a ratio's denominator)."""
        return None

    def resolve(self, values: Mapping[str, Value]) -> tuple[Decimal | None, tuple[str, ...]]:
        v = values.get(self.element)
        if v is None:
            return None, (self.element,)
        assert isinstance(v, Decimal), f"{self.element} is not numeric"
        return v, ()

    def compile(self) -> Resolver:
        element, missing = self.element, (self.element,)

        def resolve(values: Mapping[str, Value]) -> tuple[Decimal | None, tuple[str, ...]]:
            v = values.get(element)
            return (None, missing) if v is None else (v, ())  # type: ignore[return-value]

        return resolve

    def invalid_inputs(self, values: Mapping[str, Value]) -> dict[str, str]:
        """Inputs present but unusable, with the reason: none for a single element."""
        return {}

    def input_for(
        self, values: Mapping[str, Value], target: Decimal, quantum: Decimal, lower: bool
    ) -> Decimal:
        """The input value (in `quantum`) closest to the current one for which the value reaches
        `target`: the least one at or above it, or with `lower`, the greatest one at or below it."""
        return _round(target, quantum, lower)

    def describe(self) -> dict[str, object]:
        return {"element": self.element}


@dataclass(frozen=True)
class RatioSource:
    """The value is numerator / denominator x factor (e.g. x 100 for a percentage).

    A zero or absent denominator leaves the value undefined: it scores 0 and the denominator is
    reported among the missing inputs (a write refuses a zero denominator; this guards the rest)."""

    numerator: str
    denominator: str
    factor: Decimal

    @property
    def elements(self) -> tuple[str, ...]:
        return (self.numerator, self.denominator)

    @property
    def input_element(self) -> str:
        return self.numerator

    @property
    def held(self) -> str | None:
        return self.denominator

    def resolve(self, values: Mapping[str, Value]) -> tuple[Decimal | None, tuple[str, ...]]:
        return self.compile()(values)

    def compile(self) -> Resolver:
        num_code, den_code, factor = self.numerator, self.denominator, self.factor
        both, only_num, only_den = (num_code, den_code), (num_code,), (den_code,)

        def resolve(values: Mapping[str, Value]) -> tuple[Decimal | None, tuple[str, ...]]:
            num, den = values.get(num_code), values.get(den_code)
            if num is None:
                return None, both if den is None or not den else only_num
            if den is None or not den:
                return None, only_den
            return num / den * factor, ()  # type: ignore[operator]

        return resolve

    def invalid_inputs(self, values: Mapping[str, Value]) -> dict[str, str]:
        """Inputs present but unusable, with the reason (a stored zero denominator)."""
        den = values.get(self.denominator)
        if isinstance(den, Decimal) and den == ZERO:
            return {self.denominator: "is 0: the ratio is undefined, so the indicator scores 0"}
        return {}

    def input_for(
        self, values: Mapping[str, Value], target: Decimal, quantum: Decimal, lower: bool
    ) -> Decimal | None:
        """The numerator (in `quantum`, the denominator held) closest to the current one for which
        the ratio as computed reaches `target` (at or above; with `lower`, at or below); None
        when the denominator is missing or 0."""
        den = values.get(self.denominator)
        if not isinstance(den, Decimal) or den == ZERO:
            return None
        needed = _round(target * den / self.factor, quantum, lower)
        resolve = self.compile()
        while True:  # make sure the ratio as the engine computes it reaches the target
            value, _ = resolve({**values, self.numerator: needed})
            if value is None or (value <= target if lower else value >= target):
                return needed
            if lower and needed <= ZERO:
                return None
            needed = needed - quantum if lower else needed + quantum

    def describe(self) -> dict[str, object]:
        return {"numerator": self.numerator, "denominator": self.denominator, "factor": self.factor}


Source = ElementSource | RatioSource


def _round(x: Decimal, quantum: Decimal, down: bool) -> Decimal:
    return x.quantize(quantum, rounding=ROUND_FLOOR if down else ROUND_CEILING)
