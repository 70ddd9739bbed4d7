"""A scheme compiled for scoring: flat, precomputed data walked once per region-year.

`compile_plan(scheme)` asks every indicator's rule kind for its evaluator (a closure over flat
data: thresholds, segment deltas, point tables) and lays them out in scheme order with the
indicators' maxima, the dimensions' bounds and the tier thresholds. `Plan.run` walks them with
exact Decimal arithmetic and makes no per-indicator objects: it returns flat tuples that the
engine (app/domain/scoring.py) turns into a breakdown, explained on demand from the same run.
A plan is made once per scheme, when the scheme is loaded (`plan_for`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from app.domain.facts import Facts
from app.domain.numbers import SCORE_QUANTUM, ZERO
from app.domain.rules.base import Evaluation, Evaluator
from app.domain.scheme import Scheme, Tier


class Run(NamedTuple):
    """One region-year through a plan. Per indicator, in scheme order: the score (rounded half-up
    to 2 decimals), the scored value, the missing inputs and the rule's
    note for its explanation. Per dimension the sum of its rounded scores; the total their sum."""

    scores: tuple[Decimal, ...]
    values: tuple[Decimal | str | None, ...]
    missing: tuple[tuple[str, ...], ...]
    notes: tuple[object, ...]
    dimensions: tuple[Decimal, ...]
    total: Decimal
    tier: Tier
    #: department -> its missing elements, departments in scheme order; empty when complete
    missing_by_department: dict[str, tuple[str, ...]]


_new = tuple.__new__  # a NamedTuple made without its argument parsing (one per region-year)


class Plan:
    """The compiled form of one scheme (see the module doc)."""

    __slots__ = (
        "bounds",
        "department_of",
        "departments",
        "evaluators",
        "groups",
        "indicators",
        "maxima",
        "scheme",
        "tiers",
    )

    def __init__(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self.indicators = scheme.indicators
        evaluators: list[Evaluator] = []
        maxima: list[Decimal] = []
        bounds: list[tuple[int, int]] = []
        for dim in scheme.dimensions:
            start = len(evaluators)
            for ind in dim.indicators:
                evaluators.append(ind.rule.compile(ind.max, scheme.registries))
                maxima.append(ind.max)
            bounds.append((start, len(evaluators)))
        self.evaluators = tuple(evaluators)
        self.maxima = tuple(maxima)
        self.bounds = tuple(bounds)
        #: the evaluators of each dimension, for `summary`'s one pass
        self.groups = tuple(self.evaluators[a:b] for a, b in self.bounds)
        self.tiers = tuple((t.min_score, t) for t in scheme.tiers)
        self.department_of = {code: el.department for code, el in scheme.elements.items()}
        self.departments = tuple(scheme.departments)

    def run(self, facts: Facts) -> Run:
        """Score one region-year. `facts` must hold values checked by `Element.parse`."""
        results = [evaluate(facts) for evaluate in self.evaluators]
        scores, dims, total, tier = self._add_up(results)
        _, values, missing, notes = zip(*results, strict=True)
        by_department = self._by_department(missing) if any(missing) else {}
        return _new(Run, (scores, values, missing, notes, dims, total, tier, by_department))

    def summary(self, facts: Facts) -> tuple[tuple[Decimal, ...], Decimal, Tier, bool]:
        """What a ranking reads of `run(facts)`: the dimensions' scores, the total, the tier and
        whether no input was missing (`not run.missing_by_department`). One pass, each score
        rounded and added as it comes, in the order and with the operations of `_add_up` (the same
        Decimals, to the exponent), without the per-indicator lists a breakdown needs."""
        zero, quantum, half_up = ZERO, SCORE_QUANTUM, ROUND_HALF_UP
        complete = True
        dims = []
        for group in self.groups:
            dim = zero
            for evaluate in group:
                points, _, missing, _ = evaluate(facts)
                dim += points.quantize(quantum, half_up)
                if missing:
                    complete = False
            dims.append(dim)
        total = sum(dims, zero)
        for threshold, tier in self.tiers:
            if total >= threshold:
                return tuple(dims), total, tier, complete
        return tuple(dims), total, self.tiers[-1][1], complete

    def _add_up(
        self, results: list[Evaluation]
    ) -> tuple[tuple[Decimal, ...], tuple[Decimal, ...], Decimal, Tier]:
        zero, quantum, half_up = ZERO, SCORE_QUANTUM, ROUND_HALF_UP
        # evaluators keep their points within [0, max] (RuleKind.compile); rounding is the plan's
        scores = tuple([r[0].quantize(quantum, half_up) for r in results])
        dims = tuple([sum(scores[a:b], zero) for a, b in self.bounds])
        total = sum(dims, zero)
        tier = self.tiers[-1][1]
        for threshold, candidate in self.tiers:
            if total >= threshold:
                tier = candidate
                break
        return scores, dims, total, tier

    def _by_department(self, missing: tuple[tuple[str, ...], ...]) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for codes in missing:
            for el in codes:
                listed = found.setdefault(self.department_of[el], [])
                if el not in listed:
                    listed.append(el)
        return {d: tuple(found[d]) for d in self.departments if d in found}


def compile_plan(scheme: Scheme) -> Plan:
    """The scoring plan of `scheme` (made anew; `plan_for` keeps one per scheme)."""
    return Plan(scheme)


def plan_for(scheme: Scheme) -> Plan:
    """The plan of `scheme`, compiled on first use and kept on the scheme (the loader compiles
    it when the scheme is loaded)."""
    plan = scheme.__dict__.get("_plan")
    if plan is None:
        plan = compile_plan(scheme)
        object.__setattr__(scheme, "_plan", plan)
    return plan
