"""What every rule kind is: the contract a module under app/domain/rules/ fulfils.

A rule kind owns everything about itself: reading and checking its spec (`from_spec`, every
problem named by its path), compiling to a flat evaluator (`compile`), explaining a result
(`explain`, with `explanation_shape` describing the keys for readers of the API), and, for the
analytics, the changes that win points back (`gap`) and the next moves toward a better tier
(`moves`). The engine, the analytics and the API call these and nothing else.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple

from app.domain.elements import NUMERIC_KINDS, Element, ElementKind, Level, Named, Registry, Value
from app.domain.facts import Facts, RegistryItem
from app.domain.numbers import ONE, ZERO, fmt
from app.domain.phrasing import Text, amount, lower_first, name, percent_change, quantity, spaced
from app.domain.problems import Problem
from app.domain.sources import ElementSource, RatioSource, Source

#: amounts suggested for a non-count input are rounded to this (counts to whole numbers)
AMOUNT_QUANTUM = Decimal("0.01")
EMPTY: Mapping[str, Any] = MappingProxyType({})

#: one indicator's result: (points, the scored value, inputs missing, a note for `explain`).
#: Points lie within [0, the indicator's max] (each kind keeps them there); the plan rounds them.
Evaluation = tuple[Decimal, Decimal | str | None, tuple[str, ...], object]
#: a compiled rule: the facts of one region-year -> its evaluation. Runs on the hot path of
#: rankings: flat precomputed data, no objects made beyond the result tuple.
Evaluator = Callable[[Facts], Evaluation]


@dataclass
class SpecContext:
    """What a rule needs to check its spec: the scheme's vocabularies and where to file problems."""

    path: str
    max: Decimal
    elements: Mapping[str, Element]
    registries: Mapping[str, Registry]
    levels: Mapping[str, Level]
    problems: list[Problem] = field(default_factory=list)

    def problem(self, where: str, reason: str) -> None:
        self.problems.append(Problem(f"{self.path}.{where}" if where else self.path, reason))

    def number(self, raw: object, where: str) -> Decimal | None:
        if isinstance(raw, bool) or not isinstance(raw, int | Decimal):
            self.problem(where, "must be a number")
            return None
        return Decimal(raw)

    def element(self, code: object, where: str, kinds: frozenset[ElementKind]) -> Element | None:
        if not isinstance(code, str) or code not in self.elements:
            self.problem(where, f"unknown element {code!r}")
            return None
        el = self.elements[code]
        if el.kind not in kinds:
            allowed = ", ".join(sorted(kinds))
            self.problem(where, f"element {code!r} is a {el.kind}; expected {allowed}")
            return None
        return el

    def source(self, spec: object, where: str = "source") -> Source | None:
        if not isinstance(spec, Mapping):
            self.problem(where, "must be a table with 'element' or 'numerator'/'denominator'")
            return None
        if "element" in spec:
            el = self.element(spec["element"], f"{where}.element", NUMERIC_KINDS)
            return ElementSource(el.code) if el else None
        if "numerator" in spec and "denominator" in spec:
            num = self.element(spec["numerator"], f"{where}.numerator", NUMERIC_KINDS)
            den = self.element(spec["denominator"], f"{where}.denominator", NUMERIC_KINDS)
            factor = self.number(spec.get("factor", 1), f"{where}.factor")
            if factor is not None and factor <= ZERO:
                self.problem(f"{where}.factor", "must be greater than 0")
                return None
            if num and den and factor is not None:
                return RatioSource(num.code, den.code, factor)
            return None
        self.problem(where, "must name an 'element' or a 'numerator' and a 'denominator'")
        return None

    def pairs(self, raw: object, key: str, what: str) -> list[tuple[Decimal, Decimal]] | None:
        """A list of at least two [threshold, `what`] number pairs at rule.`key`."""
        if not isinstance(raw, list) or len(raw) < 2:
            self.problem(f"rule.{key}", f"must be a list of at least two [threshold, {what}] pairs")
            return None
        out: list[tuple[Decimal, Decimal]] = []
        for i, pair in enumerate(raw):
            where = f"rule.{key}[{i}]"
            if not isinstance(pair, list) or len(pair) != 2:
                self.problem(where, f"must be a [threshold, {what}] pair")
                return None
            t, s = self.number(pair[0], where), self.number(pair[1], where)
            if t is None or s is None:
                return None
            out.append((t, s))
        return out


