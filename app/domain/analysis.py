"""Analytics over breakdowns: what the people who act on a score need besides the score.

- `round_summary`: a round in the form the province publishes it (tiers, means, the A list, tier
  and rank changes against the previous year);
- `attribute`: a change of total between two years split exactly over the indicators, and, when
  the two years use different schemes, into a scheme effect and a data effect;
- `gaps`: where each indicator loses points, the input changes that win them back, and a concrete
  path to the next tier — every claim re-scored through `apply_changes` + `score`;
- `apply_changes`: a what-if, validated like a real write;
- `departments`: the score decomposed onto the departments answerable for it;
- `completeness`: inputs expected, received and missing per region and department.

Standard library only; every number is a Decimal and every decomposition adds up to the cent.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, NamedTuple

from app.domain.document import parse_item
from app.domain.facts import Facts
from app.domain.numbers import SCORE_QUANTUM, ZERO, json_number, round_score, round_value
from app.domain.problems import InvalidInput, Problem
from app.domain.rules import Assessed, Banded, ChoiceFlag, Tally
from app.domain.scheme import (
    ElementKind,
    ElementSource,
    Indicator,
    RatioSource,
    Scheme,
    Tier,
    Value,
)
from app.domain.scoring import Breakdown, DimensionScore, IndicatorScore, score

ONE = Decimal(1)
#: amounts suggested for a ratio's numerator are rounded up to this (counts to whole numbers)
AMOUNT_QUANTUM = Decimal("0.01")
#: the most steps the path to the next tier may take before it gives up
MAX_STEPS = 300


def to_json(obj: Any) -> Any:
    """Plain JSON data: Decimals become JSON numbers (exact for rounded values), dates ISO text."""
    if isinstance(obj, Decimal):
        return json_number(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, Mapping):
        return {str(k): to_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_json(v) for v in obj]
    return obj


def json_object(obj: Mapping[str, Any]) -> dict[str, Any]:
    out = to_json(obj)
    assert isinstance(out, dict)
    return out


def _dec(raw: object) -> Decimal:
    # a JSON number of a stored breakdown: at most 15 significant digits, so str() is exact
    assert isinstance(raw, int | float | Decimal) and not isinstance(raw, bool), raw
    return raw if isinstance(raw, Decimal) else Decimal(str(raw))


def breakdown_from_dict(data: Mapping[str, Any], scheme: Scheme | None = None) -> Breakdown:
    """A breakdown back from its JSON form (`Breakdown.to_dict`, e.g. a published snapshot).

    Scores and totals come back exact; a scored ratio comes back as displayed (4 decimals).
    The tier's threshold is taken from `scheme` when it knows the tier, else 0.
    """
    thresholds = {t.code: t.min_score for t in scheme.tiers} if scheme is not None else {}
    tier = Tier(data["tier"], data["tier_name_zh"], data["tier_name_en"], thresholds.get(data["tier"], ZERO))
    dims = []
    for d in data["dimensions"]:
        inds = []
        for i in d["indicators"]:
            value = i.get("value")
            inds.append(
                IndicatorScore(
                    i["code"],
                    i["name_zh"],
                    i["name_en"],
                    i.get("unit", ""),
                    _dec(i["score"]),
                    _dec(i["max"]),
                    _dec(value) if isinstance(value, int | float) and not isinstance(value, bool) else value,
                    tuple(i.get("missing_inputs", ())),
                    tuple(i.get("departments", ())),
                    dict(i.get("inputs", {})),
                    dict(i.get("explanation", {})),
                )
            )
        dims.append(
            DimensionScore(
                d["code"], d["name_zh"], d["name_en"], _dec(d["score"]), _dec(d["max"]), tuple(inds)
            )
        )
    return Breakdown(
        data["scheme"],
        str(data.get("scheme_version", "")),
        int(data["year"]),
        data.get("region"),
        _dec(data["total"]),
        _dec(data["max"]),
        tier,
        bool(data["complete"]),
        {k: tuple(v) for k, v in data.get("missing_by_department", {}).items()},
        tuple(dims),
    )


# ------------------------------------------------------------------------------ ranks and means


class Standing(NamedTuple):
    """What a round summary needs of one region's result."""

    total: Decimal
    tier: str


def standing(b: Breakdown) -> Standing:
    return Standing(b.total, b.tier.code)


class Place(NamedTuple):
    """A region as the summary names it, with the city it belongs to (None above city level)."""

    code: str
    name_zh: str
    name_en: str
    city: str | None


def competition_ranks(totals: Mapping[str, Decimal]) -> dict[str, int]:
    """Ranks by total, highest first; ties share a rank and the next rank skips (1, 2, 2, 4)."""
    ranks: dict[str, int] = {}
    last: Decimal | None = None
    rank = 0
    for i, (code, total) in enumerate(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))):
        if total != last:
            rank, last = i + 1, total
        ranks[code] = rank
    return ranks


