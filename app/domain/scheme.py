"""The scheme model: dimensions, indicators and tiers over the vocabulary of app/domain/elements.py.

A scheme is data. Its classes are frozen and hold no behaviour beyond looking things up, so a new
scheme is a new file, never a code branch. The vocabulary's names are importable from here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from app.domain.elements import (
    NUMBER_LIMIT,
    NUMERIC_KINDS,
    Choice,
    Department,
    Element,
    ElementKind,
    Level,
    Named,
    Registry,
    RegistryCounting,
    RegistryType,
    Value,
)
from app.domain.elements import REGION_LEVELS as _REGION_LEVELS
from app.domain.rules.base import RuleKind
from app.domain.sources import ElementSource, RatioSource, Source

if TYPE_CHECKING:
    from app.domain.quality import ConsistencyRule


#: the levels of the region tree (GB/T 2260): a scheme scores the regions of one of them
REGION_LEVELS = tuple(lv.code for lv in _REGION_LEVELS)  # the codes, highest first


@dataclass(frozen=True)
class Indicator(Named):
    dimension: str
    unit: str
    max: Decimal
    departments: tuple[str, ...]
    rule: RuleKind
    #: the unit in English ("10k yuan"); the Chinese one is `unit`
    unit_en: str = ""


@dataclass(frozen=True)
class Dimension(Named):
    weight: Decimal
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Tier(Named):
    min_score: Decimal


@dataclass(frozen=True)
class Scheme(Named):
    version: str
    total: Decimal
    tiers: tuple[Tier, ...]  # highest threshold first
    departments: Mapping[str, Department]
    levels: Mapping[str, Level]
    elements: Mapping[str, Element]
    registries: Mapping[str, Registry]
    dimensions: tuple[Dimension, ...]
    #: the definition as loaded (plain data), for storage and the API
    definition: Mapping[str, object] = field(repr=False, compare=False, default_factory=dict)
    content_hash: str = ""
    #: consistency rules between elements of one region and year (see app/domain/quality.py)
    consistency: tuple[ConsistencyRule, ...] = field(default=(), compare=False)
    #: the region level the scheme scores (`region_level` in the file; "county" when a definition
    #: stored before it was declared leaves it out); regions above it get aggregates, not a score
    region_level: str = "county"

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for d in self.dimensions for i in d.indicators)

    def indicator(self, code: str) -> Indicator:
        for i in self.indicators:
            if i.code == code:
                return i
        raise KeyError(code)

    def tier_for(self, total: Decimal) -> Tier:
        """The tier of a total: the first whose threshold the total reaches (A >= 80, B >= 60, C)."""
        for tier in self.tiers:
            if total >= tier.min_score:
                return tier
        return self.tiers[-1]

    def registry_of_type(self, type_code: str) -> Registry | None:
        for reg in self.registries.values():
            if type_code in reg.type_codes:
                return reg
        return None


__all__ = [
    "NUMBER_LIMIT",
    "NUMERIC_KINDS",
    "Choice",
    "Department",
    "Dimension",
    "Element",
    "ElementKind",
    "ElementSource",
    "Indicator",
    "Level",
    "RatioSource",
    "Registry",
    "RegistryCounting",
    "RegistryType",
    "Scheme",
    "Source",
    "Tier",
    "Value",
]
