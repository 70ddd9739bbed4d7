"""Synthetic demo data for the Hebei county scheme — clearly labelled, never official statistics.

`generate` makes plausible element values and registry items (platforms and awards) for a list of
county-level regions and data years, so the service, the front end and the benchmarks have something
to show and to load. Every figure is invented: `DEMO_LABEL` says so, every item name ends with
（演示） ("demo"), and `synthetic_regions` makes fake regions whose codes are not GB/T 2260 codes.

The model, per region:

- a persistent *strength* in [0, 1]. Strengths are spread evenly over the regions asked for (each
  region draws from its own slice of [0, 1], districts tending to the top), so any set of a dozen or
  more regions spans the tiers A, B and C and rankings stay fairly stable from year to year;
- base values for the first data year 2019 that rise with strength (amounts in 万元, counts, a
  resident population of 150,000-1,200,000, percentages), each with its own year-on-year growth and a
  little yearly noise;
- platforms recognised over 2005-2024 (more and more often in later years; a few revoked) and awards
  in each data year, with types and levels read from the scheme.

Determinism: everything comes from `random.Random` instances seeded from `seed` (never the global
generator) and is drawn in a fixed order (regions sorted by code, element and type lists in scheme
order), so the same arguments give an equal dataset. Values of a region-year and items up to that
year do not depend on which other years were asked for (for data years up to 2024); they do depend on
the set of regions, through the spread of strengths.

Standard library only, plus `app.domain`.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from app.domain import Facts, RegistryItem, Scheme, builtin_scheme

DEMO_LABEL = "synthetic demo data — not official statistics"
#: the scheme the generated values are made for
DEMO_SCHEME = "hebei-county-2019"
#: every item name ends with this mark
DEMO_MARK = "（演示）"
#: the first data year of the model: base values are for this year
BASE_YEAR = 2019
#: platforms are recognised from this year on
FIRST_PLATFORM_YEAR = 2005
#: the last year of the platform history, unless a later data year is asked for
LAST_PLATFORM_YEAR = 2024

#: the fake province that `synthetic_regions` rows hang under
SYNTHETIC_PARENT_CODE = "990000"

REFERENCE_PACKAGE = "app.reference"
REFERENCE_FILE = "hebei.json"

MIN_POPULATION = 150_000
MAX_POPULATION = 1_200_000

#: A region row as POST /regions takes it and app/reference/hebei.json holds it:
#: {"code", "name_zh", "name_en", "level": "province" | "city" | "county", "parent_code"}.
RegionRow = dict[str, str | None]

# How often each platform type turns up relative to the others (types the scheme has but this table
# does not name get weight 1). These are demo proportions, not a copy of the scheme's type list.
_PLATFORM_TYPE_WEIGHT: dict[str, float] = {
    "enterprise_tech_center": 10,
    "maker_space": 8,
    "tech_innovation_center": 6,
    "academician_workstation": 5,
    "incubator": 4,
    "star_innovation_space": 4,
    "engineering_research_center": 3,
    "key_lab": 3,
    "new_rd_institution": 3,
    "industrial_tech_institute": 2,
    "tech_innovation_alliance": 2,
    "tech_transfer_institution": 2,
    "agri_sci_park": 2,
    "characteristic_industry_base": 2,
    "innovative_township": 2,
    "clinical_research_center": 1,
    "productivity_center": 1,
    "tech_market": 1,
    "intl_cooperation_base": 1,
    "sustainable_dev_zone": 0.5,
    "high_tech_zone": 0.5,
    "innovative_county": 0.5,
}
# A region has at most one of these (one zone of each kind, whatever its level).
_ONE_PER_REGION = frozenset({"high_tech_zone", "innovative_county", "sustainable_dev_zone"})
_AWARD_TYPE_WEIGHT: dict[str, float] = {"project": 6, "commendation": 2, "st_award": 1}
# Fields that make names (e.g. 长安区生物医药企业技术中心（演示）).
_FIELDS = (
    "生物医药",
    "电子信息",
    "新材料",
    "智能装备",
    "现代农业",
    "绿色化工",
    "食品加工",
    "数字经济",
    "新能源",
    "节能环保",
    "现代物流",
    "文化创意",
    "纺织服装",
    "汽车零部件",
    "中医药",
    "卫星导航",
)
# Townships for township-level types (e.g. 长安区城关镇创新型乡镇（演示）).
_TOWNSHIPS = ("城关镇", "东关镇", "西营乡", "南街镇", "北寨乡", "马村镇", "李家庄乡", "新庄镇")
# Types named after a township rather than a field of industry, or after the region alone.
_NAMED_BY_TOWNSHIP = frozenset({"innovative_township", "star_innovation_space"})
_NAMED_BY_REGION = frozenset({"productivity_center", "tech_market"})
_AWARD_TOPICS = ("重点研发计划", "成果转化", "创新能力提升", "科技惠民", "科学普及", "技术攻关")


@dataclass(frozen=True)
class DemoRegionYear:
    """The element values of one region in one data year, each valid for `Element.parse`."""

    region: str
    year: int
    values: dict[str, Decimal | str | bool]


@dataclass(frozen=True)
class DemoItem:
    """A platform (`registry` "platform") or an award ("award") of one region.

    `start` is recognized_on for a platform and awarded_on for an award; `end` is revoked_on
    (platforms only, mostly None).
    """

    region: str
    registry: str
    type: str
    level: str
    name: str
    start: date
    end: date | None

    def to_registry_item(self) -> RegistryItem:
        """The item as the scoring engine takes it."""
        return RegistryItem(self.registry, self.type, self.level, self.start, self.end, self.name)


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


# ---------------------------------------------------------------------------------- regions


@cache
def _reference_rows() -> tuple[tuple[tuple[str, str | None], ...], ...]:
    text = resources.files(REFERENCE_PACKAGE).joinpath(REFERENCE_FILE).read_text(encoding="utf-8")
    rows = json.loads(text)["regions"]
    return tuple(tuple((str(k), v) for k, v in row.items()) for row in rows)


def _reference() -> list[RegionRow]:
    return [dict(row) for row in _reference_rows()]


def demo_regions(parent: str = "130100") -> list[RegionRow]:
    """The county-level rows of app/reference/hebei.json under `parent` (a city code), in code order.

    Each row is {"code", "name_zh", "name_en", "level": "county", "parent_code"}; 130100 (石家庄市)
    has 22. An unknown parent gives an empty list.
    """
    rows = [r for r in _reference() if r["level"] == "county" and r["parent_code"] == parent]
    return sorted(rows, key=lambda r: str(r["code"]))


def synthetic_parent_rows() -> list[RegionRow]:
    """The fake parent region that `synthetic_regions` rows hang under; insert it first.

    One row: {"code": "990000", "name_zh": "演示省", "name_en": "Demo Province",
    "level": "province", "parent_code": None}.
    """
    return [
        {
            "code": SYNTHETIC_PARENT_CODE,
            "name_zh": "演示省",
            "name_en": "Demo Province",
            "level": "province",
            "parent_code": None,
        }
    ]


def synthetic_regions(n: int, seed: int = 1) -> list[RegionRow]:
    """`n` fake county rows for benchmarks (0 <= n <= 89,999), in code order.

    Row i (from 1) is {"code": "9" + i in 5 digits ("900001", ...), "name_zh": "演示县0001",
    "name_en": "Demo County 0001", "level": "county", "parent_code": "990000"}. The codes start with
    9, which no GB/T 2260 province code does, so they never clash with real regions; their parent
    is the fake province of `synthetic_parent_rows()`, which must be inserted first. The rows depend
    on `n` only: `seed` is accepted for symmetry with `generate` and does not change them, so a
    benchmark can always re-create the regions it loaded.
    """
    del seed  # the rows are a function of n, see the docstring
    if not 0 <= n <= 89_999:
        raise ValueError("n must lie between 0 and 89,999")
    return [
        {
            "code": f"9{i:05d}",
            "name_zh": f"演示县{i:04d}",
            "name_en": f"Demo County {i:04d}",
            "level": "county",
            "parent_code": SYNTHETIC_PARENT_CODE,
        }
        for i in range(1, n + 1)
    ]


@cache
def _reference_names() -> dict[str, str]:
    return {str(r["code"]): str(r["name_zh"]) for r in _reference()}


def _region_name(code: str) -> str:
    name = _reference_names().get(code)
    if name is not None:
        return name
    if len(code) == 6 and code.startswith("9") and code[1:].isdigit():
        return f"演示县{int(code[1:]):04d}"
    return f"演示地区{code}"


def _district_bias(name: str) -> float:
    """Urban districts tend to be stronger than county-level cities, which beat counties."""
    if name.endswith("区"):
        return 0.5
    if name.endswith("市"):
        return 0.2
    return 0.0


def _strengths(codes: Sequence[str], names: Sequence[str], seed: int) -> list[float]:
    """An even spread of strengths: the region ranked k of n (by bias + chance) gets one draw from
    [k/n, (k+1)/n)."""
    rng = random.Random(f"demo:{seed}:strength")
    keys = [rng.random() + _district_bias(name) for name in names]
    order = sorted(range(len(codes)), key=lambda i: (keys[i], codes[i]))
    n = len(codes)
    out = [0.0] * n
    for rank, i in enumerate(order):
        out[i] = (rank + rng.random()) / n
    return out


def _effective(strength: float) -> float:
    """Strength as the values see it: a floor for the weakest, few at the very top."""
    return 0.2 + 0.65 * math.pow(strength, 1.3)


# ---------------------------------------------------------------------------------- values


def _amount(x: float) -> Decimal:
    """An amount with 2 decimals."""
    return Decimal(f"{max(x, 0.0):.2f}")


def _whole(x: float) -> int:
    return max(round(x), 0)


@dataclass(frozen=True)
class _Pick:
    """A weighted choice with its cumulative weights computed once."""

    choices: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, choices: Sequence[str], weights: Sequence[float]) -> _Pick:
        return cls(tuple(choices), tuple(itertools.accumulate(weights)))

    def pick(self, rng: random.Random) -> str:
        i = bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        return self.choices[min(i, len(self.choices) - 1)]


@dataclass(frozen=True)
class _Traits:
    """What stays with a region from year to year: its strength, base values and growth rates."""

    population: float
    population_growth: float
    enterprises_per_person: float
    enterprise_growth: float
    public_per_person: float
    public_growth: float
    fiscal_share: float
    fiscal_share_growth: float
    revenue: float
    revenue_growth: float
    rd_intensity: float
    rd_intensity_growth: float
    high_tech: float
    high_tech_growth: float
    tech_smes: float
    tech_smes_growth: float
    revenue_per_enterprise: float
    rd_institution_ratio: float
    rd_institution_step: float
    patents_per_10k: float
    patents_growth: float
    value_added_ratio: float
    high_tech_share: float
    high_tech_share_step: float
    agri_rate: float
    agri_step: float
    admin_body: str
    admin_upgrade_year: int | None
    leading_group_year: int
    management: float
    management_step: float
    has_other_awards: bool


def _admin_choices(scheme: Scheme) -> list[tuple[str, float]]:
    """The choices of st_admin_body with their points relative to the best one, best first. Every
    rule that reads the element is asked, by evaluating it, what a region holding only that
    choice scores: whatever kind of rule scores it."""
    element = scheme.elements["st_admin_body"]
    points = dict.fromkeys(element.choice_codes, Decimal(0))
    for indicator in scheme.indicators:
        if element.code in indicator.rule.elements:
            evaluate = indicator.rule.compile(indicator.max, scheme.registries)
            for choice in element.choice_codes:
                points[choice] += evaluate(Facts(2020, {element.code: choice}))[0]
    top = max(points.values(), default=Decimal(0)) or Decimal(1)
    ranked = [(c, float(points[c] / top)) for c in element.choice_codes]
    return sorted(ranked, key=lambda cp: -cp[1])


def _admin_weights(choices: Sequence[tuple[str, float]], s: float) -> list[float]:
    """Stronger regions tend to have a better-scoring body: weights peak around a target that rises
    with strength."""
    target = 0.3 + 0.7 * s
    return [math.exp(-((p - target) ** 2) / 0.08) for _, p in choices]


def _traits(rng: random.Random, s: float, name: str, admin_choices: Sequence[tuple[str, float]]) -> _Traits:
    district = name.endswith("区")
    city = name.endswith("市")
    u = rng.uniform
    if district:
        population = u(300_000, 950_000)
    elif city:
        population = u(350_000, 800_000)
    else:
        population = u(160_000, 600_000)
    admin_body = _Pick.of([c for c, _ in admin_choices], _admin_weights(admin_choices, s)).pick(rng)
    upgrade = rng.randint(2020, 2024) if rng.random() < 0.3 else None
    leading_group_year = 2000 if rng.random() < 0.55 + 0.45 * s else rng.randint(2020, 2027)
    return _Traits(
        population=population,
        population_growth=u(0.002, 0.012) if district else u(-0.006, 0.004),
        enterprises_per_person=(u(0.035, 0.065) if district else u(0.02, 0.035) if city else u(0.012, 0.028)),
        enterprise_growth=u(0.05, 0.10),
        public_per_person=u(0.45, 0.8) + (0.1 if district else 0.0),
        public_growth=u(0.02, 0.06),
        fiscal_share=(0.25 + 2.0 * s**1.3) * u(0.85, 1.15),
        fiscal_share_growth=u(0.02, 0.07),
        revenue=population * u(1.0, 6.0) * (0.6 + 0.8 * s),
        revenue_growth=u(0.03, 0.08),
        rd_intensity=(0.2 + 1.3 * s**1.2) * u(0.85, 1.15),
        rd_intensity_growth=u(0.02, 0.06),
        high_tech=(3 + 100 * s**1.5) * u(0.8, 1.25),
        high_tech_growth=0.04 + 0.08 * s + u(0, 0.03),
        tech_smes=(20 + 550 * s**1.4) * u(0.8, 1.25),
        tech_smes_growth=0.06 + 0.08 * s + u(0, 0.04),
        revenue_per_enterprise=u(15_000, 40_000),
        rd_institution_ratio=(6 + 45 * s**1.1) * u(0.8, 1.2),
        rd_institution_step=u(0.5, 2.5),
        patents_per_10k=(0.4 + 9 * s**1.6) * u(0.8, 1.25),
        patents_growth=u(0.06, 0.12),
        value_added_ratio=u(0.2, 0.3),
        high_tech_share=(6 + 30 * s**1.1) * u(0.8, 1.2),
        high_tech_share_step=u(0.3, 1.5),
        agri_rate=u(45, 65) if district else u(55, 72),
        agri_step=u(0.1, 0.6),
        admin_body=admin_body,
        admin_upgrade_year=upgrade,
        leading_group_year=leading_group_year,
        management=1.5 + 3 * s + u(-0.5, 0.5),
        management_step=u(0, 0.15),
        has_other_awards=rng.random() < 0.3,
    )


def _values(
    tr: _Traits, year: int, rng: random.Random, admin_choices: Sequence[tuple[str, float]]
) -> dict[str, Decimal | str | bool]:
    """One region-year. Numerators are derived from (and capped at) their denominators."""
    t = year - BASE_YEAR
    u = rng.uniform

    def grown(base: float, rate: float, noise: float = 0.03) -> float:
        return base * (1 + rate) ** t * u(1 - noise, 1 + noise)

    population = min(max(grown(tr.population, tr.population_growth, 0.005), MIN_POPULATION), MAX_POPULATION)
    registered = max(_whole(grown(population * tr.enterprises_per_person, tr.enterprise_growth)), 1000)
    public = grown(population * tr.public_per_person, tr.public_growth)
    fiscal_share = min(grown(tr.fiscal_share, tr.fiscal_share_growth, 0.08), 5.0)
    revenue = grown(tr.revenue, tr.revenue_growth)
    rd_intensity = min(grown(tr.rd_intensity, tr.rd_intensity_growth, 0.06), 4.0)
    industrial = max(_whole(revenue / tr.revenue_per_enterprise * u(0.95, 1.05)), 20)
    rd_ratio = min(max(tr.rd_institution_ratio + tr.rd_institution_step * t + u(-2, 2), 1.0), 90.0)
    value_added = revenue * tr.value_added_ratio * u(0.97, 1.03)
    high_tech_share = min(max(tr.high_tech_share + tr.high_tech_share_step * t + u(-1, 1), 1), 70)
    agri = min(max(tr.agri_rate + tr.agri_step * t + u(-1, 1), 20.0), 85.0)
    management = tr.management + tr.management_step * t + u(-0.3, 0.3)

    public_d = _amount(public)
    revenue_d = _amount(revenue)
    value_added_d = _amount(value_added)
    registered_d = Decimal(registered)
    industrial_d = Decimal(industrial)

    admin_body = tr.admin_body
    if tr.admin_upgrade_year is not None and year >= tr.admin_upgrade_year:
        # upgraded one step (best first), e.g. from a nameplate to a merged office
        ranked = [c for c, _ in admin_choices]
        admin_body = ranked[max(ranked.index(admin_body) - 1, 0)]

    values: dict[str, Decimal | str | bool] = {
        "fiscal_st_expenditure": min(_amount(public * fiscal_share / 100), public_d),
        "public_expenditure": public_d,
        "industrial_rd_expenditure": min(_amount(revenue * rd_intensity / 100), revenue_d),
        "industrial_revenue": revenue_d,
        "high_tech_enterprises": Decimal(
            min(_whole(grown(tr.high_tech, tr.high_tech_growth, 0.05)), registered)
        ),
        "tech_smes": Decimal(min(_whole(grown(tr.tech_smes, tr.tech_smes_growth, 0.06)), registered)),
        "registered_enterprises": registered_d,
        "industrial_enterprises": industrial_d,
        "industrial_enterprises_with_rd_institution": Decimal(
            min(_whole(industrial * rd_ratio / 100), industrial)
        ),
        "valid_invention_patents": Decimal(
            _whole(grown(tr.patents_per_10k, tr.patents_growth, 0.05) * population / 10_000)
        ),
        "resident_population": Decimal(round(population)),
        "high_tech_industry_value_added": min(_amount(value_added * high_tech_share / 100), value_added_d),
        "industrial_value_added": value_added_d,
        "agri_industrialization_rate": _amount(agri),
        "st_admin_body": admin_body,
        "st_leading_group": year >= tr.leading_group_year,
        "st_management_innovation_score": Decimal(f"{min(max(management, 0.0), 5.0):.1f}"),
    }
    if tr.has_other_awards:
        values["other_award_points"] = Decimal(f"{u(0.3, 2.0):.1f}")
    return values


# ---------------------------------------------------------------------------------- items


def _day_in(rng: random.Random, year: int) -> date:
    first = date(year, 1, 1).toordinal()
    days = date(year + 1, 1, 1).toordinal() - first
    return date.fromordinal(first + min(int(rng.random() * days), days - 1))


def _level_weights(levels: Sequence[str], s: float) -> list[float]:
    """Stronger regions win more national recognition; unknown levels are rare."""
    table = {"national": 0.04 + 0.16 * s, "provincial": 0.5, "municipal": 0.46 - 0.16 * s}
    return [table.get(level, 0.05) for level in levels]


def _unique_name(used: set[tuple[str, str, str]], type_: str, level: str, stem: str) -> str:
    name, k = f"{stem}{DEMO_MARK}", 1
    while (type_, level, name) in used:
        k += 1
        name = f"{stem}{k}号{DEMO_MARK}"
    used.add((type_, level, name))
    return name


@dataclass(frozen=True)
class _Catalogue:
    """The scheme's registry types and levels with their demo weights, built once per dataset."""

    platform_types: _Pick
    platform_names: dict[str, str]
    award_types: _Pick
    award_names: dict[str, str]
    levels: tuple[str, ...]
    platform_years: _Pick
    end_year: int

    @classmethod
    def of(cls, scheme: Scheme, last_year: int) -> _Catalogue:
        platform, award = scheme.registries["platform"], scheme.registries["award"]
        end_year = max(LAST_PLATFORM_YEAR, last_year)
        years = [str(y) for y in range(FIRST_PLATFORM_YEAR, end_year + 1)]
        return cls(
            platform_types=_Pick.of(
                platform.type_codes,
                [_PLATFORM_TYPE_WEIGHT.get(t, 1.0) for t in platform.type_codes],
            ),
            platform_names={t.code: t.name_zh for t in platform.types},
            award_types=_Pick.of(
                award.type_codes, [_AWARD_TYPE_WEIGHT.get(t, 1.0) for t in award.type_codes]
            ),
            award_names={t.code: t.name_zh for t in award.types},
            levels=tuple(scheme.levels),
            # recognitions become more frequent over the years
            platform_years=_Pick.of(years, [1.07**i for i in range(len(years))]),
            end_year=end_year,
        )


