"""`choice_flag`: points for one choice among several, plus points when a flag is set, capped.

rule = { kind = "choice_flag", choice = "st_admin_body", flag = "st_leading_group",
         choice_points = { independent = 4, merged_office = 2, nameplate = 1, none = 0 },
         flag_points = 1, cap = 5 }
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar

from app.domain.elements import ElementKind, Registry, Value
from app.domain.facts import Facts
from app.domain.numbers import ONE, ZERO
from app.domain.phrasing import Text, join, name, points
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
    Vocabulary,
    num,
    points_en,
)


@dataclass(frozen=True)
class ChoiceFlag(RuleKind):
    """Points for one choice among several, plus points when a flag is set, capped."""

    kind: ClassVar[str] = "choice_flag"
    numeric_value: ClassVar[bool] = False
    explanation_shape: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "choice": "the choice posted (null when missing)",
            "choice_name_zh": "in a breakdown: the choice's Chinese name (null when missing)",
            "choice_name_en": "in a breakdown: the choice's English name (null when missing)",
            "choice_points": "its points",
            "flag": "the flag posted (null when missing)",
            "flag_points": "the flag's points (0 unless it is true)",
            "cap": "the cap",
            "capped": "whether the cap cut the points",
        }
    )
    choice: str
    flag: str
    choice_points: Mapping[str, Decimal]
    flag_points: Decimal
    cap: Decimal

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], source: object, ctx: SpecContext) -> ChoiceFlag | None:
        choice = ctx.element(spec.get("choice"), "rule.choice", frozenset({ElementKind.CHOICE}))
        flag = ctx.element(spec.get("flag"), "rule.flag", frozenset({ElementKind.BOOLEAN}))
        raw = spec.get("choice_points")
        flag_points = ctx.number(spec.get("flag_points"), "rule.flag_points")
        cap = ctx.number(spec.get("cap", ctx.max), "rule.cap")
        if choice is None or flag is None or flag_points is None or cap is None:
            return None
        if not isinstance(raw, Mapping):
            ctx.problem("rule.choice_points", "must be a table of choice -> points")
            return None
        table: dict[str, Decimal] = {}
        ok = True
        for code in choice.choice_codes:
            if code not in raw:
                ctx.problem("rule.choice_points", f"gives no points for choice {code!r}")
                ok = False
        for code, pts in raw.items():
            if code not in choice.choice_codes:
                ctx.problem(f"rule.choice_points.{code}", f"unknown choice {code!r} of {choice.code}")
                ok = False
                continue
            n = ctx.number(pts, f"rule.choice_points.{code}")
            if n is None:
                ok = False
                continue
            table[code] = n
        if not ZERO < cap <= ctx.max:
            ctx.problem("rule.cap", f"must be greater than 0 and at most the indicator's max {ctx.max}")
            ok = False
        if not ok:
            return None
        return cls(choice.code, flag.code, table, flag_points, cap)

    @property
    def elements(self) -> tuple[str, ...]:
        return (self.choice, self.flag)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "choice": self.choice,
            "choice_points": dict(self.choice_points),
            "flag": self.flag,
            "flag_points": self.flag_points,
            "cap": self.cap,
        }

    def _points(self, choice: Value | None, flag: Value | None) -> tuple[Decimal, Decimal]:
        choice_pts = self.choice_points.get(choice, ZERO) if isinstance(choice, str) else ZERO
        return choice_pts, self.flag_points if flag is True else ZERO

    def compile(self, max: Decimal, registries: Mapping[str, Registry]) -> Evaluator:
        choice_code, flag_code, cap = self.choice, self.flag, self.cap
        table, flag_points = dict(self.choice_points), self.flag_points

        def evaluate(facts: Facts) -> Evaluation:
            values = facts.values
            choice, flag = values.get(choice_code), values.get(flag_code)
            missing: tuple[str, ...] = ()
            if choice is None or flag is None:
                missing = tuple(c for c, v in ((choice_code, choice), (flag_code, flag)) if v is None)
            total = table.get(choice, ZERO) if isinstance(choice, str) else ZERO
            if flag is True:
                total += flag_points
            points = cap if total > cap else total if total > ZERO else ZERO  # choice points may be negative
            return points, choice if isinstance(choice, str) else None, missing, None

        return evaluate

    def explain(self, facts: Facts, value: Decimal | str | None, note: object) -> dict[str, Any]:
        choice, flag = facts.values.get(self.choice), facts.values.get(self.flag)
        choice_pts, flag_pts = self._points(choice, flag)
        return {
            "kind": self.kind,
            "choice": choice,
            "choice_points": choice_pts,
            "flag": flag,
            "flag_points": flag_pts,
            "cap": self.cap,
            "capped": choice_pts + flag_pts > self.cap,
        }

    def label_explanation(self, explanation: Mapping[str, Any], vocabulary: Vocabulary) -> dict[str, Any]:
        out = dict(explanation)
        choice = explanation.get("choice")
        zh, en = vocabulary.choice(self.choice, choice) if isinstance(choice, str) else (None, None)
        out["choice_name_zh"], out["choice_name_en"] = zh, en
        return out

    def sentence(self, reading: Reading) -> tuple[str, str]:
        """ "科技行政管理机构设置：合署办公（2 分）；成立科技创新工作领导小组：是（1 分），得 3 分"."""
        ex, vocab = reading.explanation, reading.vocabulary
        if not isinstance(ex.get("choice"), str) and ex.get("flag") is None:
            found = reading.without_data()
            if found is not None:
                return found
        (choice_zh, choice_en), (flag_zh, flag_en) = vocab.element(self.choice), vocab.element(self.flag)
        zh: list[str] = []
        en: list[str] = []
        choice = ex.get("choice")
        if isinstance(choice, str):
            label_zh, label_en = vocab.choice(self.choice, choice)
            pts = ex.get("choice_points", 0)
            zh.append(f"{choice_zh}为“{label_zh}”（{num(pts)} 分）")
            en.append(f'{choice_en} is "{label_en}" ({points_en(pts)})')
        else:
            zh.append(f"{choice_zh}缺少数据（0 分）")
            en.append(f"{choice_en} missing (0 points)")
        flag = ex.get("flag")
        if flag is None:
            zh.append(f"{flag_zh}缺少数据（0 分）")
            en.append(f"{flag_en} missing (0 points)")
        else:
            pts = ex.get("flag_points", 0)
            zh.append(f"{flag_zh}为“{'是' if flag is True else '否'}”（{num(pts)} 分）")
            en.append(f'{flag_en} is "{"yes" if flag is True else "no"}" ({points_en(pts)})')
        if ex.get("capped"):
            zh.append(f"合计超过上限 {num(self.cap)} 分")
            en.append(f"capped at {num(self.cap)} points")
        close_zh, close_en = reading.scores()
        return (
            f"{reading.name_zh}：{'，'.join(zh)}，{close_zh}",
            f"{reading.name_en}: {'; '.join(en)}; {close_en}",
        )

    def _better(self, facts: Facts) -> tuple[list[tuple[str, Decimal]], Decimal]:
        choice = facts.values.get(self.choice)
        current = self.choice_points.get(choice, ZERO) if isinstance(choice, str) else ZERO
        better = sorted(
            ((c, p) for c, p in self.choice_points.items() if p > current), key=lambda cp: (-cp[1], cp[0])
        )
        return better, current

    def _choice_text(self, ctx: GapContext, code: str, pts: Decimal, current: Decimal) -> Text:
        el = ctx.elements[self.choice]
        label = next((c for c in el.choices if c.code == code), None)
        cz, ce = (label.name_zh, label.name_en) if label else (code, code)
        nm, p, now = name(el), points(pts), points(current)
        return Text(
            f"将{nm.zh}改为“{cz}”（{p.zh}，现为 {now.zh}）",
            f"make {nm.en} “{ce}” ({p.en} instead of {now.en})",
        )

    def _flag_text(self, ctx: GapContext) -> Text:
        nm, p = name(ctx.elements[self.flag]), points(self.flag_points)
        return Text(f"{nm.zh}：是（加 {p.zh}）", f"{nm.en}: yes (+{p.en})")

    def gap(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> GapReading:
        choice, flag = facts.values.get(self.choice), facts.values.get(self.flag)
        better, current = self._better(facts)
        proposals = []
        for c, p in better:
            text = self._choice_text(ctx, c, p, current)
            proposals.append(
                Proposal(
                    "choice",
                    text.en,
                    {self.choice: c},
                    detail={"element": self.choice, "from_value": choice, "to_value": c},
                    text=text,
                )
            )
        if flag is not True:
            text = self._flag_text(ctx)
            proposals.append(
                Proposal(
                    "flag",
                    text.en,
                    {self.flag: True},
                    detail={"element": self.flag, "from_value": flag, "to_value": True},
                    text=text,
                )
            )
            if better:
                c = better[0][0]
                text = join(
                    [self._choice_text(ctx, c, better[0][1], current), self._flag_text(ctx)],
                    "，并且",
                    ", and ",
                )
                proposals.append(
                    Proposal(
                        "max",
                        text.en,
                        {self.choice: c, self.flag: True},
                        detail={"element": self.choice, "from_value": choice, "to_value": c},
                        text=text,
                    )
                )
        detail = {
            "better_choices": [{"choice": c, "points": p} for c, p in better],
            "flag": {"element": self.flag, "set": flag is True, "points": self.flag_points},
        }
        return GapReading(proposals, detail)

    def moves(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> list[Move]:
        better, current = self._better(facts)
        moves = []
        if better:
            c, p = better[0]
            text = self._choice_text(ctx, c, p, current)
            moves.append(Move(text.en, {self.choice: c}, cost=ONE, text=text))
        if facts.values.get(self.flag) is not True:
            text = self._flag_text(ctx)
            moves.append(Move(text.en, {self.flag: True}, cost=ONE, text=text))
        return moves
