"""Load and check scheme definitions; the catalogue of the schemes shipped with the package."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from app.domain.elements import Named
from app.domain.numbers import ZERO, to_json
from app.domain.plan import plan_for
from app.domain.problems import Problem, SchemeInvalid, SchemeNotFound
from app.domain.quality import parse_consistency
from app.domain.rules import RuleKind, rule_kinds
from app.domain.rules.base import SpecContext
from app.domain.scheme import (
    REGION_LEVELS,
    Choice,
    Department,
    Dimension,
    Element,
    ElementKind,
    Indicator,
    Level,
    Registry,
    RegistryCounting,
    RegistryType,
    Scheme,
    Tier,
)

SCHEME_PACKAGE = "app.schemes"

#: plausible change in one year when the scheme's [bounds] table does not say: +/-50 % for
#: numbers, counts and percentages, 2 new registry items of a type
DEFAULT_MAX_YEARLY_CHANGE = Decimal("0.5")
DEFAULT_MAX_NEW_PER_YEAR = 2
#: the kinds of element whose yearly change is bounded (choices, flags and assessed scores are
#: decisions, not growth)
BOUNDED_KINDS = frozenset({ElementKind.NUMBER, ElementKind.COUNT, ElementKind.PERCENT})


def plain(obj: Any) -> Any:
    """A JSON-ready copy of a definition (`to_json`: Decimals become ints or exact decimal floats)."""
    return to_json(obj)


def content_hash(definition: Mapping[str, Any]) -> str:
    canonical = json.dumps(plain(definition), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, field: str, reason: str) -> None:
        self.problems.append(Problem(field, reason))

    def text(self, data: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
        v = data.get(key)
        if isinstance(v, str) and (v or not required):
            return v
        if v is None and not required:
            return ""
        self.add(
            f"{where}.{key}" if where else key,
            "must be a non-empty string" if required else "must be a string",
        )
        return ""

    def number(self, data: Mapping[str, Any], key: str, where: str) -> Decimal:
        v = data.get(key)
        if isinstance(v, bool) or not isinstance(v, int | Decimal):
            self.add(f"{where}.{key}" if where else key, "must be a number")
            return ZERO
        return Decimal(v)

    def table(self, data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        v = data.get(key)
        if not isinstance(v, Mapping):
            self.add(f"{where}.{key}" if where else key, "must be a table")
            return {}
        return v

    def names(self, data: Mapping[str, Any], where: str) -> tuple[str, str]:
        return self.text(data, "name_zh", where), self.text(data, "name_en", where)

    def aliases(self, data: Mapping[str, Any], where: str) -> tuple[str, ...]:
        raw = data.get("aliases", [])
        if not isinstance(raw, list) or not all(isinstance(a, str) and a.strip() for a in raw):
            self.add(f"{where}.aliases", "must be a list of non-empty strings")
            return ()
        return tuple(a.strip() for a in raw)

    def unique_labels(self, options: Sequence[Named], where: str) -> None:
        """Every code, name and alias of `options` names one of them only: a label read on input
        (省级, 合署办公) must resolve to one code."""
        owner: dict[str, str] = {}
        for o in options:
            for label in dict.fromkeys((o.code, o.name_zh, o.name_en.casefold(), *o.aliases)):
                other = owner.setdefault(label, o.code)
                if other != o.code:
                    self.add(
                        f"{where}.{o.code}",
                        f"the label {label!r} also names {other!r}: labels and aliases must be unique",
                    )


def load_scheme(data: Mapping[str, Any]) -> Scheme:
    """Build a Scheme from its definition (parsed TOML or JSON, numbers as int or Decimal).

    Raises SchemeInvalid listing every place that breaks the rules: unknown references, duplicate
    codes, bands that do not start at (0, 0) or do not increase, maxima that do not add up.
    """
    ck = _Checker()
    code = ck.text(data, "code", "")
    version = str(data.get("version", ""))
    name_zh, name_en = ck.names(data, "")
    total = ck.number(data, "total", "")
    region_level = data.get("region_level", "county")
    if region_level not in REGION_LEVELS:
        ck.add("region_level", f"must be one of {', '.join(REGION_LEVELS)}; got {region_level!r}")

    departments = {
        c: Department(c, *ck.names(d, f"departments.{c}"))
        for c, d in ck.table(data, "departments", "").items()
    }
    levels = {
        c: Level(c, *ck.names(d, f"levels.{c}"), aliases=ck.aliases(d, f"levels.{c}"))
        for c, d in ck.table(data, "levels", "").items()
    }
    ck.unique_labels(list(levels.values()), "levels")

    elements: dict[str, Element] = {}
    for c, e in ck.table(data, "elements", "").items():
        where = f"elements.{c}"
        kind_raw = e.get("kind")
        try:
            kind = ElementKind(kind_raw)
        except ValueError:
            ck.add(
                f"{where}.kind",
                f"unknown kind {kind_raw!r}; expected one of {', '.join(ElementKind)}",
            )
            continue
        dept = e.get("department")
        if dept not in departments:
            ck.add(f"{where}.department", f"unknown department {dept!r}")
        choices: tuple[Choice, ...] = ()
        if kind is ElementKind.CHOICE:
            raw_choices = ck.table(e, "choices", where)
            choices = tuple(
                Choice(k, *ck.names(v, f"{where}.choices.{k}"), aliases=ck.aliases(v, f"{where}.choices.{k}"))
                for k, v in raw_choices.items()
            )
            if not choices:
                ck.add(f"{where}.choices", "a choice element needs at least one choice")
            ck.unique_labels(choices, f"{where}.choices")
        minimum = maximum = None
        if kind is ElementKind.ASSESSED:
            minimum, maximum = ck.number(e, "min", where), ck.number(e, "max", where)
            if minimum >= maximum:
                ck.add(f"{where}.max", "must be greater than min")
        elements[c] = Element(
            c,
            *ck.names(e, where),
            unit=ck.text(e, "unit", where, required=False),
            unit_en=ck.text(e, "unit_en", where, required=False),
            kind=kind,
            department=str(dept),
            minimum=minimum,
            maximum=maximum,
            choices=choices,
            optional=bool(e.get("optional", False)),
        )

    registries: dict[str, Registry] = {}
    type_owner: dict[str, str] = {}
    for c, r in ck.table(data, "registries", "").items():
        where = f"registries.{c}"
        try:
            counting = RegistryCounting(r.get("counting"))
        except ValueError:
            ck.add(f"{where}.counting", f"must be one of {', '.join(RegistryCounting)}")
            continue
        types = []
        for t, tv in ck.table(r, "types", where).items():
            if t in type_owner:
                ck.add(f"{where}.types.{t}", f"type code already used by registry {type_owner[t]!r}")
            type_owner[t] = c
            types.append(
                RegistryType(
                    t,
                    *ck.names(tv, f"{where}.types.{t}"),
                    registry=c,
                    aliases=ck.aliases(tv, f"{where}.types.{t}"),
                )
            )
        ck.unique_labels(types, f"{where}.types")
        registries[c] = Registry(c, *ck.names(r, where), counting=counting, types=tuple(types))

    tiers = []
    raw_tiers = data.get("tiers")
    if not isinstance(raw_tiers, list) or not raw_tiers:
        ck.add("tiers", "must list at least one tier")
        raw_tiers = []
    for i, t in enumerate(raw_tiers):
        tiers.append(
            Tier(
                ck.text(t, "code", f"tiers[{i}]"),
                *ck.names(t, f"tiers[{i}]"),
                min_score=ck.number(t, "min_score", f"tiers[{i}]"),
            )
        )
    for i in range(1, len(tiers)):
        if tiers[i].min_score >= tiers[i - 1].min_score:
            ck.add(f"tiers[{i}].min_score", "tiers must be listed from the highest threshold down")
    if tiers and tiers[-1].min_score != ZERO:
        ck.add(f"tiers[{len(tiers) - 1}].min_score", "the lowest tier must start at 0")
    if len({t.code for t in tiers}) != len(tiers):
        ck.add("tiers", "tier codes must be unique")

    dimensions: list[Dimension] = []
    seen_dims: set[str] = set()
    seen_inds: set[str] = set()
    raw_dims = data.get("dimensions")
    if not isinstance(raw_dims, list) or not raw_dims:
        ck.add("dimensions", "must list at least one dimension")
        raw_dims = []
    for di, d in enumerate(raw_dims):
        dwhere = f"dimensions[{di}]"
        dcode = ck.text(d, "code", dwhere)
        if dcode in seen_dims:
            ck.add(f"{dwhere}.code", f"duplicate dimension code {dcode!r}")
        seen_dims.add(dcode)
        weight = ck.number(d, "weight", dwhere)
        indicators: list[Indicator] = []
        for ii, ind in enumerate(d.get("indicators") or []):
            iwhere = f"{dwhere}.indicators[{ii}]"
            icode = ck.text(ind, "code", iwhere)
            if icode in seen_inds:
                ck.add(f"{iwhere}.code", f"duplicate indicator code {icode!r}")
            seen_inds.add(icode)
            imax = ck.number(ind, "max", iwhere)
            if imax <= ZERO:
                ck.add(f"{iwhere}.max", "must be greater than 0")
            depts = ind.get("departments")
            if not isinstance(depts, list) or not depts:
                ck.add(f"{iwhere}.departments", "must list at least one department")
                depts = []
            for dep in depts:
                if dep not in departments:
                    ck.add(f"{iwhere}.departments", f"unknown department {dep!r}")
            rule_spec = ind.get("rule")
            rule_kind = rule_spec.get("kind") if isinstance(rule_spec, Mapping) else None
            kinds = rule_kinds()
            kind_class = kinds.get(rule_kind) if isinstance(rule_kind, str) else None
            if kind_class is None or not isinstance(rule_spec, Mapping):
                ck.add(
                    f"{iwhere}.rule.kind",
                    f"unknown rule kind {rule_kind!r}; expected one of {', '.join(kinds)}",
                )
                continue
            ctx = SpecContext(iwhere, imax, elements, registries, levels)
            rule: RuleKind | None = kind_class.from_spec(rule_spec, ind.get("source"), ctx)
            ck.problems.extend(ctx.problems)
            if rule is None:
                continue
            indicators.append(
                Indicator(
                    icode,
                    *ck.names(ind, iwhere),
                    dimension=dcode,
                    unit=ck.text(ind, "unit", iwhere, required=False),
                    max=imax,
                    departments=tuple(depts),
                    rule=rule,
                    unit_en=ck.text(ind, "unit_en", iwhere, required=False),
                )
            )
        if not d.get("indicators"):
            ck.add(f"{dwhere}.indicators", "must list at least one indicator")
        maxima = sum((i.max for i in indicators), ZERO)
        if len(indicators) == len(d.get("indicators") or []) and maxima != weight:
            ck.add(f"{dwhere}.weight", f"is {weight} but its indicators' maxima add up to {maxima}")
        dimensions.append(Dimension(dcode, *ck.names(d, dwhere), weight=weight, indicators=tuple(indicators)))
    weights = sum((d.weight for d in dimensions), ZERO)
    if weights != total:
        ck.add("total", f"is {total} but the dimension weights add up to {weights}")

    elements, registries = _with_bounds(ck, data.get("bounds"), elements, registries)

    # A zero denominator is invalid input: mark each element that divides.
    divides: dict[str, list[str]] = {}
    for d in dimensions:
        for ind in d.indicators:
            for src in ind.rule.sources:
                if src.held is not None:
                    divides.setdefault(src.held, []).append(ind.code)
    for el_code, ind_codes in divides.items():
        el = elements[el_code]
        elements[el_code] = Element(**{**el.__dict__, "denominator_of": tuple(ind_codes)})

    # consistency rules between elements (app/domain/quality.py)
    consistency, consistency_problems = parse_consistency(
        data.get("consistency"), {c: e.kind.value for c, e in elements.items()}
    )
    ck.problems.extend(consistency_problems)

    if ck.problems:
        raise SchemeInvalid(code or "?", ck.problems)
    definition = plain(data)
    scheme = Scheme(
        code,
        name_zh,
        name_en,
        version=version,
        total=total,
        tiers=tuple(tiers),
        departments=departments,
        levels=levels,
        elements=elements,
        registries=registries,
        dimensions=tuple(dimensions),
        definition=definition,
        content_hash=content_hash(definition),
        consistency=consistency,
        region_level=str(region_level),
    )
    plan_for(scheme)  # compiled once, here, and kept on the scheme
    return scheme


def _with_bounds(
    ck: _Checker,
    raw: object,
    elements: dict[str, Element],
    registries: dict[str, Registry],
) -> tuple[dict[str, Element], dict[str, Registry]]:
    """The elements and registries with the plausible yearly changes of the scheme's optional
    [bounds] table: `max_yearly_change` (default for numbers, counts, percentages),
    `max_new_per_year` (default per registry type), `elements.<code>` and `types.<code>` overrides.
    The next-tier path and the gap options keep within them (docs/analytics.md)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        ck.add("bounds", "must be a table")
        return elements, registries

    def rate(v: object, where: str) -> Decimal | None:
        if isinstance(v, bool) or not isinstance(v, int | Decimal) or not ZERO < Decimal(v) <= 100:
            ck.add(where, f"must be a number greater than 0 and at most 100 (+10000 %), not {v!r}")
            return None
        return Decimal(v)

    def count(v: object, where: str) -> int | None:
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 1000:
            ck.add(where, f"must be a whole number from 0 to 1000, not {v!r}")
            return None
        return v

    default_rate = rate(raw.get("max_yearly_change", DEFAULT_MAX_YEARLY_CHANGE), "bounds.max_yearly_change")
    default_new = count(raw.get("max_new_per_year", DEFAULT_MAX_NEW_PER_YEAR), "bounds.max_new_per_year")
    per_element = raw.get("elements", {})
    per_type = raw.get("types", {})
    for key, table in (("elements", per_element), ("types", per_type)):
        if not isinstance(table, Mapping):
            ck.add(f"bounds.{key}", "must be a table")
    for key in raw:
        if key not in ("max_yearly_change", "max_new_per_year", "elements", "types"):
            ck.add(
                f"bounds.{key}", "unknown key; expected max_yearly_change, max_new_per_year, elements, types"
            )
    per_element = per_element if isinstance(per_element, Mapping) else {}
    per_type = per_type if isinstance(per_type, Mapping) else {}
    out_elements = dict(elements)
    declared: dict[str, Decimal | None] = {}
    for code, v in per_element.items():
        where = f"bounds.elements.{code}"
        el = elements.get(code)
        if el is None:
            ck.add(where, f"unknown element {code!r}")
        elif el.kind not in BOUNDED_KINDS:
            ck.add(
                where, f"element {code!r} is a {el.kind}: only numbers, counts and percentages are bounded"
            )
        else:
            declared[code] = rate(v, where)
    for code, el in elements.items():
        if el.kind in BOUNDED_KINDS:
            r = declared.get(code, default_rate)
            out_elements[code] = Element(**{**el.__dict__, "max_yearly_change": r})
    known = {t.code for r in registries.values() for t in r.types}
    for code, v in per_type.items():
        where = f"bounds.types.{code}"
        if code not in known:
            ck.add(where, f"unknown registry type {code!r}")
        else:
            count(v, where)
    out_registries = {}
    for rc, reg in registries.items():
        types = []
        for t in reg.types:
            n = per_type.get(t.code, default_new)
            types.append(
                RegistryType(**{**t.__dict__, "max_new_per_year": n if isinstance(n, int) else None})
            )
        out_registries[rc] = Registry(**{**reg.__dict__, "types": tuple(types)})
    return out_elements, out_registries


def parse_toml(text: str) -> dict[str, Any]:
    return tomllib.loads(text, parse_float=Decimal)


def parse_json(text: str) -> dict[str, Any]:
    data = json.loads(text, parse_float=Decimal)
    if not isinstance(data, dict):
        raise ValueError("a scheme definition must be a JSON object")
    return data


def load_scheme_file(path: str | Path) -> Scheme:
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    return load_scheme(parse_json(text) if p.suffix == ".json" else parse_toml(text))


@cache
def builtin_schemes() -> dict[str, Scheme]:
    """The schemes shipped in app/schemes, by code; each is checked once per process."""
    out: dict[str, Scheme] = {}
    for entry in resources.files(SCHEME_PACKAGE).iterdir():
        if entry.name.endswith(".toml"):
            scheme = load_scheme(parse_toml(entry.read_text(encoding="utf-8")))
            out[scheme.code] = scheme
    return out


def builtin_scheme(code: str) -> Scheme:
    try:
        return builtin_schemes()[code]
    except KeyError:
        raise SchemeNotFound(code) from None