class IndicatorRef(NamedTuple):
    """What a rule is told of the indicator it scores, for the analytics (names and unit for
    the sentences the options carry)."""

    code: str
    max: Decimal
    name_zh: str = ""
    name_en: str = ""
    unit: str = ""

    @property
    def text(self) -> Text:
        return Text(self.name_zh or self.code, lower_first(self.name_en or self.code))


class Bound(NamedTuple):
    """A plausible change in one year that a move or an option was held to: an element's value
    (`current` -> `limit`) or new registry items of one type (`current` counted, `limit` new at
    most). `binding`: the move would have gone further without it. `text` says it to people."""

    element: str | None
    registry: str | None
    type: str | None
    current: Decimal
    limit: Decimal
    max_yearly_change: Decimal | None
    binding: bool
    text: Text

    @property
    def key(self) -> str:
        return self.element or f"{self.registry}:{self.type}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = (
            {"element": self.element}
            if self.element
            else {
                "registry": self.registry,
                "type": self.type,
            }
        )
        out |= {"current": self.current, "limit": self.limit}
        if self.max_yearly_change is not None:
            out["max_yearly_change"] = self.max_yearly_change
        return out | {"binding": self.binding, "zh": self.text.zh, "en": self.text.en}


class NewItem(NamedTuple):
    """Registry items a proposal adds: `quantity` items of one type and level, counted in the year."""

    registry: str
    type: str
    level: str
    quantity: int = 1


class Proposal(NamedTuple):
    """A change a rule proposes to win points back; the analytics re-score it before claiming
    anything. `detail` holds the kind's own fields of the option; `text` says it in zh and en
    (`description` is its English); `bounds` are the yearly bounds it was measured against,
    `within_bounds` False when it asks more than one year plausibly brings."""

    target: str
    description: str
    values: Mapping[str, Value] = EMPTY
    items: tuple[NewItem, ...] = ()
    detail: Mapping[str, Any] = EMPTY
    text: Text | None = None
    bounds: tuple[Bound, ...] = ()

    @property
    def within_bounds(self) -> bool:
        return not any(b.binding for b in self.bounds)


class GapReading(NamedTuple):
    """A rule's reading of an indicator below its max: proposals, the kind's own reading of the
    gap (`detail`, plain data) and a note for people (`note_text` in zh and en; `note` English)."""

    proposals: list[Proposal]
    detail: Mapping[str, Any] = EMPTY
    note: str | None = None
    note_text: Text | None = None


class Move(NamedTuple):
    """One step a path to the next tier may take. `cost` is the relative change of input it asks;
    `trim` (element, value before, quantum) marks a move whose value may be brought back toward
    the value before while the path still reaches its tier."""

    description: str
    values: Mapping[str, Value] = EMPTY
    items: tuple[NewItem, ...] = ()
    cost: Decimal = ONE
    trim: tuple[str, Decimal, Decimal] | None = None
    text: Text | None = None
    #: the yearly bounds the move was held to
    bounds: tuple[Bound, ...] = ()