def _platforms(
    rng: random.Random, region: str, name: str, s: float, cat: _Catalogue, last_year: int
) -> list[DemoItem]:
    """The platforms of one region recognised up to `last_year`, a few of them revoked."""
    levels = _Pick.of(cat.levels, _level_weights(cat.levels, s))
    count = round((2 + 40 * s**1.3) * rng.uniform(0.8, 1.2))
    used: set[tuple[str, str, str]] = set()
    singles: set[str] = set()
    out: list[DemoItem] = []
    for _ in range(count):
        type_ = cat.platform_types.pick(rng)
        level = levels.pick(rng)
        year = int(cat.platform_years.pick(rng))
        start = _day_in(rng, year)
        revoked = rng.random() < 0.04 and year + 2 <= cat.end_year
        end = _day_in(rng, rng.randint(year + 2, min(year + 8, cat.end_year))) if revoked else None
        if type_ in _ONE_PER_REGION:
            if type_ in singles:
                continue
            singles.add(type_)
            stem = f"{name}{cat.platform_names[type_]}"
        elif type_ in _NAMED_BY_REGION:
            stem = f"{name}{cat.platform_names[type_]}"
        elif type_ in _NAMED_BY_TOWNSHIP:
            stem = f"{name}{rng.choice(_TOWNSHIPS)}{cat.platform_names[type_]}"
        else:
            stem = f"{name}{rng.choice(_FIELDS)}{cat.platform_names[type_]}"
        # drawn and named even when dropped, so that earlier years do not depend on the years asked
        item_name = _unique_name(used, type_, level, stem)
        if start.year > last_year:
            continue
        out.append(DemoItem(region, "platform", type_, level, item_name, start, end))
    out.sort(key=lambda i: (i.start, i.type, i.level, i.name))
    return out


