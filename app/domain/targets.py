"""Plan targets: what a region's plan promises, checked against a scheme, and how far along it is.

Four kinds of target, each "by" a data year Y and measured from a base year B (B < Y):

- ``value``: an element or indicator value at least X by Y (e.g. high-tech enterprises >= 90);
- ``count``: at least N registry items of the given types, at a level or above, by Y (levels rank
  in the scheme's order, first highest: national > provincial > municipal); no level means any;
- ``increase``: an indicator value higher than the year before, in every year B+1 .. Y;
- ``tier``: the tier at least T by Y, i.e. the total at least T's minimum score.

Progress is judged as of a year y (the year asked for; after Y, as of Y itself):

- ``met``: the value reached the goal (an increase target: every year B+1 .. Y rose);
- ``missed``: y is at or after Y and the goal was not reached in Y (an increase target: some year
  did not rise, or its value is unknown once Y is reached);
- ``on_track``: before Y, the value is at or above the linear path from the base year's value
  (0 when unknown) to the goal: base + (goal - base) x (y - B) / (Y - B) (an increase target:
  every year so far rose);
- ``at_risk``: before Y, below that path, or the value is unknown.

``progress_pct`` is the value as a percentage of the goal (an increase target: the share of the
years B+1 .. Y that rose so far), one decimal, not capped at 100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.domain.numbers import ZERO, canonical, check_precision, json_object
from app.domain.phrasing import Text, lower_first, quantity
from app.domain.phrasing import name as named
from app.domain.problems import Problem
from app.domain.scheme import NUMBER_LIMIT, NUMERIC_KINDS, Scheme

KINDS = ("value", "count", "increase", "tier")
STATUSES = ("met", "on_track", "at_risk", "missed")
FIRST_YEAR, LAST_YEAR = 1949, 2100
PCT_QUANTUM = Decimal("0.1")


@dataclass(frozen=True)
class TargetSpec:
    """A target as stated: `subject` is an element or indicator code (value, increase), registry
    type codes joined by commas (count) or a tier code (tier); `level` is for count targets only
    ("" for any level); `threshold` is X or N (value, count), None otherwise."""

    kind: str
    subject: str
    level: str
    threshold: Decimal | None
    by_year: int
    base_year: int

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(t for t in self.subject.split(",") if t) if self.kind == "count" else ()


def parse_threshold(raw: object) -> Decimal:
    """A threshold as sent (a JSON or TOML number); ValueError with the reason otherwise."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        raise ValueError("must be a number")
    number = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    if not number.is_finite():
        raise ValueError("must be a finite number")
    if number < ZERO:
        raise ValueError("must not be negative")
    if number > NUMBER_LIMIT:
        raise ValueError(f"must not exceed {NUMBER_LIMIT:.0E}")
    check_precision(number, raw)  # stored exactly or refused, as element values are
    return canonical(number)


def indicator_codes(scheme: Scheme) -> dict[str, bool]:
    """Indicator code -> whether its value is a number (its rule kind says; a choice indicator's
    value is a choice code)."""
    return {i.code: i.rule.numeric_value for i in scheme.indicators}


def level_rank(scheme: Scheme) -> dict[str, int]:
    """Level code -> rank, 0 the highest (the scheme lists levels highest first)."""
    return {code: i for i, code in enumerate(scheme.levels)}


def normalise_types(subject: str) -> str:
    """Registry types as stored: trimmed, de-duplicated, sorted, joined by commas."""
    return ",".join(sorted({t.strip() for t in subject.split(",") if t.strip()}))


