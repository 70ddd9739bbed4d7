"""Scoring rule kinds. Each is a frozen dataclass that reads its spec and scores one region-year.

To add a kind: write a class with `kind`, `from_spec`, `elements`, `sources`, `evaluate` and
`describe`, and list it in RULE_KINDS. The loader and the scoring engine need no change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple, Protocol

from app.domain.facts import Facts
from app.domain.numbers import ZERO
from app.domain.problems import Problem
from app.domain.scheme import (
    NUMERIC_KINDS,
    Element,
    ElementKind,
    ElementSource,
    Level,
    RatioSource,
    Registry,
    Source,
    Value,
)


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


class Outcome(NamedTuple):
    """One indicator's result before rounding: points (already capped), the scored value, why.

    A NamedTuple rather than a frozen dataclass: one is made per indicator per region, and a frozen
    dataclass's __init__ is several times slower (bench/score_domain.py)."""

    points: Decimal
    value: Decimal | str | None
    missing: tuple[str, ...]
    inputs: Mapping[str, Value | None]
    explanation: Mapping[str, Any]


class Rule(Protocol):
    kind: ClassVar[str]

    @property
    def elements(self) -> tuple[str, ...]:
        """Element codes this rule reads (for missing-data reports and completeness)."""
        ...

    @property
    def sources(self) -> tuple[Source, ...]: ...

    def evaluate(
        self, facts: Facts, registries: Mapping[str, Registry], max: Decimal, explain: bool = True
    ) -> Outcome:
        """Points for one region-year. With explain=False, inputs and explanation are left empty
        (rankings need only the points, and skip building them)."""
        ...

    def describe(self) -> dict[str, Any]: ...


#: inputs and explanation of an outcome computed with explain=False
NOTHING: Mapping[str, Any] = MappingProxyType({})


def _inputs(values: Mapping[str, Value], codes: tuple[str, ...], explain: bool) -> Mapping[str, Value | None]:
    return {c: values.get(c) for c in codes} if explain else NOTHING


@dataclass(frozen=True)
class Banded:
    """Piecewise-linear bands: knots (threshold, score) from (0, 0); the last knot's score is max."""

    kind: ClassVar[str] = "banded"
    source: Source
    knots: tuple[tuple[Decimal, Decimal], ...]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], source: object, ctx: SpecContext) -> Banded | None:
        src = ctx.source(source)
        raw = spec.get("knots")
        if not isinstance(raw, list) or len(raw) < 2:
            ctx.problem("rule.knots", "must be a list of at least two [threshold, score] pairs")
            return None
        knots: list[tuple[Decimal, Decimal]] = []
        for i, pair in enumerate(raw):
            where = f"rule.knots[{i}]"
            if not isinstance(pair, list) or len(pair) != 2:
                ctx.problem(where, "must be a [threshold, score] pair")
                return None
            t, s = ctx.number(pair[0], where), ctx.number(pair[1], where)
            if t is None or s is None:
                return None
            knots.append((t, s))
        ok = True
        if knots[0] != (ZERO, ZERO):
            ctx.problem("rule.knots[0]", "the first knot must be [0, 0]")
            ok = False
        for i in range(1, len(knots)):
            (t0, s0), (t1, s1) = knots[i - 1], knots[i]
            if t1 <= t0:
                ctx.problem(f"rule.knots[{i}]", f"threshold {t1} does not increase (after {t0})")
                ok = False
            if s1 <= s0:
                ctx.problem(f"rule.knots[{i}]", f"score {s1} does not increase (after {s0})")
                ok = False
        if knots[-1][1] != ctx.max:
            ctx.problem(
                f"rule.knots[{len(knots) - 1}]",
                f"the last knot's score {knots[-1][1]} must equal the indicator's max {ctx.max}",
            )
            ok = False
        if not ok or src is None:
            return None
        return cls(src, tuple(knots))

    @property
    def elements(self) -> tuple[str, ...]:
        return self.source.elements

    @property
    def sources(self) -> tuple[Source, ...]:
        return (self.source,)

    def points(self, value: Decimal) -> tuple[Decimal, int]:
        """Points for a value and the index of the knot at or below it."""
        knots = self.knots
        if value >= knots[-1][0]:
            return knots[-1][1], len(knots) - 1
        for i in range(len(knots) - 1, -1, -1):
            if value >= knots[i][0]:
                (t0, s0), (t1, s1) = knots[i], knots[i + 1]
                return s0 + (value - t0) * (s1 - s0) / (t1 - t0), i
        return ZERO, 0  # negative values never pass validation

    def evaluate(
        self, facts: Facts, registries: Mapping[str, Registry], max: Decimal, explain: bool = True
    ) -> Outcome:
        inputs = _inputs(facts.values, self.elements, explain)
        value, missing = self.source.resolve(facts.values)
        if value is None:
            explanation: dict[str, Any] = {"kind": self.kind, "lower": None, "upper": None}
            invalid = self.source.invalid_inputs(facts.values) if explain else {}
            if invalid:
                explanation["invalid_inputs"] = invalid
            return Outcome(ZERO, None, missing, inputs, explanation if explain else NOTHING)
        pts, i = self.points(value)
        if not explain:
            return Outcome(pts, value, (), inputs, NOTHING)
        lower = self.knots[i]
        upper = self.knots[i + 1] if i + 1 < len(self.knots) else None
        return Outcome(
            pts,
            value,
            (),
            inputs,
            {
                "kind": self.kind,
                "lower": {"threshold": lower[0], "score": lower[1]},
                "upper": {"threshold": upper[0], "score": upper[1]} if upper else None,
            },
        )

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source.describe(),
            "knots": [[t, s] for t, s in self.knots],
        }


