"""`banded_lower`: a lower-is-better indicator, piecewise linear (e.g. energy per unit of output).

    rule = { kind = "banded_lower", knots = [[0.2, 4], [0.5, 2], [1.0, 0]] }
    source = { numerator = "energy_use", denominator = "industrial_output" }

At or below the first knot's threshold the score is the first knot's, the max; between two knots
it is linear; at or above the last knot's threshold it is the last knot's, 0. Thresholds rise and
scores fall from knot to knot. A missing value scores 0 (nothing posted is not "low").
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
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
    dec,
    num,
    numeric_move,
    numeric_proposal,
)
from app.domain.sources import Source

Knot = tuple[Decimal, Decimal]


def _knot(knot: Knot | None) -> dict[str, Decimal] | None:
    return None if knot is None else {"threshold": knot[0], "score": knot[1]}


@dataclass(frozen=True)
class BandedLower(RuleKind):
    """Piecewise-linear bands where the score falls as the value rises."""

    kind: ClassVar[str] = "banded_lower"
    explanation_shape: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "lower": "{threshold, score}: the knot at or below the value; null below the first knot "
            "or when the value is missing",
            "upper": "{threshold, score}: the next knot above the value; null at or above the last knot",
            "invalid_inputs": "{element: reason}: inputs present but unusable (a zero denominator); only then",
        }
    )
    source: Source
    knots: tuple[Knot, ...]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], source: object, ctx: SpecContext) -> BandedLower | None:
        src = ctx.source(source)
        knots = ctx.pairs(spec.get("knots"), "knots", "score")
        if knots is None:
            return None
        ok = True
        if knots[0][0] < ZERO:
            ctx.problem("rule.knots[0]", "the first threshold must not be negative")
            ok = False
        if knots[0][1] != ctx.max:
            ctx.problem(
                "rule.knots[0]",
                f"the first knot's score {knots[0][1]} must equal the indicator's max {ctx.max}",
            )
            ok = False
        for i in range(1, len(knots)):
            (t0, s0), (t1, s1) = knots[i - 1], knots[i]
            if t1 <= t0:
                ctx.problem(f"rule.knots[{i}]", f"threshold {t1} does not increase (after {t0})")
                ok = False
            if s1 >= s0:
                ctx.problem(f"rule.knots[{i}]", f"score {s1} does not decrease (after {s0})")
                ok = False
        if knots[-1][1] != ZERO:
            ctx.problem(f"rule.knots[{len(knots) - 1}]", f"the last knot's score {knots[-1][1]} must be 0")
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
        resolve = self.source.compile()
        thresholds = tuple(t for t, _ in self.knots)
        first_threshold, first_score = self.knots[0]
        last_threshold, last_score = self.knots[-1]
        last = len(self.knots) - 1
        segments = tuple((t0, s0, s1 - s0, t1 - t0) for (t0, s0), (t1, s1) in pairwise(self.knots))

        def evaluate(facts: Facts) -> Evaluation:
            value, missing = resolve(facts.values)
            if value is None:
                return ZERO, None, missing, None
            if value < first_threshold:
                return first_score, value, (), -1
            if value >= last_threshold:
                return last_score, value, (), last
            i = bisect_right(thresholds, value) - 1
            t0, s0, ds, dt = segments[i]
            return s0 + (value - t0) * ds / dt, value, (), i

        return evaluate

    def explain(self, facts: Facts, value: Decimal | str | None, note: object) -> dict[str, Any]:
        if not isinstance(note, int):
            missing: dict[str, Any] = {"kind": self.kind, "lower": None, "upper": None}
            invalid = self.source.invalid_inputs(facts.values)
            return {**missing, "invalid_inputs": invalid} if invalid else missing
        lower = self.knots[note] if note >= 0 else None
        upper = self.knots[note + 1] if note + 1 < len(self.knots) else None
        return {"kind": self.kind, "lower": _knot(lower), "upper": _knot(upper)}

    def sentence(self, reading: Reading) -> tuple[str, str]:
        """ "0.35 吨标准煤/万元，介于 0.2 与 0.5 之间（4 至 2 分），越低越好，按线性插值得 3 分"."""
        found = reading.without_data()
        if found is not None:
            return found
        ex = reading.explanation
        lower, upper = ex.get("lower"), ex.get("upper")
        (v_zh, v_en), (close_zh, close_en) = reading.quantity(reading.value), reading.scores()
        head_zh, head_en = f"{reading.name_zh} {v_zh}", f"{reading.name_en} {v_en}"
        if lower is None:
            first_zh, first_en = reading.quantity(self.knots[0][0])
            return (
                f"{head_zh}，低于 {first_zh}（越低越好），{close_zh}",
                f"{head_en}, below {first_en} (lower is better), {close_en}",
            )
        if upper is None:
            last_zh, last_en = reading.quantity(self.knots[-1][0])
            return (
                f"{head_zh}，达到 {last_zh}及以上（越低越好），{close_zh}",
                f"{head_en}, at or above {last_en} (lower is better), {close_en}",
            )
        if dec(reading.value) == dec(lower["threshold"]):
            at_zh, at_en = reading.quantity(lower["threshold"])
            return (
                f"{head_zh}，恰好为 {at_zh}（越低越好），{close_zh}",
                f"{head_en}, exactly {at_en} (lower is better), {close_en}",
            )
        between_zh, between_en = reading.between(lower["threshold"], upper["threshold"])
        s0, s1 = num(lower["score"]), num(upper["score"])
        return (
            f"{head_zh}，{between_zh}（{s0} 至 {s1} 分，越低越好），按线性插值{close_zh}",
            f"{head_en}, {between_en} ({s0} to {s1} points, lower is better), "
            f"{close_en} (linear interpolation)",
        )

    def _better(self, facts: Facts, ctx: GapContext) -> tuple[list[Knot], Decimal | None, Text | None]:
        """The knots that score more than the value does, nearest first."""
        value, missing = self.source.resolve(facts.values)
        held = self.source.held
        if held is not None and held in missing:
            return [], None, blocked_text(ctx, held)
        if value is None:
            return [self.knots[0]], None, None
        return [k for k in reversed(self.knots) if k[0] < value], value, None

    def gap(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> GapReading:
        better, _, blocked = self._better(facts, ctx)
        if blocked:
            return GapReading([], {}, blocked.en, blocked)
        element = self.source.input_element
        detail = {"next_knot": _knot(better[0] if better else None), "top_knot": _knot(self.knots[0])}
        proposals: list[Proposal] = []
        for label, knot in (("next_knot", better[0] if better else None), ("max", self.knots[0])):
            if knot is None or (label == "max" and better and knot == better[0] and proposals):
                continue
            needed = self.source.input_for(facts.values, knot[0], ctx.quantum(element), lower=True)
            if needed is None:
                continue
            old = facts.values.get(element)
            change = {
                "element": element,
                "from_value": old,
                "to_value": needed,
                "input_change": needed - (old if isinstance(old, Decimal) else ZERO),
            }
            proposals.append(
                numeric_proposal(ind, facts, ctx, self.source, label, knot[0], needed, change, lower=True)
            )
        note = Text("越低越好：数值下降才能得回分数", "lower is better: points come back as the value falls")
        return GapReading(proposals, detail, note.en, note)

    def moves(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> list[Move]:
        better, _, blocked = self._better(facts, ctx)
        if blocked or not better:
            return []
        return numeric_move(ind, facts, ctx, self.source, better[0][0], lower=True)