def check_target(scheme: Scheme, t: TargetSpec) -> list[Problem]:
    """Problems with a target under `scheme`, each naming its field."""
    problems: list[Problem] = []
    if t.kind not in KINDS:
        return [Problem("kind", f"unknown kind {t.kind!r}; expected one of {', '.join(KINDS)}")]
    for name, year in (("by_year", t.by_year), ("base_year", t.base_year)):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            problems.append(Problem(name, f"must lie between {FIRST_YEAR} and {LAST_YEAR}"))
    if t.base_year >= t.by_year:
        problems.append(Problem("base_year", f"must be before by_year {t.by_year}"))
    if t.kind != "count" and t.level:
        problems.append(Problem("level", f"only count targets have a level, not {t.kind} targets"))
    needs_threshold = t.kind in ("value", "count")
    if needs_threshold and t.threshold is None:
        problems.append(Problem("threshold", f"a {t.kind} target needs a threshold"))
    if not needs_threshold and t.threshold is not None:
        problems.append(Problem("threshold", f"a {t.kind} target has no threshold"))
    indicators = indicator_codes(scheme)
    if t.kind in ("value", "increase"):
        element = scheme.elements.get(t.subject)
        if t.subject in indicators:
            if not indicators[t.subject]:
                problems.append(Problem("subject", f"indicator {t.subject} has no numeric value"))
        elif t.kind == "value" and element is not None:
            if element.kind not in NUMERIC_KINDS:
                problems.append(Problem("subject", f"element {t.subject} is a {element.kind}, not a number"))
        else:
            what = "an indicator" if t.kind == "increase" else "an element or indicator"
            problems.append(Problem("subject", f"unknown subject {t.subject!r}: expected {what} code"))
    elif t.kind == "count":
        unknown = [x for x in t.types if scheme.registry_of_type(x) is None]
        if not t.types:
            problems.append(Problem("subject", "a count target needs at least one registry type"))
        elif unknown:
            problems.append(Problem("subject", f"unknown registry type(s) {', '.join(unknown)}"))
        if t.level and t.level not in scheme.levels:
            problems.append(
                Problem("level", f"unknown level {t.level!r}; expected one of {', '.join(scheme.levels)}")
            )
        if t.threshold is not None and t.threshold != t.threshold.to_integral_value():
            problems.append(Problem("threshold", "a count target needs a whole number"))
    else:
        codes = [tier.code for tier in scheme.tiers]
        if t.subject not in codes:
            problems.append(
                Problem("subject", f"unknown tier {t.subject!r}; expected one of {', '.join(codes)}")
            )
    return problems


def tier_goal(scheme: Scheme, code: str) -> Decimal:
    for tier in scheme.tiers:
        if tier.code == code:
            return tier.min_score
    raise KeyError(code)


@dataclass(frozen=True)
class Progress:
    """How far a target is as of `as_of`; numbers are exact, `to_dict` makes them JSON."""

    as_of: int
    current: Decimal | None
    goal: Decimal | None
    base: Decimal | None
    expected: Decimal | None
    progress_pct: Decimal | None
    status: str
    reason: str
    years: tuple[tuple[int, Decimal | None, bool | None], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "as_of": self.as_of,
            "current": self.current,
            "goal": self.goal,
            "base": self.base,
            "expected": self.expected,
            "progress_pct": self.progress_pct,
            "status": self.status,
            "reason": self.reason,
        }
        if self.years:
            out["years"] = [{"year": y, "value": v, "increased": up} for y, v, up in self.years]
        return json_object(out)


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole == ZERO:
        return None
    return (part / whole * 100).quantize(PCT_QUANTUM, rounding=ROUND_HALF_UP)


def _q(x: Decimal) -> Decimal:
    """Round a derived number (the path) to 4 decimals, like indicator values."""
    return x.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize() + ZERO


def _fmt(x: Decimal) -> str:
    return format(x.normalize(), "f")


