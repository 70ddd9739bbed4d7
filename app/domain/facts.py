"""What is known about one region in one data year: element values and registry items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import NamedTuple

from app.domain.scheme import RegistryCounting, Value


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
        """Whether the item counts for data year `year`.

        A stock item counts when it was recognised by Dec 31 of the year and not revoked on or before
        that day (revoked on Dec 31: gone at year end; revoked on Jan 1 next year: still counted).
        An event item counts in the calendar year of its date.
        """
        if counting is RegistryCounting.EVENT:
            return self.start.year == year
        year_end = date(year, 12, 31)
        return self.start <= year_end and (self.end is None or self.end > year_end)


@dataclass(frozen=True)
class Facts:
    year: int
    values: Mapping[str, Value] = field(default_factory=dict)
    items: Sequence[RegistryItem] = ()

    @cached_property
    def _by_registry(self) -> dict[str, list[RegistryItem]]:
        out: dict[str, list[RegistryItem]] = {}
        for item in self.items:
            out.setdefault(item.registry, []).append(item)
        return out

    def items_of(self, registry: str) -> list[RegistryItem]:
        """The items of one registry (indexed once: several indicators tally the same registry)."""
        return self._by_registry.get(registry, [])
