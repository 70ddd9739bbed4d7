"""What is known about one region in one data year: element values and registry items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from app.domain.elements import RegistryCounting, Value, counts_in_year

_new = object.__new__


class RegistryItem(NamedTuple):
    """A recognised platform (a stock) or an award (an event).

    For a platform `start` is recognized_on and `end` revoked_on; for an award `start` is awarded_on.
    A NamedTuple: a ranking builds tens of thousands of them, and a frozen dataclass is several
    times slower to make.
    """

    registry: str
    type: str
    level: str
    start: date
    end: date | None = None
    name: str | None = None
    id: int | str | None = None

    def counts_in(self, year: int, counting: RegistryCounting) -> bool:
        """Whether the item counts for data year `year` (`counts_in_year`, the domain's one rule)."""
        return counts_in_year(counting, self.start, self.end, year)


@dataclass(frozen=True)
class Facts:
    year: int
    values: Mapping[str, Value] = field(default_factory=dict)
    items: Sequence[RegistryItem] = ()

    def _index(self) -> dict[str, list[RegistryItem]]:
        """The items by registry, made on first use and kept (a plain attribute, not a
        cached_property: Python 3.11's takes a lock on every first read, once per region-year)."""
        out: dict[str, list[RegistryItem]] = {}
        for item in self.items:
            listed = out.get(item[0])
            if listed is None:
                out[item[0]] = [item]
            else:
                listed.append(item)
        self.__dict__["_by_registry"] = out
        return out

    @classmethod
    def by_registry(
        cls, year: int, values: Mapping[str, Value], items: dict[str, list[RegistryItem]]
    ) -> Facts:
        """Facts whose items come already grouped by registry (each list holding only items of
        its registry, as `_by_registry` would group them): the grouping is kept, not redone."""
        facts = cls(year, values, tuple([i for listed in items.values() for i in listed]))
        facts.__dict__["_by_registry"] = items
        return facts

    @staticmethod
    def tallied(
        year: int, values: Mapping[str, Value], tallies: Mapping[str, Sequence[tuple[str, str, int]]]
    ) -> Facts:
        """Facts whose items are given counted: per registry, (type, level, how many), every item
        counting in `year` (a `TalliedFacts`; a ranking makes thousands: no __init__)."""
        facts = _new(TalliedFacts)
        state = facts.__dict__
        state["year"] = year
        state["values"] = values
        state["_tallies"] = tallies
        return facts

    def tallies_of(self, registry: str) -> Sequence[tuple[str, str, int]] | None:
        """(type, level, count) of the items of `registry`, every one counting in the year; None
        when the facts were not given counted (then read `items_of`)."""
        return None

    def items_of(self, registry: str) -> list[RegistryItem]:
        """The items of one registry (indexed once: several indicators tally the same registry)."""
        index = self.__dict__.get("_by_registry")
        return (index if index is not None else self._index()).get(registry, [])


class TalliedFacts(Facts):
    """Facts whose items are given counted (`Facts.tallied`): evaluators that only count items
    read `tallies_of`; the items themselves, each (registry, type, level) one item dated Jan 1
    of the year (it counts in the year under either counting), are made only when read."""

    @property
    def items(self) -> Sequence[RegistryItem]:
        made = self.__dict__.get("_items")
        if made is None:
            made = self.__dict__["_items"] = tuple(i for listed in self._index().values() for i in listed)
        return made

    def _index(self) -> dict[str, list[RegistryItem]]:
        index: dict[str, list[RegistryItem]] | None = self.__dict__.get("_by_registry")
        if index is not None:
            return index
        start = date(self.year, 1, 1)
        out: dict[str, list[RegistryItem]] = {}
        for registry, counted in self.__dict__["_tallies"].items():
            listed = out[registry] = []
            for type_, level, n in counted:
                listed.extend([RegistryItem(registry, type_, level, start)] * n)
        self.__dict__["_by_registry"] = out
        return out

    def tallies_of(self, registry: str) -> Sequence[tuple[str, str, int]] | None:
        tallies: Mapping[str, Sequence[tuple[str, str, int]]] = self.__dict__["_tallies"]
        return tallies.get(registry, ())
