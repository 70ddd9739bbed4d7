"""Where each indicator loses points and the changes that win them back, every claim re-scored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.domain.analysis.next_tier import PathToTier, gap_context, indicator_ref, path_to_next_tier
from app.domain.analysis.simulate import Changes, changes_of, rescore
from app.domain.facts import Facts
from app.domain.numbers import ZERO, json_object, round_value
from app.domain.phrasing import Text
from app.domain.problems import InvalidInput
from app.domain.rules.base import Bound, Proposal
from app.domain.scheme import Indicator, Scheme
from app.domain.scoring import score


@dataclass(frozen=True)
class Option:
    """One concrete change and what it gives, as re-scored (never an estimate)."""

    target: str
    description: str
    changes: Changes
    indicator_score: Decimal
    indicator_gain: Decimal
    total: Decimal
    gain: Decimal
    tier: str
    #: the kind's own fields of the option (kept in the response for contract v1)
    detail: Mapping[str, Any] = field(default_factory=dict)
    #: the generic form of the change: per element or registry (type, level), from -> to
    inputs: tuple[Mapping[str, Any], ...] = ()
    text: Text | None = None
    #: the yearly bounds the option was measured against
    bounds: tuple[Bound, ...] = ()

    @property
    def within_bounds(self) -> bool:
        return not any(b.binding for b in self.bounds)

    def to_dict(self) -> dict[str, Any]:
        text = self.text or Text(self.description, self.description)
        return json_object(
            {
                "target": self.target,
                "description": text.en,
                "description_zh": text.zh,
                "description_en": text.en,
                "within_bounds": self.within_bounds,
                "bounds": [b.to_dict() for b in self.bounds],
                "changes": self.changes.to_dict(),
                "inputs": list(self.inputs),
                "points_gained": self.indicator_gain,
                "indicator_score": self.indicator_score,
                "indicator_gain": self.indicator_gain,
                "total": self.total,
                "gain": self.gain,
                "tier": self.tier,
                **dict(self.detail),
            }
        )


@dataclass(frozen=True)
class IndicatorGap:
    code: str
    name_zh: str
    name_en: str
    kind: str
    departments: tuple[str, ...]
    score: Decimal
    max: Decimal
    points_missing: Decimal
    value: Decimal | str | None
    missing_inputs: tuple[str, ...]
    options: tuple[Option, ...]
    detail: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None
    note_text: Text | None = None

    @property
    def best_gain(self) -> Decimal:
        return max((o.gain for o in self.options), default=ZERO)

    def to_dict(self) -> dict[str, Any]:
        return json_object(
            {
                "indicator": self.code,
                "name_zh": self.name_zh,
                "name_en": self.name_en,
                "kind": self.kind,
                "departments": list(self.departments),
                "score": self.score,
                "max": self.max,
                "points_missing": self.points_missing,
                "best_gain": self.best_gain,
                "value": round_value(self.value) if isinstance(self.value, Decimal) else self.value,
                "missing_inputs": list(self.missing_inputs),
                "reading": dict(self.detail),
                **dict(self.detail),  # contract v1: the kinds' fields at the top level too
                "note": self.note,
                "note_zh": self.note_text.zh if self.note_text else self.note,
                "note_en": self.note_text.en if self.note_text else self.note,
                "options": [o.to_dict() for o in self.options],
            }
        )


@dataclass(frozen=True)
class Gaps:
    year: int
    region: str | None
    scheme: str
    total: Decimal
    tier: str
    max: Decimal
    indicators: tuple[IndicatorGap, ...]
    to_next_tier: PathToTier

    def to_dict(self) -> dict[str, Any]:
        return json_object(
            {
                "year": self.year,
                "region": self.region,
                "scheme": self.scheme,
                "total": self.total,
                "tier": self.tier,
                "max": self.max,
                "points_missing": self.max - self.total,
                "sorted_by": "best_gain (the most points one verified option gains), then points_missing",
                "indicators": [g.to_dict() for g in self.indicators],
                "to_next_tier": self.to_next_tier.to_dict(),
            }
        )


class _Scorer:
    """Scores a rule's proposals against one region-year and remembers the base."""

    def __init__(self, scheme: Scheme, facts: Facts, region: str | None) -> None:
        self.scheme, self.facts, self.region = scheme, facts, region
        self.ctx = gap_context(scheme, facts)
        self.base = score(scheme, facts, region, explain=False)

    def inputs(self, p: Proposal) -> tuple[Mapping[str, Any], ...]:
        """The proposal as input changes: an element from its value to the new one; registry
        items from the number of that type and level counted in the year to that number plus
        the new ones."""
        rows: list[Mapping[str, Any]] = [
            {"element": e, "from": self.facts.values.get(e), "to": v} for e, v in p.values.items()
        ]
        for new in p.items:
            have = sum(
                1
                for i in self.ctx.counted(self.facts, new.registry)
                if (i.type, i.level) == (new.type, new.level)
            )
            rows.append(
                {
                    "registry": new.registry,
                    "type": new.type,
                    "level": new.level,
                    "from": have,
                    "to": have + new.quantity,
                }
            )
        return tuple(rows)

    def option(self, ind: Indicator, p: Proposal) -> Option | None:
        changes = changes_of(p.values, p.items, self.facts.year)
        try:
            after = rescore(self.scheme, self.facts, changes, self.region)
        except InvalidInput:
            return None  # a change a write would refuse is never suggested
        before_ind = next(i.score for i in self.base.indicators if i.code == ind.code)
        after_ind = next(i.score for i in after.indicators if i.code == ind.code)
        if after.total <= self.base.total:
            return None
        return Option(
            p.target,
            p.description,
            changes,
            after_ind,
            after_ind - before_ind,
            after.total,
            after.total - self.base.total,
            after.tier.code,
            p.detail,
            self.inputs(p),
            p.text,
            p.bounds,
        )


def gaps(scheme: Scheme, facts: Facts, region: str | None = None) -> Gaps:
    """Every indicator below its max, the changes that win its points back (each rule kind
    proposes them), and the path to the next tier. Every number claimed is the total of a
    re-score of the proposed changes, made through the same checks as the simulate endpoint
    (see `rescore`)."""
    sc = _Scorer(scheme, facts, region)
    full = score(scheme, facts, region)
    by_code = {i.code: i for i in full.indicators}
    out: list[IndicatorGap] = []
    for ind in scheme.indicators:
        got = by_code[ind.code]
        if got.score >= ind.max:
            continue
        reading = ind.rule.gap(indicator_ref(ind), facts, sc.ctx)
        options = [o for p in reading.proposals if (o := sc.option(ind, p)) is not None]
        options.sort(key=lambda o: (-o.gain, o.target))
        out.append(
            IndicatorGap(
                ind.code,
                ind.name_zh,
                ind.name_en,
                ind.rule.kind,
                ind.departments,
                got.score,
                ind.max,
                ind.max - got.score,
                got.value,
                got.missing_inputs,
                tuple(options),
                reading.detail,
                reading.note,
                reading.note_text,
            )
        )
    order = {ind.code: i for i, ind in enumerate(scheme.indicators)}
    out.sort(key=lambda g: (-g.best_gain, -g.points_missing, order[g.code]))
    return Gaps(
        facts.year,
        region,
        scheme.code,
        full.total,
        full.tier.code,
        scheme.total,
        tuple(out),
        path_to_next_tier(scheme, facts, region),
    )
