"""`banded`: piecewise-linear bands, knots (threshold, score) from (0, 0) up to the max.

    rule = { kind = "banded", knots = [[0, 0], [1000, 3], [5000, 4], [10000, 5]] }
    source = { element = "fiscal_st_expenditure" }   # or { numerator, denominator, factor }

Between two knots the score is linear; at or above the last knot it is the max.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, Inexact, localcontext
from itertools import pairwise
from types import MappingProxyType
from typing import Any, ClassVar

from app.domain.elements import Registry
from app.domain.facts import Facts
from app.domain.numbers import ZERO
from app.domain.phrasing import Text
from app.domain.rules.base import (
    Evaluation,
    Evaluator,
    GapContext,
    GapReading,
    IndicatorRef,
    Move,
    Proposal,
    Reading,
    RuleKind,
    SpecContext,
    blocked_text,
    check_rising,
    dec,
    num,
    numeric_move,
    numeric_proposal,
)
from app.domain.sources import RatioSource, Source

Knot = tuple[Decimal, Decimal]


def segment(k0: Knot, k1: Knot) -> tuple[Decimal, Decimal, Decimal | None, Decimal, Decimal]:
    """A segment between two knots: (t0, s0, slope, s1 - s0, t1 - t0). Its score at v is
    s0 + (v - t0) x (s1 - s0) / (t1 - t0); the slope is kept only when the division is exact,
    so that s0 + (v - t0) x slope is the same number with one operation less."""
    (t0, s0), (t1, s1) = k0, k1
    ds, dt = s1 - s0, t1 - t0
    with localcontext() as ctx:
        ctx.traps[Inexact] = True
        try:
            slope: Decimal | None = ds / dt
        except Inexact:
            slope = None
    return t0, s0, slope, ds, dt


def knot_dict(knot: Knot | None) -> dict[str, Decimal] | None:
    return None if knot is None else {"threshold": knot[0], "score": knot[1]}


@dataclass(frozen=True)
class Banded(RuleKind):
    """Piecewise-linear bands: knots (threshold, score) from (0, 0); the last knot's score is max."""

    kind: ClassVar[str] = "banded"
    explanation_shape: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "lower": "{threshold, score}: the knot at or below the value; null when the value is missing",
            "upper": "{threshold, score}: the next knot above the value; null at or above the last knot",
            "invalid_inputs": "{element: reason}: inputs present but unusable (a zero denominator); only then",
        }
    )
    source: Source
    knots: tuple[Knot, ...]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], source: object, ctx: SpecContext) -> Banded | None:
        src = ctx.source(source)
        knots = ctx.pairs(spec.get("knots"), "knots", "score")
        if knots is None:
            return None
        ok = True
        if knots[0] != (ZERO, ZERO):
            ctx.problem("rule.knots[0]", "the first knot must be [0, 0]")
            ok = False
        ok = check_rising(ctx, knots, "knots", "score") and ok
        if knots[-1][1] != ctx.max:
            ctx.problem(
                f"rule.knots[{len(knots) - 1}]",
                f"the last knot's score {knots[-1][1]} must equal the indicator's max {ctx.max}",
            )
            ok = False
        if not ok or src is None:
            return None
        return cls(src, tuple(knots))

    @property
    def elements(self) -> tuple[str, ...]:
        return self.source.elements

    @property
    def sources(self) -> tuple[Source, ...]:
        return (self.source,)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source.describe(), "knots": [[t, s] for t, s in self.knots]}

    def compile(self, max: Decimal, registries: Mapping[str, Registry]) -> Evaluator:
        thresholds = tuple(t for t, _ in self.knots)
        top_threshold, top_score = self.knots[-1]
        last = len(self.knots) - 1
        segments = tuple(segment(k0, k1) for k0, k1 in pairwise(self.knots))
        src = self.source
        if isinstance(src, RatioSource):  # the ratio inline: one call per indicator, no tuple
            num, den, factor = src.numerator, src.denominator, src.factor
            missing_all, missing_num, missing_den = (num, den), (num,), (den,)

            def evaluate(facts: Facts) -> Evaluation:
                values = facts.values
                n, d = values.get(num), values.get(den)
                if n is None or not d:  # absent, or 0: the ratio is undefined
                    return (
                        ZERO,
                        None,
                        missing_den if n is not None else missing_all if not d else missing_num,
                        None,
                    )
                value = n / d * factor  # type: ignore[operator]
                if value >= top_threshold:
                    return top_score, value, (), last
                i = bisect_right(thresholds, value) - 1
                t0, s0, slope, ds, dt = segments[i]
                return (
                    (s0 + (value - t0) * slope if slope is not None else s0 + (value - t0) * ds / dt),
                    value,
                    (),
                    i,
                )

            return evaluate
        code, missing = src.element, (src.element,)

        def evaluate_element(facts: Facts) -> Evaluation:
            value: Decimal | None = facts.values.get(code)  # type: ignore[assignment]
            if value is None:
                return ZERO, None, missing, None
            if value >= top_threshold:
                return top_score, value, (), last
            i = bisect_right(thresholds, value) - 1
            if i < 0:  # negative values never pass validation
                return ZERO, value, (), 0
            t0, s0, slope, ds, dt = segments[i]
            return (
                (s0 + (value - t0) * slope if slope is not None else s0 + (value - t0) * ds / dt),
                value,
                (),
                i,
            )

        return evaluate_element

    def explain(self, facts: Facts, value: Decimal | str | None, note: object) -> dict[str, Any]:
        if not isinstance(note, int):
            missing: dict[str, Any] = {"kind": self.kind, "lower": None, "upper": None}
            invalid = self.source.invalid_inputs(facts.values)
            return {**missing, "invalid_inputs": invalid} if invalid else missing
        upper = self.knots[note + 1] if note + 1 < len(self.knots) else None
        return {"kind": self.kind, "lower": knot_dict(self.knots[note]), "upper": knot_dict(upper)}

    def sentence(self, reading: Reading) -> tuple[str, str]:
        """ "3.2%，介于 2% 与 4% 之间（8 至 9 分），按线性插值得 8.6 分（满分 10 分）"."""
        found = reading.without_data()
        if found is not None:
            return found
        ex = reading.explanation
        lower, upper = ex.get("lower"), ex.get("upper")
        (v_zh, v_en), (close_zh, close_en) = reading.quantity(reading.value), reading.scores()
        head_zh, head_en = f"{reading.name_zh} {v_zh}", f"{reading.name_en} {v_en}"
        if upper is None or lower is None:
            top_zh, top_en = reading.quantity(self.knots[-1][0])
            return (
                f"{head_zh}，达到 {top_zh}及以上，{close_zh}",
                f"{head_en}, at or above {top_en}, {close_en}",
            )
        if dec(reading.value) == dec(lower["threshold"]):
            at_zh, at_en = reading.quantity(lower["threshold"])
            return f"{head_zh}，恰好达到 {at_zh}，{close_zh}", f"{head_en}, exactly {at_en}, {close_en}"
        between_zh, between_en = reading.between(lower["threshold"], upper["threshold"])
        s0, s1 = num(lower["score"]), num(upper["score"])
        return (
            f"{head_zh}，{between_zh}（{s0} 至 {s1} 分），按线性插值{close_zh}",
            f"{head_en}, {between_en} ({s0} to {s1} points), {close_en} (linear interpolation)",
        )

    def _above(self, facts: Facts, ctx: GapContext) -> tuple[list[Knot], Text | None]:
        value, missing = self.source.resolve(facts.values)
        held = self.source.held
        if held is not None and held in missing:
            return [], blocked_text(ctx, held)
        current = value if value is not None else ZERO
        return [k for k in self.knots if k[0] > current], None

    def gap(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> GapReading:
        above, blocked = self._above(facts, ctx)
        if blocked:
            return GapReading([], {}, blocked.en, blocked)
        element = self.source.input_element
        detail = {"next_knot": knot_dict(above[0] if above else None), "top_knot": knot_dict(self.knots[-1])}
        proposals: list[Proposal] = []
        for label, knot in (("next_knot", above[0] if above else None), ("max", self.knots[-1])):
            if knot is None or (label == "max" and above and knot == above[0] and proposals):
                continue
            needed = self.source.input_for(facts.values, knot[0], ctx.quantum(element), lower=False)
            if needed is None:
                continue
            old = facts.values.get(element)
            change = {
                "element": element,
                "from_value": old,
                "to_value": needed,
                "input_change": needed - (old if isinstance(old, Decimal) else ZERO),
            }
            proposals.append(numeric_proposal(ind, facts, ctx, self.source, label, knot[0], needed, change))
        return GapReading(proposals, detail)

    def moves(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> list[Move]:
        above, blocked = self._above(facts, ctx)
        if blocked or not above:
            return []
        return numeric_move(ind, facts, ctx, self.source, above[0][0])