@dataclass(frozen=True)
class GapContext:
    """What the gap and move readings need of the scheme, and the facts the yearly bounds are
    measured from (`baseline`: the region-year as stored; None: no bounds)."""

    elements: Mapping[str, Element]
    registries: Mapping[str, Registry]
    #: level codes, highest first
    levels: tuple[str, ...]
    baseline: Facts | None = None
    level_names: Mapping[str, Level] = field(default_factory=dict)

    def element_text(self, element: str) -> Text:
        return name(self.elements[element])

    def amount(self, element: str, value: Value | None) -> Text:
        return amount(self.elements[element], value)

    def item_text(self, registry: str, type_: str, level: str) -> Text:
        """'省级重点实验室' / 'provincial key laboratory'."""
        t = next(t for t in self.registries[registry].types if t.code == type_)
        lv = self.level_names.get(level)
        lz, le = (lv.name_zh, lower_first(lv.name_en) + " ") if lv else (level, level + " ")
        return Text(f"{lz}{t.name_zh}", f"{le}{lower_first(t.name_en)}")

    def bound(self, element: str, wanted: Decimal, *, lower: bool = False) -> tuple[Decimal, Bound | None]:
        """`wanted` held within the element's plausible change in one year from the baseline:
        at most baseline x (1 + max_yearly_change) (a count: at least one more), or with
        `lower`, at least baseline x (1 - max_yearly_change). No bound (wanted, None) without a
        baseline, a declared change, or a positive baseline value (posting a missing value or
        starting from nothing is not a yearly change)."""
        el = self.elements[element]
        rate = el.max_yearly_change
        base = self.baseline.values.get(element) if self.baseline is not None else None
        if (
            rate is None
            or not isinstance(base, Decimal)
            or (base <= ZERO and el.kind is not ElementKind.COUNT)
        ):
            return wanted, None
        quantum = self.quantum(element)
        if lower:
            limit = _round_to(base * (ONE - rate), quantum, ROUND_CEILING) if rate < ONE else ZERO
            held = max(wanted, limit)
            verb = Text("下降", "fall")
            binding = wanted < limit
        else:
            limit = _round_to(base * (ONE + rate), quantum, ROUND_FLOOR)
            if el.kind is ElementKind.COUNT:
                limit = max(limit, base + ONE)
            if el.kind is ElementKind.PERCENT:
                limit = min(limit, Decimal(100))
            held = min(wanted, limit)
            verb = Text("提高", "rise")
            binding = wanted > limit
        pct = percent_change(rate)
        nm, before, after = name(el), amount(el, base), amount(el, limit)
        text = Text(
            f"{nm.zh}一年内至多{verb.zh} {pct.zh}：由 {spaced(before.zh)}至 {after.zh}",
            f"{nm.en} may {verb.en} by at most {pct.en} in a year: from {before.en} to {after.en}",
        )
        return held, Bound(element, None, None, base, limit, rate, binding, text)

    def new_items_room(
        self, facts: Facts, registry: str, type_: str, wanted: int
    ) -> tuple[int, Bound | None]:
        """How many of `wanted` new items of a type fit the type's plausible number of new items
        in one year, counting those `facts` already add to the baseline."""
        t = next(t for t in self.registries[registry].types if t.code == type_)
        if t.max_new_per_year is None or self.baseline is None:
            return wanted, None
        before = sum(1 for i in self.counted(self.baseline, registry) if i.type == type_)
        added = sum(1 for i in self.counted(facts, registry) if i.type == type_) - before
        room = max(t.max_new_per_year - max(added, 0), 0)
        n = t.max_new_per_year
        text = Text(
            f"{t.name_zh}每年至多新增 {n} 个（现有 {before} 个）",
            f"{t.name_en}: at most {n} new a year ({before} now)",
        )
        bound = Bound(None, registry, type_, Decimal(before), Decimal(n), None, wanted > room, text)
        return min(wanted, room), bound

    def quantum(self, element: str) -> Decimal:
        """The step of a suggested value: whole numbers for counts, cents otherwise."""
        return ONE if self.elements[element].kind is ElementKind.COUNT else AMOUNT_QUANTUM

    def counted(self, facts: Facts, registry: str) -> list[RegistryItem]:
        """The items of `registry` that count in the facts' year."""
        counting = self.registries[registry].counting
        return [i for i in facts.items_of(registry) if i.counts_in(facts.year, counting)]


def check_rising(
    ctx: SpecContext, pairs: list[tuple[Decimal, Decimal]], key: str, what: str, verb: str = "does"
) -> bool:
    """Report every pair of `rule.<key>` whose threshold or `what` (score, points) does not rise
    above the one before it; True when all rise. Shared by the kinds whose tables climb."""
    ok = True
    for i in range(1, len(pairs)):
        (t0, v0), (t1, v1) = pairs[i - 1], pairs[i]
        if t1 <= t0:
            ctx.problem(f"rule.{key}[{i}]", f"threshold {t1} does not increase (after {t0})")
            ok = False
        if v1 <= v0:
            ctx.problem(f"rule.{key}[{i}]", f"{what} {v1} {verb} not increase (after {v0})")
            ok = False
    return ok


def _round_to(x: Decimal, quantum: Decimal, rounding: str) -> Decimal:
    return x.quantize(quantum, rounding=rounding)


def relative_change(old: Value | None, new: Decimal) -> Decimal:
    """|new - old| / old, or 1 when there is no positive old value: the cost of a move."""
    if not isinstance(old, Decimal) or old <= ZERO:
        return ONE
    return abs(new - old) / old


# ------------------------------------------------------------------------------ sentences


