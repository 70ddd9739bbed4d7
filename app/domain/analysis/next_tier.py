"""The path to the next tier: a concrete set of changes that reaches it, re-scored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from app.domain.analysis.simulate import Changes, apply_changes, changes_of, rescore
from app.domain.facts import Facts
from app.domain.numbers import ONE, ZERO, fmt, json_object
from app.domain.phrasing import Text, amount, name, points, spaced
from app.domain.problems import InvalidInput
from app.domain.rules.base import Bound, GapContext, IndicatorRef
from app.domain.scheme import Indicator, Scheme, Tier
from app.domain.scoring import score

#: the most steps the path to the next tier may take before it gives up
MAX_STEPS = 300


@dataclass(frozen=True)
class Step:
    indicator: str
    description: str
    changes: Changes
    gain: Decimal
    total: Decimal
    text: Text | None = None

    def to_dict(self) -> dict[str, Any]:
        text = self.text or Text(self.description, self.description)
        return json_object(
            {
                "indicator": self.indicator,
                "description": text.en,
                "description_zh": text.zh,
                "description_en": text.en,
                "changes": self.changes.to_dict(),
                "gain": self.gain,
                "total": self.total,
            }
        )


PATH_METHOD = (
    "greedy: at each step, among the next moves of every indicator below its max (a banded input "
    "to its next knot, one registry item of the highest-scoring type at each level, a better choice "
    "or the flag, an assessed score to its max), take the one with the most points gained per "
    "relative input change (change / current value, or 1 when the input is 0 or missing; for an "
    "item 1 / (1 + items counted at that level or above); 1 for a choice or the flag); ties go to "
    "the larger gain, then to scheme order. Once a move reaches the tier, the reaching move with the "
    "least relative change is taken, and a banded or assessed one is lowered to the least value "
    "that still reaches it. "
    "Every move keeps within a plausible change in one year from the stored values (the scheme's "
    "[bounds]: a relative change per element, a number of new items per registry type): a banded input "
    "stops at its bound, a bracket out of reach within it is not offered, an item type out of room "
    "gives way to the next best type. `bounds` lists the bounds of the moves considered, binding "
    "when a move stopped at one. "
    "Every step and the final total are re-scored through the what-if."
)


@dataclass(frozen=True)
class PathToTier:
    current_tier: str
    tier: str | None
    threshold: Decimal | None
    points_needed: Decimal
    reachable: bool
    steps: tuple[Step, ...]
    changes: Changes
    total: Decimal
    reached_tier: str
    note: str
    note_text: Text | None = None
    #: the yearly bounds the moves were held to (see PATH_METHOD)
    bounds: tuple[Bound, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        text = self.note_text or Text(self.note, self.note)
        return json_object(
            {
                "current_tier": self.current_tier,
                "tier": self.tier,
                "threshold": self.threshold,
                "points_needed": self.points_needed,
                "reachable": self.reachable,
                "method": PATH_METHOD,
                "note": text.en,
                "note_zh": text.zh,
                "note_en": text.en,
                "bounds": [b.to_dict() for b in self.bounds],
                "steps": [s.to_dict() for s in self.steps],
                "changes": self.changes.to_dict(),
                "total": self.total,
                "reached_tier": self.reached_tier,
                "verified": True,
            }
        )


class _Move(NamedTuple):
    indicator: str
    description: str
    changes: Changes
    cost: Decimal
    #: the element a trimmable move sets, with its value before the move and its quantum
    trim: tuple[str, Decimal, Decimal] | None
    text: Text | None
    bounds: tuple[Bound, ...]


def gap_context(scheme: Scheme, baseline: Facts | None = None) -> GapContext:
    """What the rule kinds need of `scheme` to propose changes, the yearly bounds measured from
    `baseline` (the region-year as stored)."""
    return GapContext(scheme.elements, scheme.registries, tuple(scheme.levels), baseline, scheme.levels)


def indicator_ref(ind: Indicator) -> IndicatorRef:
    return IndicatorRef(ind.code, ind.max, ind.name_zh, ind.name_en, ind.unit)


def _moves(scheme: Scheme, facts: Facts, baseline: Facts) -> list[_Move]:
    """Every rule's next moves, in scheme order, as changes the simulate endpoint takes."""
    ctx = gap_context(scheme, baseline)
    simulated = len([i for i in facts.items if str(i.id).startswith("simulated")])
    out = []
    for ind in scheme.indicators:
        for m in ind.rule.moves(indicator_ref(ind), facts, ctx):
            changes = changes_of(m.values, m.items, facts.year, simulated)
            out.append(_Move(ind.code, m.description, changes, m.cost, m.trim, m.text, m.bounds))
    return out


def _next_tier(scheme: Scheme, total: Decimal) -> Tier | None:
    """The lowest tier above the one `total` is in (tiers are listed best first)."""
    current = scheme.tier_for(total)
    above = [t for t in scheme.tiers if t.min_score > current.min_score]
    return above[-1] if above else None


