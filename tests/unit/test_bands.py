"""Every knot of every banded indicator, and points between knots, against the seed's table.

The table below is copied by hand from the attachment 科技创新能力监测评价指标任务分解, not read
from the scheme file, so a typo in either shows up here.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from tests.unit.helpers import indicator_score

D = Decimal

# indicator: the seed's knots (value, points), from 0 up
SEED_BANDS: dict[str, list[tuple[str, str]]] = {
    "fiscal_st_expenditure": [("0", "0"), ("1000", "3"), ("5000", "4"), ("10000", "5")],
    "fiscal_st_share": [("0", "0"), ("0.5", "4"), ("1", "6"), ("2", "8")],
    "rd_intensity": [("0", "0"), ("0.5", "4"), ("1", "6"), ("1.5", "7")],
    "high_tech_enterprises": [("0", "0"), ("10", "5"), ("40", "8"), ("100", "10")],
    "high_tech_per_thousand": [("0", "0"), ("2", "2.5"), ("5", "3.5"), ("10", "4")],
    "tech_smes": [("0", "0"), ("100", "2.5"), ("500", "5"), ("1000", "7")],
    "tech_smes_per_thousand": [("0", "0"), ("30", "2.5"), ("100", "3.5"), ("300", "4")],
    "enterprise_rd_institution_ratio": [("0", "0"), ("10", "3.5"), ("50", "4.5"), ("80", "5")],
    "invention_patents_per_10k": [("0", "0"), ("2", "3.5"), ("4", "4.5"), ("12", "6")],
    "high_tech_value_added_share": [("0", "0"), ("10", "2"), ("20", "5"), ("40", "6")],
    "agri_industrialization_rate": [("0", "0"), ("50", "2"), ("60", "2.5"), ("70", "3")],
}

KNOTS = [(code, D(v), D(p)) for code, knots in SEED_BANDS.items() for v, p in knots]


@pytest.mark.parametrize(("code", "value", "points"), KNOTS, ids=[f"{c}@{v}" for c, v, _ in KNOTS])
def test_every_knot_scores_as_the_seed_says(code: str, value: Decimal, points: Decimal) -> None:
    assert indicator_score(code, value) == points


MIDPOINTS = [
    (code, (D(v0) + D(v1)) / 2, (D(p0) + D(p1)) / 2)
    for code, knots in SEED_BANDS.items()
    for (v0, p0), (v1, p1) in itertools.pairwise(knots)
]


@pytest.mark.parametrize(("code", "value", "points"), MIDPOINTS, ids=[f"{c}@{v}" for c, v, _ in MIDPOINTS])
def test_midpoint_between_knots_is_linear(code: str, value: Decimal, points: Decimal) -> None:
    # every midpoint score in the Hebei table has at most 3 decimals; round it half-up as the engine does
    assert indicator_score(code, value) == points.quantize(D("0.01"), rounding="ROUND_HALF_UP")


@pytest.mark.parametrize(
    ("code", "value", "points"),
    [
        ("fiscal_st_expenditure", "3000", "3.5"),  # 3 + 2000/4000
        ("fiscal_st_expenditure", "20000", "5"),  # above the top knot: the max
        ("fiscal_st_expenditure", "999.99", "3.00"),  # 2.99997 rounds half-up to 3.00
        ("tech_smes", "302", "3.76"),  # 2.5 + 202 x 2.5/400 = 3.7625
        ("agri_industrialization_rate", "65.1", "2.76"),  # 2.505: half-up, not half-even
        ("agri_industrialization_rate", "100", "3"),
        ("invention_patents_per_10k", "6", "4.88"),  # 4.5 + 2 x 1.5/8 = 4.875
        ("high_tech_per_thousand", "1", "1.25"),
        ("rd_intensity", "0.25", "2"),
    ],
)
def test_points_between_knots(code: str, value: str, points: str) -> None:
    assert indicator_score(code, value) == D(points)