def dec(x: object) -> Decimal:
    """A number of an explanation as a Decimal, whether made by the engine (Decimal) or read back
    from stored JSON (int, or a float whose shortest repr is the decimal that was written)."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, float):
        return Decimal(repr(x))
    if isinstance(x, int) and not isinstance(x, bool):
        return Decimal(x)
    raise TypeError(f"not a number: {x!r}")


def num(x: object) -> str:
    """A number as people write it: no exponent, no trailing zeros (3.50 -> 3.5, 1E+3 -> 1000)."""
    return fmt(dec(x))


def points_en(x: object) -> str:
    """ "1 point", "0.5 points", "2 points"."""
    n = num(x)
    return f"{n} point" if n == "1" else f"{n} points"


@dataclass(frozen=True)
class Vocabulary:
    """The names of a scheme's codes, for the sentences and labels of a breakdown."""

    elements: Mapping[str, Element]
    registries: Mapping[str, Registry]
    levels: Mapping[str, Level]
    departments: Mapping[str, Named]

    def element(self, code: str) -> tuple[str, str]:
        el = self.elements.get(code)
        return (el.name_zh, el.name_en) if el else (code, code)

    def owner(self, code: str) -> tuple[str, str]:
        """The names of the department that posts element `code`."""
        el = self.elements.get(code)
        dept = self.departments.get(el.department) if el else None
        return (dept.name_zh, dept.name_en) if dept else ("", "")

    def level(self, code: str) -> tuple[str, str]:
        lv = self.levels.get(code)
        return (lv.name_zh, lv.name_en) if lv else (code, code)

    def item_type(self, registry: str, code: str) -> tuple[str, str]:
        reg = self.registries.get(registry)
        for t in reg.types if reg else ():
            if t.code == code:
                return t.name_zh, t.name_en
        return code, code

    def choice(self, element: str, code: str) -> tuple[str, str]:
        el = self.elements.get(element)
        for c in el.choices if el else ():
            if c.code == code:
                return c.name_zh, c.name_en
        return code, code


@dataclass(frozen=True)
class Reading:
    """One indicator's result as a sentence tells it: its names and unit, the points, the value
    scored, the inputs missing and the rule's explanation (numbers as Decimal or as read back
    from JSON: use `dec`/`num`)."""

    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    max: Decimal
    score: Decimal
    value: object
    missing: tuple[str, ...]
    explanation: Mapping[str, Any]
    vocabulary: Vocabulary

    def quantity(self, x: object) -> tuple[str, str]:
        """A number with the indicator's unit, (zh, en): ("3.2%", "3.2 %"), ("3000 万元", ...)."""
        n = num(x)
        zh = f"{n}{self.unit_zh}" if self.unit_zh in ("%", "") else f"{n} {self.unit_zh}"
        return zh, f"{n} {self.unit_en}" if self.unit_en else n

    def between(self, low: object, high: object) -> tuple[str, str]:
        """ "介于 1000 与 5000 万元之间" / "between 1000 and 5000 × 10,000 yuan" (a percent sign
        stays on both numbers: "介于 1% 与 2% 之间", "between 1 % and 2 %")."""
        a, b = num(low), num(high)
        if self.unit_zh == "%":
            return f"介于 {a}% 与 {b}% 之间", f"between {a} % and {b} %"
        zh = f"介于 {a} 与 {b} {self.unit_zh}之间" if self.unit_zh else f"介于 {a} 与 {b} 之间"
        return zh, f"between {a} and {b} {self.unit_en}" if self.unit_en else f"between {a} and {b}"

    def scores(self) -> tuple[str, str]:
        """The closing clause: "得 3.5 分（满分 5 分）", "scores 3.5 of 5 points"."""
        score, top = num(self.score), points_en(self.max)
        if self.score == self.max:
            return f"得满分 {num(self.max)} 分", f"scores the full {top}"
        return f"得 {score} 分（满分 {num(self.max)} 分）", f"scores {score} of {top}"

    def without_data(self) -> tuple[str, str] | None:
        """The sentence of an indicator that could not be computed: its missing inputs (with the
        department that owes each) and its invalid ones (a zero denominator); None otherwise."""
        invalid = self.explanation.get("invalid_inputs") or {}
        missing = [c for c in self.missing if c not in invalid]
        if self.value is not None or not (missing or invalid):
            return None
        zh: list[str] = []
        en: list[str] = []
        if missing:
            names = [(self.vocabulary.element(c), self.vocabulary.owner(c)) for c in missing]
            zh.append("缺少数据：" + "、".join(f"{n[0]}（{d[0]}）" if d[0] else n[0] for n, d in names))
            en.append("missing data: " + ", ".join(f"{n[1]} ({d[1]})" if d[1] else n[1] for n, d in names))
        for code in invalid:
            name_zh, name_en = self.vocabulary.element(code)
            zh.append(f"数据无效：{name_zh}为 0，不能作分母")
            en.append(f"invalid data: {name_en} is 0 and cannot be a denominator")
        top = num(self.max)
        return (
            f"{self.name_zh}：{'；'.join(zh)}，得 0 分（满分 {top} 分）",
            f"{self.name_en}: {'; '.join(en)}; scores 0 of {points_en(self.max)}",
        )