def _awards(
    rng: random.Random, region: str, name: str, s: float, year: int, cat: _Catalogue
) -> list[DemoItem]:
    """The awards of one region in one year: none to six, more for stronger regions."""
    levels = _Pick.of(cat.levels, _level_weights(cat.levels, s))
    chance = (0.5 + 3.5 * s) / 6
    count = sum(rng.random() < chance for _ in range(6))
    used: set[tuple[str, str, str]] = set()
    out: list[DemoItem] = []
    for _ in range(count):
        type_ = cat.award_types.pick(rng)
        level = levels.pick(rng)
        stem = f"{name}{year}年度{rng.choice(_AWARD_TOPICS)}{cat.award_names[type_]}"
        item_name = _unique_name(used, type_, level, stem)
        out.append(DemoItem(region, "award", type_, level, item_name, _day_in(rng, year), None))
    out.sort(key=lambda i: (i.start, i.type, i.level, i.name))
    return out


# ---------------------------------------------------------------------------------- dataset


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
    names = [_region_name(c) for c in codes]
    strengths = _strengths(codes, names, seed)
    admin_choices = _admin_choices(scheme)
    catalogue = _Catalogue.of(scheme, last_year)

    values: list[DemoRegionYear] = []
    items: list[DemoItem] = []
    for code, name, s in zip(codes, names, strengths, strict=True):
        rng = random.Random(f"demo:{seed}:{code}")
        s = _effective(s)
        traits = _traits(rng, s, name, admin_choices)
        items.extend(_platforms(rng, code, name, s, catalogue, last_year))
        for year in year_list:
            year_rng = random.Random(f"demo:{seed}:{code}:{year}")
            values.append(DemoRegionYear(code, year, _values(traits, year, year_rng, admin_choices)))
            items.extend(_awards(year_rng, code, name, s, year, catalogue))
    return DemoDataset(DEMO_LABEL, codes, year_list, values, items)
