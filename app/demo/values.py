"""The element values of a region-year: traits that stay with a region (base values for 2019 that
rise with strength, each with its own year-on-year growth), and a little yearly noise on top."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.demo.pick import Pick
from app.domain import Facts, Scheme

#: the first data year of the model: base values are for this year
BASE_YEAR = 2019

MIN_POPULATION = 150_000
MAX_POPULATION = 1_200_000


def _amount(x: float) -> Decimal:
    """An amount with 2 decimals."""
    return Decimal(f"{max(x, 0.0):.2f}")


def _whole(x: float) -> int:
    return max(round(x), 0)


@dataclass(frozen=True)
class Traits:
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


def ranked_admin_choices(scheme: Scheme) -> list[tuple[str, float]]:
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


def draw_traits(
    rng: random.Random, s: float, name: str, admin_choices: Sequence[tuple[str, float]]
) -> Traits:
    district = name.endswith("区")
    city = name.endswith("市")
    u = rng.uniform
    if district:
        population = u(300_000, 950_000)
    elif city:
        population = u(350_000, 800_000)
    else:
        population = u(160_000, 600_000)
    admin_body = Pick.of([c for c, _ in admin_choices], _admin_weights(admin_choices, s)).pick(rng)
    upgrade = rng.randint(2020, 2024) if rng.random() < 0.3 else None
    leading_group_year = 2000 if rng.random() < 0.55 + 0.45 * s else rng.randint(2020, 2027)
    return Traits(
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


def draw_values(
    tr: Traits, year: int, rng: random.Random, admin_choices: Sequence[tuple[str, float]]
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
