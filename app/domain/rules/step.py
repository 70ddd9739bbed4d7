"""`step`: points by bracket, no interpolation.

    rule = { kind = "step", brackets = [[0, 0], [10, 2], [50, 4], [100, 6]] }
    source = { element = "rd_staff" }   # or { numerator, denominator, factor }

A value at or above a bracket's threshold and below the next one scores that bracket's points; at
or above the last threshold, the last bracket's points, which are the indicator's max. The first
bracket starts at 0; thresholds and points rise from bracket to bracket.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar

from app.domain.elements import Registry
from app.domain.facts import Facts
from app.domain.numbers import ZERO
from app.domain.phrasing import Text, points, quantity
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
    numeric_move,
    numeric_proposal,
)
from app.domain.sources import Source

Bracket = tuple[Decimal, Decimal]


def _bracket(b: Bracket | None) -> dict[str, Decimal] | None:
    return None if b is None else {"from": b[0], "points": b[1]}


@dataclass(frozen=True)
class StepTable(RuleKind):
    """Points by bracket: the points of the highest bracket whose threshold the value reaches."""

    kind: ClassVar[str] = "step"
    explanation_shape: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "bracket": "{from, points}: the bracket the value falls in; null when the value is missing",
            "next": "{from, points}: the next bracket up; null in the top bracket",
            "invalid_inputs": "{element: reason}: inputs present but unusable (a zero denominator); only then",
        }
    )
    source: Source
    brackets: tuple[Bracket, ...]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], source: object, ctx: SpecContext) -> StepTable | None:
        src = ctx.source(source)
        brackets = ctx.pairs(spec.get("brackets"), "brackets", "points")
        if brackets is None:
            return None
        ok = True
        if brackets[0][0] != ZERO:
            ctx.problem("rule.brackets[0]", "the first bracket must start at 0")
            ok = False
        if brackets[0][1] < ZERO:
            ctx.problem("rule.brackets[0]", "points must not be negative")
            ok = False
        ok = check_rising(ctx, brackets, "brackets", "points", verb="do") and ok
        if brackets[-1][1] != ctx.max:
            ctx.problem(
                f"rule.brackets[{len(brackets) - 1}]",
                f"the last bracket's points {brackets[-1][1]} must equal the indicator's max {ctx.max}",
            )
            ok = False
        if not ok or src is None:
            return None
        return cls(src, tuple(brackets))

    @property
    def elements(self) -> tuple[str, ...]:
        return self.source.elements

    @property
    def sources(self) -> tuple[Source, ...]:
        return (self.source,)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source.describe(),
            "brackets": [[t, p] for t, p in self.brackets],
        }

    def compile(self, max: Decimal, registries: Mapping[str, Registry]) -> Evaluator:
        resolve = self.source.compile()
        thresholds = tuple(t for t, _ in self.brackets)
        points = tuple(p for _, p in self.brackets)

        def evaluate(facts: Facts) -> Evaluation:
            value, missing = resolve(facts.values)
            if value is None:
                return ZERO, None, missing, None
            i = bisect_right(thresholds, value) - 1
            if i < 0:  # negative values never pass validation
                return ZERO, value, (), None
            return points[i], value, (), i

        return evaluate

    def explain(self, facts: Facts, value: Decimal | str | None, note: object) -> dict[str, Any]:
        if not isinstance(note, int):
            missing: dict[str, Any] = {"kind": self.kind, "bracket": None, "next": None}
            invalid = self.source.invalid_inputs(facts.values)
            return {**missing, "invalid_inputs": invalid} if invalid else missing
        after = self.brackets[note + 1] if note + 1 < len(self.brackets) else None
        return {"kind": self.kind, "bracket": _bracket(self.brackets[note]), "next": _bracket(after)}

    def sentence(self, reading: Reading) -> tuple[str, str]:
        """ "R&D人员 60 人，处于 50 人及以上、不足 100 人一档，得 4 分（满分 6 分）"."""
        found = reading.without_data()
        if found is not None:
            return found
        ex = reading.explanation
        bracket, after = ex.get("bracket"), ex.get("next")
        (v_zh, v_en), (close_zh, close_en) = reading.quantity(reading.value), reading.scores()
        head_zh, head_en = f"{reading.name_zh} {v_zh}", f"{reading.name_en} {v_en}"
        if bracket is None:
            return f"{head_zh}，{close_zh}", f"{head_en}, {close_en}"
        from_zh, from_en = reading.quantity(bracket["from"])
        if after is None:
            return (
                f"{head_zh}，达到最高档（{from_zh}及以上），{close_zh}",
                f"{head_en}, in the top bracket ({from_en} or more), {close_en}",
            )
        to_zh, to_en = reading.quantity(after["from"])
        return (
            f"{head_zh}，处于 {from_zh}及以上、不足 {to_zh}一档（按档计分），{close_zh}",
            f"{head_en}, in the bracket from {from_en} to below {to_en} (points by bracket), {close_en}",
        )

    def _above(self, facts: Facts, ctx: GapContext) -> tuple[list[Bracket], Text | None]:
        value, missing = self.source.resolve(facts.values)
        held = self.source.held
        if held is not None and held in missing:
            return [], blocked_text(ctx, held)
        current = value if value is not None else ZERO
        if value is None:  # a missing value scores 0: even the first bracket is a gain
            return [b for b in self.brackets if b[1] > ZERO], None
        return [b for b in self.brackets if b[0] > current], None

    def gap(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> GapReading:
        above, blocked = self._above(facts, ctx)
        if blocked:
            return GapReading([], {}, blocked.en, blocked)
        element = self.source.input_element
        top = self.brackets[-1]
        detail = {"next_bracket": _bracket(above[0] if above else None), "top_bracket": _bracket(top)}
        proposals: list[Proposal] = []
        for label, bracket in (("next_bracket", above[0] if above else None), ("max", top)):
            if bracket is None or (label == "max" and above and bracket == above[0] and proposals):
                continue
            needed = self.source.input_for(facts.values, bracket[0], ctx.quantum(element), lower=False)
            if needed is None:
                continue
            old = facts.values.get(element)
            q, pts = quantity(bracket[0], ind.unit), points(bracket[1])
            reached = Text(
                f"：{ind.text.zh}达到 {q.zh} 这一档（{pts.zh}）",
                f": {ind.text.en} reaches the bracket from {q.en} ({pts.en})",
            )
            change = {"element": element, "from_value": old, "to_value": needed}
            proposals.append(
                numeric_proposal(
                    ind, facts, ctx, self.source, label, bracket[0], needed, change, reached=reached
                )
            )
        note = Text(
            "按档计分：只有达到某档门槛才得分", "points by bracket: only reaching a bracket's threshold gains"
        )
        return GapReading(proposals, detail, note.en, note)

    def moves(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> list[Move]:
        above, blocked = self._above(facts, ctx)
        if blocked or not above:
            return []
        return numeric_move(ind, facts, ctx, self.source, above[0][0], partial=False)