def mean(values: Iterable[Decimal]) -> Decimal | None:
    """The arithmetic mean rounded half-up to 2 decimals (None for no values)."""
    vs = list(values)
    return round_score(sum(vs, ZERO) / len(vs)) if vs else None


def _minus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


# -------------------------------------------------------------------------------- round summary

#: rank-change buckets: (name, lowest change, highest change); a positive change is a rise
RANK_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("up_10_plus", 10, 10**9),
    ("up_5_9", 5, 9),
    ("up_1_4", 1, 4),
    ("unchanged", 0, 0),
    ("down_1_4", -4, -1),
    ("down_5_9", -9, -5),
    ("down_10_plus", -(10**9), -10),
)


@dataclass(frozen=True)
class CityMean:
    city: str
    regions: int
    mean: Decimal | None
    previous_mean: Decimal | None
    change: Decimal | None


@dataclass(frozen=True)
class TierChange:
    region: str
    from_tier: str
    to_tier: str
    previous_total: Decimal
    total: Decimal


@dataclass(frozen=True)
class RankChange:
    region: str
    previous_rank: int
    rank: int

    @property
    def change(self) -> int:
        return self.previous_rank - self.rank


@dataclass(frozen=True)
class RoundSummary:
    year: int
    previous_year: int | None
    regions: int
    tiers: dict[str, int]
    mean: Decimal | None
    previous_mean: Decimal | None
    mean_change: Decimal | None
    cities: tuple[CityMean, ...]
    a_tier: str
    a_list: tuple[tuple[str, Decimal, int], ...]
    tiers_up: tuple[TierChange, ...]
    tiers_down: tuple[TierChange, ...]
    compared: int
    rose: int
    fell: int
    unchanged: int
    rank_changes: dict[str, tuple[RankChange, ...]]

    def to_dict(self, places: Mapping[str, Place]) -> dict[str, Any]:
        def name(code: str) -> dict[str, Any]:
            p = places.get(code)
            return {"region": code, "name_zh": p.name_zh if p else None, "name_en": p.name_en if p else None}

        def tier_change(c: TierChange) -> dict[str, Any]:
            return {**name(c.region), "from": c.from_tier, "to": c.to_tier}

        return json_object(
            {
                "year": self.year,
                "previous_year": self.previous_year,
                "regions": self.regions,
                "tiers": self.tiers,
                "mean": self.mean,
                "previous_mean": self.previous_mean,
                "mean_change": self.mean_change,
                "cities": [
                    {**name(c.city), "regions": c.regions}
                    | {"mean": c.mean, "previous_mean": c.previous_mean, "change": c.change}
                    for c in self.cities
                ],
                "a_tier": self.a_tier,
                "a_list": [{**name(c), "total": t, "rank": r} for c, t, r in self.a_list],
                "tier_changes": {
                    "up": [tier_change(c) for c in self.tiers_up],
                    "down": [tier_change(c) for c in self.tiers_down],
                },
                "compared": self.compared,
                "rose": self.rose,
                "fell": self.fell,
                "unchanged": self.unchanged,
                "rank_changes": {
                    bucket: {
                        "count": len(rows),
                        "regions": [
                            {**name(r.region), "previous_rank": r.previous_rank, "rank": r.rank} for r in rows
                        ],
                    }
                    for bucket, rows in self.rank_changes.items()
                },
            }
        )