def threshold_progress(
    goal: Decimal, by_year: int, base_year: int, year: int, series: Mapping[int, Decimal | None]
) -> Progress:
    """Progress of a "value at least `goal` by `by_year`" target as of `year` (see the module doc).

    `series` maps data years to the measured value (None or absent when unknown); it needs the
    base year and the as-of year."""
    as_of = min(year, by_year)
    current = series.get(as_of)
    base = series.get(base_year)
    pct = None if current is None else _pct(current, goal)
    if current is not None and current >= goal:
        return Progress(as_of, current, goal, base, None, pct, "met", f"{_fmt(current)} >= {_fmt(goal)}")
    if as_of >= by_year:
        why = "unknown" if current is None else f"{_fmt(current)} < {_fmt(goal)}"
        return Progress(as_of, current, goal, base, None, pct, "missed", f"{by_year} passed: {why}")
    start = base if base is not None else ZERO
    share = Decimal(max(as_of - base_year, 0)) / Decimal(by_year - base_year)
    expected = _q(start + (goal - start) * share)
    if current is None:
        return Progress(as_of, None, goal, base, expected, None, "at_risk", f"no value for {as_of}")
    if current >= expected:
        status, why = "on_track", f"{_fmt(current)} >= {_fmt(expected)} on the path to {by_year}"
    else:
        status, why = "at_risk", f"{_fmt(current)} < {_fmt(expected)} on the path to {by_year}"
    return Progress(as_of, current, goal, base, expected, pct, status, why)


def increase_progress(
    by_year: int, base_year: int, year: int, series: Mapping[int, Decimal | None]
) -> Progress:
    """Progress of a "higher every year from base_year + 1 to by_year" target as of `year`."""
    as_of = min(year, by_year)
    years: list[tuple[int, Decimal | None, bool | None]] = [(base_year, series.get(base_year), None)]
    fell, unknown, rose = [], [], 0
    for y in range(base_year + 1, as_of + 1):
        before, now = series.get(y - 1), series.get(y)
        up = None if before is None or now is None else now > before
        years.append((y, now, up))
        if up is None:
            unknown.append(y)
        elif up:
            rose += 1
        else:
            fell.append(y)
    current = series.get(as_of)
    goal = series.get(as_of - 1) if as_of > base_year else None
    pct = _pct(Decimal(rose), Decimal(by_year - base_year))
    base = series.get(base_year)
    common = (as_of, current, goal, base, None, pct)
    if fell:
        return Progress(*common, "missed", f"no increase in {', '.join(map(str, fell))}", tuple(years))
    if unknown:
        status = "missed" if as_of >= by_year else "at_risk"
        why = f"no value to compare in {', '.join(map(str, unknown))}"
        return Progress(*common, status, why, tuple(years))
    if as_of >= by_year:
        return Progress(*common, "met", f"rose every year {base_year + 1}-{by_year}", tuple(years))
    why = f"rose every year {base_year + 1}-{as_of}" if as_of > base_year else "no year to compare yet"
    return Progress(*common, "on_track", why, tuple(years))


def count_items(
    scheme: Scheme, items: Sequence[tuple[str, str]], types: Sequence[str], level: str
) -> Decimal:
    """How many of `items` ((type, level) pairs, those counting in the year) are of one of
    `types` at `level` or above (any level when `level` is "")."""
    ranks = level_rank(scheme)
    limit = ranks.get(level, len(ranks)) if level else len(ranks)
    wanted = set(types)
    return Decimal(sum(1 for t, lv in items if t in wanted and ranks.get(lv, len(ranks)) <= limit))


# ------------------------------------------------------------------------------ sentences


def subject_text(scheme: Scheme, kind: str, subject: str, level: str) -> tuple[Text, str]:
    """What a target is about, named for people, and the unit of its values: an indicator or
    element by its names; registry types by theirs, at a level or above; the total for a tier."""
    if kind == "tier":
        return Text("总分", "the total"), "分"
    if kind == "count":
        types = [t for r in scheme.registries.values() for t in r.types if t.code in subject.split(",")]
        zh = "、".join(t.name_zh for t in types) or subject
        en = ", ".join(lower_first(t.name_en) for t in types) or subject
        lv = scheme.levels.get(level)
        if lv is not None:
            return Text(f"{lv.name_zh}及以上{zh}", f"{en} at {lower_first(lv.name_en)} level or above"), "个"
        return Text(zh, en), "个"
    for ind in scheme.indicators:
        if ind.code == subject:
            return named(ind), ind.unit
    el = scheme.elements.get(subject)
    if el is not None:
        return named(el), el.unit
    return Text(subject, subject), ""