class RuleKind(ABC):
    """A rule kind. A subclass in its own module under app/domain/rules/ is found by the registry
    (app/domain/rules/__init__.py) and used by schemes whose rule says `kind = "<kind>"`."""

    #: the code schemes name the kind by
    kind: ClassVar[str]
    #: the keys of this kind's explanation in a breakdown, each with what it holds
    explanation_shape: ClassVar[Mapping[str, str]]
    #: whether the indicator's value is a number (a plan target may aim at it)
    numeric_value: ClassVar[bool] = True

    @property
    def assessed_element(self) -> str | None:
        """The element whose value is taken as the indicator's points (an assessor's score), for
        analyses that vary the judgement calls; None when the points are computed from data."""
        return None

    @classmethod
    @abstractmethod
    def from_spec(cls, spec: Mapping[str, Any], source: object, ctx: SpecContext) -> RuleKind | None:
        """The rule of one indicator from its `rule` table and `source`; None after filing every
        problem in `ctx` (paths like `rule.knots[2]`)."""

    @property
    @abstractmethod
    def elements(self) -> tuple[str, ...]:
        """Element codes this rule reads (for the inputs of an explanation and missing data)."""

    @property
    def sources(self) -> tuple[Source, ...]:
        """The sources it derives values from (a ratio's denominator may never be 0)."""
        return ()

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """The rule as plain data, for the scheme endpoints."""

    @abstractmethod
    def compile(self, max: Decimal, registries: Mapping[str, Registry]) -> Evaluator:
        """The flat evaluator the scoring plan calls for every region-year. Its points must lie
        within [0, max] (the property tests check every kind on random facts)."""

    @abstractmethod
    def explain(self, facts: Facts, value: Decimal | str | None, note: object) -> dict[str, Any]:
        """The explanation of an evaluation (`value` and `note` as the evaluator returned them),
        with the keys of `explanation_shape` and "kind"."""

    def sentence(self, reading: Reading) -> tuple[str, str]:
        """Why the indicator scored what it did, in Chinese and in English, from its explanation.
        Kinds tell their own rule; this default names the value and the points."""
        found = reading.without_data()
        if found is not None:
            return found
        value = reading.value
        zh, en = reading.quantity(value) if isinstance(value, int | float | Decimal) else (value, value)
        (close_zh, close_en) = reading.scores()
        return f"{reading.name_zh} {zh}，{close_zh}", f"{reading.name_en} {en}, {close_en}"

    def label_explanation(self, explanation: Mapping[str, Any], vocabulary: Vocabulary) -> dict[str, Any]:
        """The explanation with the zh and en names of the codes it holds added beside them
        (registry types and levels, choices); the kinds whose explanation holds codes say how."""
        return dict(explanation)

    def gap(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> GapReading:
        """Changes that win back points of an indicator below its max."""
        text = Text(f"{self.kind} 计分规则不提出改进建议", f"the {self.kind} rule proposes no changes")
        return GapReading([], EMPTY, text.en, text)

    def moves(self, ind: IndicatorRef, facts: Facts, ctx: GapContext) -> list[Move]:
        """The next moves toward a better total (one step each), for the path to the next tier."""
        return []


# ------------------------------------------------------------------ sentences of gaps and moves
#: the options' labels as people read them
LABELS = {
    "next_knot": Text("下一档", "the next band"),
    "next_bracket": Text("下一档", "the next bracket"),
    "max": Text("满分", "full marks"),
}


def blocked_text(ctx: GapContext, held: str) -> Text:
    """Why a ratio proposes nothing: its denominator is missing."""
    nm = ctx.element_text(held)
    return Text(
        f"请先报送{nm.zh}：比值以它为分母", f"post {nm.en} first: the ratio needs it as its denominator"
    )


def change_text(ctx: GapContext, facts: Facts, element: str, new: Decimal, held: str | None) -> Text:
    """'将科技型中小企业数量由 80 家提高到 120 家' / 'raise technology-based SMEs from 80 to 120',
    with the denominator held when the value is a ratio."""
    old = facts.values.get(element)
    nm, to = ctx.element_text(element), ctx.amount(element, new)
    if not isinstance(old, Decimal):
        out = Text(f"报送{nm.zh}：{to.zh}", f"post {nm.en} of {to.en}")
    else:
        frm = ctx.amount(element, old)
        verb = Text("提高", "raise") if new >= old else Text("降低", "lower")
        out = Text(
            f"将{nm.zh}由 {spaced(frm.zh)}{verb.zh}到 {to.zh}", f"{verb.en} {nm.en} from {frm.en} to {to.en}"
        )
    if held is not None:
        hn, hv = ctx.element_text(held), ctx.amount(held, facts.values.get(held))
        out = out + Text(f"（{hn.zh}保持 {hv.zh}）", f", holding {hn.en} at {hv.en}")
    return out


def reach_text(
    ind: IndicatorRef, threshold: Decimal, label: str | None = None, verb: Text | None = None
) -> Text:
    """'：高新技术企业数量达到 40 家（下一档）' / ': high-tech enterprises reach 40 (the next band)'."""
    q = quantity(threshold, ind.unit)
    v = verb or Text("达到", "reaches")
    tail = Text(f"（{LABELS[label].zh}）", f" ({LABELS[label].en})") if label in LABELS else Text("", "")
    return Text(f"：{ind.text.zh}{v.zh} {q.zh}", f": {ind.text.en} {v.en} {q.en}") + tail


def numeric_move(
    ind: IndicatorRef,
    facts: Facts,
    ctx: GapContext,
    source: Source,
    threshold: Decimal,
    *,
    lower: bool = False,
    partial: bool = True,
) -> list[Move]:
    """The move of a number-scored rule toward `threshold` (its next knot or bracket), held to
    the input's yearly bound: cut at the bound when `partial` (the score rises on the way, as
    between bands), dropped when the bound stops it short (a bracket gains only once reached)."""
    element = source.input_element
    quantum = ctx.quantum(element)
    needed = source.input_for(facts.values, threshold, quantum, lower=lower)
    if needed is None:
        return []
    old = facts.values.get(element)
    start = old if isinstance(old, Decimal) else None
    target, bound = ctx.bound(element, needed, lower=lower)
    if bound is not None and bound.binding and (not partial or start is None or target == start):
        return []
    if start is not None and (target <= start if not lower else target >= start):
        return []
    text = change_text(ctx, facts, element, target, source.held)
    if bound is not None and bound.binding:
        value, _ = source.resolve({**facts.values, element: target})
        shown = value.quantize(Decimal("0.01")) if value is not None else threshold
        text = text + reach_text(
            ind, shown, verb=Text("升至", "rises to") if not lower else Text("降至", "falls to")
        )
        text = text + Text("（已到一年的合理变动上限）", " (the most one year plausibly brings)")
    else:
        text = text + reach_text(ind, threshold, verb=Text("降至", "comes down to") if lower else None)
    return [
        Move(
            text.en,
            {element: target},
            cost=relative_change(old, target),
            trim=(element, start if start is not None else ZERO, quantum)
            if start is not None or not lower
            else None,
            text=text,
            bounds=(bound,) if bound else (),
        )
    ]


def numeric_proposal(
    ind: IndicatorRef,
    facts: Facts,
    ctx: GapContext,
    source: Source,
    label: str,
    threshold: Decimal,
    needed: Decimal,
    detail: Mapping[str, Any],
    *,
    lower: bool = False,
    reached: Text | None = None,
) -> Proposal:
    """A number-scored rule's option: set its input to `needed` so that the value reaches
    `threshold`, measured against the input's yearly bound (flagged, not cut: the option says
    what the band takes)."""
    element = source.input_element
    _, bound = ctx.bound(element, needed, lower=lower)
    text = change_text(ctx, facts, element, needed, source.held) + (
        reached or reach_text(ind, threshold, label, Text("降至", "comes down to") if lower else None)
    )
    return Proposal(
        label, text.en, {element: needed}, detail=detail, text=text, bounds=(bound,) if bound else ()
    )