def round_summary(
    year: int,
    current: Mapping[str, Standing],
    previous: Mapping[str, Standing] | None,
    places: Mapping[str, Place],
    tier_order: Sequence[str],
    previous_year: int | None = None,
) -> RoundSummary:
    """A round as the province publishes it.

    `current` and `previous` hold the regions of one scope (e.g. the county-level units under a
    city) in the year and the year before (None when there is no previous year). `tier_order`
    lists tier codes best first; the first is the "A" tier. Means are rounded half-up to 2
    decimals and their changes are differences of the rounded means. Ranks are competition ranks
    within the scope in each year; tier, score and rank changes compare the regions present in
    both years.
    """
    order = {code: i for i, code in enumerate(tier_order)}
    tiers = {code: 0 for code in tier_order}
    for s in current.values():
        tiers[s.tier] = tiers.get(s.tier, 0) + 1
    ranks = competition_ranks({c: s.total for c, s in current.items()})
    prev = previous or {}
    prev_ranks = competition_ranks({c: s.total for c, s in prev.items()})
    cities: dict[str, list[str]] = {}
    for code in sorted(current):
        city = places[code].city if code in places else None
        if city is not None:
            cities.setdefault(city, []).append(code)
    city_means = []
    for city in sorted(cities):
        codes = cities[city]
        now = mean(current[c].total for c in codes)
        before = mean(prev[c].total for c in codes if c in prev) if previous is not None else None
        city_means.append(CityMean(city, len(codes), now, before, _minus(now, before)))
    top = tier_order[0] if tier_order else ""
    a_list = tuple(
        (c, current[c].total, ranks[c])
        for c in sorted(current, key=lambda c: (ranks[c], c))
        if current[c].tier == top
    )
    both = sorted(c for c in current if c in prev)
    up: list[TierChange] = []
    down: list[TierChange] = []
    for c in both:
        a, b = prev[c].tier, current[c].tier
        if a in order and b in order and a != b:
            change = TierChange(c, a, b, prev[c].total, current[c].total)
            (up if order[b] < order[a] else down).append(change)
    buckets: dict[str, list[RankChange]] = {name: [] for name, _, _ in RANK_BUCKETS}
    for c in both:
        rc = RankChange(c, prev_ranks[c], ranks[c])
        for name, lo, hi in RANK_BUCKETS:
            if lo <= rc.change <= hi:
                buckets[name].append(rc)
    for rows in buckets.values():
        rows.sort(key=lambda r: (-abs(r.change), r.rank, r.region))
    now_mean = mean(s.total for s in current.values())
    prev_mean = mean(s.total for s in prev.values()) if previous is not None else None
    return RoundSummary(
        year,
        previous_year if previous is not None else None,
        len(current),
        tiers,
        now_mean,
        prev_mean,
        _minus(now_mean, prev_mean),
        tuple(city_means),
        top,
        a_list,
        tuple(sorted(up, key=lambda t: (ranks[t.region], t.region))),
        tuple(sorted(down, key=lambda t: (ranks[t.region], t.region))),
        len(both),
        sum(current[c].total > prev[c].total for c in both),
        sum(current[c].total < prev[c].total for c in both),
        sum(current[c].total == prev[c].total for c in both),
        {k: tuple(v) for k, v in buckets.items()},
    )


# ---------------------------------------------------------------------------------- attribution


def indicator_changes(before: Breakdown, after: Breakdown) -> dict[str, Decimal]:
    """Change of every indicator's score; an indicator only one of them has counts as 0 in the
    other. The changes add up exactly to the change of the total (both totals are sums of their
    rounded indicator scores)."""
    b = {i.code: i.score for i in before.indicators}
    a = {i.code: i.score for i in after.indicators}
    codes = [*a, *(c for c in b if c not in a)]
    return {c: a.get(c, ZERO) - b.get(c, ZERO) for c in codes}


@dataclass(frozen=True)
class Effect:
    total: Decimal
    by_indicator: dict[str, Decimal]

    def to_dict(self) -> dict[str, Any]:
        return json_object({"total": self.total, "by_indicator": self.by_indicator})


@dataclass(frozen=True)
class Attribution:
    from_year: int
    to_year: int
    total_change: Decimal
    by_indicator: dict[str, Decimal]
    scheme_changed: bool
    scheme_effect: Effect | None = None
    data_effect: Effect | None = None

    def to_dict(self) -> dict[str, Any]:
        return json_object(
            {
                "from": self.from_year,
                "to": self.to_year,
                "total_change": self.total_change,
                "by_indicator": self.by_indicator,
                "scheme_changed": self.scheme_changed,
                "scheme_effect": self.scheme_effect.to_dict() if self.scheme_effect else None,
                "data_effect": self.data_effect.to_dict() if self.data_effect else None,
            }
        )


def same_scheme(a: Breakdown, b: Breakdown) -> bool:
    return (a.scheme, a.scheme_version) == (b.scheme, b.scheme_version)


def attribute(before: Breakdown, after: Breakdown, counterfactual: Breakdown | None = None) -> Attribution:
    """The change of total from `before` to `after`, by indicator, adding up exactly.

    When the two use different schemes (code or version), `counterfactual` is the earlier year's
    facts scored under the later year's scheme: the scheme effect is counterfactual - before and
    the data effect after - counterfactual, each by indicator; both add up to their totals and
    together to the total change.
    """
    total = after.total - before.total
    changed = not same_scheme(before, after)
    scheme_effect = data_effect = None
    if changed and counterfactual is not None:
        scheme_effect = Effect(counterfactual.total - before.total, indicator_changes(before, counterfactual))
        data_effect = Effect(after.total - counterfactual.total, indicator_changes(counterfactual, after))
    return Attribution(
        before.year,
        after.year,
        total,
        indicator_changes(before, after),
        changed,
        scheme_effect,
        data_effect,
    )


def carry_facts(facts: Facts, scheme: Scheme) -> Facts:
    """`facts` as far as `scheme` can read them: values its elements accept, every registry item.

    For the scheme effect: last year's data under this year's scheme. A value the scheme does not
    know, or would refuse, is left out (so it scores as missing)."""
    values: dict[str, Value] = {}
    for code, v in facts.values.items():
        el = scheme.elements.get(code)
        if el is None:
            continue
        try:
            values[code] = el.parse(v)
        except ValueError:
            continue
    return Facts(facts.year, values, facts.items)