def path_to_next_tier(scheme: Scheme, facts: Facts, region: str | None = None) -> PathToTier:
    """Points needed for the next tier and a concrete set of changes that reaches it (see
    PATH_METHOD), or, when no set of moves reaches it, the best total they reach and why."""
    base = score(scheme, facts, region, explain=False)
    tier = _next_tier(scheme, base.total)
    if tier is None:
        return PathToTier(
            base.tier.code, None, None, ZERO, False, (), Changes(), base.total, base.tier.code,
            "already in the top tier", Text("已在最高一类", "already in the top tier"),
        )  # fmt: skip
    needed = tier.min_score - base.total
    state, changes, total = facts, Changes(), base.total
    steps: list[Step] = []
    last: _Move | None = None
    bounds: dict[str, Bound] = {}
    while total < tier.min_score and len(steps) < MAX_STEPS:
        best: tuple[tuple[Decimal, Decimal, Decimal, int], _Move, Facts, Decimal] | None = None
        for k, move in enumerate(_moves(scheme, state, facts)):
            for b in move.bounds:
                seen = bounds.get(b.key)
                bounds[b.key] = b if seen is None else seen._replace(binding=seen.binding or b.binding)
            try:
                moved = apply_changes(scheme, state, move.changes)
            except InvalidInput:
                continue
            t = score(scheme, moved, region, explain=False).total
            gain = t - total
            if gain <= ZERO:
                continue
            # a move that reaches the tier beats one that does not; among those, the least input
            # change (then the least overshoot) finishes the path
            reaches = t >= tier.min_score
            key = (ONE, -move.cost, -t, -k) if reaches else (ZERO, gain / move.cost, gain, -k)
            if best is None or key > best[0]:
                best = (key, move, moved, t)
        if best is None:
            break
        _, move, state, new_total = best
        steps.append(
            Step(move.indicator, move.description, move.changes, new_total - total, new_total, move.text)
        )
        changes, total, last = changes.merge(move.changes), new_total, move
    if total >= tier.min_score and last is not None and last.trim is not None:
        changes, steps = _trim(scheme, facts, region, changes, steps, last, tier)
    verified = rescore(scheme, facts, changes, region)  # the claim is this re-score, nothing else
    reachable = verified.total >= tier.min_score
    text = _path_text(
        scheme,
        tier,
        base.total,
        verified.total,
        len(steps),
        reachable,
        any(b.binding for b in bounds.values()),
        base.complete,
    )
    return PathToTier(
        base.tier.code,
        tier.code,
        tier.min_score,
        needed,
        reachable,
        tuple(steps),
        changes,
        verified.total,
        verified.tier.code,
        text.en,
        text,
        tuple(bounds.values()),
    )


def _path_text(
    scheme: Scheme,
    tier: Tier,
    start: Decimal,
    reached: Decimal,
    steps: int,
    reachable: bool,
    bounded: bool,
    complete: bool,
) -> Text:
    """What the path comes to, in zh and en: the steps to the tier, or the points within reach
    against the points needed."""
    t = Text(tier.name_zh, tier.name_en)
    if reachable:
        return Text(
            f"{steps} 项变动可达到{t.zh}（{fmt(tier.min_score)} 分）",
            f"reaches {tier.code} with {steps} change(s)",
        )
    gained, needed = points(reached - start), points(tier.min_score - start)
    within = Text("在每年合理变动范围内", "within the yearly bounds ") if bounded else Text("", "")
    out = Text(
        f"{within.zh}最多可得 {gained.zh}（总分 {fmt(reached)} 分），达到{t.zh}（{fmt(tier.min_score)} 分）需 {needed.zh}",
        f"{tier.code} is out of reach by these moves: {within.en}they gain at most {gained.en} "
        f"(a total of {fmt(reached)}) where {needed.en} are needed for {t.en} ({fmt(tier.min_score)})",
    )
    if not complete:
        out = out + Text(
            "；部分缺失数据无法给出建议值（如比值的分母）",
            " (inputs are missing whose values cannot be suggested, e.g. a ratio's denominator)",
        )
    return out


def _trim(
    scheme: Scheme,
    facts: Facts,
    region: str | None,
    changes: Changes,
    steps: list[Step],
    last: _Move,
    tier: Tier,
) -> tuple[Changes, list[Step]]:
    """Bring the last move's value back toward its value before the move, to the nearest one (in
    its quantum) that still reaches the threshold: bisection, the total being monotone in every
    input (non-decreasing for most rules, non-increasing for a lower-is-better one)."""
    assert last.trim is not None
    threshold = tier.min_score
    element, start, quantum = last.trim
    high = last.changes.values[element]
    assert isinstance(high, Decimal)
    lo, hi = int(start / quantum), int(high / quantum)  # lo fails (or is the start), hi reaches

    def reaches(units: int) -> tuple[bool, Decimal]:
        trial = Changes({**changes.values, element: units * quantum}, *_items_of(changes))
        try:
            t = rescore(scheme, facts, trial, region).total
        except InvalidInput:
            return False, ZERO
        return t >= threshold, t

    while abs(hi - lo) > 1:
        mid = (lo + hi) // 2
        if reaches(mid)[0]:
            hi = mid
        else:
            lo = mid
    value = hi * quantum
    if value == high:
        return changes, steps
    trimmed = Changes({**changes.values, element: value}, *_items_of(changes))
    ok, t = reaches(hi)
    if not ok:  # pragma: no cover - bisection ends on a value that reaches
        return changes, steps
    prev_total = steps[-1].total - steps[-1].gain
    el = scheme.elements[element]
    nm, a, b = name(el), amount(el, start), amount(el, value)
    verb = Text("提高", "raise") if value >= start else Text("降低", "lower")
    text = Text(
        f"将{nm.zh}由 {spaced(a.zh)}{verb.zh}到 {b.zh}（恰好达到{tier.name_zh}）",
        f"{verb.en} {nm.en} from {a.en} to {b.en} (just enough for {tier.name_en})",
    )
    step = Step(last.indicator, text.en, Changes(values={element: value}), t - prev_total, t, text)
    return trimmed, [*steps[:-1], step]


def _items_of(
    c: Changes,
) -> tuple[
    Sequence[Mapping[str, object]], Sequence[object], Sequence[Mapping[str, object]], Sequence[object]
]:
    return c.add_platforms, c.remove_platforms, c.add_awards, c.remove_awards
