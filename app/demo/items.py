"""The registry items of a region: platforms recognised over 2005-2024 (more and more often in later
years; a few revoked) and awards in each data year, with types and levels read from the scheme."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.demo.pick import Pick
from app.domain import RegistryItem, Scheme

#: every item name ends with this mark
DEMO_MARK = "（演示）"
#: platforms are recognised from this year on
FIRST_PLATFORM_YEAR = 2005
#: the last year of the platform history, unless a later data year is asked for
LAST_PLATFORM_YEAR = 2024

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
class Catalogue:
    """The scheme's registry types and levels with their demo weights, built once per dataset."""

    platform_types: Pick
    platform_names: dict[str, str]
    award_types: Pick
    award_names: dict[str, str]
    levels: tuple[str, ...]
    platform_years: Pick
    end_year: int

    @classmethod
    def of(cls, scheme: Scheme, last_year: int) -> Catalogue:
        platform, award = scheme.registries["platform"], scheme.registries["award"]
        end_year = max(LAST_PLATFORM_YEAR, last_year)
        years = [str(y) for y in range(FIRST_PLATFORM_YEAR, end_year + 1)]
        return cls(
            platform_types=Pick.of(
                platform.type_codes,
                [_PLATFORM_TYPE_WEIGHT.get(t, 1.0) for t in platform.type_codes],
            ),
            platform_names={t.code: t.name_zh for t in platform.types},
            award_types=Pick.of(award.type_codes, [_AWARD_TYPE_WEIGHT.get(t, 1.0) for t in award.type_codes]),
            award_names={t.code: t.name_zh for t in award.types},
            levels=tuple(scheme.levels),
            # recognitions become more frequent over the years
            platform_years=Pick.of(years, [1.07**i for i in range(len(years))]),
            end_year=end_year,
        )


def draw_platforms(
    rng: random.Random, region: str, name: str, s: float, cat: Catalogue, last_year: int
) -> list[DemoItem]:
    """The platforms of one region recognised up to `last_year`, a few of them revoked."""
    levels = Pick.of(cat.levels, _level_weights(cat.levels, s))
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


def draw_awards(
    rng: random.Random, region: str, name: str, s: float, year: int, cat: Catalogue
) -> list[DemoItem]:
    """The awards of one region in one year: none to six, more for stronger regions."""
    levels = Pick.of(cat.levels, _level_weights(cat.levels, s))
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
