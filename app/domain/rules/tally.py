"""`tally`: points per registry item by (type, level), the items counting in the year, capped.

rule = { kind = "tally", registry = "platform", cap = 8,
         points = { key_lab = { national = 2, provincial = 1 }, ... },
         extra_element = "other_award_points" }   # optional: assessed points added before the cap
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from types import MappingProxyType
from typing import Any, ClassVar

from app.domain.elements import ElementKind, Registry, RegistryCounting, counts_in_year
from app.domain.facts import Facts, RegistryItem
from app.domain.numbers import ONE, ZERO
from app.domain.phrasing import Text, lower_first, points
from app.domain.rules.base import (
    Bound,
    Evaluation,
    Evaluator,
    GapContext,
    GapReading,
    IndicatorRef,
    Move,
    NewItem,
    Proposal,
    Reading,
    RuleKind,
    SpecContext,
    Vocabulary,
    dec,
    num,
    points_en,
)

#: the value of a tally (items that score) as a Decimal, made once
_COUNTS = tuple(Decimal(n) for n in range(256))


@dataclass(frozen=True)
class Tally(RuleKind):
    """Points per registry item by (type, level), items chosen by the registry's counting, capped.

    `extra_element` adds assessed points (e.g. other departments' awards) before the cap.
    """

    kind: ClassVar[str] = "tally"
    explanation_shape: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "registry": "the registry counted",
            "items": "[{id, name, type, level, points}]: the items of the year of a type the rule scores; "
            "in a breakdown each with type_name_zh, type_name_en, level_name_zh, level_name_en",
            "subtotal": "the items' points",
            "extra_points": "the extra element's points, when the rule has one",
            "cap": "the cap",
            "capped": "whether the cap cut the points",
        }
    )
    registry: str
    points_table: Mapping[str, Mapping[str, Decimal]]
    cap: Decimal
    extra_element: str | None = None
    counting: RegistryCounting = RegistryCounting.STOCK

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], source: object, ctx: SpecContext) -> Tally | None:
        reg_code = spec.get("registry")
        if not isinstance(reg_code, str) or reg_code not in ctx.registries:
            ctx.problem("rule.registry", f"unknown registry {reg_code!r}")
            return None
        registry = ctx.registries[reg_code]
        raw = spec.get("points")
        if not isinstance(raw, Mapping) or not raw:
            ctx.problem("rule.points", "must be a table of type -> {level: points}")
            return None
        table: dict[str, dict[str, Decimal]] = {}
        ok = True
        for type_code, per_level in raw.items():
            where = f"rule.points.{type_code}"
            if type_code not in registry.type_codes:
                ctx.problem(where, f"unknown {reg_code} type {type_code!r}")
                ok = False
                continue
            if not isinstance(per_level, Mapping):
                ctx.problem(where, "must be a table of level -> points")
                ok = False
                continue
            table[type_code] = {}
            for level, pts in per_level.items():
                if level not in ctx.levels:
                    ctx.problem(f"{where}.{level}", f"unknown level {level!r}")
                    ok = False
                    continue
                n = ctx.number(pts, f"{where}.{level}")
                if n is None or n < ZERO:
                    if n is not None:
                        ctx.problem(f"{where}.{level}", "must not be negative")
                    ok = False
                    continue
                table[type_code][level] = n
        cap = ctx.number(spec.get("cap", ctx.max), "rule.cap")
        if cap is not None and not ZERO < cap <= ctx.max:
            ctx.problem("rule.cap", f"must be greater than 0 and at most the indicator's max {ctx.max}")
            ok = False
        extra = spec.get("extra_element")
        if (
            extra is not None
            and ctx.element(extra, "rule.extra_element", frozenset({ElementKind.ASSESSED})) is None
        ):
            ok = False
        if not ok or cap is None:
            return None
        return cls(reg_code, table, cap, extra, registry.counting)

    @property
    def elements(self) -> tuple[str, ...]:
        return (self.extra_element,) if self.extra_element else ()

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "registry": self.registry,
            "points": {t: dict(levels) for t, levels in self.points_table.items()},
            "cap": self.cap,
        }
        if self.extra_element:
            out["extra_element"] = self.extra_element
        return out

    def compile(self, max: Decimal, registries: Mapping[str, Registry]) -> Evaluator:
        registry, table, cap, extra_code = self.registry, self.points_table, self.cap, self.extra_element
        counting, counts = self.counting, _COUNTS
        # the levels that score, per type (points are never negative: a missing level or 0 scores
        # nothing and is not counted)
        scoring_table = {
            type_: scored
            for type_, per_level in table.items()
            if (scored := {lv: p for lv, p in per_level.items() if p})
        }

        def evaluate(facts: Facts) -> Evaluation:
            year = facts.year
            subtotal = ZERO
            scoring = 0
            tallied = facts.tallies_of(registry)
            if tallied is not None:  # items given counted, each counting in the year
                for type_, level, n in tallied:
                    per_level = scoring_table.get(type_)
                    if per_level is None:
                        continue
                    pts = per_level.get(level)
                    if pts is not None:
                        # n x pts as a Decimal product (of the same value as pts * n)
                        subtotal += pts if n == 1 else pts * (counts[n] if n < 256 else Decimal(n))
                        scoring += n
            else:
                # unpacked, not read by field name: a ranking walks tens of thousands of items
                for _, type_, level, start, end, _, _ in facts.items_of(registry):
                    per_level = scoring_table.get(type_)
                    if per_level is None:
                        continue
                    pts = per_level.get(level)
                    if pts is not None and counts_in_year(counting, start, end, year):
                        subtotal += pts
                        scoring += 1
            if extra_code is not None:
                extra = facts.values.get(extra_code)
                if isinstance(extra, Decimal):
                    subtotal += extra
            value = counts[scoring] if scoring < 256 else Decimal(scoring)
            # An optional extra element is never "missing": without it the tally stands alone.
            return (subtotal if subtotal < cap else cap), value, (), None

        return evaluate

    def _counted(self, facts: Facts) -> list[RegistryItem]:
        return [
            i
            for i in facts.items_of(self.registry)
            if i.type in self.points_table and i.counts_in(facts.year, self.counting)
        ]

    def _extra(self, facts: Facts) -> Decimal:
        v = facts.values.get(self.extra_element) if self.extra_element else None
        return v if isinstance(v, Decimal) else ZERO

    def explain(self, facts: Facts, value: Decimal | str | None, note: object) -> dict[str, Any]:
        counted = [(i, self.points_table[i.type].get(i.level, ZERO)) for i in self._counted(facts)]
        listed = [
            {"id": i.id, "name": i.name, "type": i.type, "level": i.level, "points": pts}
            for i, pts in counted
        ]
        subtotal = sum((pts for _, pts in counted), ZERO)
        total = subtotal + self._extra(facts)
        out: dict[str, Any] = {
            "kind": self.kind,
            "registry": self.registry,
            "items": listed,
            "subtotal": subtotal,
            "cap": self.cap,
            "capped": total > self.cap,
        }
        if self.extra_element is not None:
            out["extra_points"] = self._extra(facts)
        return out

    def label_explanation(self, explanation: Mapping[str, Any], vocabulary: Vocabulary) -> dict[str, Any]:
        out = dict(explanation)
        items = []
        for item in explanation.get("items", ()):
            (type_zh, type_en), (level_zh, level_en) = (
                vocabulary.item_type(self.registry, item["type"]),
                vocabulary.level(item["level"]),
            )
            items.append(
                {
                    **item,
                    "type_name_zh": type_zh,
                    "type_name_en": type_en,
                    "level_name_zh": level_zh,
                    "level_name_en": level_en,
                }
            )
        out["items"] = items
        return out

    def sentence(self, reading: Reading) -> tuple[str, str]:
        """ "省级以上科技创新平台建设情况：国家级重点实验室 1 家（每家 2 分）、省级企业技术中心 2 家
        （每家 1 分），合计 4 分，得 4 分（满分 8 分）"."""
        ex, vocab = reading.explanation, reading.vocabulary
        groups: dict[tuple[str, str], list[Decimal]] = {}
        for item in ex.get("items", ()):
            groups.setdefault((item["level"], item["type"]), []).append(dec(item["points"]))
        counter = reading.unit_zh or "项"
        zh: list[str] = []
        en: list[str] = []
        for (level, type_), earned in groups.items():
            (level_zh, level_en), (type_zh, type_en) = (
                vocab.level(level),
                vocab.item_type(self.registry, type_),
            )
            each = earned[0]
            if each > ZERO:
                zh.append(f"{level_zh}{type_zh} {len(earned)} {counter}（每{counter} {num(each)} 分）")
                en.append(
                    f"{lower_first(level_en)} {lower_first(type_en)} × {len(earned)} ({points_en(each)} each)"
                )
            else:
                zh.append(f"{level_zh}{type_zh} {len(earned)} {counter}（不计分）")
                en.append(f"{lower_first(level_en)} {lower_first(type_en)} × {len(earned)} (scores nothing)")
        extra = ex.get("extra_points")
        if extra is not None and self.extra_element is not None and dec(extra) > ZERO:
            name_zh, name_en = vocab.element(self.extra_element)
            zh.append(f"{name_zh} {num(extra)} 分")
            en.append(f"{name_en} {points_en(extra)}")
        close_zh, close_en = reading.scores()
        if not zh:
            return (
                f"{reading.name_zh}：本年度无计分项目，{close_zh}",
                f"{reading.name_en}: nothing that scores in the year, {close_en}",
            )
        total = dec(ex.get("subtotal", 0)) + (dec(extra) if extra is not None else ZERO)
        if ex.get("capped"):
            total_zh = f"合计 {num(total)} 分，超过上限 {num(self.cap)} 分"
            total_en = f"{points_en(total)} in all, capped at {num(self.cap)}"
        else:
            total_zh, total_en = f"合计 {num(total)} 分", f"{points_en(total)} in all"
        return (
            f"{reading.name_zh}：{'、'.join(zh)}，{total_zh}，{close_zh}",
            f"{reading.name_en}: {', '.join(en)}; {total_en}, {close_en}",
        )

    def _total(self, facts: Facts) -> Decimal:
        counted = self._counted(facts)
        return sum((self.points_table[i.type].get(i.level, ZERO) for i in counted), ZERO) + self._extra(facts)

    def gap(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> GapReading:
        room = max(self.cap - min(self._total(facts), self.cap), ZERO)
        proposals: list[Proposal] = []
        per_item = []
        best: tuple[Decimal, str, str] | None = None
        cap = points(self.cap)
        for type_, levels in self.points_table.items():
            for level, pts in levels.items():
                if pts <= ZERO:
                    continue
                to_cap = int((room / pts).to_integral_value(rounding=ROUND_CEILING)) if room > ZERO else 0
                per_item.append({"type": type_, "level": level, "points_each": pts, "items_to_cap": to_cap})
                if best is None or pts > best[0]:
                    best = (pts, type_, level)
                item, gain = ctx.item_text(self.registry, type_, level), points(min(pts, room))
                text = Text(
                    f"新增 1 个{item.zh}：{ind.text.zh}加 {gain.zh}（上限 {cap.zh}）",
                    f"one more {item.en}: +{gain.en} before the cap of {cap.en}",
                )
                _, bound = ctx.new_items_room(facts, self.registry, type_, 1)
                proposals.append(
                    Proposal(
                        "one_item",
                        text.en,
                        items=(NewItem(self.registry, type_, level),),
                        detail={
                            "registry": self.registry,
                            "type": type_,
                            "level": level,
                            "count": 1,
                            "points_each": pts,
                        },
                        text=text,
                        bounds=(bound,) if bound else (),
                    )
                )
        if best is not None and room > ZERO:
            pts, type_, level = best
            n = int((room / pts).to_integral_value(rounding=ROUND_CEILING))
            if n > 1:
                item, left = ctx.item_text(self.registry, type_, level), points(room)
                text = Text(
                    f"新增 {n} 个{item.zh}，补足{ind.text.zh}上限内剩余的 {left.zh}",
                    f"{item.en}: {n} more fill the room of {left.en} under the cap",
                )
                _, bound = ctx.new_items_room(facts, self.registry, type_, n)
                proposals.append(
                    Proposal(
                        "max",
                        text.en,
                        items=(NewItem(self.registry, type_, level, n),),
                        detail={
                            "registry": self.registry,
                            "type": type_,
                            "level": level,
                            "count": n,
                            "points_each": pts,
                        },
                        text=text,
                        bounds=(bound,) if bound else (),
                    )
                )
        detail = {"registry": self.registry, "cap": self.cap, "room_under_cap": room, "per_item": per_item}
        return GapReading(proposals, detail)

    def moves(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> list[Move]:
        """Per level, one more item of the highest-scoring type that still has room this year
        (the types' yearly limits); a better type out of room is reported as a binding bound."""
        left = self.cap - self._total(facts)  # what one more item can add before the cap
        if left <= ZERO:
            return []
        counted = self._counted(facts)
        rank = {lv: i for i, lv in enumerate(ctx.levels)}  # the scheme lists levels highest first
        moves = []
        for level in ctx.levels:
            typed = [(p, t) for t, levels in self.points_table.items() if (p := levels.get(level, ZERO)) > 0]
            typed.sort(key=lambda pt: -pt[0])  # stable: the scheme's order among equal points
            out_of_room: list[Bound] = []
            for pts, type_ in typed:
                room, bound = ctx.new_items_room(facts, self.registry, type_, 1)
                if room < 1:
                    if bound is not None:
                        out_of_room.append(bound)
                    continue
                at_or_above = sum(1 for i in counted if rank.get(i.level, len(rank)) <= rank[level])
                item, gain = ctx.item_text(self.registry, type_, level), points(min(pts, left))
                text = Text(
                    f"新增 1 个{item.zh}：{ind.text.zh}加 {gain.zh}",
                    f"one more {item.en}: {ind.text.en} +{gain.en}",
                )
                moves.append(
                    Move(
                        text.en,
                        items=(NewItem(self.registry, type_, level),),
                        cost=ONE / (at_or_above + 1),
                        text=text,
                        bounds=(*out_of_room, *((bound,) if bound else ())),
                    )
                )
                break
        return moves
