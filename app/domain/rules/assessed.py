"""`assessed`: a score given by assessors, taken as it is within the element's bounds.

rule = { kind = "assessed" }
source = { element = "st_management_innovation_score" }   # an assessed element, max = the indicator's
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar

from app.domain.elements import ElementKind, Registry
from app.domain.facts import Facts
from app.domain.numbers import ZERO
from app.domain.phrasing import Text, points
from app.domain.rules.base import (
    AMOUNT_QUANTUM,
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
    num,
    points_en,
    relative_change,
)
from app.domain.sources import ElementSource, Source


@dataclass(frozen=True)
class Assessed(RuleKind):
    """A score given by assessors, taken as it is within the element's bounds."""

    kind: ClassVar[str] = "assessed"
    explanation_shape: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"assessed": "the assessed score posted (null when missing)"}
    )
    source: ElementSource

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], source: object, ctx: SpecContext) -> Assessed | None:
        if not isinstance(source, Mapping) or "element" not in source:
            ctx.problem("source", "an assessed indicator needs source.element")
            return None
        el = ctx.element(source["element"], "source.element", frozenset({ElementKind.ASSESSED}))
        if el is None:
            return None
        if el.maximum != ctx.max:
            ctx.problem("source.element", f"its bound {el.maximum} must equal the indicator's max {ctx.max}")
            return None
        return cls(ElementSource(el.code))

    @property
    def elements(self) -> tuple[str, ...]:
        return self.source.elements

    @property
    def sources(self) -> tuple[Source, ...]:
        return (self.source,)

    @property
    def assessed_element(self) -> str | None:
        return self.source.elements[0]

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source.describe()}

    def compile(self, max: Decimal, registries: Mapping[str, Registry]) -> Evaluator:
        resolve = self.source.compile()

        def evaluate(facts: Facts) -> Evaluation:
            value, missing = resolve(facts.values)
            if value is None:
                return ZERO, None, missing, None
            return (value if value < max else max), value, (), None

        return evaluate

    def explain(self, facts: Facts, value: Decimal | str | None, note: object) -> dict[str, Any]:
        return {"kind": self.kind, "assessed": value}

    def sentence(self, reading: Reading) -> tuple[str, str]:
        """ "科技管理创新情况：评估得分 3.5 分，得 3.5 分（满分 5 分）"."""
        found = reading.without_data()
        if found is not None:
            return found
        close_zh, close_en = reading.scores()
        v = num(reading.value)
        return (
            f"{reading.name_zh}：评估得分 {v} 分，{close_zh}",
            f"{reading.name_en}: assessed at {points_en(reading.value)}, {close_en}",
        )

    def _top(self, ind: IndicatorRef, ctx: GapContext) -> Decimal:
        el = ctx.elements[self.source.element]
        return el.maximum if el.maximum is not None else ind.max

    def gap(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> GapReading:
        element, top = self.source.element, self._top(ind, ctx)
        old = facts.values.get(element)
        room = top - (old if isinstance(old, Decimal) else ZERO)
        nm, t, r = ctx.element_text(element), points(top), points(room)
        text = Text(f"{nm.zh}评为 {t.zh}（尚有 {r.zh} 的空间）", f"rate {nm.en} at {t.en} (room {r.en})")
        proposal = Proposal(
            "max",
            text.en,
            {element: top},
            detail={"element": element, "from_value": old, "to_value": top},
            text=text,
        )
        note = Text(
            "评估得分：由评估方给定，而非报送数据",
            "an assessed score: set by the assessors, not by posting data",
        )
        return GapReading([proposal], {"room_to_max": room}, note.en, note)

    def moves(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> list[Move]:
        element, top = self.source.element, self._top(ind, ctx)
        old = facts.values.get(element)
        if isinstance(old, Decimal) and old >= top:
            return []
        start = old if isinstance(old, Decimal) else ZERO
        nm, a, b = ctx.element_text(element), points(start), points(top)
        text = Text(f"{nm.zh}由 {a.zh} 评为 {b.zh}", f"rate {nm.en} at {b.en} instead of {a.en}")
        return [
            Move(
                text.en,
                {element: top},
                cost=relative_change(old, top),
                trim=(element, start, AMOUNT_QUANTUM),
                text=text,
            )
        ]
