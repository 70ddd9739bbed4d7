"""Sentences for people, in Chinese and in English: elements named by their names and units.

Every analytics text (gap options, the path to the next tier, target progress, summaries) is
built from these pieces so that no element code reaches a reader and numbers read the same
everywhere: no exponent, no trailing zeros (`fmt`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from app.domain.elements import Element, ElementKind, Named, Value
from app.domain.numbers import fmt

#: English for the units the schemes write in Chinese; a unit not listed is shown as written
UNITS_EN = {
    "万元": "ten thousand yuan",
    "元": "yuan",
    "家": "",
    "件": "",
    "项": "",
    "个": "",
    "人": "people",
    "万人": "ten thousand people",
    "分": "points",
    "%": "%",
    "家/千家": "per thousand enterprises",
    "件/万人": "per ten thousand people",
}


class Text(NamedTuple):
    """One sentence in Chinese and in English."""

    zh: str
    en: str

    def __add__(self, other: object) -> Text:
        if not isinstance(other, Text):
            return NotImplemented
        return Text(self.zh + other.zh, self.en + other.en)


def number(x: Value | None) -> str:
    """A number as people write it (no exponent, no trailing zeros); other values as they are."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, Decimal):
        return fmt(x)
    return "" if x is None else str(x)


def lower_first(name: str) -> str:
    """An English name inside a sentence: 'High-tech enterprises' -> 'high-tech enterprises',
    while 'R&D expenditure' and 'S&T award' keep their capitals."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def unit_en(unit: str) -> str:
    return UNITS_EN.get(unit, unit)


def quantity(x: Value | None, unit: str) -> Text:
    """A quantity with its unit: '3000 万元' / '3000 ten thousand yuan', '1.5%' / '1.5%'."""
    n = number(x)
    en = unit_en(unit)
    if unit == "%":
        return Text(f"{n}%", f"{n}%")
    return Text(f"{n} {unit}".rstrip(), f"{n} {en}".rstrip())


def name(x: Named) -> Text:
    """A named thing inside a sentence."""
    return Text(x.name_zh, lower_first(x.name_en))


def amount(element: Element, x: Value | None) -> Text:
    """An element's value with its unit."""
    if element.kind is ElementKind.ASSESSED:
        return quantity(x, element.unit or "分")
    return quantity(x, element.unit)


def points(x: Decimal) -> Text:
    """A number of points: '1.5 分' / '1.5 points' ('1 point')."""
    return Text(f"{fmt(x)} 分", f"{fmt(x)} point{'' if x == 1 else 's'}")


def percent_change(rate: Decimal) -> Text:
    """A relative change as a percentage: 0.5 -> '50%'."""
    p = fmt(rate * 100)
    return Text(f"{p}%", f"{p}%")


def spaced(zh: str) -> str:
    """Chinese text followed by more: a space after a number or sign ('66.33% 提高'), none after
    a Chinese character ('397 家提高')."""
    return zh if not zh or ord(zh[-1]) > 0x2E7F else zh + " "


def join(parts: list[Text], zh_sep: str = "；", en_sep: str = "; ") -> Text:
    return Text(zh_sep.join(p.zh for p in parts), en_sep.join(p.en for p in parts))