def statement(
    scheme: Scheme,
    kind: str,
    subject: str,
    level: str,
    threshold: Decimal | None,
    by_year: int,
    base_year: int,
) -> Text:
    """The target in one line: '到 2025 年高新技术企业数量达到 90 家' / 'high-tech enterprises at
    least 90 by 2025'."""
    what, unit = subject_text(scheme, kind, subject, level)
    if kind == "tier":
        tier = next((t for t in scheme.tiers if t.code == subject), None)
        tz, te = (tier.name_zh, tier.name_en) if tier else (subject, subject)
        return Text(f"到 {by_year} 年达到{tz}或更好", f"{te} or better by {by_year}")
    if kind == "increase":
        return Text(
            f"{what.zh}在 {base_year + 1}—{by_year} 年逐年提高",
            f"{what.en} higher every year {base_year + 1}-{by_year}",
        )
    goal = quantity(threshold, unit)
    return Text(f"到 {by_year} 年{what.zh}达到 {goal.zh}", f"{what.en} at least {goal.en} by {by_year}")


def progress_text(scheme: Scheme, kind: str, subject: str, level: str, by_year: int, p: Progress) -> Text:
    """Why a target has its status, in zh and en, the subject named and the values with units."""
    what, unit = subject_text(scheme, kind, subject, level)

    def q(x: Decimal | None) -> Text:
        return quantity(x, unit)

    if kind == "increase":
        steps = p.years[1:]
        fell = [str(y) for y, _, up in steps if up is False]
        unknown = [str(y) for y, _, up in steps if up is None]
        first = p.years[0][0] + 1 if p.years else by_year
        if fell:
            return Text(
                f"{what.zh}在 {'、'.join(fell)} 年没有提高", f"{what.en} did not rise in {', '.join(fell)}"
            )
        if unknown:
            return Text(
                f"{'、'.join(unknown)} 年缺少{what.zh}的可比数值",
                f"no value of {what.en} to compare in {', '.join(unknown)}",
            )
        if not steps:
            return Text("尚无可比较的年份", "no year to compare yet")
        return Text(
            f"{what.zh}在 {first}—{p.as_of} 年逐年提高", f"{what.en} rose every year {first}-{p.as_of}"
        )
    cur, goal = q(p.current), q(p.goal)
    if p.status == "met":
        return Text(
            f"{what.zh}为 {cur.zh}，已达到目标 {goal.zh}",
            f"{what.en} is {cur.en}: the goal of {goal.en} is met",
        )
    if p.status == "missed":
        now = (
            Text(f"{what.zh}为 {cur.zh}", f"{what.en} is {cur.en}")
            if p.current is not None
            else Text(f"{what.zh}没有数值", f"{what.en} has no value")
        )
        return Text(
            f"{by_year} 年已过：{now.zh}，未达到目标 {goal.zh}",
            f"{by_year} has passed: {now.en}, short of the goal of {goal.en}",
        )
    if p.current is None:
        return Text(f"{p.as_of} 年没有{what.zh}的数值", f"no value of {what.en} for {p.as_of}")
    exp = q(p.expected)
    side = Text("不低于", "at or above") if p.status == "on_track" else Text("低于", "below")
    return Text(
        f"{what.zh}为 {cur.zh}，{side.zh}按线性进度 {p.as_of} 年应达到的 {exp.zh}（{by_year} 年目标 {goal.zh}）",
        f"{what.en} is {cur.en}, {side.en} the {exp.en} the linear path to {goal.en} by {by_year} "
        f"expects in {p.as_of}",
    )
