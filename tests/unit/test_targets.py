"""The progress rule of plan targets, on plain numbers (no database)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from app.domain import builtin_scheme
from app.domain.targets import (
    TargetSpec,
    check_target,
    count_items,
    increase_progress,
    parse_threshold,
    threshold_progress,
)

SCHEME = builtin_scheme("hebei-county-2019")


@pytest.mark.parametrize(
    ("year", "series", "status", "expected", "pct"),
    [
        # goal 90 by 2025 from 60 in 2019: the path gains 5 a year
        (2022, {2019: D(60), 2022: D(75)}, "on_track", D(75), D("83.3")),
        (2022, {2019: D(60), 2022: D("74.9")}, "at_risk", D(75), D("83.2")),
        (2022, {2019: D(60), 2022: D(91)}, "met", None, D("101.1")),
        (2022, {2019: D(60)}, "at_risk", D(75), None),
        # no base value: the path starts from 0 (45 in 2022)
        (2022, {2022: D(45)}, "on_track", D(45), D(50)),
        # the target year has come: judged on its own value, later years do not matter
        (2025, {2019: D(60), 2025: D(89)}, "missed", None, D("98.9")),
        (2027, {2019: D(60), 2025: D(90), 2027: D(10)}, "met", None, D(100)),
        (2027, {2019: D(60), 2027: D(95)}, "missed", None, None),
    ],
)
def test_threshold_progress(
    year: int, series: dict[int, D], status: str, expected: D | None, pct: D | None
) -> None:
    p = threshold_progress(D(90), 2025, 2019, year, series)
    assert (p.status, p.expected, p.progress_pct, p.as_of) == (status, expected, pct, min(year, 2025))


@pytest.mark.parametrize(
    ("year", "series", "status", "pct"),
    [
        (2019, {2019: D(1)}, "on_track", D(0)),
        (2021, {2019: D(1), 2020: D(2), 2021: D(3)}, "on_track", D("33.3")),
        (2021, {2019: D(1), 2020: D(2), 2021: D(2)}, "missed", D("16.7")),
        (2021, {2019: D(1), 2021: D(3)}, "at_risk", D(0)),
        (2025, {y: D(y) for y in range(2019, 2026)}, "met", D(100)),
        (2030, {y: D(y) for y in range(2019, 2025)}, "missed", D("83.3")),
    ],
)
def test_increase_progress(year: int, series: dict[int, D], status: str, pct: D) -> None:
    p = increase_progress(2025, 2019, year, series)
    assert (p.status, p.progress_pct) == (status, pct)


def test_count_items_counts_the_level_and_above() -> None:
    items = [
        ("key_lab", "national"),
        ("key_lab", "provincial"),
        ("key_lab", "municipal"),
        ("incubator", "national"),
    ]
    assert count_items(SCHEME, items, ["key_lab"], "national") == 1
    assert count_items(SCHEME, items, ["key_lab"], "provincial") == 2
    assert count_items(SCHEME, items, ["key_lab"], "") == 3
    assert count_items(SCHEME, items, ["key_lab", "incubator"], "provincial") == 3


def test_check_target_accepts_the_kinds_and_names_bad_fields() -> None:
    ok = [
        TargetSpec("value", "rd_intensity", "", D("1.5"), 2025, 2019),
        TargetSpec("value", "public_expenditure", "", D(1), 2025, 2019),
        TargetSpec("count", "maker_space,star_innovation_space", "national", D(2), 2025, 2019),
        TargetSpec("increase", "fiscal_st_share", "", None, 2025, 2019),
        TargetSpec("tier", "B", "", None, 2020, 2019),
    ]
    assert [check_target(SCHEME, t) for t in ok] == [[]] * len(ok)
    bad = check_target(SCHEME, TargetSpec("count", "key_lab", "global", D("2.5"), 2019, 2019))
    assert [p.field for p in bad] == ["base_year", "level", "threshold"]
    with pytest.raises(ValueError, match="must be a number"):
        parse_threshold("7")
    assert parse_threshold(1.5) == D("1.5")
