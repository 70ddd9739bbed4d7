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
    """One region-year through a plan: per indicator, in scheme order, the score (rounded half-up
    to 2 decimals); per dimension the sum of its rounded scores; the total their sum; the tier.

    The scored values, missing inputs and rules' notes are read off the evaluations when asked
    (a breakdown asks; numbers alone do not, and a plan run makes no per-indicator lists for them).
    """

    scores: tuple[Decimal, ...]
    dimensions: tuple[Decimal, ...]
    total: Decimal
    tier: Tier
    #: whether no indicator missed an input
    complete: bool
    #: the evaluators' (points, value, missing, note), in scheme order
    evaluations: tuple[Evaluation, ...]
    plan: Plan

    def __eq__(self, other: object) -> bool:
        """The same numbers and evaluations, whichever compiled plan of the scheme ran them."""
        return isinstance(other, Run) and self[:6] == other[:6]

    @property
    def values(self) -> tuple[Decimal | str | None, ...]:
        """Per indicator the scored value (None when an input is missing)."""
        return tuple([e[1] for e in self.evaluations])

    @property
    def missing(self) -> tuple[tuple[str, ...], ...]:
        """Per indicator the missing inputs."""
        return tuple([e[2] for e in self.evaluations])

    @property
    def notes(self) -> tuple[object, ...]:
        """Per indicator the rule's note for its explanation."""
        return tuple([e[3] for e in self.evaluations])

    @property
    def missing_by_department(self) -> dict[str, tuple[str, ...]]:
        """Department -> its missing elements, departments in scheme order; empty when complete."""
        return {} if self.complete else self.plan.by_department(self.missing)


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
        """Score one region-year. `facts` must hold values checked by `Element.parse`.

        Each score rounded half-up to 2 decimals; a dimension the sum of its rounded scores from 0
        in scheme order; the total the dimensions' sum from 0."""
        zero, quantum, half_up = ZERO, SCORE_QUANTUM, ROUND_HALF_UP
        evaluations = tuple([evaluate(facts) for evaluate in self.evaluators])
        # evaluators keep their points within [0, max] (RuleKind.compile); rounding is the plan's
        scores = tuple([e[0].quantize(quantum, half_up) for e in evaluations])
        dims = tuple([sum(scores[a:b], zero) for a, b in self.bounds])
        total = sum(dims, zero)
        complete = not any([e[2] for e in evaluations])
        tier = self.tiers[-1][1]
        for threshold, candidate in self.tiers:
            if total >= threshold:
                tier = candidate
                break
        return _new(Run, (scores, dims, total, tier, complete, evaluations, self))

    def summary(self, facts: Facts) -> tuple[tuple[Decimal, ...], Decimal, Tier, bool]:
        """What a ranking reads of `run(facts)`: the dimensions' scores, the total, the tier and
        whether no input was missing (`run.complete`). One pass, each score
        rounded and added as it comes, in the order and with the operations of `run` (the same
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

    def by_department(self, missing: tuple[tuple[str, ...], ...]) -> dict[str, tuple[str, ...]]:
        """Department -> the missing elements it owns, in scheme order (elements once each)."""
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


#: a run compares by its numbers and evaluations, not by the plan object that made it, so it has
#: no hash (a tuple's would tell equal runs of two compiles of one scheme apart)
Run.__hash__ = None  # type: ignore[assignment]