# ------------------------------------------------------------------------------------- what-if


@dataclass(frozen=True)
class Changes:
    """A what-if as sent to the simulate endpoint: element values (None removes one), registry
    items to add (as plain dicts: type, level, name?, dates) and ids of counted items to remove."""

    values: Mapping[str, object] = field(default_factory=dict)
    add_platforms: Sequence[Mapping[str, object]] = ()
    remove_platforms: Sequence[object] = ()
    add_awards: Sequence[Mapping[str, object]] = ()
    remove_awards: Sequence[object] = ()

    def to_dict(self) -> dict[str, Any]:
        return json_object(
            {
                "values": dict(self.values),
                "add_platforms": list(self.add_platforms),
                "remove_platforms": list(self.remove_platforms),
                "add_awards": list(self.add_awards),
                "remove_awards": list(self.remove_awards),
            }
        )

    def merge(self, other: Changes) -> Changes:
        """These changes, then `other` (a value set twice keeps the later one)."""
        return Changes(
            {**self.values, **other.values},
            (*self.add_platforms, *other.add_platforms),
            (*self.remove_platforms, *other.remove_platforms),
            (*self.add_awards, *other.add_awards),
            (*self.remove_awards, *other.remove_awards),
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Changes:
        return cls(
            dict(data.get("values") or {}),
            tuple(data.get("add_platforms") or ()),
            tuple(data.get("remove_platforms") or ()),
            tuple(data.get("add_awards") or ()),
            tuple(data.get("remove_awards") or ()),
        )


#: change list -> (registry, start date field, end date field or None)
_ADDED = {
    "add_platforms": ("platform", "recognized_on", "revoked_on"),
    "add_awards": ("award", "awarded_on", None),
}
_REMOVED = {"remove_platforms": "platform", "remove_awards": "award"}


def apply_changes(scheme: Scheme, facts: Facts, changes: Changes) -> Facts:
    """`facts` with `changes` applied, checked as a real write checks them.

    Values go through `Element.parse` (None removes the value); added items through
    `check_item_kind` and the date rules; a removed id must be an item that counts in this year.
    Raises InvalidInput listing every problem, with paths like `values.tech_smes` or
    `add_platforms[0].level`.
    """
    problems: list[Problem] = []
    values: dict[str, Value] = dict(facts.values)
    for code, raw in changes.values.items():
        el = scheme.elements.get(code)
        if el is None:
            problems.append(Problem(f"values.{code}", f"unknown element in scheme {scheme.code}"))
        elif raw is None:
            values.pop(code, None)
        else:
            try:
                values[code] = el.parse(raw)
            except ValueError as exc:
                problems.append(Problem(f"values.{code}", str(exc)))
    items = list(facts.items)
    for list_name, registry in _REMOVED.items():
        ids: Sequence[object] = getattr(changes, list_name)
        known = {i.id for i in facts.items_of(registry)}
        for n, item_id in enumerate(ids):
            if isinstance(item_id, bool) or item_id not in known:
                problems.append(
                    Problem(
                        f"{list_name}[{n}]",
                        f"no {registry} with id {item_id!r} counts in this region's {facts.year} data",
                    )
                )
        gone = set(ids)
        items = [i for i in items if not (i.registry == registry and i.id in gone)]
    for list_name, (registry, start_field, end_field) in _ADDED.items():
        added: Sequence[Mapping[str, object]] = getattr(changes, list_name)
        for n, raw_item in enumerate(added):
            where = f"{list_name}[{n}]"
            item, item_problems = parse_item(
                scheme, registry, raw_item, start_field, end_field, f"simulated-{n}", id_field=False
            )
            problems += [Problem(f"{where}.{p.field}", p.reason) for p in item_problems]
            if item is not None:
                items.append(item)
    if problems:
        raise InvalidInput(problems)
    return Facts(facts.year, values, tuple(items))


def simulate(scheme: Scheme, facts: Facts, changes: Changes, region: str | None = None) -> Breakdown:
    """The breakdown `changes` would give (nothing is stored)."""
    return score(scheme, apply_changes(scheme, facts, changes), region)


def rescore(scheme: Scheme, facts: Facts, changes: Changes, region: str | None = None) -> Breakdown:
    """Re-score `changes` exactly as the simulate endpoint will receive them: through their JSON
    form, so a claim made from this result is reproduced by posting the changes."""
    sent = Changes.from_dict(json.loads(json.dumps(changes.to_dict())))
    return score(scheme, apply_changes(scheme, facts, sent), region, explain=False)


# ----------------------------------------------------------------------------------------- gaps


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
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return json_object(
            {
                "target": self.target,
                "description": self.description,
                "changes": self.changes.to_dict(),
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
                **dict(self.detail),
                "note": self.note,
                "options": [o.to_dict() for o in self.options],
            }
        )


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


def _ceil(x: Decimal, quantum: Decimal) -> Decimal:
    return x.quantize(quantum, rounding=ROUND_CEILING)


def _input_for(
    scheme: Scheme, source: ElementSource | RatioSource, facts: Facts, target: Decimal
) -> Decimal | None:
    """The least value of the input element (the numerator of a ratio, its denominator held) for
    which the scored value reaches `target`; None when it cannot be said (a missing denominator)."""
    if isinstance(source, ElementSource):
        el = scheme.elements[source.element]
        needed = target
    else:
        den = facts.values.get(source.denominator)
        if not isinstance(den, Decimal) or den == ZERO:
            return None
        el = scheme.elements[source.numerator]
        needed = target * den / source.factor
    quantum = ONE if el.kind is ElementKind.COUNT else AMOUNT_QUANTUM
    needed = _ceil(needed, quantum)
    if isinstance(source, RatioSource):
        # make sure the ratio as the engine computes it reaches the target
        value, _ = source.resolve({**facts.values, source.numerator: needed})
        while value is not None and value < target:
            needed += quantum
            value, _ = source.resolve({**facts.values, source.numerator: needed})
    return needed


def _input_element(source: ElementSource | RatioSource) -> str:
    return source.element if isinstance(source, ElementSource) else source.numerator


def _item(registry: str, type_: str, level: str, year: int, n: int = 0) -> dict[str, object]:
    start = "recognized_on" if registry == "platform" else "awarded_on"
    return {"type": type_, "level": level, "name": f"simulated {type_} {n + 1}", start: f"{year}-12-31"}


def _add(registry: str, items: Sequence[Mapping[str, object]]) -> Changes:
    return Changes(add_platforms=items) if registry == "platform" else Changes(add_awards=items)


class _Scorer:
    """Scores changes against one region-year and remembers the base."""

    def __init__(self, scheme: Scheme, facts: Facts, region: str | None) -> None:
        self.scheme, self.facts, self.region = scheme, facts, region
        self.base = score(scheme, facts, region, explain=False)

    def option(
        self,
        ind: Indicator,
        target: str,
        description: str,
        changes: Changes,
        detail: Mapping[str, Any] | None = None,
        base: Breakdown | None = None,
    ) -> Option | None:
        base = base or self.base
        try:
            after = rescore(self.scheme, self.facts, changes, self.region)
        except InvalidInput:
            return None  # a change a write would refuse is never suggested
        before_ind = next(i.score for i in base.indicators if i.code == ind.code)
        after_ind = next(i.score for i in after.indicators if i.code == ind.code)
        if after.total <= base.total:
            return None
        return Option(
            target,
            description,
            changes,
            after_ind,
            after_ind - before_ind,
            after.total,
            after.total - base.total,
            after.tier.code,
            detail or {},
        )


def _fmt(x: Decimal) -> str:
    """A decimal as people write it: no exponent, no trailing zeros."""
    return format(x.normalize(), "f")


def _banded_gap(sc: _Scorer, ind: Indicator, rule: Banded) -> tuple[list[Option], dict[str, Any], str | None]:
    facts, scheme = sc.facts, sc.scheme
    value, missing = rule.source.resolve(facts.values)
    element = _input_element(rule.source)
    if isinstance(rule.source, RatioSource) and rule.source.denominator in missing:
        return [], {}, f"post {rule.source.denominator} first: the ratio needs its denominator"
    current = value if value is not None else ZERO
    above = [k for k in rule.knots if k[0] > current]
    detail: dict[str, Any] = {
        "next_knot": {"threshold": above[0][0], "score": above[0][1]} if above else None,
        "top_knot": {"threshold": rule.knots[-1][0], "score": rule.knots[-1][1]},
    }
    options: list[Option] = []
    for label, knot in (("next_knot", above[0] if above else None), ("max", rule.knots[-1])):
        if knot is None or (label == "max" and above and knot == above[0] and options):
            continue
        needed = _input_for(scheme, rule.source, facts, knot[0])
        if needed is None:
            continue
        old = facts.values.get(element)
        what = "post" if old is None else "raise"
        held = (
            f", holding {rule.source.denominator} at {_fmt(facts.values[rule.source.denominator])}"  # type: ignore[arg-type]
            if isinstance(rule.source, RatioSource)
            else ""
        )
        desc = f"{what} {element} to {_fmt(needed)}{held}: {ind.code} reaches {_fmt(knot[0])} ({label})"
        opt = sc.option(
            ind,
            label,
            desc,
            Changes(values={element: needed}),
            {
                "element": element,
                "from_value": old,
                "to_value": needed,
                "input_change": needed - (old if isinstance(old, Decimal) else ZERO),
            },
        )
        if opt is not None:
            options.append(opt)
    return options, detail, None


def _tally_gap(sc: _Scorer, ind: Indicator, rule: Tally) -> tuple[list[Option], dict[str, Any], str | None]:
    facts = sc.facts
    out = rule.evaluate(facts, sc.scheme.registries, ind.max)
    subtotal = out.explanation["subtotal"] + out.explanation.get("extra_points", ZERO)
    room = max(rule.cap - min(subtotal, rule.cap), ZERO)
    options: list[Option] = []
    per_item = []
    best: tuple[Decimal, str, str] | None = None
    for type_, levels in rule.points_table.items():
        for level, pts in levels.items():
            if pts <= ZERO:
                continue
            to_cap = int((room / pts).to_integral_value(rounding=ROUND_CEILING)) if room > ZERO else 0
            per_item.append({"type": type_, "level": level, "points_each": pts, "items_to_cap": to_cap})
            if best is None or pts > best[0]:
                best = (pts, type_, level)
            opt = sc.option(
                ind,
                "one_item",
                f"one more {level} {type_}: +{_fmt(pts)} before the cap of {_fmt(rule.cap)}",
                _add(rule.registry, [_item(rule.registry, type_, level, facts.year)]),
                {"registry": rule.registry, "type": type_, "level": level, "count": 1, "points_each": pts},
            )
            if opt is not None:
                options.append(opt)
    if best is not None and room > ZERO:
        pts, type_, level = best
        n = int((room / pts).to_integral_value(rounding=ROUND_CEILING))
        if n > 1:
            items = [_item(rule.registry, type_, level, facts.year, k) for k in range(n)]
            opt = sc.option(
                ind,
                "max",
                f"{n} more {level} {type_} fill the room of {_fmt(room)} under the cap",
                _add(rule.registry, items),
                {"registry": rule.registry, "type": type_, "level": level, "count": n, "points_each": pts},
            )
            if opt is not None:
                options.append(opt)
    detail = {"registry": rule.registry, "cap": rule.cap, "room_under_cap": room, "per_item": per_item}
    return options, detail, None


def _choice_gap(
    sc: _Scorer, ind: Indicator, rule: ChoiceFlag
) -> tuple[list[Option], dict[str, Any], str | None]:
    values = sc.facts.values
    choice, flag = values.get(rule.choice), values.get(rule.flag)
    current = rule.choice_points.get(choice, ZERO) if isinstance(choice, str) else ZERO
    better = sorted(
        ((c, p) for c, p in rule.choice_points.items() if p > current), key=lambda cp: (-cp[1], cp[0])
    )
    options: list[Option] = []
    for c, p in better:
        opt = sc.option(
            ind,
            "choice",
            f"{rule.choice} = {c} ({_fmt(p)} points instead of {_fmt(current)})",
            Changes(values={rule.choice: c}),
            {"element": rule.choice, "from_value": choice, "to_value": c},
        )
        if opt is not None:
            options.append(opt)
    if flag is not True:
        opt = sc.option(
            ind,
            "flag",
            f"{rule.flag} = true (+{_fmt(rule.flag_points)})",
            Changes(values={rule.flag: True}),
            {"element": rule.flag, "from_value": flag, "to_value": True},
        )
        if opt is not None:
            options.append(opt)
        if better:
            c = better[0][0]
            opt = sc.option(
                ind,
                "max",
                f"{rule.choice} = {c} and {rule.flag} = true",
                Changes(values={rule.choice: c, rule.flag: True}),
                {"element": rule.choice, "from_value": choice, "to_value": c},
            )
            if opt is not None:
                options.append(opt)
    detail = {
        "better_choices": [{"choice": c, "points": p} for c, p in better],
        "flag": {"element": rule.flag, "set": flag is True, "points": rule.flag_points},
    }
    return options, detail, None


def _assessed_gap(
    sc: _Scorer, ind: Indicator, rule: Assessed
) -> tuple[list[Option], dict[str, Any], str | None]:
    element = rule.source.element
    el = sc.scheme.elements[element]
    top = el.maximum if el.maximum is not None else ind.max
    old = sc.facts.values.get(element)
    room = top - (old if isinstance(old, Decimal) else ZERO)
    opt = sc.option(
        ind,
        "max",
        f"assessed {element} of {_fmt(top)} (room {_fmt(room)})",
        Changes(values={element: top}),
        {"element": element, "from_value": old, "to_value": top},
    )
    note = "an assessed score: set by the assessors, not by posting data"
    return ([opt] if opt else []), {"room_to_max": room}, note


def gaps(scheme: Scheme, facts: Facts, region: str | None = None) -> Gaps:
    """Every indicator below its max, the changes that win its points back, and the path to the
    next tier. Every number claimed is the total of a re-score of the suggested changes, made
    through the same checks as the simulate endpoint (see `rescore`)."""
    sc = _Scorer(scheme, facts, region)
    full = score(scheme, facts, region)
    by_code = {i.code: i for i in full.indicators}
    out: list[IndicatorGap] = []
    for ind in scheme.indicators:
        got = by_code[ind.code]
        if got.score >= ind.max:
            continue
        rule = ind.rule
        options: list[Option]
        detail: dict[str, Any]
        note: str | None
        if isinstance(rule, Banded):
            options, detail, note = _banded_gap(sc, ind, rule)
        elif isinstance(rule, Tally):
            options, detail, note = _tally_gap(sc, ind, rule)
        elif isinstance(rule, ChoiceFlag):
            options, detail, note = _choice_gap(sc, ind, rule)
        elif isinstance(rule, Assessed):
            options, detail, note = _assessed_gap(sc, ind, rule)
        else:  # pragma: no cover - a new rule kind gets its gap reading here
            options, detail, note = [], {}, "no gap reading for this rule kind"
        options.sort(key=lambda o: (-o.gain, o.target))
        out.append(
            IndicatorGap(
                ind.code,
                ind.name_zh,
                ind.name_en,
                rule.kind,
                ind.departments,
                got.score,
                ind.max,
                ind.max - got.score,
                got.value,
                got.missing_inputs,
                tuple(options),
                detail,
                note,
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


# --------------------------------------------------------------------------- the next tier


class _Move(NamedTuple):
    indicator: str
    description: str
    changes: Changes
    cost: Decimal
    #: the element a trimmable move sets, with its value before the move and its quantum
    trim: tuple[str, Decimal, Decimal] | None


def _relative(old: Value | None, new: Decimal) -> Decimal:
    if not isinstance(old, Decimal) or old <= ZERO:
        return ONE
    return (new - old) / old


def _moves(scheme: Scheme, facts: Facts) -> list[_Move]:
    moves: list[_Move] = []
    for ind in scheme.indicators:
        rule = ind.rule
        if isinstance(rule, Banded):
            value, missing = rule.source.resolve(facts.values)
            if isinstance(rule.source, RatioSource) and rule.source.denominator in missing:
                continue
            current = value if value is not None else ZERO
            above = [k for k in rule.knots if k[0] > current]
            if not above:
                continue
            needed = _input_for(scheme, rule.source, facts, above[0][0])
            if needed is None:
                continue
            element = _input_element(rule.source)
            old = facts.values.get(element)
            el = scheme.elements[element]
            quantum = ONE if el.kind is ElementKind.COUNT else AMOUNT_QUANTUM
            start = old if isinstance(old, Decimal) else ZERO
            moves.append(
                _Move(
                    ind.code,
                    f"{element} {_fmt(start)} -> {_fmt(needed)} ({ind.code} to {_fmt(above[0][0])})",
                    Changes(values={element: needed}),
                    _relative(old, needed),
                    (element, start, quantum),
                )
            )
        elif isinstance(rule, Tally):
            out = rule.evaluate(facts, scheme.registries, ind.max)
            if min(out.points, rule.cap) >= rule.cap:
                continue
            rank = {lv: i for i, lv in enumerate(scheme.levels)}  # the scheme lists levels highest first
            n = len([i for i in facts.items if str(i.id).startswith("simulated")])
            for level in scheme.levels:
                typed = [
                    (p, t) for t, levels in rule.points_table.items() if (p := levels.get(level, ZERO)) > 0
                ]
                if not typed:
                    continue
                pts, type_ = max(typed, key=lambda pt: pt[0])
                at_or_above = sum(
                    1 for i in out.explanation["items"] if rank.get(i["level"], len(rank)) <= rank[level]
                )
                moves.append(
                    _Move(
                        ind.code,
                        f"one more {level} {type_} ({ind.code} +{_fmt(pts)})",
                        _add(rule.registry, [_item(rule.registry, type_, level, facts.year, n)]),
                        ONE / (at_or_above + 1),
                        None,
                    )
                )
        elif isinstance(rule, ChoiceFlag):
            choice = facts.values.get(rule.choice)
            current = rule.choice_points.get(choice, ZERO) if isinstance(choice, str) else ZERO
            better = sorted(
                ((c, p) for c, p in rule.choice_points.items() if p > current), key=lambda cp: (-cp[1], cp[0])
            )
            if better:
                c = better[0][0]
                moves.append(
                    _Move(ind.code, f"{rule.choice} = {c}", Changes(values={rule.choice: c}), ONE, None)
                )
            if facts.values.get(rule.flag) is not True:
                moves.append(
                    _Move(ind.code, f"{rule.flag} = true", Changes(values={rule.flag: True}), ONE, None)
                )
        elif isinstance(rule, Assessed):
            element = rule.source.element
            el = scheme.elements[element]
            top = el.maximum if el.maximum is not None else ind.max
            old = facts.values.get(element)
            if isinstance(old, Decimal) and old >= top:
                continue
            start = old if isinstance(old, Decimal) else ZERO
            moves.append(
                _Move(
                    ind.code,
                    f"assessed {element} {_fmt(start)} -> {_fmt(top)}",
                    Changes(values={element: top}),
                    _relative(old, top),
                    (element, start, AMOUNT_QUANTUM),
                )
            )
    return moves


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
            f"{tier.code} is out of reach by these moves: the most they reach is {_fmt(verified.total)}"
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
    """Lower the last move's value to the least one (in its quantum) that still reaches the
    threshold: bisection, the total being non-decreasing in every input."""
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

    while hi - lo > 1:
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
        f"{element} {_fmt(start)} -> {_fmt(value)} (just enough for the tier)",
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


# ----------------------------------------------------------------------------------- departments

SPLIT_RULE = (
    "an indicator owned by several departments (its 数据来源 lists them) is split equally among "
    "them: points earned and points available are each divided in cents, every department gets "
    "the floor, and the remaining cents go one each to the departments in the order the scheme "
    "lists them for that indicator; lost = available - earned. So each indicator's parts add up "
    "to its score and max, and the departments add up to the total and the scheme's maximum."
)


def split_cents(amount: Decimal, parts: int) -> list[Decimal]:
    """`amount` (2 decimals, >= 0) in `parts` equal shares to the cent; the remainder cents go to
    the first shares. The shares add up exactly to `amount`."""
    cents = int((amount / SCORE_QUANTUM).to_integral_value(rounding=ROUND_FLOOR))
    assert cents * SCORE_QUANTUM == amount, f"{amount} is not in cents"
    base, rest = divmod(cents, parts)
    return [(base + (1 if i < rest else 0)) * SCORE_QUANTUM for i in range(parts)]


@dataclass(frozen=True)
class DepartmentShare:
    indicator: str
    owners: tuple[str, ...]
    score: Decimal
    max: Decimal
    earned: Decimal
    available: Decimal

    @property
    def lost(self) -> Decimal:
        return self.available - self.earned


@dataclass(frozen=True)
class DepartmentPart:
    code: str
    shares: tuple[DepartmentShare, ...]
    missing_inputs: tuple[str, ...]

    @property
    def earned(self) -> Decimal:
        return sum((s.earned for s in self.shares), ZERO)

    @property
    def available(self) -> Decimal:
        return sum((s.available for s in self.shares), ZERO)

    @property
    def lost(self) -> Decimal:
        return self.available - self.earned


def departments(b: Breakdown, order: Sequence[str] = ()) -> list[DepartmentPart]:
    """The breakdown decomposed onto departments (SPLIT_RULE). Departments come in `order` (the
    scheme's), then any other in order of appearance; each lists its missing inputs (the
    elements it posts that are missing, from `missing_by_department`)."""
    shares: dict[str, list[DepartmentShare]] = {d: [] for d in order}
    for ind in b.indicators:
        owners = ind.departments or ("unassigned",)
        earned = split_cents(ind.score, len(owners))
        available = split_cents(ind.max, len(owners))
        for k, dept in enumerate(owners):
            shares.setdefault(dept, []).append(
                DepartmentShare(ind.code, tuple(owners), ind.score, ind.max, earned[k], available[k])
            )
    for dept in b.missing_by_department:
        shares.setdefault(dept, [])
    return [DepartmentPart(d, tuple(s), tuple(b.missing_by_department.get(d, ()))) for d, s in shares.items()]


# ---------------------------------------------------------------------------------- completeness


def expected_inputs(scheme: Scheme) -> dict[str, tuple[str, ...]]:
    """Per department (scheme order), the elements it must post: every element it owns that is not
    optional. Registry items are not expected inputs: a region may rightly have none."""
    out: dict[str, tuple[str, ...]] = {}
    for dept in scheme.departments:
        out[dept] = tuple(c for c, el in scheme.elements.items() if el.department == dept and not el.optional)
    return out


@dataclass(frozen=True)
class DepartmentInputs:
    department: str
    expected: tuple[str, ...]
    received: tuple[str, ...]
    missing: tuple[str, ...]


def completeness(
    scheme: Scheme, received: Mapping[str, Collection[str]]
) -> dict[str, tuple[DepartmentInputs, ...]]:
    """Per region of `received` (region -> element codes stored for the year) and department:
    inputs expected, received and missing, in scheme order."""
    expected = expected_inputs(scheme)
    out: dict[str, tuple[DepartmentInputs, ...]] = {}
    for region, got in received.items():
        have = set(got)
        out[region] = tuple(
            DepartmentInputs(
                dept,
                codes,
                tuple(c for c in codes if c in have),
                tuple(c for c in codes if c not in have),
            )
            for dept, codes in expected.items()
        )
    return out


__all__ = [
    "PATH_METHOD",
    "SPLIT_RULE",
    "Attribution",
    "Changes",
    "Gaps",
    "Place",
    "RoundSummary",
    "Standing",
    "apply_changes",
    "attribute",
    "breakdown_from_dict",
    "carry_facts",
    "competition_ranks",
    "completeness",
    "departments",
    "gaps",
    "path_to_next_tier",
    "round_summary",
    "simulate",
    "split_cents",
    "standing",
]
