"""A breakdown that reads on its own: every code with its zh and en names, every indicator with a
sentence in Chinese and in English saying why it scored what it did.

`label_breakdown` adds fields to the JSON form of a breakdown (`Breakdown.to_dict`, or one read
back from a published snapshot) and changes none: front ends render it without joining against
`/schemes`. The sentences come from each indicator's rule kind (`RuleKind.sentence`), which reads
its own explanation; nothing here knows a kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from app.domain.elements import REGION_LEVEL_BY_CODE, ElementKind, Named
from app.domain.rules.base import Reading, Vocabulary, dec, num
from app.domain.scheme import Scheme


@dataclass(frozen=True)
class RegionNames:
    """A region as a breakdown names it: its names, its level and its parent."""

    code: str
    name_zh: str
    name_en: str
    level: str
    parent: Named | None = None

    @classmethod
    def of(cls, region: _Region, parent: _Named | None) -> RegionNames:
        """The names of `region` (a region row, or one as a published year stored it) and of its
        parent, read the same way."""
        return cls(
            region.code,
            region.name_zh,
            region.name_en,
            region.level,
            Named(parent.code, parent.name_zh, parent.name_en) if parent is not None else None,
        )


class _Named(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name_zh(self) -> str: ...
    @property
    def name_en(self) -> str: ...


class _Region(_Named, Protocol):
    @property
    def level(self) -> str: ...


def vocabulary(scheme: Scheme) -> Vocabulary:
    """The names of `scheme`'s codes (made once per scheme and kept on it)."""
    found = scheme.__dict__.get("_vocabulary")
    if found is None:
        found = Vocabulary(scheme.elements, scheme.registries, scheme.levels, scheme.departments)
        object.__setattr__(scheme, "_vocabulary", found)
    return found


def _named(code: str, names: Mapping[str, Named]) -> dict[str, str]:
    n = names.get(code)
    return {"code": code, "name_zh": n.name_zh if n else code, "name_en": n.name_en if n else code}


def _unit(unit: str) -> str | None:
    return unit or None


def value_labels(scheme: Scheme, element: str, value: object) -> tuple[str | None, str | None]:
    """A value of `element` as people read it, (zh, en): a choice's names, 是/否 for a flag, a
    number with the element's unit; (None, None) for no value."""
    el = scheme.elements.get(element)
    if value is None or el is None:
        return None, None
    if isinstance(value, bool):
        return ("是", "yes") if value else ("否", "no")
    if el.kind is ElementKind.CHOICE and isinstance(value, str):
        return vocabulary(scheme).choice(element, value)
    if isinstance(value, int | float | Decimal):
        n = num(value)
        zh = f"{n}{el.unit}" if el.unit in ("%", "") else f"{n} {el.unit}"
        return zh, f"{n} {el.unit_en}" if el.unit_en else n
    return str(value), str(value)


def _region(region: RegionNames | None) -> dict[str, Any]:
    if region is None:
        return {
            "region_name_zh": None,
            "region_name_en": None,
            "region_level": None,
            "region_level_name_zh": None,
            "region_level_name_en": None,
            "region_parent": None,
        }
    level = REGION_LEVEL_BY_CODE.get(region.level)
    parent = region.parent
    return {
        "region_name_zh": region.name_zh,
        "region_name_en": region.name_en,
        "region_level": region.level,
        "region_level_name_zh": level.name_zh if level else region.level,
        "region_level_name_en": level.name_en if level else region.level,
        "region_parent": None
        if parent is None
        else {"code": parent.code, "name_zh": parent.name_zh, "name_en": parent.name_en},
    }


def _element(scheme: Scheme, code: str) -> dict[str, Any]:
    el = scheme.elements.get(code)
    if el is None:
        return {"code": code, "name_zh": code, "name_en": code, "department": None}
    dept = _named(el.department, scheme.departments)
    return {
        "code": code,
        "name_zh": el.name_zh,
        "name_en": el.name_en,
        "unit_zh": _unit(el.unit),
        "unit_en": _unit(el.unit_en),
        "department": dept,
    }


def label_breakdown(body: dict[str, Any], scheme: Scheme, region: RegionNames | None) -> dict[str, Any]:
    """`body` (a breakdown's JSON form, as made or as stored) with the names of its codes and a
    sentence per indicator added; no field of it changes. Returns `body`."""
    vocab = vocabulary(scheme)
    body.update(_region(region))
    body["scheme_name_zh"], body["scheme_name_en"] = scheme.name_zh, scheme.name_en
    body["missing_by_department_named"] = [
        {**_named(dept, scheme.departments), "elements": [_element(scheme, c) for c in codes]}
        for dept, codes in body.get("missing_by_department", {}).items()
    ]
    indicators = {i.code: i for i in scheme.indicators}
    for dim in body.get("dimensions", ()):
        for row in dim.get("indicators", ()):
            ind = indicators.get(row["code"])
            if ind is None:  # a stored breakdown of an indicator the scheme no longer has
                continue
            row["unit_zh"], row["unit_en"] = _unit(ind.unit), _unit(ind.unit_en)
            value = row.get("value")
            if isinstance(value, str):  # a choice code (the rule scores a choice element)
                label = next(
                    (vocab.choice(c, value) for c in ind.rule.elements if scheme.elements[c].choices),
                    (value, value),
                )
                row["value_label_zh"], row["value_label_en"] = label
            elif isinstance(value, int | float):
                n = num(value)
                zh = f"{n}{ind.unit}" if ind.unit in ("%", "") else f"{n} {ind.unit}"
                row["value_label_zh"] = zh
                row["value_label_en"] = f"{n} {ind.unit_en}" if ind.unit_en else n
            else:
                row["value_label_zh"] = row["value_label_en"] = None
            row["department_names"] = [_named(d, scheme.departments) for d in row.get("departments", ())]
            row["missing_input_names"] = [_element(scheme, c) for c in row.get("missing_inputs", ())]
            row["input_details"] = [
                {
                    **_element(scheme, c),
                    "value": v,
                    **dict(
                        zip(("value_label_zh", "value_label_en"), value_labels(scheme, c, v), strict=True)
                    ),
                }
                for c, v in row.get("inputs", {}).items()
            ]
            explanation = row.get("explanation") or {}
            reading = Reading(
                ind.name_zh,
                ind.name_en,
                ind.unit,
                ind.unit_en,
                ind.max,
                dec(row["score"]),
                value,
                tuple(row.get("missing_inputs", ())),
                explanation,
                vocab,
            )
            row["sentence_zh"], row["sentence_en"] = ind.rule.sentence(reading)
            if explanation:
                row["explanation"] = ind.rule.label_explanation(explanation, vocab)
    return body
