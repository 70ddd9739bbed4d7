"""The demo dataset: values and registry items for a list of regions and data years, labelled as
synthetic."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from app.demo.items import LAST_PLATFORM_YEAR, Catalogue, DemoItem, draw_awards, draw_platforms
from app.demo.regions import region_name
from app.demo.strength import draw_strengths, effective
from app.demo.values import draw_traits, draw_values, ranked_admin_choices
from app.domain import Facts, builtin_scheme

DEMO_LABEL = "synthetic demo data — not official statistics"
#: the scheme the generated values are made for
DEMO_SCHEME = "hebei-county-2019"


@dataclass(frozen=True)
class DemoRegionYear:
    """The element values of one region in one data year, each valid for `Element.parse`."""

    region: str
    year: int
    values: dict[str, Decimal | str | bool]


@dataclass(frozen=True)
class DemoDataset:
    """Generated values and items; `label` says they are synthetic."""

    label: str
    regions: list[str]
    years: list[int]
    values: list[DemoRegionYear]
    items: list[DemoItem]

    def facts(self, region: str, year: int) -> Facts:
        """The scoring input of one region-year: its values and all its items (the engine picks
        the ones that count in `year`)."""
        values: dict[str, Decimal | str | bool] = {}
        for ry in self.values:
            if ry.region == region and ry.year == year:
                values = ry.values
                break
        items = tuple(i.to_registry_item() for i in self.items if i.region == region)
        return Facts(year, values, items)


def generate(
    regions: Iterable[str], years: range | list[int] = range(2019, 2025), seed: int = 2019
) -> DemoDataset:
    """Synthetic values and registry items for `regions` (codes) in data `years`.

    Regions and years are de-duplicated and sorted; the dataset lists values region by region, year
    by year, and items region by region (platforms by recognition date, then awards by date). Every
    value passes `Element.parse` of the scheme `hebei-county-2019` unchanged; other_award_points is
    present for about a third of the regions only. Platforms are recognised over 2005 to the last
    data year (at most 2024 unless a later year is asked for); awards fall in the data years.
    The same arguments give an equal dataset; another seed gives another one.
    """
    if isinstance(regions, str):
        raise TypeError("regions must be a list of region codes, not one string")
    scheme = builtin_scheme(DEMO_SCHEME)
    codes = sorted(set(regions))
    year_list = sorted(set(years))
    last_year = year_list[-1] if year_list else LAST_PLATFORM_YEAR
    names = [region_name(c) for c in codes]
    strengths = draw_strengths(codes, names, seed)
    admin_choices = ranked_admin_choices(scheme)
    catalogue = Catalogue.of(scheme, last_year)

    values: list[DemoRegionYear] = []
    items: list[DemoItem] = []
    for code, name, s in zip(codes, names, strengths, strict=True):
        rng = random.Random(f"demo:{seed}:{code}")
        s = effective(s)
        traits = draw_traits(rng, s, name, admin_choices)
        items.extend(draw_platforms(rng, code, name, s, catalogue, last_year))
        for year in year_list:
            year_rng = random.Random(f"demo:{seed}:{code}:{year}")
            values.append(DemoRegionYear(code, year, draw_values(traits, year, year_rng, admin_choices)))
            items.extend(draw_awards(year_rng, code, name, s, year, catalogue))
    return DemoDataset(DEMO_LABEL, codes, year_list, values, items)
