"""Aggregates of scored regions (a city's or a province's): count, mean, median, tier counts."""

from __future__ import annotations

from decimal import Decimal

from app.domain.analysis import Standing, aggregate


def standings(*rows: tuple[str, str]) -> list[Standing]:
    return [Standing(Decimal(total), tier) for total, tier in rows]


def test_an_odd_group() -> None:
    # mean (81 + 62.5 + 40) / 3 = 61.1666.. -> 61.17; median the middle one, 62.5
    got = aggregate(standings(("81", "A"), ("62.5", "B"), ("40", "C")), ["A", "B", "C"])
    assert (got.regions, got.mean, got.median) == (3, Decimal("61.17"), Decimal("62.50"))
    assert got.tiers == {"A": 1, "B": 1, "C": 1}


def test_an_even_group_takes_the_mean_of_the_middle_two_rounded_half_up() -> None:
    # middle two 10.005 and 10.01 -> 10.0075 -> 10.01 (half-up); mean 40.025 / 4 = 10.00625 -> 10.01
    got = aggregate(standings(("10", "C"), ("10.005", "C"), ("10.01", "C"), ("10.01", "C")), ["A", "B", "C"])
    assert (got.mean, got.median) == (Decimal("10.01"), Decimal("10.01"))
    assert list(got.tiers) == ["A", "B", "C"] and got.tiers["C"] == 4


def test_an_empty_group() -> None:
    got = aggregate([], ["A", "B", "C"])
    assert (got.regions, got.mean, got.median, got.tiers) == (0, None, None, {"A": 0, "B": 0, "C": 0})
