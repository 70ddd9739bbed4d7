"""The path to the next tier: a concrete set of changes that reaches it, re-scored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from app.domain.analysis.simulate import Changes, apply_changes, changes_of, rescore
from app.domain.facts import Facts
from app.domain.numbers import ONE, ZERO, fmt, json_object
from app.domain.problems import InvalidInput
from app.domain.rules.base import GapContext, IndicatorRef
from app.domain.scheme import Scheme, Tier
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

    def to_dict(self) -> dict[str, Any]:
        return json_object(
            {
                "indicator": self.indicator,
                "description": self.description,
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

    def to_dict(self) -> dict[str, Any]:
        return json_object(
            {
                "current_tier": self.current_tier,
                "tier": self.tier,
                "threshold": self.threshold,
                "points_needed": self.points_needed,
                "reachable": self.reachable,
                "method": PATH_METHOD,
                "note": self.note,
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


def gap_context(scheme: Scheme) -> GapContext:
    """What the rule kinds need of `scheme` to propose changes."""
    return GapContext(scheme.elements, scheme.registries, tuple(scheme.levels))


def _moves(scheme: Scheme, facts: Facts) -> list[_Move]:
    """Every rule's next moves, in scheme order, as changes the simulate endpoint takes."""
    ctx = gap_context(scheme)
    simulated = len([i for i in facts.items if str(i.id).startswith("simulated")])
    out = []
    for ind in scheme.indicators:
        for m in ind.rule.moves(IndicatorRef(ind.code, ind.max), facts, ctx):
            changes = changes_of(m.values, m.items, facts.year, simulated)
            out.append(_Move(ind.code, m.description, changes, m.cost, m.trim))
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
            "already in the top tier",
        )  # fmt: skip
    needed = tier.min_score - base.total
    state, changes, total = facts, Changes(), base.total
    steps: list[Step] = []
    last: _Move | None = None
    while total < tier.min_score and len(steps) < MAX_STEPS:
        best: tuple[tuple[Decimal, Decimal, Decimal, int], _Move, Facts, Decimal] | None = None
        for k, move in enumerate(_moves(scheme, state)):
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
        steps.append(Step(move.indicator, move.description, move.changes, new_total - total, new_total))
        changes, total, last = changes.merge(move.changes), new_total, move
    if total >= tier.min_score and last is not None and last.trim is not None:
        changes, steps = _trim(scheme, facts, region, changes, steps, last, tier.min_score)
    verified = rescore(scheme, facts, changes, region)  # the claim is this re-score, nothing else
    reachable = verified.total >= tier.min_score
    note = (
        f"reaches {tier.code} with {len(steps)} change(s)"
        if reachable
        else (
            f"{tier.code} is out of reach by these moves: the most they reach is {fmt(verified.total)}"
            + (" (inputs are missing whose values cannot be suggested, e.g. a ratio's denominator)"
               if not base.complete else "")
        )
    )  # fmt: skip
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
        note,
    )


def _trim(
    scheme: Scheme,
    facts: Facts,
    region: str | None,
    changes: Changes,
    steps: list[Step],
    last: _Move,
    threshold: Decimal,
) -> tuple[Changes, list[Step]]:
    """Bring the last move's value back toward its value before the move, to the nearest one (in
    its quantum) that still reaches the threshold: bisection, the total being monotone in every
    input (non-decreasing for most rules, non-increasing for a lower-is-better one)."""
    assert last.trim is not None
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
    step = Step(
        last.indicator,
        f"{element} {fmt(start)} -> {fmt(value)} (just enough for the tier)",
        Changes(values={element: value}),
        t - prev_total,
        t,
    )
    return trimmed, [*steps[:-1], step]


def _items_of(
    c: Changes,
) -> tuple[
    Sequence[Mapping[str, object]], Sequence[object], Sequence[Mapping[str, object]], Sequence[object]
]:
    return c.add_platforms, c.remove_platforms, c.add_awards, c.remove_awards