@dataclass(frozen=True)
class Tally:
    """Points per registry item by (type, level), items chosen by the registry's counting, capped.

    `extra_element` adds assessed points (e.g. other departments' awards) before the cap.
    """

    kind: ClassVar[str] = "tally"
    registry: str
    points_table: Mapping[str, Mapping[str, Decimal]]
    cap: Decimal
    extra_element: str | None = None

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
        return cls(reg_code, table, cap, extra)

    @property
    def elements(self) -> tuple[str, ...]:
        return (self.extra_element,) if self.extra_element else ()

    @property
    def sources(self) -> tuple[Source, ...]:
        return ()

    def evaluate(
        self, facts: Facts, registries: Mapping[str, Registry], max: Decimal, explain: bool = True
    ) -> Outcome:
        counting = registries[self.registry].counting
        listed: list[dict[str, Any]] = []
        subtotal = ZERO
        scoring = 0
        for item in facts.items_of(self.registry):
            if item.type not in self.points_table or not item.counts_in(facts.year, counting):
                continue
            pts = self.points_table[item.type].get(item.level, ZERO)
            subtotal += pts
            scoring += pts > ZERO
            listed.append(
                {
                    "id": item.id,
                    "name": item.name,
                    "type": item.type,
                    "level": item.level,
                    "points": pts,
                }
            )
        extra = ZERO
        inputs = _inputs(facts.values, self.elements, explain)
        if self.extra_element is not None:
            v = facts.values.get(self.extra_element)
            if isinstance(v, Decimal):
                extra = v
        total = subtotal + extra
        points = min(total, self.cap)
        if not explain:
            return Outcome(points, Decimal(scoring), (), inputs, NOTHING)
        explanation: dict[str, Any] = {
            "kind": self.kind,
            "registry": self.registry,
            "items": listed,
            "subtotal": subtotal,
            "cap": self.cap,
            "capped": total > self.cap,
        }
        if self.extra_element is not None:
            explanation["extra_points"] = extra
        # An optional extra element is never "missing": without it the tally stands alone.
        return Outcome(points, Decimal(scoring), (), inputs, explanation)

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


@dataclass(frozen=True)
class ChoiceFlag:
    """Points for one choice among several, plus points when a flag is set, capped."""

    kind: ClassVar[str] = "choice_flag"
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

    @property
    def sources(self) -> tuple[Source, ...]:
        return ()

    def evaluate(
        self, facts: Facts, registries: Mapping[str, Registry], max: Decimal, explain: bool = True
    ) -> Outcome:
        inputs = _inputs(facts.values, self.elements, explain)
        choice, flag = facts.values.get(self.choice), facts.values.get(self.flag)
        missing = tuple(c for c, v in ((self.choice, choice), (self.flag, flag)) if v is None)
        choice_pts = self.choice_points.get(choice, ZERO) if isinstance(choice, str) else ZERO
        flag_pts = self.flag_points if flag is True else ZERO
        total = choice_pts + flag_pts
        return Outcome(
            min(total, self.cap),
            choice if isinstance(choice, str) else None,
            missing,
            inputs,
            NOTHING
            if not explain
            else {
                "kind": self.kind,
                "choice": choice,
                "choice_points": choice_pts,
                "flag": flag,
                "flag_points": flag_pts,
                "cap": self.cap,
                "capped": total > self.cap,
            },
        )

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "choice": self.choice,
            "choice_points": dict(self.choice_points),
            "flag": self.flag,
            "flag_points": self.flag_points,
            "cap": self.cap,
        }


@dataclass(frozen=True)
class Assessed:
    """A score given by assessors, taken as it is within the element's bounds."""

    kind: ClassVar[str] = "assessed"
    source: ElementSource

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], source: object, ctx: SpecContext) -> Assessed | None:
        if not isinstance(source, Mapping) or "element" not in source:
            ctx.problem("source", "an assessed indicator needs source.element")
            return None
        el = ctx.element(source["element"], "source.element", frozenset({ElementKind.ASSESSED}))
        if el is None:
            return None
        if el.maximum != ctx.max:
            ctx.problem("source.element", f"its bound {el.maximum} must equal the indicator's max {ctx.max}")
            return None
        return cls(ElementSource(el.code))

    @property
    def elements(self) -> tuple[str, ...]:
        return self.source.elements

    @property
    def sources(self) -> tuple[Source, ...]:
        return (self.source,)

    def evaluate(
        self, facts: Facts, registries: Mapping[str, Registry], max: Decimal, explain: bool = True
    ) -> Outcome:
        inputs = _inputs(facts.values, self.elements, explain)
        value, missing = self.source.resolve(facts.values)
        points = ZERO if value is None else min(value, max)
        return Outcome(
            points, value, missing, inputs, {"kind": self.kind, "assessed": value} if explain else NOTHING
        )

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source.describe()}


class RuleFactory(Protocol):
    def __call__(self, spec: Mapping[str, Any], source: object, ctx: SpecContext) -> Rule | None: ...


RULE_KINDS: dict[str, RuleFactory] = {
    Banded.kind: Banded.from_spec,
    Tally.kind: Tally.from_spec,
    ChoiceFlag.kind: ChoiceFlag.from_spec,
    Assessed.kind: Assessed.from_spec,
}
